/*
 * vnc-producer: a FIFO producer for the bridge's tests.  It animates a block
 * over a fixed pattern (damage only where the block was and is), can set a
 * cursor, and measures how long each present waited: a present that takes
 * the producer's whole timeout means a consumer held it up.
 *
 *   vnc-producer NAME [--size WxH] [--fps N] [--timeout-ms T] [--frames N]
 *                [--report FILE] [--cursor PNG] [--full]
 *
 * --full redraws and damages the whole frame every time (large updates).
 *
 * After --frames N frames, or on SIGUSR2, it stops animating, writes
 * "frames N max_present_ms M" to the report file and keeps its last frame
 * until SIGTERM or SIGINT.  SIGUSR1 switches the cursor between the PNG and
 * hidden.
 */
#include <shmfb/png.h>
#include <shmfb/shmfb.h>

#include "args.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BLOCK 48

static volatile sig_atomic_t stop, toggle, hold;

static void on_stop(int sig)
{
    (void)sig;
    stop = 1;
}

static void on_usr1(int sig)
{
    (void)sig;
    toggle = 1;
}

static void on_usr2(int sig)
{
    (void)sig;
    hold = 1;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint32_t pattern(int32_t x, int32_t y)
{
    return 0xFF000000u | (uint32_t)((x * 3) & 0xFF) << 16 | (uint32_t)((y * 5) & 0xFF) << 8 |
           (uint32_t)(((x ^ y) >> 2) & 0xFF);
}

static void fill(uint32_t *px, int32_t pitch, struct shmfb_rect r, long frame, bool block)
{
    for (int32_t y = r.y; y < r.y + r.h; y++)
        for (int32_t x = r.x; x < r.x + r.w; x++)
            px[(size_t)y * (size_t)pitch + (size_t)x] =
                block ? 0xFF000000u | (uint32_t)(frame * 2654435761u >> 8) : pattern(x, y);
}

static struct shmfb_rect block_at(long frame, int32_t w, int32_t h)
{
    int32_t span_x = w > BLOCK ? w - BLOCK : 1, span_y = h > BLOCK ? h - BLOCK : 1;
    return (struct shmfb_rect){(int32_t)(frame * 7 % span_x), (int32_t)(frame * 3 % span_y),
                               w < BLOCK ? w : BLOCK, h < BLOCK ? h : BLOCK};
}

static void set_cursor(struct shmfb_producer *p, const struct shmfb_image *img, bool shown)
{
    if (!img->pixels)
        return;
    int rc = shown ? shmfb_producer_set_cursor(p, SHMFB_CURSOR_SHAPE, img->pixels, img->width,
                                               img->height, img->width / 4, img->height / 3)
                   : shmfb_producer_set_cursor(p, SHMFB_CURSOR_HIDDEN, NULL, 0, 0, 0, 0);
    if (rc < 0)
        fprintf(stderr, "vnc-producer: cursor: %s\n", shmfb_strerror(rc));
}

static void check_toggle(struct shmfb_producer *p, const struct shmfb_image *cur, bool *shown)
{
    if (!toggle)
        return;
    toggle = 0;
    *shown = !*shown;
    set_cursor(p, cur, *shown);
}

struct opts {
    const char *name, *report, *cursor;
    int32_t w, h;
    bool full;
    int fps, timeout_ms;
    long frames;
    long clip_bytes; /* offered once a consumer attached; 0 none */
};

static const char usage[] =
    "usage: vnc-producer NAME [--size WxH] [--fps N] [--timeout-ms T] [--frames N]\n"
    "                    [--report FILE] [--cursor PNG] [--full]\n"
    "A FIFO producer for shmfb-vnc's tests: a block moves over a fixed pattern.\n"
    "  --size WxH        frame and capacity (default 320x200)\n"
    "  --fps N           frames a second (default 60)\n"
    "  --timeout-ms T    the producer's timeout for stuck consumers (default 2000)\n"
    "  --frames N        stop animating after N frames (default: on SIGUSR2)\n"
    "  --report FILE     then write 'frames N max_present_ms M' there\n"
    "  --cursor PNG      set this cursor (SIGUSR1 hides and shows it)\n"
    "  --full            redraw and damage the whole frame every time\n"
    "  --clipboard N     offer N bytes of text as the clipboard once a consumer\n"
    "                    attached\n";

static int parse_opt(const struct args *a, int opt, struct opts *o)
{
    switch (opt) {
    case 's':
        return args_size(a, &o->w, &o->h);
    case 'f':
        return args_int(a, 1, 1000, &o->fps);
    case 't':
        return args_int(a, 1, 600000, &o->timeout_ms);
    case 'n':
        return args_long(a, 1, 1000000000L, &o->frames);
    case 'r':
        o->report = a->value;
        return 0;
    case 'c':
        o->cursor = a->value;
        return 0;
    case 'C':
        return args_long(a, 1, SHMFB_HOST_DATA_MAX, &o->clip_bytes);
    default: /* 'F' */
        o->full = true;
        return 0;
    }
}

/* \returns -1 to run, or the exit status. */
static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        {"size", required_argument, NULL, 's'},
        {"fps", required_argument, NULL, 'f'},
        {"timeout-ms", required_argument, NULL, 't'},
        {"frames", required_argument, NULL, 'n'},
        {"report", required_argument, NULL, 'r'},
        {"cursor", required_argument, NULL, 'c'},
        {"full", no_argument, NULL, 'F'},
        {"clipboard", required_argument, NULL, 'C'},
        {NULL, 0, NULL, 0},
    };
    struct args a = {.prog = "vnc-producer", .usage_text = usage, .longopts = longopts};
    int opt;
    args_start(&a, argc, argv);
    while ((opt = args_next(&a)) > 0)
        if (parse_opt(&a, opt, o) < 0)
            return ARGS_EXIT_USAGE;
    if (opt == ARGS_STOP)
        return a.status;
    if (a.nrest != 1)
        return args_usage_error(&a, "%s", a.nrest ? "too many arguments" : "missing NAME");
    o->name = a.rest[0];
    return -1;
}

/* --clipboard: once, when a consumer is attached. */
static void offer(struct shmfb_producer *p, long *bytes)
{
    if (!*bytes || shmfb_producer_consumers(p) == 0)
        return;
    char *text = malloc((size_t)*bytes);
    if (text) {
        memset(text, 'x', (size_t)*bytes);
        struct shmfb_clip_item it = {.mime = SHMFB_MIME_TEXT, .data = text, .size = (size_t)*bytes};
        int rc = shmfb_producer_offer_clipboard(p, &it, 1);
        if (rc < 0)
            fprintf(stderr, "vnc-producer: clipboard: %s\n", shmfb_strerror(rc));
        free(text);
    }
    *bytes = 0;
}

static void report(const struct opts *o, long frames, double worst)
{
    FILE *f = o->report ? fopen(o->report, "w") : NULL;
    if (f) {
        fprintf(f, "frames %ld max_present_ms %.0f\n", frames, worst);
        fclose(f);
    }
}

int main(int argc, char **argv)
{
    struct opts o = {.w = 320, .h = 200, .fps = 60, .timeout_ms = 2000};
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    struct shmfb_image cur = {0};
    char err[256];
    if (o.cursor && shmfb_png_read(o.cursor, &cur, err, sizeof err) < 0) {
        fprintf(stderr, "vnc-producer: %s: %s\n", o.cursor, err);
        return 1;
    }
    signal(SIGTERM, on_stop);
    signal(SIGINT, on_stop);
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, on_usr2);
    struct shmfb_producer_desc d = {
        .max_width = o.w, .max_height = o.h, .timeout_ms = o.timeout_ms};
    struct shmfb_producer *p;
    rc = shmfb_producer_create(o.name, &d, &p);
    if (rc < 0) {
        fprintf(stderr, "vnc-producer: %s: %s\n", o.name, shmfb_strerror(rc));
        return 1;
    }
    uint32_t *px = shmfb_producer_pixels(p);
    int32_t pitch = shmfb_producer_stride(p) / 4;
    bool shown = true;
    set_cursor(p, &cur, shown);
    fill(px, pitch, (struct shmfb_rect){0, 0, o.w, o.h}, 0, false);
    shmfb_producer_present(p);
    double worst = 0, period = 1000.0 / o.fps, next = now_ms();
    long frame = 1;
    for (; !stop && !hold && (!o.frames || frame <= o.frames); frame++) {
        check_toggle(p, &cur, &shown);
        offer(p, &o.clip_bytes);
        struct shmfb_rect old = block_at(frame - 1, o.w, o.h), now = block_at(frame, o.w, o.h);
        if (o.full)
            old = (struct shmfb_rect){0, 0, o.w, o.h};
        fill(px, pitch, old, frame, false);
        fill(px, pitch, now, frame, true);
        shmfb_producer_damage(p, &old);
        shmfb_producer_damage(p, &now);
        double t0 = now_ms();
        shmfb_producer_present(p);
        double took = now_ms() - t0;
        worst = took > worst ? took : worst;
        next += period;
        double left = next - now_ms();
        if (left > 0) {
            long ns = (long)(left * 1e6);
            nanosleep(&(struct timespec){ns / 1000000000L, ns % 1000000000L}, NULL);
        } else {
            next = now_ms();
        }
    }
    report(&o, frame - 1, worst);
    while (!stop) { /* the last frame stays until told to go */
        check_toggle(p, &cur, &shown);
        offer(p, &o.clip_bytes);
        shmfb_producer_dispatch(p);
        nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    }
    shmfb_producer_destroy(p);
    shmfb_image_free(&cur);
    return 0;
}

/*
 * test-producer: the deterministic shmfb producer the test suites share
 * (shmfb-view's end-to-end tests, shmfb-vnc's tests, the demo script).
 *
 * Scene "sprite": a test pattern with a sprite alpha-blended onto it at a
 * position that depends only on the frame number.  Scene "block": a block of
 * changing colour moving over a fixed pattern.  Scene "seq": frame SEQ is
 * test_pattern(x, y, SEQ) all over, its size alternating between --size and
 * the capacity.  Scene "tag": the same from a tag and the frame number at a
 * fixed size (both in pattern.h, which the checkers share).  After the first
 * frame only
 * the moving thing's old and new rectangles are redrawn and marked as damage
 * (unless --full), so the last frame looks the same however many frames a
 * viewer saw, and a viewer that drops damage shows trails.
 *
 * Frames come in batches (--frames, or until SIGUSR1); after each, --done
 * FILE says how many were presented and how long the slowest present
 * waited: a present that takes the whole --stuck-ms means a consumer held
 * the producer up.  With --hold it then keeps its last frame, SIGUSR1 draws
 * another batch.  It can publish pointer shapes (--cursor), one after the
 * other on SIGUSR2, and offer a clipboard (--clipboard).
 */
#include "args.h"
#include "pattern.h"

#include <shmfb/png.h>
#include <shmfb/shmfb.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CURSORS 8
#define BLOCK       48 /* the block scene's block */

/* A cursor to publish: a state, and for a shape its PNG and hotspot. */
struct prod_cursor {
    uint32_t state;
    char png[4096];
    int hot_x, hot_y;
};

struct prod_opts {
    const char *name, *sprite, *done;
    int w, h, w2, h2, cap_w, cap_h;
    int frames, resize_at, pattern, interval_ms, stuck_ms, fps;
    long clip_bytes; /* offered once a consumer attached; 0 none */
    long tag, share_uid;
    uint32_t format, pacing;
    bool hold, wait_consumer, reap, block, seq, tagged, full, never, ready, share_any, share;
    struct prod_cursor cursors[MAX_CURSORS];
    int ncursors;
};

struct prod {
    struct prod_opts o;
    struct shmfb_producer *p;
    struct shmfb_image sprite;
    sigset_t sigs;
    int w, h;
    struct shmfb_rect last; /* where the sprite was drawn */
    int cursor;             /* the next of o.cursors to publish */
    int frame;              /* the next frame to draw, from 1 */
    double worst_ms;        /* the slowest present of this batch */
    bool failed;            /* a cursor could not be published */
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint32_t pattern_px(int id, int w, int h, int x, int y)
{
    if (id == 3) /* the block scene's */
        return 0xff000000u | (uint32_t)((x * 3) & 0xff) << 16 | (uint32_t)((y * 5) & 0xff) << 8 |
               (uint32_t)(((x ^ y) >> 2) & 0xff);
    if (x == 0 || y == 0 || x == w - 1 || y == h - 1)
        return 0xffffffffu; /* a border shows that no edge was cut off */
    uint32_t cell = (uint32_t)(((x >> 4) ^ (y >> 4)) & 1);
    uint32_t r, g, b;
    if (id == 2) {
        r = cell ? 0xe0 : 0x30;
        g = (uint32_t)(y * 3) & 0xff;
        b = (uint32_t)(x * 3) & 0xff;
    } else {
        r = (uint32_t)(x * 2) & 0xff;
        g = (uint32_t)(y * 2) & 0xff;
        b = cell ? 0xc0 : 0x40;
    }
    return 0xff000000u | r << 16 | g << 8 | b;
}

static uint32_t *row(struct prod *s, int y)
{
    return shmfb_producer_pixels(s->p) + (size_t)y * (size_t)(shmfb_producer_stride(s->p) / 4);
}

static void paint_pattern(struct prod *s, struct shmfb_rect r)
{
    /* In ARGB, half the pixels are translucent: a viewer must not blend them. */
    uint32_t odd_alpha = s->o.format == SHMFB_FORMAT_ARGB8888 ? 0x40ffffffu : 0xffffffffu;
    for (int y = r.y; y < r.y + r.h; y++) {
        uint32_t *px = row(s, y);
        for (int x = r.x; x < r.x + r.w; x++)
            px[x] = pattern_px(s->o.pattern, s->w, s->h, x, y) & ((x ^ y) & 1 ? odd_alpha : ~0u);
    }
}

static uint32_t blend(uint32_t src, uint32_t dst)
{
    uint32_t a = src >> 24, out = 0xff000000u;
    for (int sh = 0; sh < 24; sh += 8) {
        uint32_t cs = (src >> sh) & 0xff, cd = (dst >> sh) & 0xff;
        out |= ((cs * a + cd * (255 - a) + 127) / 255) << sh;
    }
    return out;
}

/* Where the block or the sprite of that frame is, clipped to the frame. */
static struct shmfb_rect sprite_rect(const struct prod *s, int frame)
{
    if (s->o.block) {
        int span_x = s->w > BLOCK ? s->w - BLOCK : 1, span_y = s->h > BLOCK ? s->h - BLOCK : 1;
        return (struct shmfb_rect){frame * 7 % span_x, frame * 3 % span_y,
                                   s->w < BLOCK ? s->w : BLOCK, s->h < BLOCK ? s->h : BLOCK};
    }
    const struct shmfb_image *sp = &s->sprite;
    int rx = s->w - sp->width - 8, ry = s->h - sp->height - 8;
    struct shmfb_rect r = {4 + (rx > 0 ? (frame * 7) % rx : 0), 4 + (ry > 0 ? (frame * 5) % ry : 0),
                           sp->width, sp->height};
    if (r.x + r.w > s->w)
        r.w = s->w - r.x;
    if (r.y + r.h > s->h)
        r.h = s->h - r.y;
    return r;
}

static void paint_sprite(struct prod *s, struct shmfb_rect r, int frame)
{
    if (s->o.block) {
        uint32_t colour = 0xff000000u | (uint32_t)((uint32_t)frame * 2654435761u >> 8);
        for (int y = 0; y < r.h; y++)
            for (int x = 0; x < r.w; x++)
                row(s, r.y + y)[r.x + x] = colour;
        return;
    }
    const struct shmfb_image *sp = &s->sprite;
    for (int y = 0; y < r.h; y++) {
        uint32_t *px = row(s, r.y + y) + r.x;
        const uint32_t *src = sp->pixels + (size_t)y * (size_t)(sp->stride / 4);
        for (int x = 0; x < r.w; x++)
            px[x] = blend(src[x], px[x]);
    }
}

/* A small built-in sprite when no file is given: a ring with soft edges. */
static int make_sprite(struct shmfb_image *img)
{
    enum { N = 20 };
    img->width = img->height = N;
    img->stride = N * 4;
    img->pixels = malloc(N * N * 4);
    if (!img->pixels)
        return -ENOMEM;
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) {
            int dx = 2 * x - (N - 1), dy = 2 * y - (N - 1), d2 = dx * dx + dy * dy;
            uint32_t a = d2 > 400 ? 0 : d2 > 300 ? 0x80 : d2 < 60 ? 0x40 : 0xff;
            img->pixels[y * N + x] = a << 24 | 0xff2000u;
        }
    return 0;
}

/* The seq and tag scenes: the whole frame from its number (seq: at the
 * size of that number). */
static void draw_seq(struct prod *s)
{
    uint64_t seq = shmfb_producer_frame(s->p) + 1;
    int32_t w = s->w, h = s->h;
    if (s->o.seq)
        test_pattern_size(seq, s->o.w, s->o.h, s->o.cap_w, s->o.cap_h, &w, &h);
    if (w != s->w || h != s->h) {
        shmfb_producer_resize(s->p, w, h);
        s->w = w;
        s->h = h;
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            row(s, y)[x] =
                s->o.tagged ? test_tag_pattern(s->o.tag, seq, x, y) : test_pattern(x, y, seq);
}

/* Draws frame number k (1-based) and marks its damage. */
static void draw_frame(struct prod *s, int k, bool full)
{
    if (s->o.seq || s->o.tagged) {
        draw_seq(s);
        return;
    }
    struct shmfb_rect now = sprite_rect(s, k);
    if (full || s->o.full) {
        struct shmfb_rect all = {0, 0, s->w, s->h};
        paint_pattern(s, all);
        if (!full) /* --full: every frame damages all of it */
            shmfb_producer_damage(s->p, &all);
    } else {
        paint_pattern(s, s->last);
        shmfb_producer_damage(s->p, &s->last);
        shmfb_producer_damage(s->p, &now);
    }
    paint_sprite(s, now, k);
    s->last = now;
}

/* Sleeps up to ms; returns the signal that ended the sleep early, or 0. */
static int nap(struct prod *s, double ms)
{
    long ns = ms > 0 ? (long)(ms * 1e6) : 0;
    struct timespec ts = {ns / 1000000000L, ns % 1000000000L};
    for (;;) {
        int sig = sigtimedwait(&s->sigs, NULL, &ts);
        if (sig > 0 || errno != EINTR)
            return sig > 0 ? sig : 0;
    }
}

static bool nap_or_signal(struct prod *s, int ms)
{
    int sig = nap(s, ms);
    return sig == SIGINT || sig == SIGTERM;
}

static int wait_for_consumer(struct prod *s)
{
    for (int i = 0; i < 1500; i++) {
        if (shmfb_producer_consumers(s->p) > 0)
            return 0;
        if (nap_or_signal(s, 10))
            return -EINTR;
    }
    fprintf(stderr, "test-producer: no consumer came\n");
    return -ETIMEDOUT;
}

/* Publishes the next cursor of --cursor (they take turns). */
static int next_cursor(struct prod *s)
{
    if (s->o.ncursors == 0)
        return 0;
    const struct prod_cursor *c = &s->o.cursors[s->cursor];
    s->cursor = (s->cursor + 1) % s->o.ncursors;
    if (c->state != SHMFB_CURSOR_SHAPE)
        return shmfb_producer_set_cursor(s->p, c->state, NULL, 0, 0, 0, 0);
    struct shmfb_image img;
    char err[256] = "";
    int rc = shmfb_png_read(c->png, &img, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "test-producer: %s: %s\n", c->png, err[0] ? err : shmfb_png_strerror(rc));
        return rc;
    }
    /* The image rows packed, as the cursor channel takes them. */
    for (int y = 1; y < img.height; y++)
        memmove(img.pixels + (size_t)y * (size_t)img.width,
                img.pixels + (size_t)y * (size_t)(img.stride / 4), (size_t)img.width * 4u);
    rc = shmfb_producer_set_cursor(s->p, SHMFB_CURSOR_SHAPE, img.pixels, img.width, img.height,
                                   c->hot_x, c->hot_y);
    if (rc < 0)
        fprintf(stderr, "test-producer: cursor %s: %s\n", c->png, shmfb_strerror(rc));
    shmfb_image_free(&img);
    return rc;
}

/* What a signal asks for: */
enum control {
    GO_ON,     /* nothing (or SIGUSR2: the next cursor, published) */
    BATCH_END, /* SIGUSR1: end this batch, or draw another one */
    STOP,      /* SIGINT, SIGTERM, or a cursor that cannot be published */
};

static enum control control(struct prod *s, int sig)
{
    if (sig == SIGUSR2 && next_cursor(s) < 0)
        s->failed = true;
    if (s->failed)
        return STOP;
    if (sig == SIGUSR1)
        return BATCH_END;
    return sig == SIGINT || sig == SIGTERM ? STOP : GO_ON;
}

/* --clipboard: once, when a consumer is attached. */
static void offer(struct prod *s)
{
    if (!s->o.clip_bytes || shmfb_producer_consumers(s->p) == 0)
        return;
    char *text = malloc((size_t)s->o.clip_bytes);
    if (text) {
        memset(text, 'x', (size_t)s->o.clip_bytes);
        struct shmfb_clip_item it = {
            .mime = SHMFB_MIME_TEXT, .data = text, .size = (size_t)s->o.clip_bytes};
        int rc = shmfb_producer_offer_clipboard(s->p, &it, 1);
        if (rc < 0)
            fprintf(stderr, "test-producer: clipboard: %s\n", shmfb_strerror(rc));
        free(text);
    }
    s->o.clip_bytes = 0;
}

/* --done FILE: "frames N max_present_ms M", whole or not at all. */
static void report(const struct prod *s, int frames)
{
    if (!s->o.done)
        return;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", s->o.done);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "frames %d max_present_ms %.0f\n", frames, s->worst_ms);
    if (fclose(f) == 0)
        rename(tmp, s->o.done);
}

/* Between two frames: --fps keeps a deadline, else --interval. */
static enum control pace(struct prod *s, double *next)
{
    if (!s->o.fps)
        return control(s, nap(s, s->o.interval_ms));
    *next += 1000.0 / s->o.fps;
    double left = *next - now_ms();
    if (left <= 0)
        *next = now_ms();
    return control(s, nap(s, left));
}

/* Presents --frames frames (0: until SIGUSR1) from frame s->frame on. */
static enum control run_batch(struct prod *s)
{
    int first = s->frame, n = s->o.frames;
    enum control c = GO_ON;
    double next = now_ms();
    s->worst_ms = 0;
    while (c == GO_ON && (n == 0 || s->frame < first + n)) {
        int k = s->frame++;
        bool full = k == 1;
        if (k > 1 && k == s->o.resize_at + 1) {
            shmfb_producer_resize(s->p, s->o.w2, s->o.h2);
            s->w = s->o.w2;
            s->h = s->o.h2;
            full = true;
        }
        draw_frame(s, k, full);
        double t0 = now_ms();
        shmfb_producer_present(s->p);
        double took = now_ms() - t0;
        s->worst_ms = took > s->worst_ms ? took : s->worst_ms;
        offer(s);
        if (n == 0 || s->frame < first + n)
            c = pace(s, &next);
    }
    report(s, s->frame - first);
    return c == STOP ? STOP : GO_ON;
}

/* With --hold, the last frame stays; SIGUSR1 draws another batch. */
static void run_frames(struct prod *s)
{
    s->frame = 1;
    if (run_batch(s) == STOP)
        return;
    while (s->o.hold) {
        enum control c = control(s, nap(s, 20));
        shmfb_producer_dispatch(s->p);
        offer(s);
        if (c == STOP || (c == BATCH_END && run_batch(s) == STOP))
            return;
    }
}

static const char usage[] =
    "usage: test-producer [options] [NAME]\n"
    "Without NAME, when started by a viewer (SHMFB_SOCKET set), the framebuffer is\n"
    "private to that viewer.\n"
    "  --size WxH        frame size (default 160x120)\n"
    "  --capacity WxH    capacity (default: fits both sizes)\n"
    "  --frames N        frames to present in a batch (default 30; 0: until\n"
    "                    SIGUSR1)\n"
    "  --resize-at K     after frame K switch to --resize WxH\n"
    "  --resize WxH      the second size\n"
    "  --scene NAME      sprite (default: a sprite over --pattern), block (a\n"
    "                    block of changing colour over a pattern of its own) or\n"
    "                    seq (every pixel from the frame number, alpha too; the\n"
    "                    size alternates with the capacity every 10 frames) or\n"
    "                    tag (the same from --tag N too, at a fixed size)\n"
    "  --tag N           the tag scene's tag, 0 to 255 (default 0)\n"
    "  --pattern 1|2     the sprite scene's background pattern\n"
    "  --sprite PNG      sprite to blend in (default: built-in)\n"
    "  --full            redraw and damage the whole frame every time\n"
    "  --argb            ARGB format instead of XRGB\n"
    "  --pacing MODE     fifo (default), mailbox or free\n"
    "  --cursor SPEC     a pointer shape to publish: PNG@X,Y (image and hotspot),\n"
    "                    hidden or default; the first at the start, the next on\n"
    "                    each SIGUSR2 (up to 8, in turn)\n"
    "  --interval MS     pause between frames (default 10)\n"
    "  --fps N           frames a second on a deadline, instead of --interval\n"
    "  --stuck-ms MS     how long a present waits for a consumer (default 2000)\n"
    "  --wait-consumer   start drawing once a consumer attached\n"
    "  --done FILE       after each batch write 'frames N max_present_ms M' there\n"
    "                    (M: the slowest present of the batch)\n"
    "  --hold            then stay until SIGINT or SIGTERM; SIGUSR1 draws\n"
    "                    another batch; SIGUSR2 (any time) publishes the next\n"
    "                    --cursor\n"
    "  --clipboard N     offer N bytes of text as the clipboard once a consumer\n"
    "                    attached\n"
    "  --reap            remove a stale framebuffer of that name first\n"
    "  --never-present   create the framebuffer, then wait for SIGTERM without\n"
    "                    presenting (a producer still starting up)\n"
    "  --ready           print 'ready' once the framebuffer exists\n"
    "  --share-uid UID   let that user's consumers in too (SHMFB_SHARE_UID)\n"
    "  --share-any       let every user's consumers in (SHMFB_SHARE_ANY)\n";

enum {
    OPT_SIZE = 256,
    OPT_CAPACITY,
    OPT_FRAMES,
    OPT_RESIZE_AT,
    OPT_RESIZE,
    OPT_PATTERN,
    OPT_SPRITE,
    OPT_ARGB,
    OPT_INTERVAL,
    OPT_STUCK_MS,
    OPT_WAIT_CONSUMER,
    OPT_DONE,
    OPT_HOLD,
    OPT_REAP,
    OPT_PACING,
    OPT_CURSOR,
    OPT_SCENE,
    OPT_FULL,
    OPT_FPS,
    OPT_CLIPBOARD,
    OPT_NEVER_PRESENT,
    OPT_TAG,
    OPT_READY,
    OPT_SHARE_UID,
    OPT_SHARE_ANY,
};

/* A size as ints; 0 or -1 like the parsers. */
static int parse_size(const struct args *a, int *w, int *h)
{
    int32_t w32, h32;
    if (args_size(a, &w32, &h32) < 0)
        return -1;
    *w = w32;
    *h = h32;
    return 0;
}

static int parse_pacing(const struct args *a, struct prod_opts *o)
{
    static const char *const names[] = {[SHMFB_PACING_FIFO] = "fifo",
                                        [SHMFB_PACING_FREE] = "free",
                                        [SHMFB_PACING_MAILBOX] = "mailbox"};
    for (uint32_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(a->value, names[i]) == 0) {
            o->pacing = i;
            return 0;
        }
    }
    args_usage_error(a, "--pacing must be fifo, mailbox or free, not '%s'", a->value);
    return -1;
}

static int parse_scene(const struct args *a, struct prod_opts *o)
{
    o->block = strcmp(a->value, "block") == 0;
    o->seq = strcmp(a->value, "seq") == 0;
    o->tagged = strcmp(a->value, "tag") == 0;
    if (!o->block && !o->seq && !o->tagged && strcmp(a->value, "sprite") != 0) {
        args_usage_error(a, "--scene must be sprite, block, seq or tag, not '%s'", a->value);
        return -1;
    }
    return 0;
}

/* PNG@X,Y, hidden or default. */
static int parse_cursor(const struct args *a, struct prod_opts *o)
{
    if (o->ncursors == MAX_CURSORS) {
        args_usage_error(a, "at most %d --cursor", MAX_CURSORS);
        return -1;
    }
    struct prod_cursor *c = &o->cursors[o->ncursors];
    const char *at = strrchr(a->value, '@');
    char end;
    if (strcmp(a->value, "hidden") == 0) {
        c->state = SHMFB_CURSOR_HIDDEN;
    } else if (strcmp(a->value, "default") == 0) {
        c->state = SHMFB_CURSOR_DEFAULT;
    } else if (at && at != a->value && at - a->value < (ptrdiff_t)sizeof c->png &&
               sscanf(at + 1, "%d,%d%c", &c->hot_x, &c->hot_y, &end) == 2) {
        c->state = SHMFB_CURSOR_SHAPE;
        snprintf(c->png, sizeof c->png, "%.*s", (int)(at - a->value), a->value);
    } else {
        args_usage_error(a, "--cursor takes PNG@X,Y, hidden or default, not '%s'", a->value);
        return -1;
    }
    o->ncursors++;
    return 0;
}

static int parse_flag(int opt, struct prod_opts *o)
{
    if (opt == OPT_ARGB)
        o->format = SHMFB_FORMAT_ARGB8888;
    else if (opt == OPT_HOLD)
        o->hold = true;
    else if (opt == OPT_WAIT_CONSUMER)
        o->wait_consumer = true;
    else if (opt == OPT_FULL)
        o->full = true;
    else if (opt == OPT_NEVER_PRESENT)
        o->never = true;
    else if (opt == OPT_READY)
        o->ready = true;
    else if (opt == OPT_SHARE_ANY)
        o->share_any = true;
    else
        o->reap = true; /* OPT_REAP */
    return 0;
}

static int parse_opt(const struct args *a, int opt, struct prod_opts *o)
{
    switch (opt) {
    case OPT_SIZE:
        return parse_size(a, &o->w, &o->h);
    case OPT_CAPACITY:
        return parse_size(a, &o->cap_w, &o->cap_h);
    case OPT_RESIZE:
        return parse_size(a, &o->w2, &o->h2);
    case OPT_FRAMES:
        return args_int(a, 0, 1000000000, &o->frames);
    case OPT_FPS:
        return args_int(a, 1, 1000, &o->fps);
    case OPT_CLIPBOARD:
        return args_long(a, 1, SHMFB_HOST_DATA_MAX, &o->clip_bytes);
    case OPT_SCENE:
        return parse_scene(a, o);
    case OPT_TAG:
        return args_long(a, 0, 255, &o->tag);
    case OPT_SHARE_UID:
        o->share = true;
        return args_long(a, 0, UINT32_MAX, &o->share_uid);
    case OPT_RESIZE_AT:
        return args_int(a, 1, 1000000000, &o->resize_at);
    case OPT_PATTERN:
        return args_int(a, 1, 2, &o->pattern);
    case OPT_INTERVAL:
        return args_int(a, 0, 1000000000, &o->interval_ms);
    case OPT_STUCK_MS:
        return args_int(a, 1, 1000000000, &o->stuck_ms);
    case OPT_SPRITE:
        o->sprite = a->value;
        return 0;
    case OPT_DONE:
        o->done = a->value;
        return 0;
    case OPT_PACING:
        return parse_pacing(a, o);
    case OPT_CURSOR:
        return parse_cursor(a, o);
    default:
        return parse_flag(opt, o);
    }
}

static int max(int a, int b)
{
    return a > b ? a : b;
}

/* Returns -1 to run, or the exit status. */
static int parse(int argc, char **argv, struct prod_opts *o)
{
    static const struct option longopts[] = {
        {"size", required_argument, NULL, OPT_SIZE},
        {"capacity", required_argument, NULL, OPT_CAPACITY},
        {"frames", required_argument, NULL, OPT_FRAMES},
        {"resize-at", required_argument, NULL, OPT_RESIZE_AT},
        {"resize", required_argument, NULL, OPT_RESIZE},
        {"pattern", required_argument, NULL, OPT_PATTERN},
        {"sprite", required_argument, NULL, OPT_SPRITE},
        {"argb", no_argument, NULL, OPT_ARGB},
        {"interval", required_argument, NULL, OPT_INTERVAL},
        {"stuck-ms", required_argument, NULL, OPT_STUCK_MS},
        {"wait-consumer", no_argument, NULL, OPT_WAIT_CONSUMER},
        {"done", required_argument, NULL, OPT_DONE},
        {"hold", no_argument, NULL, OPT_HOLD},
        {"reap", no_argument, NULL, OPT_REAP},
        {"pacing", required_argument, NULL, OPT_PACING},
        {"cursor", required_argument, NULL, OPT_CURSOR},
        {"scene", required_argument, NULL, OPT_SCENE},
        {"full", no_argument, NULL, OPT_FULL},
        {"fps", required_argument, NULL, OPT_FPS},
        {"clipboard", required_argument, NULL, OPT_CLIPBOARD},
        {"never-present", no_argument, NULL, OPT_NEVER_PRESENT},
        {"tag", required_argument, NULL, OPT_TAG},
        {"ready", no_argument, NULL, OPT_READY},
        {"share-uid", required_argument, NULL, OPT_SHARE_UID},
        {"share-any", no_argument, NULL, OPT_SHARE_ANY},
        {NULL, 0, NULL, 0},
    };
    struct args a = {.prog = "test-producer", .usage_text = usage, .longopts = longopts};
    int opt;
    *o = (struct prod_opts){.w = 160, .h = 120, .frames = 30, .pattern = 1, .interval_ms = 10};
    args_start(&a, argc, argv);
    while ((opt = args_next(&a)) > 0)
        if (parse_opt(&a, opt, o) < 0)
            return ARGS_EXIT_USAGE;
    if (opt == ARGS_STOP)
        return a.status;
    if (a.nrest > 1)
        return args_usage_error(&a, "unexpected argument '%s'", a.rest[1]);
    if (!args_producer_name(a.nrest ? a.rest[0] : NULL, NULL, &o->name))
        return args_usage_error(&a, "missing NAME (needed unless started by a viewer)");
    if (o->block)
        o->pattern = 3;
    if (!o->resize_at) {
        o->w2 = o->w;
        o->h2 = o->h;
    } else if (!o->w2) {
        return args_usage_error(&a, "--resize-at needs --resize");
    }
    o->cap_w = max(o->cap_w, max(o->w, o->w2));
    o->cap_h = max(o->cap_h, max(o->h, o->h2));
    return -1;
}

static int load_sprite(struct prod *s)
{
    if (!s->o.sprite)
        return make_sprite(&s->sprite);
    char err[256] = "";
    int rc = shmfb_png_read(s->o.sprite, &s->sprite, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "test-producer: %s: %s\n", s->o.sprite,
                err[0] ? err : shmfb_png_strerror(rc));
    return rc;
}

static int create(struct prod *s)
{
    if (s->o.reap && s->o.name)
        shmfb_reap(s->o.name);
    struct shmfb_producer_desc d = {.max_width = s->o.cap_w,
                                    .max_height = s->o.cap_h,
                                    .width = s->o.w,
                                    .height = s->o.h,
                                    .format = s->o.format,
                                    .pacing = s->o.pacing,
                                    .timeout_ms = s->o.stuck_ms,
                                    .flags = (s->o.share ? SHMFB_SHARE_UID : 0) |
                                             (s->o.share_any ? SHMFB_SHARE_ANY : 0),
                                    .share_uid = (uint32_t)s->o.share_uid};
    int rc = shmfb_producer_create(s->o.name, &d, &s->p);
    if (rc == 0 && s->o.ready) {
        printf("ready\n");
        fflush(stdout);
    }
    if (rc < 0)
        fprintf(stderr, "test-producer: %s: %s\n", s->o.name ? s->o.name : "spawned framebuffer",
                shmfb_strerror(rc));
    s->w = s->o.w;
    s->h = s->o.h;
    return rc;
}

int main(int argc, char **argv)
{
    static struct prod s;
    int status = parse(argc, argv, &s.o);
    if (status >= 0)
        return status;
    sigemptyset(&s.sigs);
    sigaddset(&s.sigs, SIGINT);
    sigaddset(&s.sigs, SIGTERM);
    sigaddset(&s.sigs, SIGUSR1);
    sigaddset(&s.sigs, SIGUSR2);
    sigprocmask(SIG_BLOCK, &s.sigs, NULL);
    if (load_sprite(&s) < 0)
        return 1;
    int rc = create(&s);
    if (rc == 0)
        rc = next_cursor(&s);
    if (rc == 0 && s.o.never)
        while (control(&s, nap(&s, 1000)) != STOP)
            ;
    else if (rc == 0 && (!s.o.wait_consumer || wait_for_consumer(&s) == 0))
        run_frames(&s);
    shmfb_producer_destroy(s.p);
    shmfb_image_free(&s.sprite);
    return rc < 0 || s.failed ? 1 : 0;
}

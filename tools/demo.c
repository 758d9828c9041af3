/* shmfb demo: an animated producer that uses the library as a client would. */
#include "cli.h"
#include "scene.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char demo_usage[] =
    "usage: shmfb demo [NAME] [OPTIONS]\n"
    "\n"
    "Creates framebuffer NAME (default /shmfb-demo) and animates sprites over a\n"
    "background until stopped (Ctrl-C) or a limit is reached.  Every frame damages\n"
    "only the sprites' old and new places; every 120 frames the size changes.\n"
    "A consumer's frame request (shmfb snap) makes the next frame due at once.\n"
    "Started without NAME by a viewer (shmfb-view -- shmfb demo), it draws into a\n"
    "private framebuffer that only that viewer shows, and closing the window ends it.\n"
    "What viewers send besides input is said on stderr: clipboard text copied on\n"
    "the desktop, files dropped on the picture.\n"
    "\n"
    "Options:\n"
    "  --size WxH      frame size (default 640x480)\n"
    "  --max WxH       capacity (default: the frame size; a smaller capacity\n"
    "                  without --size shrinks the frame size to fit); the\n"
    "                  alternate size is the capacity if larger, else 3/4 of\n"
    "                  the frame size\n"
    "  --frames N      stop after N frames (default 0: no limit)\n"
    "  --fps N         frames per second, 0 for as fast as possible (default 60)\n"
    "  --seconds S     stop after S seconds (default 0: no limit)\n"
    "  --sprite PNG    sprite image (default: the installed sprite.png)\n"
    "  --pacing MODE   fifo (default: wait for every viewer to take each frame),\n"
    "                  mailbox (never wait for a viewer that holds a frame;\n"
    "                  viewers get the newest) or free (no pacing at all)\n"
    "  --buffers N     shared buffers for mailbox pacing, 2..8 (default 3)\n"
    "  --idle          draw the first frame, then each next one only when a\n"
    "                  consumer asks for a frame (shmfb snap, a recorder)\n"
    "  --title TEXT    the title viewers show (UTF-8)\n"
    "  -h, --help      show this help\n";

struct demo_opts {
    const char *name;
    int32_t width, height, max_width, max_height;
    uint64_t frames;
    long fps;
    double seconds;
    const char *sprite;
    uint32_t pacing;
    long buffers;
    bool idle;
    const char *title;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static int install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: the frame timer's sleep must end on a signal. */
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0 ||
        sigaction(SIGHUP, &sa, NULL) != 0)
        return -errno;
    return 0;
}

enum {
    OPT_SIZE = 256,
    OPT_MAX,
    OPT_FRAMES,
    OPT_FPS,
    OPT_SECONDS,
    OPT_SPRITE,
    OPT_PACING,
    OPT_BUFFERS,
    OPT_IDLE,
    OPT_TITLE
};

static int parse_pacing(const struct args *a, uint32_t *out)
{
    static const char *const names[] = {"fifo", "free", "mailbox"};
    for (uint32_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(a->value, names[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    args_usage_error(a, "--pacing must be fifo, mailbox or free, not '%s'", a->value);
    return -1;
}

static int parse_option(const struct args *a, int opt, struct demo_opts *o)
{
    long v;

    switch (opt) {
    case OPT_SIZE:
        return args_size(a, &o->width, &o->height);
    case OPT_MAX:
        return args_size(a, &o->max_width, &o->max_height);
    case OPT_FRAMES:
        if (args_long(a, 0, LONG_MAX, &v) < 0)
            return -1;
        o->frames = (uint64_t)v;
        return 0;
    case OPT_FPS:
        return args_long(a, 0, 100000, &o->fps);
    case OPT_SECONDS:
        return args_double(a, 0, 1e9, &o->seconds);
    case OPT_PACING:
        return parse_pacing(a, &o->pacing);
    case OPT_BUFFERS:
        return args_long(a, 2, SHMFB_MAX_BUFFERS, &o->buffers);
    case OPT_IDLE:
        o->idle = true;
        return 0;
    case OPT_TITLE:
        o->title = a->value;
        return 0;
    default: /* OPT_SPRITE */
        o->sprite = a->value;
        return 0;
    }
}

/* The capacity follows the size unless given; both must fit. */
static int settle_size(const struct args *a, struct demo_opts *o, bool have_size)
{
    if (o->max_width == 0) {
        o->max_width = o->width;
        o->max_height = o->height;
    } else if (!have_size) {
        o->width = o->width < o->max_width ? o->width : o->max_width;
        o->height = o->height < o->max_height ? o->height : o->max_height;
    }
    if (o->width > o->max_width || o->height > o->max_height)
        return args_usage_error(a, "--size %dx%d exceeds --max %dx%d", (int)o->width,
                                (int)o->height, (int)o->max_width, (int)o->max_height);
    return CLI_RUN;
}

static int parse_args(int argc, char **argv, struct demo_opts *o)
{
    static const struct option longopts[] = {
        {"size", required_argument, NULL, OPT_SIZE},
        {"max", required_argument, NULL, OPT_MAX},
        {"frames", required_argument, NULL, OPT_FRAMES},
        {"fps", required_argument, NULL, OPT_FPS},
        {"seconds", required_argument, NULL, OPT_SECONDS},
        {"sprite", required_argument, NULL, OPT_SPRITE},
        {"pacing", required_argument, NULL, OPT_PACING},
        {"buffers", required_argument, NULL, OPT_BUFFERS},
        {"idle", no_argument, NULL, OPT_IDLE},
        {"title", required_argument, NULL, OPT_TITLE},
        {NULL, 0, NULL, 0},
    };
    struct args a = {.prog = "shmfb",
                     .help = "shmfb demo --help",
                     .usage_text = demo_usage,
                     .longopts = longopts};
    bool have_size = false;
    int opt;

    *o =
        (struct demo_opts){NULL, 640, 480, 0, 0, 0, 60, 0, NULL, SHMFB_PACING_FIFO, 0, false, NULL};
    args_start(&a, argc, argv);
    while ((opt = args_next(&a)) > 0) {
        have_size |= opt == OPT_SIZE;
        if (parse_option(&a, opt, o) < 0)
            return CLI_USAGE;
    }
    if (opt == ARGS_STOP)
        return a.status;
    if (a.nrest > 1)
        return args_usage_error(&a, "unexpected argument '%s'", a.rest[1]);
    if (o->buffers && o->pacing != SHMFB_PACING_MAILBOX)
        return args_usage_error(&a, "--buffers needs --pacing mailbox");
    args_producer_name(a.nrest ? a.rest[0] : NULL, "/shmfb-demo", &o->name);
    return settle_size(&a, o, have_size);
}

/* The sprite next to an installed binary, else the one in the source tree. */
static const char *default_sprite(char *buf, size_t size)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    char *slash;

    if (n > 0) {
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(buf, size, "%s/../%s/shmfb/sprite.png", exe, SHMFB_INSTALL_DATADIR);
            if (access(buf, R_OK) == 0)
                return buf;
        }
    }
    return SHMFB_ASSETS_DIR "/sprite.png";
}

static int load_sprite(const struct demo_opts *o, struct shmfb_image *img)
{
    char buf[PATH_MAX + 64], err[256];
    const char *path = o->sprite ? o->sprite : default_sprite(buf, sizeof(buf));
    int rc = shmfb_png_read(path, img, err, sizeof(err));

    if (rc < 0) {
        if (err[0]) /* the library's reason already names the file */
            fprintf(stderr, "shmfb: sprite %s\n", err);
        else
            cli_fail(path, shmfb_png_strerror(rc));
        return rc;
    }
    return 0;
}

/* Full redraw after a size change; damage-free presents publish it all. */
static int draw_full(struct shmfb_producer *p, const struct scene *sc, uint64_t n, int32_t w,
                     int32_t h)
{
    struct shmfb_rect all = {0, 0, w, h};
    int rc = shmfb_producer_resize(p, w, h);

    if (rc < 0)
        return rc;
    scene_paint(sc, n, w, h, shmfb_producer_pixels(p), shmfb_producer_stride(p), &all);
    return 0;
}

/* Repaints and damages each sprite's old and new place only. */
static int draw_moves(struct shmfb_producer *p, const struct scene *sc, uint64_t n, int32_t w,
                      int32_t h)
{
    for (int i = 0; i < SCENE_SPRITES; i++) {
        struct shmfb_rect r[2] = {scene_sprite_rect(sc, i, n - 1, w, h),
                                  scene_sprite_rect(sc, i, n, w, h)};

        for (int k = 0; k < 2; k++) {
            int rc = shmfb_producer_damage(p, &r[k]);

            if (rc < 0)
                return rc;
            scene_paint(sc, n, w, h, shmfb_producer_pixels(p), shmfb_producer_stride(p), &r[k]);
        }
    }
    return 0;
}

static int draw_frame(struct shmfb_producer *p, const struct scene *sc, uint64_t n)
{
    int32_t w, h, pw, ph;

    scene_size(sc, n, &w, &h);
    scene_size(sc, n - 1, &pw, &ph);
    if (n == 1 || w != pw || h != ph)
        return draw_full(p, sc, n, w, h);
    return draw_moves(p, sc, n, w, h);
}

static double elapsed_since(const struct timespec *t0)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The next frame's due time; a producer that fell behind by more than a
 * frame starts counting afresh instead of rushing to catch up. */
static void schedule(struct timespec *next, long fps)
{
    if (fps <= 0)
        return;
    next->tv_nsec += 1000000000L / fps;
    while (next->tv_nsec >= 1000000000L) {
        next->tv_nsec -= 1000000000L;
        next->tv_sec++;
    }
    if (elapsed_since(next) > 1.0 / (double)fps)
        clock_gettime(CLOCK_MONOTONIC, next);
}

/* What the input read while waiting asks for. */
enum { IDLE_DUE, IDLE_REQUEST, IDLE_CLOSE };

/* A frame request makes the next frame due now; spawned, the demo's one
 * viewer asking it to close ends it (named, other viewers may still be
 * watching).  Other input is read and dropped. */
static int take_events(const struct demo_opts *o, struct shmfb_producer *p)
{
    struct shmfb_event ev;
    int r = IDLE_DUE;

    while (shmfb_producer_poll_event(p, &ev) == 0) {
        if (ev.type == SHMFB_EVENT_CLOSE && !o->name)
            return IDLE_CLOSE;
        if (ev.type == SHMFB_EVENT_FRAME_REQUEST)
            r = IDLE_REQUEST;
    }
    return r;
}

/* Milliseconds until *t, rounded up; 0 once it has passed. */
static int ms_until(const struct timespec *t)
{
    double left = -elapsed_since(t);

    return left > 0 ? (int)(left * 1000.0) + 1 : 0;
}

/* The viewers' clipboard text and drops, said on stderr. */
static void host_messages(struct shmfb_producer *p)
{
    struct shmfb_host_msg m;

    while (shmfb_producer_host_recv(p, &m) == 0) {
        for (uint32_t i = 0; m.type == SHMFB_HOST_CLIPBOARD && i < m.count; i++)
            if (strcmp(m.items[i].mime, SHMFB_MIME_TEXT) == 0)
                fprintf(stderr, "shmfb: demo: clipboard: %.*s\n", (int)m.items[i].size,
                        (const char *)m.items[i].data);
        for (uint32_t i = 0; m.type == SHMFB_HOST_DROP && i < m.count; i++)
            fprintf(stderr, "shmfb: demo: dropped at %d,%d: %s\n", (int)m.x, (int)m.y, m.paths[i]);
    }
}

/* Waits until the next frame is due (with --idle: never) or a consumer
 * asks for a frame, and says which; says what the viewers' host messages
 * bring meanwhile. */
static int idle(const struct demo_opts *o, struct shmfb_producer *p, const struct timespec *next)
{
    for (;;) {
        int r = take_events(o, p);
        int ms = o->idle ? 100 : o->fps > 0 ? ms_until(next) : 0;

        host_messages(p);
        if (r != IDLE_DUE || stop_signal || ms == 0)
            return r;
        shmfb_producer_wait(p, ms, SHMFB_WAIT_EVENT | SHMFB_WAIT_HOST);
    }
}

static int animate(const struct demo_opts *o, struct shmfb_producer *p, const struct scene *sc)
{
    struct timespec start, next;

    clock_gettime(CLOCK_MONOTONIC, &start);
    next = start;
    for (uint64_t n = 1; !stop_signal && (o->frames == 0 || n <= o->frames); n++) {
        int rc = draw_frame(p, sc, n);

        if (rc == 0)
            rc = shmfb_producer_present(p);
        if (rc < 0)
            return cli_fail("present", shmfb_strerror(rc));
        if (o->seconds > 0 && elapsed_since(&start) >= o->seconds)
            break;
        schedule(&next, o->fps);
        rc = idle(o, p, &next);
        if (rc == IDLE_CLOSE)
            break;
        if (rc == IDLE_REQUEST)
            clock_gettime(CLOCK_MONOTONIC, &next);
    }
    return CLI_OK;
}

int cli_demo(int argc, char **argv)
{
    struct demo_opts o;
    struct shmfb_image sprite;
    struct shmfb_producer *p;
    struct shmfb_producer_desc desc;
    int rc;

    if ((rc = parse_args(argc, argv, &o)) != CLI_RUN)
        return rc;
    if ((rc = load_sprite(&o, &sprite)) < 0)
        return CLI_FAIL;
    if ((rc = install_signals()) < 0) {
        rc = cli_fail("sigaction", shmfb_strerror(rc));
        goto fail_signals;
    }
    memset(&desc, 0, sizeof(desc));
    desc.max_width = o.max_width;
    desc.max_height = o.max_height;
    desc.width = o.width;
    desc.height = o.height;
    desc.pacing = o.pacing;
    desc.buffers = (int32_t)o.buffers;
    if ((rc = shmfb_producer_create(o.name, &desc, &p)) < 0) {
        rc = cli_fail(o.name ? o.name : "spawned framebuffer", shmfb_strerror(rc));
        goto fail_create;
    }
    if (isatty(STDERR_FILENO) && o.name)
        fprintf(stderr, "shmfb: demo running on %s, %dx%d (capacity %dx%d); Ctrl-C stops it\n",
                shmfb_producer_name(p), (int)o.width, (int)o.height, (int)o.max_width,
                (int)o.max_height);
    if (o.title && (rc = shmfb_producer_set_title(p, o.title)) < 0)
        rc = cli_fail("--title", shmfb_strerror(rc));
    else
        rc = animate(&o, p, &(struct scene){o.width, o.height, o.max_width, o.max_height, &sprite});
    shmfb_producer_destroy(p);
fail_create:
fail_signals:
    shmfb_image_free(&sprite);
    return rc;
}

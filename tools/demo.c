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
    "  -h, --help      show this help\n";

struct demo_opts {
    const char *name;
    int32_t width, height, max_width, max_height;
    uint64_t frames;
    long fps;
    double seconds;
    const char *sprite;
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

static int parse_option(int argc, char **argv, int *i, struct demo_opts *o)
{
    const char *v = NULL;
    int m;

    if ((m = cli_option(argc, argv, i, "--size", &v)) != 0)
        return m < 0 || cli_parse_size(v, &o->width, &o->height) < 0 ? -1 : 0;
    if ((m = cli_option(argc, argv, i, "--max", &v)) != 0)
        return m < 0 || cli_parse_size(v, &o->max_width, &o->max_height) < 0 ? -1 : 0;
    if ((m = cli_option(argc, argv, i, "--frames", &v)) != 0)
        return m < 0 || cli_parse_u64(v, &o->frames) < 0 ? -1 : 0;
    if ((m = cli_option(argc, argv, i, "--fps", &v)) != 0)
        return m < 0 || cli_parse_int(v, 0, 100000, &o->fps) < 0 ? -1 : 0;
    if ((m = cli_option(argc, argv, i, "--seconds", &v)) != 0)
        return m < 0 || cli_parse_seconds(v, &o->seconds) < 0 ? -1 : 0;
    if ((m = cli_option(argc, argv, i, "--sprite", &v)) != 0) {
        o->sprite = v;
        return m < 0 ? -1 : 0;
    }
    return -2;
}

static int parse_args(int argc, char **argv, struct demo_opts *o)
{
    bool have_name = false, have_size = false;

    *o = (struct demo_opts){"/shmfb-demo", 640, 480, 0, 0, 0, 60, 0, NULL};
    for (int i = 1; i < argc; i++) {
        int rc;

        if (argv[i][0] != '-') {
            if (have_name)
                return cli_usage_error("demo", "unexpected argument '%s'", argv[i]);
            o->name = argv[i];
            have_name = true;
            continue;
        }
        have_size |= strncmp(argv[i], "--size", 6) == 0;
        rc = parse_option(argc, argv, &i, o);
        if (rc == -2)
            return cli_usage_error("demo", "unknown option '%s'", argv[i]);
        if (rc < 0)
            return cli_usage_error("demo", "bad or missing value for '%s'", argv[i]);
    }
    if (o->max_width == 0) {
        o->max_width = o->width;
        o->max_height = o->height;
    } else if (!have_size) {
        o->width = o->width < o->max_width ? o->width : o->max_width;
        o->height = o->height < o->max_height ? o->height : o->max_height;
    }
    if (o->width > o->max_width || o->height > o->max_height)
        return cli_usage_error("demo", "--size %dx%d exceeds --max %dx%d", (int)o->width,
                               (int)o->height, (int)o->max_width, (int)o->max_height);
    return CLI_OK;
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

/* Sleeps until the next frame is due; a producer that fell behind by more
 * than a frame starts counting afresh instead of rushing to catch up. */
static void pace(struct timespec *next, long fps)
{
    struct timespec now;

    if (fps <= 0)
        return;
    next->tv_nsec += 1000000000L / fps;
    while (next->tv_nsec >= 1000000000L) {
        next->tv_nsec -= 1000000000L;
        next->tv_sec++;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (elapsed_since(next) > 1.0 / (double)fps) {
        *next = now;
        return;
    }
    while (!stop_signal && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL) == EINTR)
        ;
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
        pace(&next, o->fps);
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

    if (cli_wants_help(argc, argv)) {
        fputs(demo_usage, stdout);
        return CLI_OK;
    }
    if ((rc = parse_args(argc, argv, &o)) != CLI_OK)
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
    if ((rc = shmfb_producer_create(o.name, &desc, &p)) < 0) {
        rc = cli_fail(o.name, shmfb_strerror(rc));
        goto fail_create;
    }
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "shmfb: demo running on %s, %dx%d (capacity %dx%d); Ctrl-C stops it\n",
                shmfb_producer_name(p), (int)o.width, (int)o.height, (int)o.max_width,
                (int)o.max_height);
    rc = animate(&o, p, &(struct scene){o.width, o.height, o.max_width, o.max_height, &sprite});
    shmfb_producer_destroy(p);
fail_create:
fail_signals:
    shmfb_image_free(&sprite);
    return rc;
}

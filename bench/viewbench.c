/*
 * shmfb-viewbench: per-frame cost of shmfb-view against a bare SDL
 * streaming-texture loop (update + copy + present), in the same run.
 *
 * The viewer is measured from the producer's side: in FIFO pacing a present
 * returns once the viewer has uploaded, drawn, presented and released the
 * frame, so the time from one present to the next is the viewer's whole
 * per-frame cost including both wake-ups.
 */
#include "args.h"

#include <shmfb/shmfb.h>

#include <SDL.h>

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct bench {
    const char *viewer;
    const char *renderer;
    int width, height, frames, damage;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static SDL_Rect bench_rect(const struct bench *b, bool full, int i)
{
    if (full)
        return (SDL_Rect){0, 0, b->width, b->height};
    int d = b->damage;
    /* Walk the damage around so it is never the same rectangle twice in a row. */
    return (SDL_Rect){(i * 37) % (b->width - d), (i * 23) % (b->height - d), d, d};
}

static void bare_frames(const struct bench *b, SDL_Renderer *r, SDL_Texture *t, uint32_t *px,
                        bool full, double *out)
{
    for (int i = -10; i < b->frames; i++) {
        SDL_Rect d = bench_rect(b, full, i + 10);
        px[(size_t)d.y * (size_t)b->width + (size_t)d.x] = (uint32_t)i * 0x010203u;
        SDL_PumpEvents();
        double t0 = now_ms();
        const uint32_t *src = px + (size_t)d.y * (size_t)b->width + (size_t)d.x;
        SDL_UpdateTexture(t, &d, src, b->width * 4);
        SDL_RenderCopy(r, t, NULL, NULL);
        SDL_RenderPresent(r);
        if (i >= 0)
            out[i] = now_ms() - t0;
    }
}

/* The baseline: the same work as the viewer's main thread, without shmfb. */
static int bare_loop(const struct bench *b, double *full, double *part)
{
    SDL_Window *w = SDL_CreateWindow("viewbench", 0, 0, b->width, b->height, 0);
    if (!w)
        return -1;
    Uint32 flags =
        strcmp(b->renderer, "software") ? SDL_RENDERER_ACCELERATED : SDL_RENDERER_SOFTWARE;
    SDL_Renderer *r = SDL_CreateRenderer(w, -1, flags);
    SDL_Texture *t = r ? SDL_CreateTexture(r, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING,
                                           b->width, b->height)
                       : NULL;
    uint32_t *px = calloc((size_t)b->width * (size_t)b->height, 4);
    int rc = -1;
    if (t && px) {
        SDL_SetTextureBlendMode(t, SDL_BLENDMODE_NONE);
        bare_frames(b, r, t, px, true, full);
        bare_frames(b, r, t, px, false, part);
        rc = 0;
    }
    free(px);
    if (t)
        SDL_DestroyTexture(t);
    if (r)
        SDL_DestroyRenderer(r);
    SDL_DestroyWindow(w);
    return rc;
}

static int spawn_viewer(const struct bench *b, const char *name, pid_t *pid)
{
    char *argv[] = {(char *)b->viewer, "--renderer", (char *)b->renderer, (char *)name, NULL};
    return -posix_spawn(pid, b->viewer, NULL, NULL, argv, environ);
}

static int wait_consumer(struct shmfb_producer *p)
{
    for (int i = 0; i < 1000; i++) {
        if (shmfb_producer_consumers(p) > 0)
            return 0;
        usleep(10000);
    }
    return -ETIMEDOUT;
}

static void viewer_frames(const struct bench *b, struct shmfb_producer *p, bool full, double *out)
{
    uint32_t *px = shmfb_producer_pixels(p);
    int32_t stride = shmfb_producer_stride(p) / 4;
    double last = now_ms();
    for (int i = -10; i < b->frames; i++) {
        SDL_Rect d = bench_rect(b, full, i + 10);
        px[(size_t)d.y * (size_t)stride + (size_t)d.x] = (uint32_t)i * 0x010203u;
        struct shmfb_rect r = {d.x, d.y, d.w, d.h};
        shmfb_producer_damage(p, &r);
        shmfb_producer_present(p);
        double t = now_ms();
        if (i >= 0)
            out[i] = t - last;
        last = t;
    }
}

static int viewer_loop(const struct bench *b, double *full, double *part)
{
    char name[64];
    snprintf(name, sizeof name, "/viewbench-%d", (int)getpid());
    struct shmfb_producer_desc desc = {.max_width = b->width, .max_height = b->height};
    struct shmfb_producer *p;
    int rc = shmfb_producer_create(name, &desc, &p);
    if (rc < 0) {
        fprintf(stderr, "viewbench: %s: %s\n", name, shmfb_strerror(rc));
        return rc;
    }
    pid_t pid;
    rc = spawn_viewer(b, name, &pid);
    if (rc == 0) {
        rc = wait_consumer(p);
        if (rc == 0) {
            viewer_frames(b, p, true, full);
            viewer_frames(b, p, false, part);
        }
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    if (rc < 0)
        fprintf(stderr, "viewbench: viewer %s: %s\n", b->viewer, strerror(-rc));
    shmfb_producer_destroy(p);
    return rc;
}

static void report(const struct bench *b, double *res[4])
{
    double m[4];
    for (int i = 0; i < 4; i++)
        m[i] = median(res[i], i < 2 ? 2 * b->frames : b->frames);
    printf("%dx%d, %s renderer, XRGB, %d frames each (bare: twice), median ms per frame\n",
           b->width, b->height, b->renderer, b->frames);
    printf("%-28s %10s %10s\n", "", "full", "damage");
    printf("%-28s %10.3f %10.3f\n", "bare SDL update+copy+present", m[0], m[1]);
    printf("%-28s %10.3f %10.3f\n", "shmfb-view frame cycle", m[2], m[3]);
    printf("%-28s %10.2f %10.2f\n", "ratio viewer / bare", m[2] / m[0], m[3] / m[1]);
    printf("(damage = %dx%d)\n", b->damage, b->damage);
}

static const char usage[] =
    "usage: shmfb-viewbench [--viewer PATH] [--renderer software|accelerated] [--frames N]\n"
    "                       [--size WxH]\n"
    "\n"
    "Measures shmfb-view's cost per frame (from the producer's side: present to\n"
    "present, FIFO) against a bare SDL texture update + copy + present loop, in\n"
    "one run, with full frames and with 256x256 damage.  Needs a display.\n"
    "\n"
    "  --viewer PATH     the viewer to measure (default: shmfb-view)\n"
    "  --renderer KIND   software (default) or accelerated, for both\n"
    "  --frames N        frames per measurement (default 300)\n"
    "  --size WxH        frame size, larger than 256x256 (default 1920x1080)\n"
    "  -h, --help        this text\n"
    "  -V, --version     the version\n";

static int parse_one(const struct args *a, int opt, struct bench *b)
{
    long n;
    int32_t w, h;

    switch (opt) {
    case 'v':
        b->viewer = a->value;
        return 0;
    case 'r':
        if (strcmp(a->value, "software") != 0 && strcmp(a->value, "accelerated") != 0)
            return args_usage_error(a, "invalid renderer '%s'", a->value);
        b->renderer = a->value;
        return 0;
    case 'n':
        if (args_long(a, 1, 1000000, &n) < 0)
            return ARGS_EXIT_USAGE;
        b->frames = (int)n;
        return 0;
    default: /* 's' */
        if (args_size(a, &w, &h) < 0)
            return ARGS_EXIT_USAGE;
        if (w <= b->damage || h <= b->damage)
            return args_usage_error(a, "--size must exceed %dx%d", b->damage, b->damage);
        b->width = w;
        b->height = h;
        return 0;
    }
}

/* Returns -1 to run, or the exit status. */
static int parse(int argc, char **argv, struct bench *b)
{
    static const struct option longopts[] = {
        {"viewer", required_argument, NULL, 'v'},
        {"renderer", required_argument, NULL, 'r'},
        {"frames", required_argument, NULL, 'n'},
        {"size", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    struct args a = {.prog = "shmfb-viewbench", .usage_text = usage, .longopts = longopts};
    int opt, rc;

    *b = (struct bench){"shmfb-view", "software", 1920, 1080, 300, 256};
    args_start(&a, argc, argv);
    while ((opt = args_next(&a)) > 0)
        if ((rc = parse_one(&a, opt, b)) != 0)
            return rc;
    if (opt == ARGS_STOP)
        return a.status;
    if (a.nrest > 0)
        return args_usage_error(&a, "unexpected argument '%s'", a.rest[0]);
    return -1;
}

int main(int argc, char **argv)
{
    struct bench b;
    int status = parse(argc, argv, &b);
    if (status >= 0)
        return status;
    if (!strcmp(b.renderer, "software"))
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        fprintf(stderr, "viewbench: %s\n", SDL_GetError());
        return 1;
    }
    double *res[4];
    for (int i = 0; i < 4; i++)
        res[i] = calloc(2 * (size_t)b.frames, sizeof(double));
    /* Bare loop before and after the viewer, so drift hits both alike. */
    int rc = bare_loop(&b, res[0], res[1]);
    if (rc == 0)
        rc = viewer_loop(&b, res[2], res[3]);
    if (rc == 0)
        rc = bare_loop(&b, res[0] + b.frames, res[1] + b.frames);
    if (rc == 0)
        report(&b, res);
    for (int i = 0; i < 4; i++)
        free(res[i]);
    SDL_Quit();
    return rc == 0 ? 0 : 1;
}

/*
 * shmfb-viewbench: per-frame cost of shmfb-view against two bare SDL loops
 * that do the same work without shmfb, in the same run:
 *   - texture: update a streaming texture, copy it to the window, present
 *     (what the viewer's renderer path does);
 *   - surface: copy into the window surface, send only the changed
 *     rectangle with SDL_UpdateWindowSurfaceRects() (the surface path);
 * and against the least a shmfb consumer can do for the surface path: a
 * second process (this program with --consumer) that waits for each frame,
 * copies its damage into its window surface, releases it and sends the
 * rectangles, nothing else.
 *
 * The viewer is measured from the producer's side: in FIFO pacing a present
 * returns once the viewer has taken the frame, and the viewer takes the next
 * one only when it has shown this one, so the time from one present to the
 * next is the viewer's whole per-frame cost including both wake-ups.  Its
 * CPU time (user + system, all threads) is read from the process's CPU
 * clock around the same frames.
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
    int width, height, frames, damage, rounds;
    const char *consumer; /* --consumer NAME: be the bare consumer */
};

/* What is measured: two bare loops, the bare consumer, the viewer in its
 * two present modes. */
enum { BARE_TEXTURE, BARE_SURFACE, BARE_CONSUMER, VIEW_AUTO, VIEW_RENDERER, NSERIES };

/* Frame times (ms) of one series, full frames and damaged ones, and the CPU
 * time the process doing the work spent on them (ms). */
struct series {
    double *full, *part;
    int n;
    double cpu_full, cpu_part;
};

static double ts_ms(const struct timespec *ts)
{
    return (double)ts->tv_sec * 1e3 + (double)ts->tv_nsec / 1e6;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts_ms(&ts);
}

static double cpu_ms(clockid_t clock)
{
    struct timespec ts = {0, 0};
    clock_gettime(clock, &ts);
    return ts_ms(&ts);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    if (n == 0)
        return 0;
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

/* ---- the bare loops ------------------------------------------------------ */

/* One bare loop's work for rectangle d of px (width pixels a row). */
typedef void (*bare_fn)(void *ctx, const uint32_t *px, int width, const SDL_Rect *d);

struct bare_texture {
    SDL_Renderer *r;
    SDL_Texture *t;
};

static void texture_frame(void *ctx, const uint32_t *px, int width, const SDL_Rect *d)
{
    struct bare_texture *bt = ctx;
    const uint32_t *src = px + (size_t)d->y * (size_t)width + (size_t)d->x;
    SDL_UpdateTexture(bt->t, d, src, width * 4);
    SDL_RenderCopy(bt->r, bt->t, NULL, NULL);
    SDL_RenderPresent(bt->r);
}

struct bare_surface {
    SDL_Window *w;
    SDL_Surface *s;
};

/* Copies rectangle d of px (stride bytes a row) into the window surface. */
static void surface_copy(SDL_Surface *s, const uint32_t *px, int stride, const SDL_Rect *d)
{
    const uint8_t *src = (const uint8_t *)px + (size_t)d->y * (size_t)stride + (size_t)d->x * 4u;
    uint8_t *dst = (uint8_t *)s->pixels + (size_t)d->y * (size_t)s->pitch +
                   (size_t)d->x * s->format->BytesPerPixel;
    if (s->format->format != SDL_PIXELFORMAT_RGB888) {
        SDL_ConvertPixels(d->w, d->h, SDL_PIXELFORMAT_RGB888, src, stride, s->format->format, dst,
                          s->pitch);
        return;
    }
    for (int y = 0; y < d->h; y++)
        memcpy(dst + (size_t)y * (size_t)s->pitch, src + (size_t)y * (size_t)stride,
               (size_t)d->w * 4u);
}

static void surface_frame(void *ctx, const uint32_t *px, int width, const SDL_Rect *d)
{
    struct bare_surface *bs = ctx;
    surface_copy(bs->s, px, width * 4, d);
    SDL_UpdateWindowSurfaceRects(bs->w, d, 1);
}

/* Ten frames to warm up, then b->frames timed ones into out; the CPU time of
 * this process over the timed ones, per frame, into *cpu. */
static void bare_frames(const struct bench *b, bare_fn fn, void *ctx, uint32_t *px, bool full,
                        double *out, double *cpu)
{
    double c0 = 0;
    for (int i = -10; i < b->frames; i++) {
        SDL_Rect d = bench_rect(b, full, i + 10);
        px[(size_t)d.y * (size_t)b->width + (size_t)d.x] = (uint32_t)i * 0x010203u;
        SDL_PumpEvents();
        if (i == 0)
            c0 = cpu_ms(CLOCK_PROCESS_CPUTIME_ID);
        double t0 = now_ms();
        fn(ctx, px, b->width, &d);
        if (i >= 0)
            out[i] = now_ms() - t0;
    }
    *cpu += (cpu_ms(CLOCK_PROCESS_CPUTIME_ID) - c0) / b->frames;
}

static void bare_both(const struct bench *b, bare_fn fn, void *ctx, uint32_t *px, struct series *s)
{
    bare_frames(b, fn, ctx, px, true, s->full + s->n, &s->cpu_full);
    bare_frames(b, fn, ctx, px, false, s->part + s->n, &s->cpu_part);
    s->n += b->frames;
}

static int bare_texture_loop(const struct bench *b, uint32_t *px, struct series *s)
{
    SDL_Window *w = SDL_CreateWindow("viewbench", 0, 0, b->width, b->height, 0);
    if (!w)
        return -1;
    Uint32 flags =
        strcmp(b->renderer, "software") ? SDL_RENDERER_ACCELERATED : SDL_RENDERER_SOFTWARE;
    struct bare_texture bt = {SDL_CreateRenderer(w, -1, flags), NULL};
    if (bt.r)
        bt.t = SDL_CreateTexture(bt.r, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING,
                                 b->width, b->height);
    int rc = -1;
    if (bt.t) {
        SDL_SetTextureBlendMode(bt.t, SDL_BLENDMODE_NONE);
        bare_both(b, texture_frame, &bt, px, s);
        rc = 0;
    }
    if (bt.t)
        SDL_DestroyTexture(bt.t);
    if (bt.r)
        SDL_DestroyRenderer(bt.r);
    SDL_DestroyWindow(w);
    return rc;
}

static int bare_surface_loop(const struct bench *b, uint32_t *px, struct series *s)
{
    struct bare_surface bs = {SDL_CreateWindow("viewbench", 0, 0, b->width, b->height, 0), NULL};
    if (!bs.w)
        return -1;
    bs.s = SDL_GetWindowSurface(bs.w);
    int rc = -1;
    if (bs.s && bs.s->w == b->width && bs.s->h == b->height) {
        bare_both(b, surface_frame, &bs, px, s);
        rc = 0;
    }
    SDL_DestroyWindow(bs.w);
    return rc;
}

static int bare_loops(const struct bench *b, struct series *res)
{
    size_t n = (size_t)b->width * (size_t)b->height;
    uint32_t *px = malloc(n * 4);
    /* Pixels in memory of their own, as a producer's are: untouched pages
     * would all read the one zero page, from the cache. */
    for (size_t i = 0; px && i < n; i++)
        px[i] = (uint32_t)i * 0x010203u;
    int rc = px ? bare_texture_loop(b, px, &res[BARE_TEXTURE]) : -1;
    if (rc == 0)
        rc = bare_surface_loop(b, px, &res[BARE_SURFACE]);
    free(px);
    if (rc < 0)
        fprintf(stderr, "shmfb-viewbench: bare loop: %s\n", SDL_GetError());
    return rc;
}

/* ---- the bare consumer (a process of its own) ---------------------------- */

static int consumer_frames(SDL_Window *w, SDL_Surface *s, struct shmfb_consumer *c)
{
    struct shmfb_frame f;
    int rc;
    while ((rc = shmfb_consumer_wait(c, 5000, &f)) == 0) {
        SDL_Rect r[SHMFB_MAX_DAMAGE];
        for (uint32_t i = 0; i < f.ndamage; i++) {
            r[i] = (SDL_Rect){f.damage[i].x, f.damage[i].y, f.damage[i].w, f.damage[i].h};
            surface_copy(s, f.pixels, f.stride, &r[i]);
        }
        shmfb_consumer_release(c);
        SDL_UpdateWindowSurfaceRects(w, r, (int)f.ndamage);
    }
    return rc == -EPIPE ? 0 : rc;
}

/* --consumer NAME: until the producer is gone. */
static int consumer_main(const struct bench *b)
{
    struct shmfb_consumer *c;
    int rc = shmfb_consumer_open(b->consumer, NULL, &c);
    if (rc == 0 && (rc = shmfb_consumer_attach(c)) < 0)
        shmfb_consumer_close(c);
    if (rc < 0) {
        fprintf(stderr, "shmfb-viewbench: %s: %s\n", b->consumer, shmfb_strerror(rc));
        return 1;
    }
    SDL_Window *w = SDL_CreateWindow("viewbench", 0, 0, b->width, b->height, 0);
    SDL_Surface *s = w ? SDL_GetWindowSurface(w) : NULL;
    if (s && s->w == b->width && s->h == b->height)
        rc = consumer_frames(w, s, c);
    else
        fprintf(stderr, "shmfb-viewbench: consumer window: %s\n", SDL_GetError());
    shmfb_consumer_close(c);
    if (w)
        SDL_DestroyWindow(w);
    return s && rc == 0 ? 0 : 1;
}

/* ---- the viewer ---------------------------------------------------------- */

/* The viewer with --present PRESENT, or (NULL) the bare consumer. */
static int spawn_viewer(const struct bench *b, const char *name, const char *present, pid_t *pid)
{
    char size[32];
    snprintf(size, sizeof size, "%dx%d", b->width, b->height);
    char *viewer[] = {
        (char *)b->viewer, "--renderer", (char *)b->renderer, "--present", (char *)present,
        (char *)name,      NULL};
    char *consumer[] = {"/proc/self/exe", "--consumer", (char *)name, "--size", size, NULL};
    if (!present)
        return -posix_spawn(pid, consumer[0], NULL, NULL, consumer, environ);
    return -posix_spawnp(pid, b->viewer, NULL, NULL, viewer, environ);
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

static void viewer_frames(const struct bench *b, struct shmfb_producer *p, clockid_t cpu, bool full,
                          double *out, double *cpu_per_frame)
{
    uint32_t *px = shmfb_producer_pixels(p);
    int32_t stride = shmfb_producer_stride(p) / 4;
    double last = now_ms(), c0 = 0;
    for (int i = -10; i < b->frames; i++) {
        SDL_Rect d = bench_rect(b, full, i + 10);
        px[(size_t)d.y * (size_t)stride + (size_t)d.x] = (uint32_t)i * 0x010203u;
        struct shmfb_rect r = {d.x, d.y, d.w, d.h};
        shmfb_producer_damage(p, &r);
        shmfb_producer_present(p);
        double t = now_ms();
        if (i == -1)
            c0 = cpu_ms(cpu);
        if (i >= 0)
            out[i] = t - last;
        last = t;
    }
    *cpu_per_frame += (cpu_ms(cpu) - c0) / b->frames;
}

/* The first frame sizes the viewer's window; give it time to settle. */
static void viewer_settle(struct shmfb_producer *p)
{
    shmfb_producer_present(p);
    usleep(300000);
}

static int viewer_run(const struct bench *b, struct shmfb_producer *p, pid_t pid, struct series *s)
{
    clockid_t cpu;
    int rc = wait_consumer(p);
    if (rc == 0)
        rc = -clock_getcpuclockid(pid, &cpu);
    if (rc < 0)
        return rc;
    viewer_settle(p);
    viewer_frames(b, p, cpu, true, s->full + s->n, &s->cpu_full);
    viewer_frames(b, p, cpu, false, s->part + s->n, &s->cpu_part);
    s->n += b->frames;
    return 0;
}

static int viewer_loop(const struct bench *b, const char *present, struct series *s)
{
    char name[64];
    snprintf(name, sizeof name, "/viewbench-%d", (int)getpid());
    struct shmfb_producer_desc desc = {.max_width = b->width, .max_height = b->height};
    struct shmfb_producer *p;
    int rc = shmfb_producer_create(name, &desc, &p);
    if (rc < 0) {
        fprintf(stderr, "shmfb-viewbench: %s: %s\n", name, shmfb_strerror(rc));
        return rc;
    }
    pid_t pid;
    rc = spawn_viewer(b, name, present, &pid);
    if (rc == 0) {
        rc = viewer_run(b, p, pid, s);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    if (rc < 0)
        fprintf(stderr, "shmfb-viewbench: %s: %s\n", present ? b->viewer : "bare consumer",
                strerror(-rc));
    shmfb_producer_destroy(p);
    return rc;
}

/* ---- report -------------------------------------------------------------- */

static void report(const struct bench *b, struct series *res)
{
    static const char *const what[NSERIES] = {
        "bare texture update+copy+present", "bare surface copy+update rects",
        "bare shmfb consumer, surface rects", "shmfb-view (--present auto)",
        "shmfb-view --present renderer"};
    double full[NSERIES], part[NSERIES];
    printf("%dx%d, %s renderer, XRGB, damage %dx%d, %d rounds of %d frames per series\n", b->width,
           b->height, b->renderer, b->damage, b->damage, b->rounds, b->frames);
    printf("%-34s %20s %20s\n", "median ms per frame (CPU ms/frame)", "full", "damage");
    for (int i = 0; i < NSERIES; i++) {
        full[i] = median(res[i].full, res[i].n);
        part[i] = median(res[i].part, res[i].n);
        int n = b->rounds;
        printf("%-34s %10.3f (%6.3f)  %10.3f (%6.3f)\n", what[i], full[i], res[i].cpu_full / n,
               part[i], res[i].cpu_part / n);
    }
    double fastest =
        full[BARE_TEXTURE] < full[BARE_SURFACE] ? full[BARE_TEXTURE] : full[BARE_SURFACE];
    printf("ratio damage: viewer / bare surface loop      %6.2f (target <= 1.5)\n",
           part[VIEW_AUTO] / part[BARE_SURFACE]);
    printf("ratio full:   viewer / faster bare loop       %6.2f (target <= 1.1)\n",
           full[VIEW_AUTO] / fastest);
    printf("ratio damage: viewer / bare shmfb consumer    %6.2f\n",
           part[VIEW_AUTO] / part[BARE_CONSUMER]);
    printf("ratio full:   viewer / bare shmfb consumer    %6.2f\n",
           full[VIEW_AUTO] / full[BARE_CONSUMER]);
    printf("ratio damage: --present renderer / auto       %6.2f\n",
           part[VIEW_RENDERER] / part[VIEW_AUTO]);
    printf("(CPU: of the consumer process, or of this process for the bare loops; the X "
           "server's own is not counted)\n");
}

static const char usage[] =
    "usage: shmfb-viewbench [--viewer PATH] [--renderer software|accelerated] [--frames N]\n"
    "                       [--rounds N] [--size WxH]\n"
    "\n"
    "Measures shmfb-view's cost per frame (from the producer's side: present to\n"
    "present, FIFO) and the viewer process's CPU time per frame, with --present\n"
    "auto and --present renderer, against two bare SDL loops doing the same work\n"
    "(texture update + copy + present; window surface copy + update of the\n"
    "changed rectangle) and a bare shmfb consumer process (wait, copy the damage\n"
    "into the window surface, release, update those rectangles), in one run,\n"
    "with full frames and with 256x256 damage.  Prints medians over all rounds.\n"
    "Needs a display at least as large as --size.\n"
    "\n"
    "  --viewer PATH     the viewer to measure (default: shmfb-view from PATH)\n"
    "  --renderer KIND   software (default) or accelerated, for all\n"
    "  --frames N        frames per series and round (default 300)\n"
    "  --rounds N        rounds over all series (default 3)\n"
    "  --size WxH        frame size, larger than 256x256 (default 1920x1080)\n"
    "  --consumer NAME   be the bare consumer of NAME (the benchmark starts\n"
    "                    itself so)\n"
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
    case 'c':
        b->consumer = a->value;
        return 0;
    case 'R':
        if (args_long(a, 1, 100, &n) < 0)
            return ARGS_EXIT_USAGE;
        b->rounds = (int)n;
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
        {"consumer", required_argument, NULL, 'c'},
        {"rounds", required_argument, NULL, 'R'},
        {NULL, 0, NULL, 0},
    };
    struct args a = {.prog = "shmfb-viewbench", .usage_text = usage, .longopts = longopts};
    int opt, rc;

    *b = (struct bench){"shmfb-view", "software", 1920, 1080, 300, 256, 3, NULL};
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

static int run(const struct bench *b, struct series *res)
{
    /* Every series in every round, so that drift hits all alike. */
    int rc = 0;
    for (int r = 0; r < b->rounds && rc == 0; r++) {
        rc = bare_loops(b, res);
        if (rc == 0)
            rc = viewer_loop(b, NULL, &res[BARE_CONSUMER]);
        if (rc == 0)
            rc = viewer_loop(b, "auto", &res[VIEW_AUTO]);
        if (rc == 0)
            rc = viewer_loop(b, "renderer", &res[VIEW_RENDERER]);
    }
    if (rc == 0)
        report(b, res);
    return rc;
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
        fprintf(stderr, "shmfb-viewbench: %s\n", SDL_GetError());
        return 1;
    }
    if (b.consumer) {
        status = consumer_main(&b);
        SDL_Quit();
        return status;
    }
    struct series res[NSERIES];
    memset(res, 0, sizeof res);
    int rc = 0;
    for (int i = 0; i < NSERIES && rc == 0; i++) {
        res[i].full = calloc((size_t)b.rounds * (size_t)b.frames, sizeof(double));
        res[i].part = calloc((size_t)b.rounds * (size_t)b.frames, sizeof(double));
        rc = res[i].full && res[i].part ? 0 : -ENOMEM;
    }
    if (rc == 0)
        rc = run(&b, res);
    for (int i = 0; i < NSERIES; i++) {
        free(res[i].full);
        free(res[i].part);
    }
    SDL_Quit();
    return rc == 0 ? 0 : 1;
}

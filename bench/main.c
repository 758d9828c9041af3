/* shmfb bench: options, the table of measurements, and the driver that runs
 * them in interleaved rounds so that a slow moment of a shared machine hits
 * every case alike. */
#include "bench.h"
#include "bench_internal.h"

#include "args.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct bench_case cases[] = {
    {"memcpy_hot", "memcpy of one frame, repeated (in cache)", true, BENCH_BYTES_FRAME,
     bench_memcpy_hot},
    {"memcpy_cold", "memcpy of one frame, buffers rotate beyond the LLC", true, BENCH_BYTES_FRAME,
     bench_memcpy_cold},
    {"futex_pingpong", "raw futex wake+wait round trip, two processes", false, BENCH_BYTES_NONE,
     bench_futex_pingpong},
    {"spin_pingpong", "spinning round trip, two processes (no sleep)", false, BENCH_BYTES_NONE,
     bench_spin_pingpong},
    {"shm_loop", "hand-written shm+futex lockstep: write all, copy all", true, BENCH_BYTES_FRAME,
     bench_shm_loop},
    {"unix_socket", "frame over a Unix stream socket, 1-byte ack", true, BENCH_BYTES_FRAME,
     bench_unix_socket},
    {"pipe", "frame over a pipe, 1-byte ack on another pipe", true, BENCH_BYTES_FRAME, bench_pipe},
    {"shmfb_empty", "FIFO present -> wake -> release, no pixels", false, BENCH_BYTES_NONE,
     bench_shmfb_empty},
    {"shmfb_fifo", "FIFO: write all, present; copy damage (all), release", true, BENCH_BYTES_FRAME,
     bench_shmfb_fifo},
    {"shmfb_damage", "FIFO: write + damage 256x256; copy only the damage", true, BENCH_BYTES_DAMAGE,
     bench_shmfb_damage},
    {"shmfb_free", "FREE: write all, present; consumer copies what it gets", true,
     BENCH_BYTES_FRAME, bench_shmfb_free},
    {"shmfb_input", "input event: viewer send -> idle producer wakes, one way", false,
     BENCH_BYTES_NONE, bench_shmfb_input},
};
#define NCASES    ((int)(sizeof(cases) / sizeof(cases[0])))
#define MAX_SIZES 2

struct options {
    const char *prog;
    bool long_mode, json;
    int iterations; /* 0: by mode */
    int nsizes;
    int32_t w[MAX_SIZES], h[MAX_SIZES];
    bool only_set, only[NCASES];
};

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s [--short | --long] [--iterations N] [--size WxH] [--only NAME[,NAME...]]\n"
            "       [--json] [--help]\n\n"
            "Measures shmfb against memcpy, a raw futex ping-pong, a hand-written\n"
            "shared-memory frame loop, a Unix socket and a pipe, in one run, with the\n"
            "peers in separate processes, and prints medians (p50), p99 and ratios.\n\n"
            "  --short          quick run, under a minute (default): 300 iterations per\n"
            "                   frame measurement, 5000 per round trip, in 5 rounds\n"
            "  --long           ten times the iterations\n"
            "  --iterations N   iterations per measurement (1..10000000)\n"
            "  --size WxH       one frame size instead of 1920x1080 and 3840x2160\n"
            "  --only NAMES     only these measurements (comma-separated)\n"
            "  --json           machine-readable output on stdout instead of the table\n"
            "  --help           this text\n"
            "  --version        the version\n\nmeasurements:\n",
            prog);
    for (int i = 0; i < NCASES; i++)
        fprintf(f, "  %-16s %s\n", cases[i].name, cases[i].what);
}

static int parse_only(struct options *o, const struct args *a)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", a->value);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        int i = 0;
        while (i < NCASES && strcmp(cases[i].name, t) != 0)
            i++;
        if (i == NCASES)
            return args_usage_error(a, "no measurement is called '%s'", t);
        o->only[i] = true;
    }
    o->only_set = true;
    for (int i = 0; i < NCASES; i++)
        if (o->only[i])
            return 0;
    return args_usage_error(a, "--only wants at least one name, not '%s'", a->value);
}

enum { OPT_SHORT = 256, OPT_LONG, OPT_JSON, OPT_ITERATIONS, OPT_SIZE, OPT_ONLY };

static int parse_one(struct options *o, const struct args *a, int opt)
{
    long n;
    switch (opt) {
    case OPT_SHORT:
    case OPT_LONG:
        o->long_mode = opt == OPT_LONG;
        return 0;
    case OPT_JSON:
        o->json = true;
        return 0;
    case OPT_ITERATIONS:
        if (args_long(a, 1, 10000000, &n) < 0)
            return -1;
        o->iterations = (int)n;
        return 0;
    case OPT_SIZE:
        o->nsizes = 1;
        return args_size(a, &o->w[0], &o->h[0]);
    default: /* OPT_ONLY */
        return parse_only(o, a);
    }
}

/* Returns -1 to run, or the exit status (0 after --help, 2 on a bad argument). */
static int parse_args(struct options *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"short", no_argument, NULL, OPT_SHORT},
        {"long", no_argument, NULL, OPT_LONG},
        {"json", no_argument, NULL, OPT_JSON},
        {"iterations", required_argument, NULL, OPT_ITERATIONS},
        {"size", required_argument, NULL, OPT_SIZE},
        {"only", required_argument, NULL, OPT_ONLY},
        {NULL, 0, NULL, 0},
    };
    struct args a = {.prog = o->prog, .usage = usage, .longopts = longopts};
    int opt;
    args_start(&a, argc, argv);
    while ((opt = args_next(&a)) > 0)
        if (parse_one(o, &a, opt) != 0)
            return ARGS_EXIT_USAGE;
    if (opt == ARGS_STOP)
        return a.status;
    if (a.nrest > 0)
        return args_usage_error(&a, "unexpected argument '%s'", a.rest[0]);
    return -1;
}

/* ---- driver ----------------------------------------------------------- */

static int iterations_for(const struct options *o, const struct bench_case *c)
{
    if (o->iterations > 0)
        return o->iterations;
    int n = c->bytes == BENCH_BYTES_NONE ? 5000 : 300;
    return o->long_mode ? n * 10 : n;
}

/* More rounds spread a busy moment of a shared machine over every case. */
static int rounds_for(const struct options *o)
{
    return o->iterations > 0 && o->iterations < 50 ? 1 : 5;
}

static double bytes_for(const struct bench_case *c, int32_t w, int32_t h)
{
    if (c->bytes == BENCH_BYTES_FRAME)
        return (double)bench_frame_bytes(w, h);
    if (c->bytes == BENCH_BYTES_DAMAGE) {
        struct shmfb_rect r = bench_damage_rect(w, h);
        return (double)bench_frame_bytes(r.w, r.h);
    }
    return 0;
}

static int plan(const struct options *o, struct bench_report *rep)
{
    struct bench_result *res = rep->results;
    int n = 0;
    for (int s = 0; s < o->nsizes; s++) {
        for (int i = 0; i < NCASES; i++) {
            if ((o->only_set && !o->only[i]) || (!cases[i].sized && s > 0))
                continue;
            struct bench_result *r = &res[n++];
            memset(r, 0, sizeof(*r));
            rep->nresults = n;
            r->c = &cases[i];
            r->width = o->w[s];
            r->height = o->h[s];
            r->wanted = iterations_for(o, &cases[i]);
            r->bytes = bytes_for(&cases[i], r->width, r->height);
            r->ns = calloc((size_t)r->wanted, sizeof(int64_t));
            if (r->ns == NULL)
                return -ENOMEM;
        }
    }
    return 0;
}

static void progress(const struct bench_result *r, int round, int rounds)
{
    if (!isatty(STDERR_FILENO))
        return;
    if (r == NULL)
        fprintf(stderr, "\r%60s\r", "");
    else
        fprintf(stderr, "\r[round %d/%d] %-16s %dx%d        ", round + 1, rounds, r->c->name,
                r->width, r->height);
}

static void run_one(struct bench_result *r, int round, int rounds)
{
    int n = r->wanted / rounds + (round < r->wanted % rounds ? 1 : 0);
    if (r->err != 0 || n == 0)
        return;
    struct bench_run run;
    memset(&run, 0, sizeof(run));
    run.width = r->width;
    run.height = r->height;
    run.iters = n;
    run.warmup = n / 10 < 2 ? 2 : n / 10;
    run.ns = r->ns + r->count;
    int rc = r->c->fn(&run);
    if (rc < 0) {
        r->err = rc;
        snprintf(r->msg, sizeof(r->msg), "%s", run.err[0] ? run.err : strerror(-rc));
        if (r->c->sized)
            fprintf(stderr, "%s %dx%d failed: %s\n", r->c->name, r->width, r->height, r->msg);
        else
            fprintf(stderr, "%s failed: %s\n", r->c->name, r->msg);
        return;
    }
    r->count += n;
    r->extra = run.extra;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentiles of the recorded samples. */
static void summarise(struct bench_result *r)
{
    if (r->count == 0)
        return;
    qsort(r->ns, (size_t)r->count, sizeof(int64_t), cmp_i64);
    int n = r->count;
    r->p50_ns = n % 2 ? (double)r->ns[n / 2] : (r->ns[n / 2 - 1] + r->ns[n / 2]) / 2.0;
    int k = (int)((99LL * n + 99) / 100) - 1;
    r->p99_ns = (double)r->ns[k < 0 ? 0 : k];
}

/* ---- ratios ----------------------------------------------------------- */

static const struct bench_result *find(const struct bench_report *rep, const char *name, int32_t w,
                                       int32_t h)
{
    for (int i = 0; i < rep->nresults; i++) {
        const struct bench_result *r = &rep->results[i];
        bool size_ok = !r->c->sized || (r->width == w && r->height == h);
        if (strcmp(r->c->name, name) == 0 && size_ok && r->err == 0 && r->count > 0)
            return r;
    }
    return NULL;
}

/* Adds "a / b" of p50 times (when the target is an upper bound) or of
 * frame rates; the value stays negative when a side is missing. */
static void add_ratio(struct bench_report *rep, const char *name, const char *a, const char *b,
                      int32_t w, int32_t h, double target, bool at_most)
{
    const struct bench_result *ra = find(rep, a, w, h), *rb = find(rep, b, w, h);
    if (rep->nratios >= (int)(sizeof(rep->ratios) / sizeof(rep->ratios[0])))
        return;
    struct bench_ratio *q = &rep->ratios[rep->nratios++];
    q->name = name;
    q->how = at_most ? "p50 time" : "frames/s";
    q->width = w;
    q->height = h;
    q->target = target;
    q->at_most = at_most;
    q->value = -1;
    if (ra != NULL && rb != NULL)
        q->value = at_most ? ra->p50_ns / rb->p50_ns : bench_fps(ra) / bench_fps(rb);
}

static void ratios(struct bench_report *rep, const struct options *o)
{
    add_ratio(rep, "shmfb_empty / futex_pingpong", "shmfb_empty", "futex_pingpong", 0, 0, 1.15,
              true);
    add_ratio(rep, "shmfb_empty / spin_pingpong", "shmfb_empty", "spin_pingpong", 0, 0, 0, true);
    for (int s = 0; s < o->nsizes; s++) {
        int32_t w = o->w[s], h = o->h[s];
        /* The targets are set for 1080p; other sizes are for information. */
        bool hd = w == 1920 && h == 1080;
        add_ratio(rep, "shmfb_fifo / shm_loop", "shmfb_fifo", "shm_loop", w, h, hd ? 0.9 : 0,
                  false);
        add_ratio(rep, "shmfb_fifo / unix_socket", "shmfb_fifo", "unix_socket", w, h, hd ? 2.0 : 0,
                  false);
        add_ratio(rep, "shmfb_fifo / pipe", "shmfb_fifo", "pipe", w, h, 0, false);
        add_ratio(rep, "damage speed-up (fifo / damage)", "shmfb_damage", "shmfb_fifo", w, h,
                  hd ? 10.0 : 0, false);
    }
    /* With --only, keep just the ratios whose both sides were measured. */
    int n = 0;
    for (int i = 0; i < rep->nratios; i++)
        if (rep->ratios[i].value >= 0 || !o->only_set)
            rep->ratios[n++] = rep->ratios[i];
    rep->nratios = n;
}

static const char *prog_name(int argc, char **argv)
{
    if (argc < 1 || argv[0] == NULL || argv[0][0] == '\0')
        return "shmfb-bench";
    const char *slash = strrchr(argv[0], '/');
    const char *base = slash != NULL ? slash + 1 : argv[0];
    /* Run as a subcommand of the shmfb tool, argv[0] is the subcommand. */
    return strcmp(base, "bench") == 0 ? "shmfb bench" : base;
}

static int measure(struct bench_report *rep, const struct options *o)
{
    bench_signals_install();
    for (int round = 0; round < rep->rounds; round++) {
        for (int i = 0; i < rep->nresults; i++) {
            progress(&rep->results[i], round, rep->rounds);
            run_one(&rep->results[i], round, rep->rounds);
        }
    }
    progress(NULL, 0, 0);
    bench_cold_release();
    bench_signals_restore();
    int failed = 0;
    for (int i = 0; i < rep->nresults; i++) {
        summarise(&rep->results[i]);
        failed |= rep->results[i].err != 0;
    }
    ratios(rep, o);
    return failed;
}

int shmfb_bench_main(int argc, char **argv)
{
    struct options o = {
        .prog = prog_name(argc, argv), .nsizes = 2, .w = {1920, 3840}, .h = {1080, 2160}};
    int rc = parse_args(&o, argc, argv);
    if (rc >= 0)
        return rc;
    struct bench_result res[NCASES * MAX_SIZES];
    struct bench_report rep = {.mode = o.iterations  ? "custom"
                                       : o.long_mode ? "long"
                                                     : "short",
                               .rounds = rounds_for(&o),
                               .results = res};
    int failed = 1;
    if (plan(&o, &rep) < 0) {
        fprintf(stderr, "%s: out of memory\n", o.prog);
    } else {
        bench_machine_describe(&rep.machine);
        failed = measure(&rep, &o);
        if (o.json)
            bench_print_json(&rep);
        else
            bench_print_table(&rep);
    }
    for (int i = 0; i < rep.nresults; i++)
        free(res[i].ns);
    return failed ? 1 : 0;
}

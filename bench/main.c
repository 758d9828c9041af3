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
    {"memcpy_hot", "memcpy of one frame, repeated (in cache)", BENCH_SIZED, BENCH_BYTES_FRAME, 300,
     false, bench_memcpy_hot},
    {"memcpy_cold", "memcpy of one frame, buffers rotate beyond the LLC", BENCH_SIZED,
     BENCH_BYTES_FRAME, 300, false, bench_memcpy_cold},
    {"memcpy_damage", "memcpy of the 256x256 damage square, in cache", BENCH_FIRST,
     BENCH_BYTES_DAMAGE, 5000, false, bench_memcpy_damage},
    {"futex_pingpong", "raw futex wake+wait round trip, two processes", BENCH_UNSIZED,
     BENCH_BYTES_NONE, 5000, true, bench_futex_pingpong},
    {"spin_pingpong", "spinning round trip, two processes (no sleep)", BENCH_UNSIZED,
     BENCH_BYTES_NONE, 5000, true, bench_spin_pingpong},
    {"shm_loop", "hand-written shm+futex lockstep: write all, copy all", BENCH_SIZED,
     BENCH_BYTES_FRAME, 300, false, bench_shm_loop},
    {"unix_socket", "frame over a Unix stream socket, 1-byte ack", BENCH_SIZED, BENCH_BYTES_FRAME,
     300, false, bench_unix_socket},
    {"pipe", "frame over a pipe, 1-byte ack on another pipe", BENCH_SIZED, BENCH_BYTES_FRAME, 300,
     false, bench_pipe},
    {"shmfb_empty", "FIFO present -> wake -> release, no pixels", BENCH_UNSIZED, BENCH_BYTES_NONE,
     5000, true, bench_shmfb_empty},
    {"shmfb_fifo", "FIFO: write all, present; copy damage (all), release", BENCH_SIZED,
     BENCH_BYTES_FRAME, 300, false, bench_shmfb_fifo},
    {"shmfb_damage", "FIFO: write + damage 256x256; copy only the damage", BENCH_SIZED,
     BENCH_BYTES_DAMAGE, 300, false, bench_shmfb_damage},
    {"shmfb_free", "FREE: write all, present; consumer copies what it gets", BENCH_SIZED,
     BENCH_BYTES_FRAME, 300, false, bench_shmfb_free},
    {"shmfb_mailbox", "MAILBOX, 3 buffers: write all, present; consumer copies", BENCH_SIZED,
     BENCH_BYTES_FRAME, 300, false, bench_shmfb_mailbox},
    {"shmfb_mailbox_acquire", "the same, drawn into the acquired back buffer (no copy)",
     BENCH_SIZED, BENCH_BYTES_FRAME, 300, false, bench_shmfb_mailbox_acquire},
    {"shmfb_present_held", "MAILBOX present of 256x256 damage; a consumer holds a frame",
     BENCH_FIRST, BENCH_BYTES_DAMAGE, 5000, false, bench_shmfb_present_held},
    {"shmfb_input", "input event: viewer send -> idle producer wakes, one way", BENCH_UNSIZED,
     BENCH_BYTES_NONE, 5000, false, bench_shmfb_input},
};
#define NCASES     ((int)(sizeof(cases) / sizeof(cases[0])))
#define MAX_SIZES  2
#define NPLACES    3
#define PLACE_ALL  (-1)
#define MAX_RESULT (NCASES * MAX_SIZES * NPLACES)

struct options {
    const char *prog;
    bool long_mode, json, load;
    int iterations; /* 0: by mode */
    int nsizes;
    int32_t w[MAX_SIZES], h[MAX_SIZES];
    int pin; /* enum bench_place, or PLACE_ALL */
    bool only_set, only[NCASES];
};

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s [--short | --long] [--iterations N] [--size WxH] [--only NAME[,NAME...]]\n"
            "       [--load] [--pin all|any|split|same] [--json] [--help]\n\n"
            "Measures shmfb against memcpy, a raw futex ping-pong, a hand-written\n"
            "shared-memory frame loop, a Unix socket and a pipe, in one run, with the\n"
            "peers in separate processes, and prints medians (p50), p99 and ratios.\n\n"
            "  --short          quick run, about a minute (default): 300 iterations per\n"
            "                   frame measurement, 5000 per round trip and per present\n"
            "                   with small damage, in 5 rounds\n"
            "  --long           ten times the iterations\n"
            "  --iterations N   iterations per measurement (1..10000000)\n"
            "  --size WxH       one frame size instead of 1920x1080 and 3840x2160\n"
            "  --only NAMES     only these measurements (comma-separated)\n"
            "  --load           keep the last CPU busy with a spinning process for the\n"
            "                   whole run, so every measurement competes with it\n"
            "  --pin PLACE      where the two processes of a measurement run: any (where\n"
            "                   the scheduler likes), split (two different CPUs), same\n"
            "                   (one CPU); all (default): the round trips in each of\n"
            "                   the three, everything else in any\n"
            "  --json           machine-readable output on stdout instead of the table\n"
            "  --help           this text\n"
            "  --version        the version\n\nmeasurements:\n",
            prog);
    for (int i = 0; i < NCASES; i++)
        fprintf(f, "  %-22s %s\n", cases[i].name, cases[i].what);
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

static int parse_pin(struct options *o, const struct args *a)
{
    static const char *const names[] = {"any", "split", "same"};
    if (strcmp(a->value, "all") == 0) {
        o->pin = PLACE_ALL;
        return 0;
    }
    for (int i = 0; i < NPLACES; i++) {
        if (strcmp(a->value, names[i]) == 0) {
            o->pin = i;
            return 0;
        }
    }
    return args_usage_error(a, "--pin wants all, any, split or same, not '%s'", a->value);
}

enum { OPT_SHORT = 256, OPT_LONG, OPT_JSON, OPT_ITERATIONS, OPT_SIZE, OPT_ONLY, OPT_LOAD, OPT_PIN };

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
    case OPT_LOAD:
        o->load = true;
        return 0;
    case OPT_PIN:
        return parse_pin(o, a);
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
        {"load", no_argument, NULL, OPT_LOAD},
        {"pin", required_argument, NULL, OPT_PIN},
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

/* Two spinning processes on one CPU each wait out the other's time slice:
 * milliseconds per round trip, so that one gets fewer iterations. */
#define SLICED_DIVISOR 50

static int iterations_for(const struct options *o, const struct bench_case *c, enum bench_place pl)
{
    int n = c->iters;
    if (o->iterations > 0)
        n = o->iterations;
    else if (o->long_mode)
        n *= 10;
    if (c->fn == bench_spin_pingpong && pl == BENCH_PLACE_SAME && n > 2 * SLICED_DIVISOR)
        n /= SLICED_DIVISOR;
    return n;
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

static int plan_one(const struct options *o, struct bench_report *rep, const struct bench_case *c,
                    int s, enum bench_place pl)
{
    struct bench_result *r = &rep->results[rep->nresults++];
    memset(r, 0, sizeof(*r));
    r->c = c;
    r->width = o->w[s];
    r->height = o->h[s];
    r->place = pl;
    r->wanted = iterations_for(o, c, pl);
    r->bytes = bytes_for(c, r->width, r->height);
    r->ns = calloc((size_t)r->wanted, sizeof(int64_t));
    return r->ns == NULL ? -ENOMEM : 0;
}

static int plan(const struct options *o, struct bench_report *rep)
{
    for (int s = 0; s < o->nsizes; s++) {
        for (int i = 0; i < NCASES; i++) {
            const struct bench_case *c = &cases[i];
            if ((o->only_set && !o->only[i]) || (c->sizes != BENCH_SIZED && s > 0))
                continue;
            bool all = o->pin == PLACE_ALL && c->round_trip;
            int first = o->pin == PLACE_ALL ? BENCH_PLACE_ANY : o->pin;
            int last = all ? NPLACES - 1 : first;
            for (int pl = first; pl <= last; pl++)
                if (plan_one(o, rep, c, s, (enum bench_place)pl) < 0)
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
        fprintf(stderr, "\r%70s\r", "");
    else
        fprintf(stderr, "\r[round %d/%d] %-22s %dx%d %-5s        ", round + 1, rounds, r->c->name,
                r->width, r->height, bench_place_name(r->place));
}

static void say_failure(const struct bench_result *r)
{
    if (r->c->sizes != BENCH_UNSIZED)
        fprintf(stderr, "%s %dx%d", r->c->name, r->width, r->height);
    else
        fprintf(stderr, "%s", r->c->name);
    if (r->place != BENCH_PLACE_ANY)
        fprintf(stderr, " (%s)", bench_place_name(r->place));
    fprintf(stderr, " failed: %s\n", r->msg);
}

static int run_placed(struct bench_result *r, struct bench_run *run)
{
    int rc = bench_place_enter(r->place);
    if (rc == -ENOTSUP) {
        r->skipped = true;
        snprintf(r->msg, sizeof(r->msg), "needs two CPUs it may run on");
        return 0;
    }
    if (rc < 0)
        return bench_fail(run, rc, "cannot pin to a CPU: %s", strerror(-rc));
    rc = r->c->fn(run);
    bench_place_leave();
    return rc;
}

static void run_one(struct bench_result *r, int round, int rounds)
{
    int n = r->wanted / rounds + (round < r->wanted % rounds ? 1 : 0);
    if (r->err != 0 || r->skipped || n == 0)
        return;
    struct bench_run run;
    memset(&run, 0, sizeof(run));
    run.width = r->width;
    run.height = r->height;
    run.iters = n;
    run.warmup = n / 10 < 2 ? 2 : n / 10;
    run.ns = r->ns + r->count;
    int rc = run_placed(r, &run);
    if (rc < 0) {
        r->err = rc;
        snprintf(r->msg, sizeof(r->msg), "%s", run.err[0] ? run.err : strerror(-rc));
        say_failure(r);
        return;
    }
    if (r->skipped)
        return;
    r->count += n;
    r->extra = (r->extra * r->rounds + run.extra) / (r->rounds + 1);
    r->extra2 = (r->extra2 * r->rounds + run.extra2) / (r->rounds + 1);
    r->rounds++;
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

/* The result of a case at a size and placement; with `measured`, only if it
 * has figures. */
static const struct bench_result *find(const struct bench_report *rep, const char *name, int32_t w,
                                       int32_t h, enum bench_place pl, bool measured)
{
    for (int i = 0; i < rep->nresults; i++) {
        const struct bench_result *r = &rep->results[i];
        bool size_ok = r->c->sizes != BENCH_SIZED || (r->width == w && r->height == h);
        if (strcmp(r->c->name, name) != 0 || !size_ok || r->place != pl)
            continue;
        if (!measured || (r->err == 0 && r->count > 0))
            return r;
    }
    return NULL;
}

static double ratio_of(const struct bench_result *a, const struct bench_result *b,
                       enum bench_basis basis)
{
    switch (basis) {
    case BENCH_BASIS_P50:
        return a->p50_ns / b->p50_ns;
    case BENCH_BASIS_P99:
        return a->p99_ns / b->p99_ns;
    case BENCH_BASIS_FPS:
        return bench_fps(a) / bench_fps(b);
    default: /* BENCH_BASIS_P99_US */
        return a->p99_ns / 1e3;
    }
}

struct ratio_spec {
    const char *name, *a, *b; /* b NULL: a's own figure */
    enum bench_basis basis;
    double target; /* 0: for information */
    bool at_most;
};

/* Adds a ratio row when both sides were planned (with --only or --pin, some
 * are not); its value stays negative when a side has no figures. */
static void add_ratio(struct bench_report *rep, const struct ratio_spec *q, int32_t w, int32_t h,
                      enum bench_place pl)
{
    const char *b = q->b != NULL ? q->b : q->a;
    if (find(rep, q->a, w, h, pl, false) == NULL || find(rep, b, w, h, pl, false) == NULL)
        return;
    if (rep->nratios >= (int)(sizeof(rep->ratios) / sizeof(rep->ratios[0])))
        return;
    const struct bench_result *ra = find(rep, q->a, w, h, pl, true);
    const struct bench_result *rb = find(rep, b, w, h, pl, true);
    struct bench_ratio *r = &rep->ratios[rep->nratios++];
    r->name = q->name;
    r->basis = q->basis;
    r->width = w;
    r->height = h;
    r->place = pl;
    r->target = q->target;
    r->at_most = q->at_most;
    r->value = ra != NULL && rb != NULL ? ratio_of(ra, rb, q->basis) : -1;
}

/* The round trips have no size; the held present runs at the first. */
static void handoff_ratios(struct bench_report *rep, int32_t w, int32_t h)
{
    static const struct ratio_spec specs[] = {
        {"shmfb_empty / futex_pingpong", "shmfb_empty", "futex_pingpong", BENCH_BASIS_P50, 1.15,
         true},
        {"shmfb_empty / futex_pingpong", "shmfb_empty", "futex_pingpong", BENCH_BASIS_P99, 2.0,
         true},
        {"shmfb_empty / spin_pingpong", "shmfb_empty", "spin_pingpong", BENCH_BASIS_P50, 0, true},
    };
    for (int pl = 0; pl < NPLACES; pl++)
        for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
            add_ratio(rep, &specs[i], 0, 0, (enum bench_place)pl);
    static const struct ratio_spec held = {"present p99, consumer holds a frame",
                                           "shmfb_present_held",
                                           NULL,
                                           BENCH_BASIS_P99_US,
                                           0,
                                           true};
    /* How much of that p99 the machine adds to anything of its length. */
    static const struct ratio_spec noise = {"present_held / memcpy_damage",
                                            "shmfb_present_held",
                                            "memcpy_damage",
                                            BENCH_BASIS_P99,
                                            0,
                                            true};
    struct ratio_spec q = held;
    /* The targets are set for 1080p; other sizes are for information. */
    q.target = w == 1920 && h == 1080 ? 50.0 : 0;
    for (int pl = 0; pl < NPLACES; pl++) {
        add_ratio(rep, &q, w, h, (enum bench_place)pl);
        add_ratio(rep, &noise, w, h, (enum bench_place)pl);
    }
}

static void frame_ratios(struct bench_report *rep, enum bench_place pl, int32_t w, int32_t h)
{
    bool hd = w == 1920 && h == 1080;
    const struct ratio_spec specs[] = {
        {"shmfb_fifo / shm_loop", "shmfb_fifo", "shm_loop", BENCH_BASIS_FPS, hd ? 0.9 : 0, false},
        {"shmfb_fifo / unix_socket", "shmfb_fifo", "unix_socket", BENCH_BASIS_FPS, hd ? 2.0 : 0,
         false},
        {"shmfb_fifo / pipe", "shmfb_fifo", "pipe", BENCH_BASIS_FPS, 0, false},
        {"damage speed-up (fifo / damage)", "shmfb_damage", "shmfb_fifo", BENCH_BASIS_FPS,
         hd ? 10.0 : 0, false},
        {"shmfb_mailbox / shmfb_fifo", "shmfb_mailbox", "shmfb_fifo", BENCH_BASIS_FPS, hd ? 1.6 : 0,
         false},
        {"shmfb_mailbox / unix_socket", "shmfb_mailbox", "unix_socket", BENCH_BASIS_FPS,
         hd ? 2.5 : 0, false},
        {"mailbox_acquire / shmfb_fifo", "shmfb_mailbox_acquire", "shmfb_fifo", BENCH_BASIS_FPS, 0,
         false},
    };
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
        add_ratio(rep, &specs[i], w, h, pl);
}

static void ratios(struct bench_report *rep, const struct options *o)
{
    handoff_ratios(rep, o->w[0], o->h[0]);
    for (int s = 0; s < o->nsizes; s++)
        for (int pl = 0; pl < NPLACES; pl++)
            frame_ratios(rep, (enum bench_place)pl, o->w[s], o->h[s]);
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

static void measure_rounds(struct bench_report *rep)
{
    for (int round = 0; round < rep->rounds; round++) {
        for (int i = 0; i < rep->nresults; i++) {
            progress(&rep->results[i], round, rep->rounds);
            run_one(&rep->results[i], round, rep->rounds);
        }
    }
    progress(NULL, 0, 0);
}

/* The load runs from before the first measurement to after the last. */
static int measure(struct bench_report *rep, const struct options *o)
{
    struct bench_peer load = {0, true};
    bench_signals_install();
    int failed = 0;
    if (o->load) {
        int rc = bench_load_start(&load);
        if (rc < 0) {
            fprintf(stderr, "%s: cannot start the load: %s\n", o->prog, strerror(-rc));
            bench_signals_restore();
            return -1;
        }
        rep->load_cpu = bench_load_cpu();
    }
    measure_rounds(rep);
    bench_cold_release();
    if (o->load && !bench_peer_alive(&load)) {
        fprintf(stderr, "%s: the load process died during the run\n", o->prog);
        failed = 1;
    }
    bench_load_stop(&load);
    bench_signals_restore();
    for (int i = 0; i < rep->nresults; i++) {
        summarise(&rep->results[i]);
        failed |= rep->results[i].err != 0;
    }
    ratios(rep, o);
    return failed;
}

int shmfb_bench_main(int argc, char **argv)
{
    struct options o = {.prog = prog_name(argc, argv),
                        .nsizes = 2,
                        .w = {1920, 3840},
                        .h = {1080, 2160},
                        .pin = PLACE_ALL};
    int rc = parse_args(&o, argc, argv);
    if (rc >= 0)
        return rc;
    struct bench_result res[MAX_RESULT];
    struct bench_report rep = {.mode = o.iterations  ? "custom"
                                       : o.long_mode ? "long"
                                                     : "short",
                               .rounds = rounds_for(&o),
                               .load_cpu = -1,
                               .results = res};
    bench_place_cpus(BENCH_PLACE_SPLIT, &rep.split_cpus[0], &rep.split_cpus[1]);
    int failed = 1;
    if (plan(&o, &rep) < 0) {
        fprintf(stderr, "%s: out of memory\n", o.prog);
    } else {
        bench_machine_describe(&rep.machine);
        failed = measure(&rep, &o);
        if (failed >= 0 && o.json)
            bench_print_json(&rep);
        else if (failed >= 0)
            bench_print_table(&rep);
    }
    for (int i = 0; i < rep.nresults; i++)
        free(res[i].ns);
    return failed != 0 ? 1 : 0;
}

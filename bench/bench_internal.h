/* Internal interfaces of the benchmark: measurement helpers and cases. */
#ifndef SHMFB_BENCH_INTERNAL_H
#define SHMFB_BENCH_INTERNAL_H

#include <shmfb/shmfb.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Longest any single wait for the peer process may take. */
#define BENCH_WAIT_MS 5000
#define BENCH_ERR_MAX 160
/* Side of the square damaged in the damage cases. */
#define BENCH_DAMAGE_SIDE 256

/* One measurement, prepared by the driver and carried out by a case. */
struct bench_run {
    int32_t width, height; /* frame size */
    int warmup;            /* iterations run before recording */
    int iters;             /* iterations recorded into ns[] */
    int64_t *ns;           /* per-iteration time in nanoseconds */
    double extra, extra2;  /* case-specific figures, see report.c */
    char err[BENCH_ERR_MAX];
};

typedef int (*bench_fn)(struct bench_run *run);

/* The other process of a two-process measurement. */
struct bench_peer {
    pid_t pid;
    bool is_child; /* pid is our child (we are the parent) */
};

typedef int (*bench_child_fn)(void *arg, const struct bench_peer *parent);

/* util.c: time, errors, memory, pixels */
int64_t bench_now_ns(void);
int bench_fail(struct bench_run *run, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void *bench_map(size_t bytes, bool shared);
void bench_unmap(void *p, size_t bytes);
size_t bench_frame_bytes(int32_t width, int32_t height);
void bench_fill(uint32_t *px, int32_t stride_px, const struct shmfb_rect *r, uint32_t value);
void bench_copy(uint32_t *dst, const uint32_t *src, int32_t stride_px, const struct shmfb_rect *r);
void bench_clobber(const void *p);
uint32_t bench_pixel(int i);
struct shmfb_rect bench_damage_rect(int32_t width, int32_t height);

/* proc.c: helper processes, waits on shared words, cleanup on signals */
int bench_spawn(bench_child_fn fn, void *arg, struct bench_peer *child);
int bench_reap(struct bench_peer *child, int timeout_ms);
void bench_kill(struct bench_peer *child);
bool bench_peer_alive(const struct bench_peer *peer);
int bench_wait_eq(_Atomic uint32_t *word, uint32_t want, const struct bench_peer *peer, bool spin);
void bench_wake(_Atomic uint32_t *word);
void bench_track_name(const char *name);
void bench_untrack_name(const char *name);
void bench_signals_install(void);
void bench_signals_restore(void);
void bench_unique_name(char *out, size_t size, const char *tag);

/* place.c: where the processes of a measurement run, and the load */
enum bench_place {
    BENCH_PLACE_ANY,   /* where the scheduler likes */
    BENCH_PLACE_SPLIT, /* this process on one CPU, the helper on another */
    BENCH_PLACE_SAME,  /* both on one CPU */
};
const char *bench_place_name(enum bench_place pl);
bool bench_place_cpus(enum bench_place pl, int *self, int *child);
int bench_place_enter(enum bench_place pl);
void bench_place_leave(void);
int bench_place_child(void);
int bench_load_cpu(void);
int bench_load_start(struct bench_peer *load);
void bench_load_stop(struct bench_peer *load);

/* baseline.c: limits of the machine and the usual alternatives */
int bench_memcpy_hot(struct bench_run *run);
int bench_memcpy_cold(struct bench_run *run);
int bench_memcpy_damage(struct bench_run *run);
void bench_cold_release(void);
int bench_futex_pingpong(struct bench_run *run);
int bench_spin_pingpong(struct bench_run *run);
int bench_shm_loop(struct bench_run *run);
int bench_unix_socket(struct bench_run *run);
int bench_pipe(struct bench_run *run);

/* cases_shmfb.c: the library */
int bench_shmfb_empty(struct bench_run *run);
int bench_shmfb_fifo(struct bench_run *run);
int bench_shmfb_damage(struct bench_run *run);
int bench_shmfb_free(struct bench_run *run);
int bench_shmfb_mailbox(struct bench_run *run);
int bench_shmfb_mailbox_acquire(struct bench_run *run);
int bench_shmfb_present_held(struct bench_run *run);
int bench_shmfb_input(struct bench_run *run);

/* machine.c */
struct bench_machine {
    char cpu[128];
    int cores;
    char kernel[200];
    size_t llc_bytes;
    double loadavg; /* 1-minute load average when the run began; -1 unknown */
};
void bench_machine_describe(struct bench_machine *m);
size_t bench_llc_bytes(void);

/* main.c: the table of measurements */
enum bench_bytes {
    BENCH_BYTES_NONE,   /* no pixels move */
    BENCH_BYTES_FRAME,  /* one whole frame per iteration */
    BENCH_BYTES_DAMAGE, /* the damage square per iteration */
};

enum bench_sizes {
    BENCH_UNSIZED, /* no frame: runs once */
    BENCH_SIZED,   /* runs at every size */
    BENCH_FIRST,   /* runs once, at the first size */
};

struct bench_case {
    const char *name;
    const char *what;
    enum bench_sizes sizes;
    enum bench_bytes bytes; /* what moves per iteration */
    int iters;              /* iterations of a --short run */
    bool round_trip;        /* measured in every placement by default */
    bench_fn fn;
};

/* The samples and figures of one case at one size. */
struct bench_result {
    const struct bench_case *c;
    int32_t width, height;
    enum bench_place place;
    int wanted;  /* iterations asked for */
    int count;   /* samples in ns[] */
    int64_t *ns; /* wanted samples */
    double p50_ns, p99_ns, bytes;
    double extra, extra2; /* means over the rounds */
    int rounds;           /* rounds that ran */
    bool skipped;         /* could not run here; msg says why */
    int err;
    char msg[BENCH_ERR_MAX];
};

enum bench_basis {
    BENCH_BASIS_P50,    /* a / b of p50 times */
    BENCH_BASIS_P99,    /* a / b of p99 times */
    BENCH_BASIS_FPS,    /* a / b of frames/s */
    BENCH_BASIS_P99_US, /* a's p99 in microseconds, against a bound */
};

struct bench_ratio {
    const char *name;
    enum bench_basis basis;
    int32_t width, height; /* 0 when not tied to a size */
    enum bench_place place;
    double value;  /* negative when a side is missing */
    double target; /* 0: none */
    bool at_most;  /* target is an upper bound */
};

struct bench_report {
    const char *mode;
    int rounds;
    struct bench_machine machine;
    int load_cpu;      /* where --load kept a CPU busy; -1 without */
    int split_cpus[2]; /* the CPUs of the split placement, -1 unknown */
    struct bench_result *results;
    int nresults;
    struct bench_ratio ratios[40];
    int nratios;
};

/* report.c */
double bench_fps(const struct bench_result *r);
double bench_gbps(const struct bench_result *r);
const char *bench_basis_name(enum bench_basis b);
void bench_print_table(const struct bench_report *rep);
void bench_print_json(const struct bench_report *rep);

#endif /* SHMFB_BENCH_INTERNAL_H */

/*
 * Chaos: processes killed with SIGKILL at random moments of a framebuffer's
 * life, on both sides, and what the survivor and the name go through.
 *
 * Each trial picks a side (producer or consumer) and a phase (create,
 * attach, present, wait, close; for a producer, attach is answering the
 * consumers that connect, for a consumer, create is opening the name and
 * present is copying a frame and releasing it).  A forked victim runs that
 * side in a loop
 * that keeps returning to the phase; a forked killer waits until the victim
 * first enters it, sleeps a random 1 us .. 20 ms and kills it.  This test
 * process is the other side, the survivor, and checks after every trial:
 *  - each of its calls returned within its bound (its timeout plus slack);
 *  - it learned of the death: a consumer sees -EPIPE (or -ENOENT once the
 *    name is gone) within its wait timeout, a producer has dropped the dead
 *    consumer (shmfb_producer_consumers() == 0) within its timeout;
 *  - the killed producer's name is not listed as live and a new producer
 *    takes it at once (one attempt);
 *  - nothing is left: the runtime directory is empty once that producer is
 *    gone, nothing of the trial is in /dev/shm, no child is left, and this
 *    process holds exactly the descriptors it held before the trial.
 * At the end it prints how many kills landed in each phase (where the
 * victim was when it died) and the survivors' longest return times.
 */
#include "args.h"

#include <shmfb/shmfb.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SIDES  2
#define PHASES 5
enum side { PRODUCER, CONSUMER };
enum phase { CREATE, ATTACH, PRESENT, WAIT, CLOSE, BETWEEN }; /* BETWEEN: no call */
static const char *const side_names[SIDES] = {"producer", "consumer"};
static const char *const phase_names[PHASES + 1] = {"create", "attach", "present",
                                                    "wait",   "close",  "between calls"};

/* Bounds the survivor is held to, and the slack a loaded machine gets. */
#define PRODUCER_TIMEOUT_MS 300 /* desc.timeout_ms of survivor producers */
#define CONSUMER_WAIT_MS    500 /* survivor consumers' wait timeout */
#define OPEN_TIMEOUT_MS     1000
#define SLACK_MS            400
#define TRIAL_LIMIT_MS      5000

/* Shared between this process, the victim and the killer. */
struct board {
    _Atomic int phase;         /* what the victim is doing (enum phase) */
    _Atomic int entered;       /* it has entered the trial's phase */
    _Atomic long long kill_ns; /* when the killer sent SIGKILL, 0 before */
    char error[160];           /* why a victim gave up, if it did */
};

struct figures {
    int kills[SIDES][PHASES + 1];
    int trials[SIDES][PHASES];
    double notice_ms[200]; /* consumers: death noticed after the kill */
    double drop_ms[200];   /* producers: dead consumer dropped after the kill */
    int nnotice, ndrop;
    double longest_call_ms;
};

static struct board *board;
static char runtime_dir[512];
static size_t root_len; /* runtime_dir up to the directory mkdtemp made */
static unsigned long long rng_state;
static int trial_no;

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double since_ms(long long t0)
{
    return (double)(now_ns() - t0) / 1e6;
}

static unsigned long long rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

#define need(cond, ...) ((cond) ? (void)0 : die(__LINE__, __VA_ARGS__))

__attribute__((format(printf, 2, 3))) static void die(int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "chaos: trial %d (chaos.c:%d): ", trial_no, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* ---- the victims: loops that keep returning to their phase --------------- */

static void set_phase(int phase, int target)
{
    atomic_store(&board->phase, phase);
    if (phase == target)
        atomic_store(&board->entered, 1);
}

static void victim_fail(const char *what, int rc)
{
    snprintf(board->error, sizeof(board->error), "victim: %s: %s", what, shmfb_strerror(rc));
    _exit(3);
}

static struct shmfb_producer *victim_create(const char *name, int target)
{
    const struct shmfb_producer_desc d = {.max_width = 256, .max_height = 128};
    struct shmfb_producer *p;
    set_phase(CREATE, target);
    int rc = shmfb_producer_create(name, &d, &p);
    set_phase(BETWEEN, target);
    if (rc < 0)
        victim_fail("create", rc);
    return p;
}

static void victim_present(struct shmfb_producer *p, int target)
{
    uint32_t *px = shmfb_producer_pixels(p);
    for (int i = 0; i < 256; i++)
        px[i] = (uint32_t)shmfb_producer_frame(p);
    set_phase(PRESENT, target);
    shmfb_producer_present(p);
    set_phase(BETWEEN, target);
}

static void victim_destroy(struct shmfb_producer *p, int target)
{
    set_phase(CLOSE, target);
    shmfb_producer_destroy(p);
    set_phase(BETWEEN, target);
}

static _Noreturn void victim_producer(const char *name, int target)
{
    struct shmfb_producer *p = NULL;
    for (unsigned n = 0;; n++) {
        if (!p)
            p = victim_create(name, target);
        if (target == ATTACH) {
            set_phase(ATTACH, target); /* answering consumers that connect */
            shmfb_producer_dispatch(p);
            set_phase(BETWEEN, target);
        }
        if (target != CREATE && (target != ATTACH || n % 16 == 0))
            victim_present(p, target);
        if (target == WAIT) {
            struct shmfb_event e;
            set_phase(WAIT, target);
            shmfb_producer_wait(p, 20, SHMFB_WAIT_EVENT);
            set_phase(BETWEEN, target);
            while (shmfb_producer_poll_event(p, &e) == 0)
                ;
        }
        if (target == CREATE || target == CLOSE) {
            victim_destroy(p, target);
            p = NULL;
        }
    }
}

static struct shmfb_consumer *victim_open(const char *name, int target)
{
    struct shmfb_consumer *c = NULL;
    set_phase(CREATE, target);
    int rc = shmfb_consumer_open(name, NULL, &c);
    set_phase(BETWEEN, target);
    if (rc < 0)
        victim_fail("open", rc);
    return c;
}

/* Takes a frame, copies it (the consumer's part of a present) and gives it
 * back. */
static void victim_frame(struct shmfb_consumer *c, int target)
{
    static uint32_t copy[256 * 128];
    struct shmfb_frame f;
    set_phase(WAIT, target);
    int rc = shmfb_consumer_wait(c, 200, &f);
    set_phase(BETWEEN, target);
    if (rc == -ECONNRESET) /* dropped as stuck meanwhile (a loaded machine) */
        rc = shmfb_consumer_attach(c);
    if (rc == -ETIMEDOUT || rc == -ECONNRESET)
        return;
    if (rc < 0)
        victim_fail("wait", rc);
    set_phase(PRESENT, target);
    memcpy(copy, f.pixels, (size_t)f.height * (size_t)f.stride);
    shmfb_consumer_release(c);
    set_phase(BETWEEN, target);
    const struct shmfb_event e = {.type = SHMFB_EVENT_MOTION, .x = (int32_t)copy[0]};
    shmfb_consumer_send(c, &e);
}

static void victim_attach(struct shmfb_consumer *c, int target, bool attach)
{
    set_phase(ATTACH, target);
    int rc = attach ? shmfb_consumer_attach(c) : shmfb_consumer_detach(c);
    set_phase(BETWEEN, target);
    if (rc == -ENOTCONN && !attach)
        rc = 0; /* dropped as stuck meanwhile (a loaded machine) */
    if (rc < 0)
        victim_fail(attach ? "attach" : "detach", rc);
}

static _Noreturn void victim_consumer(const char *name, int target)
{
    struct shmfb_consumer *c = NULL;
    for (unsigned n = 0;; n++) {
        if (!c) {
            c = victim_open(name, target);
            if (target != CREATE)
                victim_attach(c, target, true);
        }
        if (target != CREATE && (target != ATTACH || n % 8 == 0))
            victim_frame(c, target);
        if (target == ATTACH) {
            victim_attach(c, target, false);
            victim_attach(c, target, true);
        }
        if (target == CREATE || target == CLOSE) {
            set_phase(CLOSE, target);
            shmfb_consumer_close(c);
            set_phase(BETWEEN, target);
            c = NULL;
        }
    }
}

/* ---- the killer ------------------------------------------------------------ */

/* Lets the victim run a random while, then strikes a random few
 * microseconds after it next enters the trial's phase (spinning, as a
 * sleep's granularity is coarser than most calls). */
static _Noreturn void killer(pid_t victim, int target, long delay_us, long within_us)
{
    long long give_up = now_ns() + 3000000000LL;
    while (!atomic_load(&board->entered) && now_ns() < give_up)
        sleep_us(50);
    sleep_us(delay_us);
    give_up = now_ns() + 500000000LL;
    while (atomic_load(&board->phase) != target && now_ns() < give_up)
        ;
    for (long long until = now_ns() + within_us * 1000; now_ns() < until;)
        ;
    atomic_store(&board->kill_ns, now_ns());
    kill(victim, SIGKILL);
    _exit(0);
}

/* A delay spread evenly over the orders of magnitude 1 us .. 20 ms. */
static long random_delay_us(void)
{
    double u = (double)(rnd() % 1000000) / 1e6;
    return (long)pow(10.0, u * log10(20000.0));
}

static pid_t fork_child(int go)
{
    pid_t pid = fork();
    need(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        char b;
        if (read(go, &b, 1) != 1)
            _exit(4); /* the test process gave up */
    }
    return pid;
}

/* ---- the survivors --------------------------------------------------------- */

/* Times one library call against its bound. */
static void call_done(struct figures *fig, long long t0, int bound_ms, const char *what)
{
    double ms = since_ms(t0);
    need(ms <= bound_ms + SLACK_MS, "%s took %.0f ms (bound %d ms)", what, ms, bound_ms);
    if (fig && ms > fig->longest_call_ms)
        fig->longest_call_ms = ms;
}

/* Whether the killer has struck, and the victim is gone for good. */
static bool killed(void)
{
    return atomic_load(&board->kill_ns) != 0;
}

/* Consumer side: follows the producer through its restarts until it has
 * died, and returns how long after the kill the death was noticed. */
static double survive_as_consumer(struct figures *fig, const char *name)
{
    struct shmfb_consumer *c = NULL;
    const struct shmfb_consumer_desc d = {.timeout_ms = OPEN_TIMEOUT_MS};
    long long start = now_ns();
    for (;;) {
        need(since_ms(start) < TRIAL_LIMIT_MS, "the consumer never saw its producer die");
        bool after = killed();
        int rc;
        long long t0 = now_ns();
        if (!c) {
            rc = shmfb_consumer_open(name, &d, &c);
            call_done(fig, t0, OPEN_TIMEOUT_MS, "open");
            if (rc == 0 && (rc = shmfb_consumer_attach(c)) < 0)
                need(rc == -EPIPE, "attach: %s", shmfb_strerror(rc));
        } else {
            struct shmfb_frame f;
            rc = shmfb_consumer_wait(c, CONSUMER_WAIT_MS, &f);
            call_done(fig, t0, CONSUMER_WAIT_MS, "wait");
            if (rc == 0) {
                need(f.width == 256 && f.height == 128, "frame %dx%d", f.width, f.height);
                shmfb_consumer_release(c);
                const struct shmfb_event e = {.type = SHMFB_EVENT_FOCUS_IN};
                shmfb_consumer_send(c, &e);
            } else if (rc == -ECONNRESET) {
                rc = shmfb_consumer_attach(c);
            }
        }
        if (rc == -EPIPE || rc == -ENOENT) {
            shmfb_consumer_close(c);
            c = NULL;
            if (after) /* checked before the call: this is the death */
                return (double)(now_ns() - atomic_load(&board->kill_ns)) / 1e6;
            if (rc == -ENOENT)
                sleep_us(500); /* the producer is between two lives */
            continue;
        }
        need(rc == 0 || rc == -ETIMEDOUT || rc == -EUSERS, "consumer: %s", shmfb_strerror(rc));
    }
}

/* Producer side: presents and serves until the victim is dead and its slot
 * dropped; returns how long after the kill that took. */
static double survive_as_producer(struct figures *fig, struct shmfb_producer *p)
{
    long long start = now_ns();
    for (uint32_t n = 0;; n++) {
        need(since_ms(start) < TRIAL_LIMIT_MS, "the producer never dropped its dead consumer");
        bool after = killed();
        uint32_t *px = shmfb_producer_pixels(p);
        for (int i = 0; i < 256; i++)
            px[i] = n;
        long long t0 = now_ns();
        need(shmfb_producer_present(p) == 0, "present failed");
        call_done(fig, t0, PRODUCER_TIMEOUT_MS, "present");
        t0 = now_ns();
        int rc = shmfb_producer_wait(p, 5, SHMFB_WAIT_EVENT);
        call_done(fig, t0, 5, "producer wait");
        need(rc > 0 || rc == -ETIMEDOUT, "producer wait: %s", shmfb_strerror(rc));
        struct shmfb_event e;
        while (shmfb_producer_poll_event(p, &e) == 0)
            ;
        if (after && shmfb_producer_consumers(p) == 0)
            return (double)(now_ns() - atomic_load(&board->kill_ns)) / 1e6;
    }
}

/* ---- what a trial must leave ------------------------------------------------- */

static int count_entries(const char *path, const char *containing)
{
    DIR *d = opendir(path);
    if (!d)
        return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.' && strstr(e->d_name, containing) != NULL;
    closedir(d);
    return n;
}

static int open_fds(void)
{
    return count_entries("/proc/self/fd", "");
}

struct listed {
    const char *name;
    int live;
};

static int count_live(void *ctx, const char *name, bool alive)
{
    struct listed *l = ctx;
    l->live += alive && strcmp(name, l->name) == 0;
    return 0;
}

static int live_listed(const char *name)
{
    struct listed l = {name, 0};
    int rc = shmfb_list(count_live, &l, 0);
    need(rc >= 0, "list: %s", shmfb_strerror(rc));
    return l.live;
}

/* The victim died of SIGKILL and nothing else; the killer exited. */
static void reap(pid_t victim, pid_t kill_pid)
{
    int st;
    need(waitpid(victim, &st, 0) == victim, "victim not reaped");
    need(!(WIFEXITED(st) && WEXITSTATUS(st) == 3), "%s", board->error);
    need(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the victim ended with status %d", st);
    need(waitpid(kill_pid, &st, 0) == kill_pid && WIFEXITED(st), "killer not reaped");
}

/* No slot is left to the dead consumer, however it died: also one it was
 * half-way through claiming (not counted as attached), which goes one
 * liveness period after the producer first sees it with no live connection
 * behind it.  So after serving two liveness periods (50 ms each), every
 * slot can be attached again. */
static void slots_all_free(const char *name, struct shmfb_producer *p)
{
    struct shmfb_consumer *c[SHMFB_MAX_CONSUMERS] = {NULL};
    struct shmfb_event e;
    int rc;
    for (long long until = now_ns() + 120000000LL; now_ns() < until;) {
        long long t0 = now_ns();
        rc = shmfb_producer_wait(p, 10, SHMFB_WAIT_EVENT);
        call_done(NULL, t0, 10, "producer wait");
        need(rc == -ETIMEDOUT || rc > 0, "producer wait: %s", shmfb_strerror(rc));
        while (shmfb_producer_poll_event(p, &e) == 0)
            ;
    }
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        rc = shmfb_consumer_open(name, NULL, &c[i]);
        need(rc == 0, "open: %s", shmfb_strerror(rc));
        rc = shmfb_consumer_attach(c[i]);
        need(rc == 0, "slot %d of %d: %s", i + 1, SHMFB_MAX_CONSUMERS, shmfb_strerror(rc));
    }
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++)
        shmfb_consumer_close(c[i]);
}

/* The name is free at once, and the runtime directory empty afterwards. */
static void reuse_and_clean(const char *name, const char *key)
{
    const struct shmfb_producer_desc d = {.max_width = 8, .max_height = 8};
    struct shmfb_producer *p;
    struct shmfb_info info;
    need(live_listed(name) == 0, "%s still listed as live", name);
    int rc = shmfb_producer_create(name, &d, &p);
    need(rc == 0, "a new producer cannot take %s at once: %s", name, shmfb_strerror(rc));
    need(shmfb_probe(name, &info) == 0 && info.alive == 1 && info.max_width == 8,
         "the new producer's framebuffer is not the one found");
    shmfb_producer_destroy(p);
    need(count_entries(runtime_dir, "") == 0, "files left in the runtime directory");
    need(count_entries("/dev/shm", key) == 0, "something of this test is in /dev/shm");
    need(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD, "a child is left");
}

static void trial(struct figures *fig, int side, int phase)
{
    char name[64], key[32];
    int go[2], fds = open_fds();
    snprintf(key, sizeof(key), "chaos-%d-", (int)getpid());
    snprintf(name, sizeof(name), "/%s%d", key, trial_no);
    memset(board, 0, sizeof(*board));
    atomic_store(&board->phase, BETWEEN);
    need(pipe(go) == 0, "pipe");
    /* Forked before this process opens anything of the trial, so that
     * neither child holds a descriptor of the survivor. */
    pid_t victim = fork_child(go[0]);
    if (victim == 0)
        side == PRODUCER ? victim_producer(name, phase) : victim_consumer(name, phase);
    long delay = random_delay_us(), within = (long)(rnd() % 200);
    pid_t kill_pid = fork_child(go[0]);
    if (kill_pid == 0)
        killer(victim, phase, delay, within);
    close(go[0]);
    struct shmfb_producer *p = NULL;
    if (side == CONSUMER) {
        const struct shmfb_producer_desc d = {
            .max_width = 256, .max_height = 128, .timeout_ms = PRODUCER_TIMEOUT_MS};
        int rc = shmfb_producer_create(name, &d, &p);
        need(rc == 0, "create: %s", shmfb_strerror(rc));
    }
    need(write(go[1], "gg", 2) == 2, "go");
    close(go[1]);
    if (side == PRODUCER) {
        double ms = survive_as_consumer(fig, name);
        need(ms <= CONSUMER_WAIT_MS + SLACK_MS, "death noticed after %.0f ms", ms);
        fig->notice_ms[fig->nnotice++] = ms;
    } else {
        double ms = survive_as_producer(fig, p);
        need(ms <= PRODUCER_TIMEOUT_MS + SLACK_MS, "dead consumer dropped after %.0f ms", ms);
        fig->drop_ms[fig->ndrop++] = ms;
    }
    reap(victim, kill_pid);
    if (p)
        slots_all_free(name, p);
    fig->kills[side][atomic_load(&board->phase)]++;
    fig->trials[side][phase]++;
    shmfb_producer_destroy(p);
    reuse_and_clean(name, key);
    need(open_fds() == fds, "descriptors: %d before the trial, %d after", fds, open_fds());
}

/* ---- figures ------------------------------------------------------------------- */

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void print_times(const char *what, double *ms, int n)
{
    if (n == 0)
        return;
    qsort(ms, (size_t)n, sizeof(*ms), by_value);
    printf("chaos: %s: median %.1f ms, longest %.1f ms (%d trials)\n", what, ms[n / 2], ms[n - 1],
           n);
}

static void print_figures(struct figures *fig, int trials, double seconds)
{
    printf("chaos: %d trials, every victim killed with SIGKILL, in %.1f s\n", trials, seconds);
    for (int s = 0; s < SIDES; s++) {
        printf("chaos: %s victims, kills by what the victim was doing:", side_names[s]);
        for (int ph = 0; ph <= PHASES; ph++)
            printf(" %s %d%s", phase_names[ph], fig->kills[s][ph], ph < PHASES ? "," : "\n");
    }
    print_times("surviving consumers noticed their producer's death after", fig->notice_ms,
                fig->nnotice);
    print_times("surviving producers dropped their dead consumer after", fig->drop_ms, fig->ndrop);
    printf("chaos: longest survivor call %.1f ms; after every trial the name was taken again "
           "at once and nothing was left\n",
           fig->longest_call_ms);
}

static const char usage[] =
    "usage: chaos [--trials N] [--seed S] [--path-length N]\n"
    "\n"
    "Kills producers and consumers with SIGKILL at random moments of create,\n"
    "attach, present, wait and close, and checks what the other side and the\n"
    "name go through.  Prints the figures.\n"
    "\n"
    "  --trials N   trials to run, 1..200 (default 100)\n"
    "  --seed S     random seed (default: from the clock; printed)\n"
    "  --path-length N  make the runtime directory at least N bytes long,\n"
    "               16..400 (default: as short as mkdtemp makes it)\n";

/* Also when a trial fails: a dead victim's files may be left there. */
static void remove_runtime_dir(void)
{
    DIR *d = opendir(runtime_dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] != '.')
            unlinkat(dirfd(d), e->d_name, 0);
    if (d)
        closedir(d);
    /* The nested levels of --path-length, innermost first. */
    for (char *slash; strlen(runtime_dir) > root_len && (slash = strrchr(runtime_dir, '/'));) {
        rmdir(runtime_dir);
        *slash = '\0';
    }
    rmdir(runtime_dir);
}

/* Nests directories in the runtime directory until its path is `len`
 * bytes or longer. */
static void deepen(size_t len)
{
    size_t n = strlen(runtime_dir);
    while (n < len) {
        n += (size_t)snprintf(runtime_dir + n, sizeof(runtime_dir) - n, "/%s",
                              "a-runtime-directory-deep-down");
        need(mkdir(runtime_dir, 0700) == 0, "mkdir");
    }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"trials", required_argument, NULL, 't'},
        {"seed", required_argument, NULL, 's'},
        {"path-length", required_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
    };
    struct args a = {.prog = "chaos", .usage_text = usage, .shortopts = "", .longopts = opts};
    long trials = 100, seed = (long)(now_ns() % 1000000007);
    int opt;
    args_start(&a, argc, argv);
    long path_length = 0;
    while ((opt = args_next(&a)) > 0)
        if ((opt == 't'   ? args_long(&a, 1, 200, &trials)
             : opt == 'p' ? args_long(&a, 16, 400, &path_length)
                          : args_long(&a, 1, LONG_MAX, &seed)) < 0)
            return ARGS_EXIT_USAGE;
    if (opt == ARGS_STOP)
        return a.status;
    if (a.nrest)
        return args_usage_error(&a, "unexpected argument '%s'", a.rest[0]);
    rng_state = (unsigned long long)seed * 2654435761u + 1;
    board = mmap(NULL, sizeof(*board), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    need(board != MAP_FAILED, "mmap");
    snprintf(runtime_dir, sizeof(runtime_dir), "/tmp/shmfb-chaos-XXXXXX");
    need(mkdtemp(runtime_dir) != NULL, "mkdtemp");
    root_len = strlen(runtime_dir);
    atexit(remove_runtime_dir);
    deepen((size_t)path_length);
    setenv(SHMFB_RUNTIME_DIR_ENV, runtime_dir, 1);
    printf("chaos: seed %ld\n", seed);
    fflush(stdout);
    static struct figures fig;
    long long t0 = now_ns();
    for (trial_no = 0; trial_no < trials; trial_no++)
        trial(&fig, trial_no % SIDES, (trial_no / SIDES) % PHASES);
    print_figures(&fig, (int)trials, since_ms(t0) / 1000);
    return 0;
}

/* Helper processes, bounded waits on shared words, and cleanup when the
 * benchmark is interrupted. */
#include "bench_internal.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TRACK_MAX 8
#define NAME_LEN  80
#define SLICE_MS  20

/* What a fatal signal must clean up: children to kill, names to unlink. */
static volatile pid_t tracked_pids[TRACK_MAX];
static char tracked_names[TRACK_MAX][NAME_LEN];
static volatile sig_atomic_t tracked_name_used[TRACK_MAX];

static const int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define NFATAL (sizeof(fatal_signals) / sizeof(fatal_signals[0]))
static struct sigaction saved_fatal[NFATAL];
static struct sigaction saved_pipe;

static void on_fatal_signal(int sig)
{
    for (int i = 0; i < TRACK_MAX; i++) {
        if (tracked_pids[i] > 0)
            kill(tracked_pids[i], SIGKILL);
        if (tracked_name_used[i])
            shm_unlink(tracked_names[i]);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void bench_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NFATAL; i++)
        sigaction(fatal_signals[i], &sa, &saved_fatal[i]);
    /* A dead reader must show up as EPIPE, not kill the benchmark. */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &saved_pipe);
}

void bench_signals_restore(void)
{
    for (size_t i = 0; i < NFATAL; i++)
        sigaction(fatal_signals[i], &saved_fatal[i], NULL);
    sigaction(SIGPIPE, &saved_pipe, NULL);
}

static void track_pid(pid_t pid, pid_t replace)
{
    for (int i = 0; i < TRACK_MAX; i++) {
        if (tracked_pids[i] == replace) {
            tracked_pids[i] = pid;
            return;
        }
    }
}

void bench_track_name(const char *name)
{
    for (int i = 0; i < TRACK_MAX; i++) {
        if (!tracked_name_used[i]) {
            snprintf(tracked_names[i], NAME_LEN, "%s", name);
            tracked_name_used[i] = 1;
            return;
        }
    }
}

void bench_untrack_name(const char *name)
{
    for (int i = 0; i < TRACK_MAX; i++) {
        if (tracked_name_used[i] && strcmp(tracked_names[i], name) == 0)
            tracked_name_used[i] = 0;
    }
}

/* Names unique to this process and call, so runs never collide. */
void bench_unique_name(char *out, size_t size, const char *tag)
{
    static unsigned counter;
    snprintf(out, size, "/shmfb-bench-%ld-%s-%u", (long)getpid(), tag, counter++);
}

static _Noreturn void child_main(bench_child_fn fn, void *arg, pid_t parent)
{
    /* The parent owns every tracked resource; the child must not touch them. */
    for (size_t i = 0; i < NFATAL; i++)
        signal(fatal_signals[i], SIG_DFL);
    for (int i = 0; i < TRACK_MAX; i++) {
        tracked_pids[i] = 0;
        tracked_name_used[i] = 0;
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(3);
    struct bench_peer peer = {parent, false};
    int rc = bench_place_child();
    if (rc == 0)
        rc = fn(arg, &peer);
    if (rc < 0)
        fprintf(stderr, "shmfb bench: helper process failed: %s\n", strerror(-rc));
    _exit(rc == 0 ? 0 : 1);
}

int bench_spawn(bench_child_fn fn, void *arg, struct bench_peer *child)
{
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0)
        child_main(fn, arg, parent);
    child->pid = pid;
    child->is_child = true;
    track_pid(pid, 0);
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Waits up to timeout_ms for the child to exit, then kills it.  Returns 0
 * only if it exited by itself with status 0. */
int bench_reap(struct bench_peer *child, int timeout_ms)
{
    if (child->pid <= 0)
        return 0;
    int status = 0;
    for (int waited = 0;; waited++) {
        pid_t r = waitpid(child->pid, &status, WNOHANG);
        if (r == child->pid || (r < 0 && errno != EINTR))
            break;
        if (waited >= timeout_ms) {
            bench_kill(child);
            return -ETIMEDOUT;
        }
        sleep_ms(1);
    }
    track_pid(0, child->pid);
    child->pid = 0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

void bench_kill(struct bench_peer *child)
{
    if (child->pid <= 0)
        return;
    kill(child->pid, SIGKILL);
    while (waitpid(child->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    track_pid(0, child->pid);
    child->pid = 0;
}

bool bench_peer_alive(const struct bench_peer *peer)
{
    if (!peer->is_child)
        return getppid() == peer->pid;
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    if (waitid(P_PID, (id_t)peer->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
        return false;
    return si.si_pid == 0;
}

static long futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
    /* Shared (not FUTEX_PRIVATE_FLAG): the word lives in a shared mapping. */
    return syscall(SYS_futex, (uint32_t *)word, op, val, ts, NULL, 0);
}

void bench_wake(_Atomic uint32_t *word)
{
    futex(word, FUTEX_WAKE, INT_MAX, NULL);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static int spin_eq(_Atomic uint32_t *word, uint32_t want, const struct bench_peer *peer)
{
    int64_t deadline = bench_now_ns() + (int64_t)BENCH_WAIT_MS * 1000000;
    for (unsigned n = 1;; n++) {
        if (atomic_load_explicit(word, memory_order_acquire) == want)
            return 0;
        cpu_relax();
        if (n % 4096 == 0) {
            if (!bench_peer_alive(peer))
                return -EPIPE;
            if (bench_now_ns() > deadline)
                return -ETIMEDOUT;
        }
    }
}

/* Waits until *word == want.  Sleeps on the futex (or spins), in slices, so a
 * dead peer or a lost wake-up costs at most BENCH_WAIT_MS. */
int bench_wait_eq(_Atomic uint32_t *word, uint32_t want, const struct bench_peer *peer, bool spin)
{
    if (spin)
        return spin_eq(word, want, peer);
    const struct timespec slice = {0, SLICE_MS * 1000000L};
    int slept = 0;
    for (;;) {
        uint32_t v = atomic_load_explicit(word, memory_order_acquire);
        if (v == want)
            return 0;
        if (futex(word, FUTEX_WAIT, v, &slice) == 0 || errno != ETIMEDOUT)
            continue;
        if (!bench_peer_alive(peer))
            return -EPIPE;
        slept += SLICE_MS;
        if (slept >= BENCH_WAIT_MS)
            return -ETIMEDOUT;
    }
}

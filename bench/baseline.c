/* The yardsticks: what the machine can do at best (memcpy, a bare futex
 * ping-pong, a hand-written shared-memory frame loop) and what users would
 * pick instead of shmfb (a Unix socket, a pipe). */
#include "bench_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdalign.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Words written by different processes live on different cache lines. */
struct lockstep {
    alignas(64) _Atomic uint32_t go;
    alignas(64) _Atomic uint32_t done;
};

static int total_iters(const struct bench_run *run)
{
    return run->warmup + run->iters;
}

/* Iteration i of 1..total; the first warmup ones are not recorded. */
static void record(struct bench_run *run, int i, int64_t t0)
{
    int k = i - 1 - run->warmup;
    if (k >= 0)
        run->ns[k] = bench_now_ns() - t0;
}

static struct shmfb_rect full_rect(const struct bench_run *run)
{
    struct shmfb_rect r = {0, 0, run->width, run->height};
    return r;
}

int bench_memcpy_hot(struct bench_run *run)
{
    size_t bytes = bench_frame_bytes(run->width, run->height);
    void *src = bench_map(bytes, false);
    void *dst = bench_map(bytes, false);
    int rc = 0;
    if (src == NULL || dst == NULL)
        rc = bench_fail(run, -ENOMEM, "cannot map two frames");
    for (int i = 1; rc == 0 && i <= total_iters(run); i++) {
        int64_t t0 = bench_now_ns();
        memcpy(dst, src, bytes);
        bench_clobber(dst);
        record(run, i, t0);
    }
    bench_unmap(src, bytes);
    bench_unmap(dst, bytes);
    return rc;
}

/* The bytes of the damage square, in cache: what a small present copies,
 * with nothing else around it, so its p99 is the machine's own noise at
 * that length. */
int bench_memcpy_damage(struct bench_run *run)
{
    struct shmfb_rect r = bench_damage_rect(run->width, run->height);
    size_t bytes = bench_frame_bytes(r.w, r.h);
    void *src = bench_map(bytes, false);
    void *dst = bench_map(bytes, false);
    int rc = 0;
    if (src == NULL || dst == NULL)
        rc = bench_fail(run, -ENOMEM, "cannot map two squares");
    for (int i = 1; rc == 0 && i <= total_iters(run); i++) {
        int64_t t0 = bench_now_ns();
        memcpy(dst, src, bytes);
        bench_clobber(dst);
        record(run, i, t0);
    }
    bench_unmap(src, bytes);
    bench_unmap(dst, bytes);
    return rc;
}

/* Some machines report the last-level cache of the whole package (every
 * core complex together: 508 MiB on a 16-die AMD EPYC), while one core
 * caches only in its own complex's (32-96 MiB): pools of twice this are
 * beyond any one core's reach. */
#define COLD_LLC_MAX ((size_t)64 << 20)

/* The pools of memcpy_cold, kept from one round and size to the next: a
 * fresh mapping of this size costs seconds to touch on some virtual
 * machines, far more than the copies measured in it.  Helper processes do
 * not inherit it: every fork would make its pages copy-on-write, and the
 * copies measured would take the faults. */
static struct {
    char *p;
    size_t bytes;
} cold;

static char *cold_pool(size_t bytes)
{
    if (cold.bytes >= bytes)
        return cold.p;
    bench_cold_release();
    cold.p = bench_map(bytes, false);
    cold.bytes = cold.p != NULL ? bytes : 0;
    if (cold.p != NULL)
        madvise(cold.p, bytes, MADV_DONTFORK);
    return cold.p;
}

void bench_cold_release(void)
{
    bench_unmap(cold.p, cold.bytes);
    cold.p = NULL;
    cold.bytes = 0;
}

/* Rotates through source and destination pools each at least twice the
 * last-level cache, so every copy starts from main memory. */
int bench_memcpy_cold(struct bench_run *run)
{
    size_t bytes = bench_frame_bytes(run->width, run->height);
    size_t llc = bench_llc_bytes();
    llc = llc < COLD_LLC_MAX ? llc : COLD_LLC_MAX;
    size_t n = (2 * llc + bytes - 1) / bytes;
    n = n < 2 ? 2 : n;
    char *src = cold_pool(2 * n * bytes);
    if (src == NULL)
        return bench_fail(run, -ENOMEM, "cannot map 2 x %zu frames", n);
    char *dst = src + n * bytes;
    for (int i = 1; i <= total_iters(run); i++) {
        size_t off = ((size_t)i % n) * bytes;
        int64_t t0 = bench_now_ns();
        memcpy(dst + off, src + off, bytes);
        bench_clobber(dst);
        record(run, i, t0);
    }
    run->extra = (double)n;
    return 0;
}

/* ---- empty round trips ------------------------------------------------ */

struct pingpong {
    struct lockstep *ls;
    int total;
    bool spin;
};

static int pingpong_child(void *arg, const struct bench_peer *parent)
{
    const struct pingpong *pp = arg;
    for (int i = 1; i <= pp->total; i++) {
        int rc = bench_wait_eq(&pp->ls->go, (uint32_t)i, parent, pp->spin);
        if (rc < 0)
            return rc;
        atomic_store_explicit(&pp->ls->done, (uint32_t)i, memory_order_release);
        if (!pp->spin)
            bench_wake(&pp->ls->done);
    }
    return 0;
}

static int pingpong(struct bench_run *run, bool spin)
{
    struct pingpong pp = {bench_map(sizeof(struct lockstep), true), total_iters(run), spin};
    if (pp.ls == NULL)
        return bench_fail(run, -ENOMEM, "cannot map a shared page");
    struct bench_peer child = {0, true};
    int rc = bench_spawn(pingpong_child, &pp, &child);
    if (rc < 0)
        bench_fail(run, rc, "fork: %s", strerror(-rc));
    for (int i = 1; rc == 0 && i <= pp.total; i++) {
        int64_t t0 = bench_now_ns();
        atomic_store_explicit(&pp.ls->go, (uint32_t)i, memory_order_release);
        if (!spin)
            bench_wake(&pp.ls->go);
        rc = bench_wait_eq(&pp.ls->done, (uint32_t)i, &child, spin);
        record(run, i, t0);
    }
    if (rc < 0)
        bench_fail(run, rc, "peer did not answer: %s", strerror(-rc));
    int rc2 = bench_reap(&child, BENCH_WAIT_MS);
    bench_unmap(pp.ls, sizeof(struct lockstep));
    return rc < 0 ? rc : rc2 < 0 ? bench_fail(run, rc2, "helper process failed") : 0;
}

int bench_futex_pingpong(struct bench_run *run)
{
    return pingpong(run, false);
}

int bench_spin_pingpong(struct bench_run *run)
{
    return pingpong(run, true);
}

/* ---- hand-written shared-memory frame loop ---------------------------- */

struct shm_loop {
    struct lockstep *ls;
    uint32_t *px;
    int total;
    int32_t width, height;
};

static int shm_loop_child(void *arg, const struct bench_peer *parent)
{
    const struct shm_loop *s = arg;
    size_t bytes = bench_frame_bytes(s->width, s->height);
    uint32_t *copy = bench_map(bytes, false);
    if (copy == NULL)
        return -ENOMEM;
    struct shmfb_rect all = {0, 0, s->width, s->height};
    int rc = 0;
    for (int i = 1; rc == 0 && i <= s->total; i++) {
        rc = bench_wait_eq(&s->ls->go, (uint32_t)i, parent, false);
        if (rc < 0)
            break;
        bench_copy(copy, s->px, s->width, &all);
        bench_clobber(copy);
        atomic_store_explicit(&s->ls->done, (uint32_t)i, memory_order_release);
        bench_wake(&s->ls->done);
    }
    bench_unmap(copy, bytes);
    return rc;
}

static int shm_loop_frames(struct bench_run *run, struct shm_loop *s,
                           const struct bench_peer *child)
{
    struct shmfb_rect all = full_rect(run);
    for (int i = 1; i <= s->total; i++) {
        int64_t t0 = bench_now_ns();
        bench_fill(s->px, s->width, &all, bench_pixel(i));
        atomic_store_explicit(&s->ls->go, (uint32_t)i, memory_order_release);
        bench_wake(&s->ls->go);
        int rc = bench_wait_eq(&s->ls->done, (uint32_t)i, child, false);
        if (rc < 0)
            return bench_fail(run, rc, "consumer did not answer: %s", strerror(-rc));
        record(run, i, t0);
    }
    return 0;
}

int bench_shm_loop(struct bench_run *run)
{
    size_t bytes = bench_frame_bytes(run->width, run->height);
    struct shm_loop s = {bench_map(sizeof(struct lockstep), true), bench_map(bytes, true),
                         total_iters(run), run->width, run->height};
    struct bench_peer child = {0, true};
    int rc = 0;
    if (s.ls == NULL || s.px == NULL)
        rc = bench_fail(run, -ENOMEM, "cannot map shared memory");
    if (rc == 0 && (rc = bench_spawn(shm_loop_child, &s, &child)) < 0)
        bench_fail(run, rc, "fork: %s", strerror(-rc));
    if (rc == 0)
        rc = shm_loop_frames(run, &s, &child);
    int rc2 = bench_reap(&child, BENCH_WAIT_MS);
    bench_unmap(s.ls, sizeof(struct lockstep));
    bench_unmap(s.px, bytes);
    return rc < 0 ? rc : rc2 < 0 ? bench_fail(run, rc2, "helper process failed") : 0;
}

/* ---- frames through a byte stream ------------------------------------- */

/* Blocking I/O as users write it, bounded by a repeating interval timer
 * whose signal interrupts a read or write that waits too long. */
static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

static void arm_timer(bool on)
{
    struct itimerval it;
    memset(&it, 0, sizeof(it));
    if (on) {
        it.it_value.tv_sec = BENCH_WAIT_MS / 1000;
        it.it_interval.tv_sec = 1;
    }
    alarms = 0;
    setitimer(ITIMER_REAL, &it, NULL);
}

static int io_all(int fd, void *buf, size_t n, bool out)
{
    char *p = buf;
    arm_timer(true);
    while (n > 0) {
        ssize_t k = out ? write(fd, p, n) : read(fd, p, n);
        if (k > 0) {
            p += k;
            n -= (size_t)k;
        } else if (k == 0) {
            return -EPIPE;
        } else if (errno != EINTR) {
            return -errno;
        } else if (alarms > 0) {
            return -ETIMEDOUT;
        }
    }
    return 0;
}

struct stream {
    int frame_rd, frame_wr; /* frames: parent writes, child reads */
    int ack_rd, ack_wr;     /* one byte back per frame */
    int total;
    int32_t width, height;
};

static int stream_child(void *arg, const struct bench_peer *parent)
{
    (void)parent;
    const struct stream *s = arg;
    size_t bytes = bench_frame_bytes(s->width, s->height);
    uint32_t *copy = bench_map(bytes, false);
    if (copy == NULL)
        return -ENOMEM;
    int rc = 0;
    char ack = 'k';
    for (int i = 1; rc == 0 && i <= s->total; i++) {
        rc = io_all(s->frame_rd, copy, bytes, false);
        bench_clobber(copy);
        if (rc == 0)
            rc = io_all(s->ack_wr, &ack, 1, true);
    }
    arm_timer(false);
    bench_unmap(copy, bytes);
    return rc;
}

static int stream_frames(struct bench_run *run, const struct stream *s)
{
    size_t bytes = bench_frame_bytes(run->width, run->height);
    uint32_t *px = bench_map(bytes, false);
    if (px == NULL)
        return bench_fail(run, -ENOMEM, "cannot map a frame");
    struct shmfb_rect all = full_rect(run);
    int rc = 0;
    char ack;
    for (int i = 1; rc == 0 && i <= s->total; i++) {
        int64_t t0 = bench_now_ns();
        bench_fill(px, run->width, &all, bench_pixel(i));
        rc = io_all(s->frame_wr, px, bytes, true);
        if (rc == 0)
            rc = io_all(s->ack_rd, &ack, 1, false);
        record(run, i, t0);
    }
    arm_timer(false);
    bench_unmap(px, bytes);
    return rc < 0 ? bench_fail(run, rc, "transfer failed: %s", strerror(-rc)) : 0;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void close_all(struct stream *s)
{
    close_fd(&s->frame_rd);
    close_fd(&s->frame_wr);
    close_fd(&s->ack_rd);
    close_fd(&s->ack_wr);
}

/* Each side closes the ends it does not use, so that the death of either
 * shows up as EOF or EPIPE on the other. */
static int stream_child_entry(void *arg, const struct bench_peer *parent)
{
    struct stream *s = arg;
    close_fd(&s->frame_wr);
    close_fd(&s->ack_rd);
    return stream_child(s, parent);
}

static int stream_run(struct bench_run *run, struct stream *s)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm; /* no SA_RESTART: the signal must interrupt */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old);
    struct bench_peer child = {0, true};
    int rc = bench_spawn(stream_child_entry, s, &child);
    if (rc < 0)
        bench_fail(run, rc, "fork: %s", strerror(-rc));
    close_fd(&s->frame_rd);
    close_fd(&s->ack_wr);
    if (rc == 0)
        rc = stream_frames(run, s);
    close_all(s);
    int rc2 = bench_reap(&child, BENCH_WAIT_MS);
    sigaction(SIGALRM, &old, NULL);
    return rc < 0 ? rc : rc2 < 0 ? bench_fail(run, rc2, "helper process failed") : 0;
}

static int stream_setup(struct bench_run *run, struct stream *s)
{
    s->total = total_iters(run);
    s->width = run->width;
    s->height = run->height;
    if (s->frame_rd < 0 || s->frame_wr < 0 || s->ack_rd < 0 || s->ack_wr < 0) {
        int e = errno;
        close_all(s);
        return bench_fail(run, -e, "cannot open the stream: %s", strerror(e));
    }
    return stream_run(run, s);
}

/* Frames and acks share one connection, as a real client would. */
int bench_unix_socket(struct bench_run *run)
{
    int sv[2] = {-1, -1};
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return bench_fail(run, -errno, "socketpair: %s", strerror(errno));
    struct stream s = {sv[1], sv[0], -1, -1, 0, 0, 0};
    s.ack_rd = fcntl(sv[0], F_DUPFD_CLOEXEC, 0);
    s.ack_wr = fcntl(sv[1], F_DUPFD_CLOEXEC, 0);
    return stream_setup(run, &s);
}

int bench_pipe(struct bench_run *run)
{
    int fr[2] = {-1, -1}, ack[2] = {-1, -1};
    if (pipe2(fr, O_CLOEXEC) == 0)
        pipe2(ack, O_CLOEXEC);
    struct stream s = {fr[0], fr[1], ack[0], ack[1], 0, 0, 0};
    return stream_setup(run, &s);
}

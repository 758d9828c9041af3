/* Peers that try to hang you: what a peer plants in the runtime directory
 * (a FIFO lock file, junk in a name's place, a squatted fallback
 * directory), the descriptors it hands over (a leased file, a TCP socket
 * that lingers on close with unsent data, in a handoff or attached to a
 * hello), and the connections it keeps (leavers, idle floods).  Each case
 * times the call under attack and asserts a generous bound; the hostile
 * side runs in child processes. */
#include "../core/hostile.h"
#include "testutil.h"

#include <shmfb/shmfb.h>

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What a lingering TCP socket would cost to close (SO_LINGER): far past
 * every bound below, so a close that waits fails the case. */
#define LINGER_S 30

static struct shmfb_producer *make(const char *name, uint32_t pacing, int timeout_ms)
{
    struct shmfb_producer_desc d = {
        .max_width = 64, .max_height = 48, .pacing = pacing, .timeout_ms = timeout_ms};
    struct shmfb_producer *p;
    int rc = shmfb_producer_create(name, &d, &p);
    ck_assert_msg(rc == 0, "create %s: %s", name, shmfb_strerror(rc));
    return p;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A TCP socket on loopback whose send queue is full and which lingers
 * LINGER_S seconds on close: its peer was never accepted and never reads.
 * *listener keeps that peer's half alive. */
static int lingering_socket(int *listener)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int small = 4096;
    *listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(*listener, 0);
    setsockopt(*listener, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    ck_assert_int_eq(bind(*listener, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(listen(*listener, 1), 0);
    ck_assert_int_eq(getsockname(*listener, (struct sockaddr *)&a, &len), 0);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    setsockopt(s, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    ck_assert_int_eq(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
    static char junk[65536];
    while (send(s, junk, sizeof(junk), MSG_DONTWAIT) > 0)
        ;
    int queued = 0;
    ck_assert_int_eq(ioctl(s, SIOCOUTQ, &queued), 0);
    ck_assert_int_gt(queued, 0); /* unsent: a close would linger */
    struct linger lg = {.l_onoff = 1, .l_linger = LINGER_S};
    ck_assert_int_eq(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
    return s;
}

/* Sends `n` bytes with descriptor `fd` attached. */
static ssize_t send_with_fd(int sock, const void *buf, size_t n, int fd)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof(ctl));
    struct iovec iov = {.iov_base = (void *)(uintptr_t)buf, .iov_len = n};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl)};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    return sendmsg(sock, &msg, MSG_NOSIGNAL);
}

static void handoff_msg(struct wire_handoff *m, const char *name, int status)
{
    memset(m, 0, sizeof(*m));
    memcpy(m->tag, WIRE_HANDOFF_TAG, sizeof(m->tag));
    m->version = WIRE_VERSION;
    m->status = status;
    snprintf(m->name, sizeof(m->name), "%s", name);
}

static void hello_msg(struct wire_hello *h)
{
    memset(h, 0, sizeof(*h));
    memcpy(h->tag, WIRE_HELLO_TAG, sizeof(h->tag));
    h->version = WIRE_VERSION;
    h->token = (uint64_t)tu_now_ms() * 7919u + (uint64_t)getpid();
}

/* A raw connection to a name's socket (the path under `dir`). */
static int raw_connect(const char *dir, const char *name)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s.sock", dir, name + 1);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
        close(s);
        return -1;
    }
    return s;
}

/* A newcomer that cannot reopen the memfd through /proc (another user,
 * another pid namespace) relies on the handoff: its status, or -1 if none
 * came within `ms`. */
static int handoff_status(const char *name, int ms)
{
    int s = raw_connect(getenv(SHMFB_RUNTIME_DIR_ENV), name);
    if (s < 0)
        return -1;
    struct wire_hello h;
    hello_msg(&h);
    struct wire_handoff m;
    struct pollfd pfd = {.fd = s, .events = POLLIN};
    int status = -1;
    if (send(s, &h, sizeof(h), MSG_NOSIGNAL) == (ssize_t)sizeof(h) && poll(&pfd, 1, ms) == 1 &&
        recv(s, &m, sizeof(m), 0) == (ssize_t)sizeof(m))
        status = m.status;
    close(s);
    return status;
}

/* Presents every few milliseconds until `child` exits; its exit code. */
static int present_until_exit(struct shmfb_producer *p, pid_t child, int64_t *longest_ms)
{
    *longest_ms = 0;
    for (int64_t end = tu_now_ms() + 20000; tu_now_ms() < end;) {
        int st;
        if (waitpid(child, &st, WNOHANG) == child)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        int64_t t = tu_now_ms();
        ck_assert_int_eq(shmfb_producer_present(p), 0);
        if (tu_now_ms() - t > *longest_ms)
            *longest_ms = tu_now_ms() - t;
        sleep_ms(5);
    }
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    return -1;
}

static void setup(void)
{
    hostile_runtime_dir();
    tu_setup();
}

static void teardown(void)
{
    tu_teardown();
}

/* 1. The lock file is a FIFO: an open used to block in open(2) forever. */
START_TEST(fifo_lock)
{
    char name[64], lock[108];
    tu_name(name, sizeof(name), "fifo");
    struct shmfb_producer *p = make(name, SHMFB_PACING_FIFO, 0);
    hostile_path(lock, sizeof(lock), name, "lock");
    ck_assert_int_eq(unlink(lock), 0);
    ck_assert_int_eq(mkfifo(lock, 0600), 0);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(15);
        struct shmfb_consumer *c;
        const struct shmfb_consumer_desc d = {.timeout_ms = 1000};
        int64_t t = tu_now_ms();
        int rc = shmfb_consumer_open(name, &d, &c);
        int64_t open_ms = tu_now_ms() - t;
        shmfb_consumer_close(c);
        t = tu_now_ms();
        struct shmfb_info info;
        int prc = shmfb_probe(name, &info);
        int64_t probe_ms = tu_now_ms() - t;
        printf("fifo_lock: open %lld ms, probe %lld ms\n", (long long)open_ms, (long long)probe_ms);
        fflush(stdout);
        /* The producer answers the connection itself: both succeed. */
        _exit(rc == 0 && prc == 0 && open_ms < 3000 && probe_ms < 3000 ? 0 : 1);
    }
    int64_t longest;
    ck_assert_int_eq(present_until_exit(p, pid, &longest), 0);
    unlink(lock);
    shmfb_producer_destroy(p);
}
END_TEST

static int list_count(void *ctx, const char *name, bool alive)
{
    (void)name;
    (void)alive;
    ++*(int *)ctx;
    return 0;
}

/* 1b. Listing a directory whose lock file is a FIFO returns at once. */
START_TEST(fifo_lock_list)
{
    char name[64], lock[108];
    tu_name(name, sizeof(name), "fifols");
    hostile_path(lock, sizeof(lock), name, "lock");
    ck_assert_int_eq(mkfifo(lock, 0600), 0);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(15);
        int n = 0;
        int64_t t = tu_now_ms();
        int rc = shmfb_list(list_count, &n, SHMFB_LIST_STALE);
        _exit(rc == 1 && n == 1 && tu_now_ms() - t < 2000 ? 0 : 1);
    }
    ck_assert_int_eq(tu_wait_child(pid, 20000), 0);
    /* And the reaper removes it, so the name can be created. */
    ck_assert_int_eq(shmfb_reap(name), 0);
    shmfb_producer_destroy(make(name, SHMFB_PACING_FIFO, 0));
}
END_TEST

/* 2. The descriptor the lock file names is a regular file under a write
 * lease: reopening it through /proc used to wait the lease-break time. */
START_TEST(leased_file)
{
    char name[64], path[128];
    tu_name(name, sizeof(name), "lease");
    snprintf(path, sizeof(path), "%s/leased", tu_tmpdir());
    int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
    ck_assert_int_ge(fd, 0);
    signal(SIGIO, SIG_IGN); /* the lease holder is told of the break so */
    ck_assert_int_eq(fcntl(fd, F_SETLEASE, F_WRLCK), 0);
    struct fake_producer f;
    fake_start(&f, name, fd, 1);
    const struct shmfb_consumer_desc d = {.timeout_ms = 1000};
    struct shmfb_consumer *c;
    int64_t t = tu_now_ms();
    int rc = shmfb_consumer_open(name, &d, &c);
    int64_t ms = tu_now_ms() - t;
    fake_stop(&f);
    close(fd);
    unlink(path);
    printf("leased_file: open %lld ms (its timeout 1000 ms)\n", (long long)ms);
    ck_assert_msg(rc == -ETIMEDOUT, "open: %s", shmfb_strerror(rc));
    ck_assert_msg(ms < 3000, "open took %lld ms", (long long)ms);
}
END_TEST

/* A fake producer child: accepts one connection, reads the hello, and
 * answers with a handoff (status `status`) carrying a lingering TCP socket
 * instead of a framebuffer (or none with a nonzero status).  The consumer
 * (the parent) is stopped meanwhile, so that the socket it receives is the
 * last reference: its close is the one that would linger. */
static void fake_answer(struct fake_producer *f, const char *name, int status)
{
    int c = accept4(f->sock, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0)
        _exit(2);
    struct wire_hello h;
    if (recv(c, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
        _exit(3);
    struct wire_handoff m;
    handoff_msg(&m, name, status);
    int listener = -1;
    if (status) {
        if (send(c, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m))
            _exit(4);
    } else {
        int s = lingering_socket(&listener);
        kill(getppid(), SIGSTOP);
        ssize_t n = send_with_fd(c, &m, sizeof(m), s);
        close(s);
        kill(getppid(), SIGCONT);
        if (n != (ssize_t)sizeof(m))
            _exit(4);
    }
    pause();
    _exit(0);
}

/* 3. The handoff carries a lingering TCP socket: the consumer refuses it,
 * and used to block in close() for the linger time. */
START_TEST(linger_handoff)
{
    char name[64];
    tu_name(name, sizeof(name), "linger");
    struct fake_producer f;
    fake_start(&f, name, -1, 0);
    pid_t pid = fork();
    if (pid == 0)
        fake_answer(&f, name, 0);
    const struct shmfb_consumer_desc d = {.timeout_ms = 2000};
    struct shmfb_consumer *c;
    int64_t t = tu_now_ms();
    int rc = shmfb_consumer_open(name, &d, &c);
    int64_t ms = tu_now_ms() - t;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    fake_stop(&f);
    printf("linger_handoff: open %lld ms\n", (long long)ms);
    ck_assert_msg(rc == -EPERM, "open: %s", shmfb_strerror(rc));
    ck_assert_msg(ms < 3000, "open took %lld ms", (long long)ms);
}
END_TEST

/* 3b. The same in spawned mode: the handoff on the spawn socket carries
 * the lingering socket (sent and let go before the consumer reads). */
START_TEST(linger_spawned)
{
    int sv[2], listener;
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    struct wire_handoff m;
    handoff_msg(&m, "", 0);
    int s = lingering_socket(&listener);
    ck_assert_int_eq(send_with_fd(sv[1], &m, sizeof(m), s), (ssize_t)sizeof(m));
    close(s);
    struct shmfb_consumer *c;
    int64_t t = tu_now_ms();
    int rc = shmfb_consumer_open_socket(sv[0], 1000, NULL, &c);
    int64_t ms = tu_now_ms() - t;
    close(sv[0]);
    close(sv[1]);
    close(listener);
    printf("linger_spawned: open %lld ms\n", (long long)ms);
    ck_assert_msg(rc == -EPERM, "open: %s", shmfb_strerror(rc));
    ck_assert_msg(ms < 3000, "open took %lld ms", (long long)ms);
}
END_TEST

/* 4. After a good open (through /proc), the producer sends a lingering
 * socket on the connection: the liveness check reads and drops it, and
 * used to block; so did closing the consumer. */
START_TEST(linger_late)
{
    char real[64], name[64];
    tu_name(real, sizeof(real), "real");
    tu_name(name, sizeof(name), "late");
    struct shmfb_producer *p = make(real, SHMFB_PACING_FREE, 0);
    ck_assert_int_eq(shmfb_producer_present(p), 0);
    char lock[108], text[300];
    hostile_path(lock, sizeof(lock), real, "lock");
    int lf = open(lock, O_RDONLY | O_CLOEXEC);
    ssize_t n = read(lf, text, sizeof(text) - 1);
    close(lf);
    ck_assert_int_gt(n, 0);
    text[n] = '\0';
    int no;
    unsigned long long nonce;
    ck_assert_int_eq(sscanf(strchr(text, '\n') + 1, "%d %llx", &no, &nonce), 2);
    struct fake_producer f;
    fake_start(&f, name, no, nonce);
    pid_t pid = fork();
    if (pid == 0)
        fake_answer(&f, name, 0);
    struct shmfb_consumer *c;
    ck_assert_int_eq(shmfb_consumer_open(name, NULL, &c), 0);
    sleep_ms(300); /* the fake has answered by now */
    int64_t t = tu_now_ms();
    shmfb_consumer_producer_alive(c);
    int64_t alive_ms = tu_now_ms() - t;
    struct shmfb_frame fr;
    t = tu_now_ms();
    int rc = shmfb_consumer_wait(c, 200, &fr);
    int64_t wait_ms = tu_now_ms() - t;
    t = tu_now_ms();
    shmfb_consumer_close(c);
    int64_t close_ms = tu_now_ms() - t;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    fake_stop(&f);
    shmfb_producer_destroy(p);
    printf("linger_late: liveness check %lld ms, wait %lld ms, close %lld ms\n",
           (long long)alive_ms, (long long)wait_ms, (long long)close_ms);
    ck_assert_msg(rc < 0, "wait without a slot: %d", rc);
    ck_assert_msg(alive_ms < 1000 && wait_ms < 1500 && close_ms < 1000,
                  "alive %lld ms, wait %lld ms, close %lld ms", (long long)alive_ms,
                  (long long)wait_ms, (long long)close_ms);
}
END_TEST

/* A hostile consumer: connects to the name, sends a hello with a
 * lingering TCP socket attached, drops its own reference, hangs up, and
 * says so on `ready` (the producer answers connections only when it calls
 * in, so the socket it takes is then the last reference). */
static void hostile_hello(const char *dir, const char *name, int ready)
{
    int s = raw_connect(dir, name);
    if (s < 0)
        _exit(2);
    struct wire_hello h;
    hello_msg(&h);
    int listener;
    int t = lingering_socket(&listener);
    if (send_with_fd(s, &h, sizeof(h), t) != (ssize_t)sizeof(h))
        _exit(3);
    close(t);
    close(s);
    if (write(ready, "r", 1) != 1)
        _exit(4);
    sleep_ms(3000); /* keeps the TCP peer alive, so the socket lingers */
    _exit(0);
}

/* Runs hostile_hello against producer `p` (as `uid` unless it is -1) and
 * presents until it is done: the longest present, in ms. */
static int64_t hello_attack(struct shmfb_producer *p, const char *dir, const char *name, uid_t uid)
{
    int ready[2];
    ck_assert_int_eq(pipe(ready), 0);
    pid_t pid = fork();
    if (pid == 0) {
        if (uid != (uid_t)-1 && (setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0))
            _exit(5);
        hostile_hello(dir, name, ready[1]);
    }
    char b;
    ck_assert_int_eq(read(ready[0], &b, 1), 1);
    close(ready[0]);
    close(ready[1]);
    int64_t longest;
    ck_assert_int_eq(present_until_exit(p, pid, &longest), 0);
    return longest;
}

/* 5. A consumer attaches a lingering socket to its hello: the producer's
 * present used to block closing it. */
START_TEST(hello_fds)
{
    char name[64];
    tu_name(name, sizeof(name), "hello");
    struct shmfb_producer *p = make(name, SHMFB_PACING_FIFO, 300);
    int64_t longest = hello_attack(p, getenv(SHMFB_RUNTIME_DIR_ENV), name, (uid_t)-1);
    shmfb_producer_destroy(p);
    printf("hello_fds: longest present %lld ms (timeout 300 ms)\n", (long long)longest);
    ck_assert_msg(longest < 1500, "a present took %lld ms", (long long)longest);
}
END_TEST

/* 6. The same from another user, whom the producer refuses: closing the
 * refused connection used to block present. */
START_TEST(hello_fds_other_uid)
{
    char name[64], dir[128];
    tu_name(name, sizeof(name), "uid");
    snprintf(dir, sizeof(dir), "/tmp/shmfbt-%d-shared", (int)getpid());
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    setenv(SHMFB_RUNTIME_DIR_ENV, dir, 1);
    struct shmfb_producer_desc d = {.max_width = 64,
                                    .max_height = 48,
                                    .timeout_ms = 300,
                                    .flags = SHMFB_SHARE_UID,
                                    .share_uid = 12345};
    struct shmfb_producer *p;
    ck_assert_int_eq(shmfb_producer_create(name, &d, &p), 0);
    int64_t longest = hello_attack(p, dir, name, 65534);
    shmfb_producer_destroy(p);
    rmdir(dir);
    hostile_runtime_dir();
    printf("hello_fds_other_uid: longest present %lld ms (timeout 300 ms)\n", (long long)longest);
    ck_assert_msg(longest < 1500, "a present took %lld ms", (long long)longest);
}
END_TEST

/* 7. A producer that only presents reaps consumers that left: 40 leavers,
 * then a newcomer relying on the handoff is answered, and a consumer
 * through /proc sees a live producer. */
START_TEST(present_only_reaps)
{
    char name[64];
    tu_name(name, sizeof(name), "reap");
    struct shmfb_producer *p = make(name, SHMFB_PACING_FREE, 0);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(15);
        struct shmfb_consumer *left[40];
        for (int i = 0; i < 40; i++)
            if (shmfb_consumer_open(name, NULL, &left[i]) < 0)
                _exit(2);
        sleep_ms(300); /* the producer has accepted them */
        for (int i = 0; i < 40; i++)
            shmfb_consumer_close(left[i]);
        sleep_ms(300); /* a liveness period or more: the leavers are reaped */
        if (handoff_status(name, 2000) != 0)
            _exit(3);
        struct shmfb_consumer *c;
        struct shmfb_frame fr;
        if (shmfb_consumer_open(name, NULL, &c) < 0 || shmfb_consumer_attach(c) < 0)
            _exit(4);
        int bad = 0;
        for (int i = 0; i < 20; i++) {
            int rc = shmfb_consumer_wait(c, 1000, &fr);
            bad += rc < 0 || !shmfb_consumer_producer_alive(c);
        }
        shmfb_consumer_close(c);
        _exit(bad ? 6 : 0);
    }
    int64_t longest;
    ck_assert_int_eq(present_until_exit(p, pid, &longest), 0);
    shmfb_producer_destroy(p);
}
END_TEST

/* 8. Without XDG_RUNTIME_DIR, another user made /tmp/shmfb-UID first (a
 * directory, or a link): the user's names still work. */
static void squatted(bool as_link)
{
    const uid_t uid = 23456;
    char tmp[64], home[64];
    snprintf(tmp, sizeof(tmp), "/tmp/shmfb-%u", (unsigned)uid);
    snprintf(home, sizeof(home), "/tmp/shmfbt-%d-home", (int)getpid());
    unlink(tmp);
    rmdir(tmp);
    if (as_link)
        ck_assert_int_eq(symlink("/", tmp), 0);
    else
        ck_assert_int_eq(mkdir(tmp, 0755), 0);
    ck_assert_int_eq(mkdir(home, 0700), 0);
    ck_assert_int_eq(chown(home, uid, uid), 0);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(15);
        unsetenv(SHMFB_RUNTIME_DIR_ENV);
        unsetenv("XDG_RUNTIME_DIR");
        setenv("HOME", home, 1);
        if (setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0 ||
            prctl(PR_SET_DUMPABLE, 1) < 0) /* /proc/self/fd stays ours */
            _exit(5);
        struct shmfb_producer *p;
        struct shmfb_consumer *c;
        struct shmfb_producer_desc d = {.max_width = 16, .max_height = 16};
        int rc = shmfb_producer_create("/squat", &d, &p);
        if (rc < 0)
            _exit(2);
        rc = shmfb_consumer_open("/squat", NULL, &c);
        int n = 0;
        int lrc = shmfb_list(list_count, &n, 0);
        shmfb_consumer_close(c);
        shmfb_producer_destroy(p);
        _exit(rc == 0 && lrc == 1 && n == 1 ? 0 : 3);
    }
    int rc = tu_wait_child(pid, 20000);
    unlink(tmp);
    rmdir(tmp);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", home);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(rc, 0);
}

START_TEST(squatted_fallback_dir)
{
    squatted(false);
}
END_TEST

START_TEST(squatted_fallback_link)
{
    squatted(true);
}
END_TEST

/* 9. Forty connections that never say hello and come back when dropped:
 * newcomers still get in, and consumers are never told the live producer
 * is gone. */
static void slowloris(const char *dir, const char *name, int ms)
{
    int s[40];
    for (int i = 0; i < 40; i++)
        s[i] = raw_connect(dir, name);
    for (int64_t end = tu_now_ms() + ms; tu_now_ms() < end;) {
        for (int i = 0; i < 40; i++) {
            struct pollfd pfd = {.fd = s[i], .events = POLLIN | POLLRDHUP};
            if (s[i] < 0 || (poll(&pfd, 1, 0) == 1 && pfd.revents)) {
                if (s[i] >= 0)
                    close(s[i]);
                s[i] = raw_connect(dir, name);
            }
        }
        sleep_ms(2);
    }
    _exit(0);
}

START_TEST(slowloris_flood)
{
    char name[64];
    tu_name(name, sizeof(name), "loris");
    struct shmfb_producer *p = make(name, SHMFB_PACING_FIFO, 500);
    const char *dir = getenv(SHMFB_RUNTIME_DIR_ENV);
    pid_t loris = fork();
    if (loris == 0)
        slowloris(dir, name, 6000);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(15);
        sleep_ms(500); /* the flood fills the table first */
        int bad = 0;
        for (int i = 0; i < 10; i++) {
            struct shmfb_consumer *c;
            struct shmfb_frame fr;
            int rc = shmfb_consumer_open(name, NULL, &c);
            if (rc == 0)
                rc = shmfb_consumer_attach(c);
            for (int k = 0; rc == 0 && k < 5; k++)
                rc = shmfb_consumer_wait(c, 1000, &fr);
            if (rc == 0 && !shmfb_consumer_producer_alive(c))
                rc = -EPIPE;
            if (rc < 0)
                fprintf(stderr, "consumer %d: %s\n", i, shmfb_strerror(rc));
            bad += rc < 0;
            shmfb_consumer_close(c);
            if (handoff_status(name, 2000) != 0) {
                fprintf(stderr, "newcomer %d: no handoff\n", i);
                bad++;
            }
        }
        _exit(bad ? 3 : 0);
    }
    int64_t longest;
    ck_assert_int_eq(present_until_exit(p, pid, &longest), 0);
    kill(loris, SIGKILL);
    waitpid(loris, NULL, 0);
    shmfb_producer_destroy(p);
}
END_TEST

/* Closes every connected socket of this process (not the listener): what a
 * producer does to the connections it refuses. */
static void close_connections(void)
{
    for (int fd = 3; fd < 1024; fd++) {
        struct stat st;
        int listening = 0;
        socklen_t len = sizeof(listening);
        if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode) ||
            getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 || listening)
            continue;
        close(fd);
    }
}

/* A producer closes a consumer's connection and keeps its name for a while
 * (a refusal, or a producer on its way out: the kernel closes an exiting
 * process's descriptors in any order).  The consumer takes that for a
 * refusal only while the name is held: once the producer is gone, its
 * waits answer -EPIPE.  A refusal used to be remembered for ever, and the
 * consumer waited for frames from a producer long gone. */
START_TEST(refusal_then_gone)
{
    char name[64];
    tu_name(name, sizeof(name), "refgone");
    int to_child[2], to_parent[2];
    ck_assert_int_eq(pipe(to_child), 0);
    ck_assert_int_eq(pipe(to_parent), 0);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(20);
        struct shmfb_producer *p = make(name, SHMFB_PACING_FIFO, 500);
        char b = 'r';
        if (write(to_parent[1], &b, 1) != 1)
            _exit(2);
        struct pollfd pfd = {.fd = to_child[0], .events = POLLIN};
        while (poll(&pfd, 1, 5) == 0)
            shmfb_producer_dispatch(p); /* accepts the consumer */
        for (int i = 0; i < 20; i++, sleep_ms(5))
            shmfb_producer_dispatch(p);
        close_connections();
        if (read(to_child[0], &b, 1) != 1 || write(to_parent[1], &b, 1) != 1 ||
            read(to_child[0], &b, 1) != 1)
            _exit(3);
        _exit(0); /* the name goes with the process */
    }
    char b;
    ck_assert_int_eq(read(to_parent[0], &b, 1), 1);
    struct shmfb_consumer *c;
    ck_assert_int_eq(shmfb_consumer_open(name, NULL, &c), 0);
    ck_assert_int_eq(shmfb_consumer_attach(c), 0);
    ck_assert_int_eq(write(to_child[1], "a", 1), 1);
    ck_assert_int_eq(read(to_parent[0], &b, 1), 1); /* connections closed */
    /* Refused, not gone, while the producer lives and holds its name. */
    for (int i = 0; i < 5; i++, sleep_ms(20))
        ck_assert_int_eq(shmfb_consumer_producer_alive(c), 1);
    ck_assert_int_eq(write(to_child[1], "x", 1), 1);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_int_eq(st, 0);
    struct shmfb_frame fr;
    int rc = 0;
    int64_t t0 = tu_now_ms();
    while ((rc = shmfb_consumer_wait(c, 100, &fr)) != -EPIPE && tu_now_ms() - t0 < 5000)
        ck_assert_msg(rc == -ETIMEDOUT || rc == 0, "wait: %s", shmfb_strerror(rc));
    int64_t took = tu_now_ms() - t0;
    fprintf(stderr, "refusal_then_gone: -EPIPE %lld ms after the producer exited\n",
            (long long)took);
    ck_assert_msg(rc == -EPIPE, "the consumer still waits for a producer that exited: %s",
                  shmfb_strerror(rc));
    ck_assert_int_eq(shmfb_consumer_producer_alive(c), 0);
    ck_assert_int_eq(shmfb_consumer_attach(c), -EISCONN);
    shmfb_consumer_close(c);
    close(to_child[0]), close(to_child[1]), close(to_parent[0]), close(to_parent[1]);
}
END_TEST

struct waiter {
    struct shmfb_consumer *c;
    bool poll; /* asks whether the producer lives, as fast as it can */
    int rc;
    int64_t done_ms;
};

static void *wait_until_end(void *arg)
{
    struct waiter *w = arg;
    struct shmfb_frame fr;
    int64_t end = tu_now_ms() + 10000;
    if (w->poll)
        while (shmfb_consumer_producer_alive(w->c) && tu_now_ms() < end)
            ;
    do
        w->rc = shmfb_consumer_wait(w->c, 100, &fr);
    while ((w->rc == 0 || w->rc == -ETIMEDOUT) && tu_now_ms() < end);
    w->done_ms = tu_now_ms();
    return NULL;
}

/* A producer destroyed in a process that runs on (a VM closing its
 * window) while a consumer of the same process waits, or asks whether the
 * producer lives, on another thread: the wait answers -EPIPE, every time.
 * It used to see its connection closed while the name was still held,
 * take that for a refusal and wait for ever. */
START_TEST(destroy_while_waiting)
{
    int64_t longest = 0;
    for (int round = 0; round < 100; round++) {
        char name[64];
        tu_name(name, sizeof(name), "destroy");
        struct shmfb_producer *p = make(name, SHMFB_PACING_MAILBOX, 500);
        struct waiter w = {.poll = round % 2};
        ck_assert_int_eq(shmfb_consumer_open(name, NULL, &w.c), 0);
        ck_assert_int_eq(shmfb_consumer_attach(w.c), 0);
        pthread_t t;
        ck_assert_int_eq(pthread_create(&t, NULL, wait_until_end, &w), 0);
        for (int i = 0; i < round % 4; i++, sleep_ms(1))
            ck_assert_int_eq(shmfb_producer_present(p), 0);
        int64_t t0 = tu_now_ms();
        shmfb_producer_destroy(p);
        ck_assert_int_eq(pthread_join(t, NULL), 0);
        ck_assert_msg(w.rc == -EPIPE, "round %d: the wait ended with %s", round,
                      shmfb_strerror(w.rc));
        if (w.done_ms - t0 > longest)
            longest = w.done_ms - t0;
        shmfb_consumer_close(w.c);
    }
    fprintf(stderr, "destroy_while_waiting: 100 rounds, -EPIPE at most %lld ms after destroy\n",
            (long long)longest);
    ck_assert_int_lt(longest, 2000);
}
END_TEST

/* A runtime directory 150 bytes deep: names used to fail with
 * ENAMETOOLONG beyond about 85. */
START_TEST(long_runtime_dir)
{
    char dir[256];
    int n = snprintf(dir, sizeof(dir), "%s/run", tu_tmpdir());
    while (n < 150) {
        n += snprintf(dir + n, sizeof(dir) - (size_t)n, "/deeper-and-deeper");
        mkdir(dir, 0700);
    }
    ck_assert_int_ge((int)strlen(dir), 150);
    setenv(SHMFB_RUNTIME_DIR_ENV, dir, 1);
    char name[64];
    tu_name(name, sizeof(name), "deep");
    struct shmfb_producer *p = make(name, SHMFB_PACING_FREE, 0);
    ck_assert_int_eq(shmfb_producer_present(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(15);
        struct shmfb_consumer *c;
        struct shmfb_frame fr;
        int rc = shmfb_consumer_open(name, NULL, &c);
        if (rc == 0)
            rc = shmfb_consumer_attach(c);
        if (rc == 0)
            rc = shmfb_consumer_wait(c, 2000, &fr);
        shmfb_consumer_close(c);
        int k = 0;
        _exit(rc == 0 && shmfb_list(list_count, &k, 0) == 1 && k == 1 ? 0 : 1);
    }
    int64_t longest;
    ck_assert_int_eq(present_until_exit(p, pid, &longest), 0);
    shmfb_producer_destroy(p);
    /* A dead producer's files there are reaped. */
    ck_assert_int_eq(shmfb_reap(name), -ENOENT);
    hostile_runtime_dir();
}
END_TEST

/* A producer that never answers costs a listing well under a second. */
START_TEST(probe_bounded)
{
    char name[64];
    tu_name(name, sizeof(name), "mute");
    struct fake_producer f;
    fake_start(&f, name, -1, 0);
    struct shmfb_info info;
    int64_t t = tu_now_ms();
    int rc = shmfb_probe(name, &info);
    int64_t ms = tu_now_ms() - t;
    fake_stop(&f);
    printf("probe_bounded: probe %lld ms\n", (long long)ms);
    ck_assert_int_eq(rc, -ETIMEDOUT);
    ck_assert_msg(ms < 1000, "probe took %lld ms", (long long)ms);
}
END_TEST

/* Errors say what happened: a refusal for too many connections is not "no
 * free slot", an unknown status is not "bad magic". */
START_TEST(refusal_errors)
{
    ck_assert_str_ne(shmfb_strerror(-ECONNREFUSED), shmfb_strerror(-EUSERS));
    const int statuses[] = {ECONNREFUSED, EIO};
    const int expect[] = {-ECONNREFUSED, -EREMOTEIO};
    for (int i = 0; i < 2; i++) {
        char name[64];
        tu_name(name, sizeof(name), "refuse");
        struct fake_producer f;
        fake_start(&f, name, -1, 0);
        pid_t pid = fork();
        if (pid == 0)
            fake_answer(&f, name, statuses[i]);
        struct shmfb_consumer *c;
        const struct shmfb_consumer_desc d = {.timeout_ms = 2000};
        int rc = shmfb_consumer_open(name, &d, &c);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fake_stop(&f);
        ck_assert_msg(rc == expect[i], "status %d: %s", statuses[i], shmfb_strerror(rc));
    }
    ck_assert_ptr_ne(strstr(shmfb_strerror(-ECONNREFUSED), "too many"), NULL);
}
END_TEST

/* Junk a same-user mistake leaves in a name's place: create says what
 * blocks it, the reaper clears what can be cleared and names the rest. */
START_TEST(junk_in_place)
{
    char a[64], b[64], c[64], path[108], sub[140];
    tu_name(a, sizeof(a), "junkdir");
    tu_name(b, sizeof(b), "junklink");
    tu_name(c, sizeof(c), "junkfull");
    struct shmfb_producer *p;
    struct shmfb_producer_desc d = {.max_width = 16, .max_height = 16};
    hostile_path(path, sizeof(path), a, "lock");
    ck_assert_int_eq(mkdir(path, 0700), 0);
    hostile_path(path, sizeof(path), b, "sock");
    ck_assert_int_eq(symlink("/nonexistent", path), 0);
    hostile_path(path, sizeof(path), c, "lock");
    ck_assert_int_eq(mkdir(path, 0700), 0);
    snprintf(sub, sizeof(sub), "%s/x", path);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    ck_assert_int_eq(shmfb_producer_create(a, &d, &p), -EMEDIUMTYPE);
    ck_assert_int_eq(shmfb_reap(a), 0);
    ck_assert_int_eq(shmfb_reap(b), 0);
    ck_assert_int_eq(shmfb_reap(c), -ENOTEMPTY);
    ck_assert_int_eq(shmfb_producer_create(a, &d, &p), 0);
    shmfb_producer_destroy(p);
    ck_assert_int_eq(shmfb_producer_create(b, &d, &p), 0);
    shmfb_producer_destroy(p);
    ck_assert_int_eq(shmfb_producer_create(c, &d, &p), -EMEDIUMTYPE);
    rmdir(sub);
    rmdir(path);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("hang");
    struct {
        const char *name;
        const TTest *test;
    } cases[] = {
        {"fifo_lock", fifo_lock},
        {"fifo_lock_list", fifo_lock_list},
        {"leased_file", leased_file},
        {"linger_handoff", linger_handoff},
        {"linger_spawned", linger_spawned},
        {"linger_late", linger_late},
        {"hello_fds", hello_fds},
        {"hello_fds_other_uid", hello_fds_other_uid},
        {"present_only_reaps", present_only_reaps},
        {"squatted_fallback_dir", squatted_fallback_dir},
        {"squatted_fallback_link", squatted_fallback_link},
        {"slowloris_flood", slowloris_flood},
        {"long_runtime_dir", long_runtime_dir},
        {"probe_bounded", probe_bounded},
        {"refusal_errors", refusal_errors},
        {"junk_in_place", junk_in_place},
        {"refusal_then_gone", refusal_then_gone},
        {"destroy_while_waiting", destroy_while_waiting},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 40);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    hostile_runtime_dir();
    tu_sweep_stale();
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

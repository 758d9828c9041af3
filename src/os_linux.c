/* The operating system under the library, for Linux: futexes, pidfds,
 * /proc, memfd seals, OFD locks, SO_PEERCRED.  What each function promises
 * and what a port must provide is in os.h. */
#include "os.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int64_t shmfb__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint64_t shmfb__now_ms(void)
{
    return (uint64_t)(shmfb__now_ns() / 1000000);
}

static long futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
    /* Not FUTEX_PRIVATE_FLAG: the word is shared between processes. */
    return syscall(SYS_futex, (uint32_t *)word, op, val, ts, NULL, 0);
}

int shmfb__os_futex_wait(_Atomic uint32_t *word, uint32_t expected, int64_t timeout_ns)
{
    if (timeout_ns <= 0)
        return -ETIMEDOUT;
    struct timespec ts = {.tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000};
    if (futex(word, FUTEX_WAIT, expected, &ts) == 0)
        return 0;
    return errno == ETIMEDOUT ? -ETIMEDOUT : 0;
}

void shmfb__os_futex_wake(_Atomic uint32_t *word)
{
    futex(word, FUTEX_WAKE, INT_MAX, NULL);
}

int32_t shmfb__os_cpu(void)
{
    return (int32_t)sched_getcpu();
}

int shmfb__os_random(void *buf, unsigned long n)
{
    ssize_t got;
    do {
        got = getrandom(buf, n, GRND_NONBLOCK);
    } while (got < 0 && errno == EINTR);
    if (got < 0)
        return -errno;
    return (unsigned long)got == n ? 0 : -EAGAIN;
}

int shmfb__os_peer_cred(int sock, int32_t *pid, uint32_t *uid)
{
    struct ucred cred = {0};
    socklen_t len = sizeof(cred);
    if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return -errno;
    *pid = cred.pid > 0 ? (int32_t)cred.pid : 0;
    *uid = (uint32_t)cred.uid;
    return 0;
}

int shmfb__os_pass_cred(int sock)
{
    int on = 1;
    return setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0 ? -errno : 0;
}

/* Takes the descriptors and credentials out of a received message. */
static void take_control(struct msghdr *msg, struct shmfb__os_msg *m)
{
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
        if (cm->cmsg_level != SOL_SOCKET)
            continue;
        if (cm->cmsg_type == SCM_CREDENTIALS && cm->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
            struct ucred cred;
            memcpy(&cred, CMSG_DATA(cm), sizeof(cred));
            m->have_cred = true;
            m->pid = cred.pid > 0 ? (int32_t)cred.pid : 0;
            m->uid = (uint32_t)cred.uid;
        }
        if (cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count && m->nfds < SHMFB__OS_MAX_FDS; i++)
            memcpy(&m->fds[m->nfds++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
    }
}

long shmfb__os_recv(int sock, void *buf, unsigned long len, struct shmfb__os_msg *m)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * SHMFB__OS_MAX_FDS) + CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl)};
    ssize_t n;
    m->nfds = 0;
    m->have_cred = false;
    do {
        n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    take_control(&msg, m);
    return (long)n;
}

bool shmfb__os_is_unix_socket(int fd)
{
    int domain = 0;
    socklen_t len = sizeof(domain);
    return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain == AF_UNIX;
}

void shmfb__os_die_with_parent(void)
{
    prctl(PR_SET_PDEATHSIG, SIGTERM);
}

int shmfb__os_pidfd_open(int32_t pid)
{
#ifdef SYS_pidfd_open
    int fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
    return fd < 0 ? -errno : fd;
#else
    (void)pid;
    return -ENOSYS;
#endif
}

/* Reads /proc/PID/stat.  The command name may contain spaces and ')', so
 * fields are counted from the last ')'.  Returns 0 and the state letter and
 * start time (field 22, clock ticks since boot), or -1. */
static int proc_stat(int32_t pid, char *state, uint64_t *start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n;
    do {
        n = read(fd, buf, sizeof(buf) - 1);
    } while (n < 0 && errno == EINTR);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    unsigned long long st = 0;
    if (!p || sscanf(p + 1,
                     " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
                     "%*s %*s %*s %llu",
                     state, &st) != 2)
        return -1;
    *start = st;
    return 0;
}

uint64_t shmfb__os_proc_start(int32_t pid)
{
    char state;
    uint64_t start;
    return proc_stat(pid, &state, &start) == 0 ? start : 0;
}

bool shmfb__os_proc_alive(int32_t pid, uint64_t start_time)
{
    if (pid <= 0)
        return false;
    if (kill(pid, 0) < 0 && errno == ESRCH)
        return false;
    char state;
    uint64_t start;
    if (proc_stat(pid, &state, &start) < 0)
        return true; /* exists, but /proc is not telling: assume alive */
    if (state == 'Z' || state == 'X')
        return false;
    return start_time == 0 || start == start_time;
}

int shmfb__os_memfd_sealed(uint64_t size)
{
    int fd = memfd_create("shmfb", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -errno;
    int rc;
    do {
        rc = ftruncate(fd, (off_t)size);
    } while (rc < 0 && errno == EINTR);
    if (rc == 0)
        rc = fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
    if (rc < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    return fd;
}

bool shmfb__os_memfd_is_sealed(int fd)
{
    int seals = fcntl(fd, F_GET_SEALS);
    return seals >= 0 && (seals & F_SEAL_SHRINK);
}

/* Open-file-description locks: released when the last descriptor of the
 * opening goes, i.e. when the producer dies; queryable without taking. */
int shmfb__os_lock(int fd, bool test)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, test ? F_OFD_GETLK : F_OFD_SETLK, &fl) < 0)
        return -errno;
    return test ? fl.l_type != F_UNLCK : 0;
}

int shmfb__os_open_regular(const char *path, int flags)
{
    int fd = open(path, flags | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EWOULDBLOCK ? -EMEDIUMTYPE : -errno; /* EWOULDBLOCK: a lease */
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -EMEDIUMTYPE;
    }
    return fd;
}

int shmfb__os_open_proc_fd(int32_t pid, int no)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, no);
    /* O_PATH opens nothing: no FIFO wait, no device side effect, no lease
     * break.  Only a regular file is then opened for real, by its own
     * descriptor, and without waiting for a lease. */
    int at = open(path, O_PATH | O_CLOEXEC);
    if (at < 0)
        return -errno;
    struct stat st;
    int fd = -EMEDIUMTYPE;
    if (fstat(at, &st) == 0 && S_ISREG(st.st_mode)) {
        snprintf(path, sizeof(path), "/proc/self/fd/%d", at);
        fd = open(path, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
            fd = errno == EWOULDBLOCK ? -EMEDIUMTYPE : -errno;
    }
    close(at);
    return fd;
}

int shmfb__os_path_via_dir(const char *dir, const char *leaf, char *out, unsigned long size)
{
    int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int n = snprintf(out, size, "/proc/self/fd/%d/%s", fd, leaf);
    if (n < 0 || (unsigned long)n >= size) {
        close(fd);
        return -ENAMETOOLONG;
    }
    return fd;
}

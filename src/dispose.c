/* What a peer hands over or plants, opened and disposed of without
 * blocking.  A file opened by name may be a FIFO (open waits for a writer),
 * a device, or a regular file under a lease (open waits for the lease to be
 * broken, 45 s by default); a descriptor received over a socket may be a
 * TCP socket that lingers on close with unsent data, or a Unix socket whose
 * queue holds such sockets (closing the last reference releases them in the
 * closer's context).  Everything here keeps its bound instead. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* How deep and how much of a received Unix socket's queue is emptied
 * before it is closed: sockets inside sockets inside sockets are possible,
 * but each level costs the sender as much as it costs us. */
#define DRAIN_DEPTH    3
#define DRAIN_MESSAGES 64

int shmfb__open_regular(const char *path, int flags)
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

int shmfb__open_proc_fd(int32_t pid, int no)
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

static void drain(int sock, int depth);

/* Takes the descriptors out of one message's control data; how many. */
static int dispose_control(struct msghdr *msg, int depth)
{
    int n = 0;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
            shmfb__fd_dispose_at(fd, depth);
            n++;
        }
    }
    return n;
}

int shmfb__dispose_control(struct msghdr *msg)
{
    return dispose_control(msg, 0);
}

/* Empties what is queued on a socket, descriptors included, without
 * waiting; new data cannot come once both directions are shut down. */
static void drain(int sock, int depth)
{
    shutdown(sock, SHUT_RDWR);
    for (int i = 0; i < DRAIN_MESSAGES; i++) {
        union {
            char buf[CMSG_SPACE(sizeof(int) * 253)];
            struct cmsghdr align;
        } ctl;
        char data[4096];
        struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
        struct msghdr msg = {.msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = ctl.buf,
                             .msg_controllen = sizeof(ctl)};
        ssize_t n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || (n == 0 && msg.msg_controllen == 0))
            return;
        dispose_control(&msg, depth + 1);
    }
}

void shmfb__fd_dispose_at(int fd, int depth)
{
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
        /* Closing with a zero linger resets instead of waiting to send. */
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        int domain = 0;
        socklen_t len = sizeof(domain);
        if (depth < DRAIN_DEPTH && getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
            domain == AF_UNIX)
            drain(fd, depth);
    }
    close(fd);
}

void shmfb__fd_dispose(int fd)
{
    shmfb__fd_dispose_at(fd, 0);
}

void shmfb__sock_close(int fd)
{
    if (fd < 0)
        return;
    drain(fd, 0);
    close(fd);
}

/* What a peer hands over, disposed of without blocking.  A descriptor
 * received over a socket may be a TCP socket that lingers on close with
 * unsent data, or a Unix socket whose queue holds such sockets (closing the
 * last reference releases them in the closer's context).  Everything here
 * keeps its bound instead.  (A file a peer planted under a name, a FIFO or
 * a leased file, is opened without blocking by the OS layer: os.h.) */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* How deep and how much of a received Unix socket's queue is emptied
 * before it is closed: sockets inside sockets inside sockets are possible,
 * but each level costs the sender as much as it costs us. */
#define DRAIN_DEPTH    3
#define DRAIN_MESSAGES 64

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

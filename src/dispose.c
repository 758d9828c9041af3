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

static int dispose_fds(const struct shmfb__os_msg *m, int from, int depth)
{
    for (int i = from; i < m->nfds; i++)
        shmfb__fd_dispose_at(m->fds[i], depth);
    return m->nfds > from ? m->nfds - from : 0;
}

int shmfb__dispose_fds(const struct shmfb__os_msg *m, int from)
{
    return dispose_fds(m, from, 0);
}

/* Empties what is queued on a socket, descriptors included, without
 * waiting; new data cannot come once both directions are shut down. */
static void drain(int sock, int depth)
{
    shutdown(sock, SHUT_RDWR);
    for (int i = 0; i < DRAIN_MESSAGES; i++) {
        char data[4096];
        struct shmfb__os_msg m;
        long n = shmfb__os_recv(sock, data, sizeof(data), &m);
        if (n < 0 || (n == 0 && m.nfds == 0))
            return;
        dispose_fds(&m, 0, depth + 1);
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
        if (depth < DRAIN_DEPTH && shmfb__os_is_unix_socket(fd))
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

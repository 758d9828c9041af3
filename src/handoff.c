/* The messages on a connection between producer and consumer: a consumer's
 * hello, and the handoff that carries a framebuffer's memfd (SCM_RIGHTS)
 * and, through the kernel, the sender's credentials (SCM_CREDENTIALS); and
 * the watch each side keeps on the other afterwards. */
#include "internal.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

uint64_t shmfb__random64(void)
{
    static _Atomic uint64_t counter;
    uint64_t v;
    if (shmfb__os_random(&v, sizeof(v)) == 0)
        return v;
    /* No entropy yet (early boot): unique is all a token needs to be. */
    return (uint64_t)shmfb__now_ns() ^ ((uint64_t)getpid() << 40) ^ ++counter;
}

int shmfb__hello_send(int sock, uint64_t token)
{
    struct wire_hello h = {.version = WIRE_VERSION, .token = token};
    memcpy(h.tag, WIRE_HELLO_TAG, sizeof(h.tag));
    ssize_t n;
    do {
        n = send(sock, &h, sizeof(h), MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    return n == (ssize_t)sizeof(h) ? 0 : -EPIPE;
}

/* A hello carries nothing but its bytes: descriptors attached to it are
 * taken out and disposed of here, where closing them cannot block, and the
 * peer is refused. */
int shmfb__hello_recv(int sock, uint64_t *token)
{
    struct wire_hello h = {0};
    struct shmfb__os_msg ctl;
    long n = shmfb__os_recv(sock, &h, sizeof(h), &ctl);
    if (n == -EAGAIN)
        return -EAGAIN; /* not sent yet */
    bool fds = n >= 0 && shmfb__dispose_fds(&ctl, 0) > 0;
    if (fds || n != (long)sizeof(h) || memcmp(h.tag, WIRE_HELLO_TAG, sizeof(h.tag)) != 0 ||
        h.version != WIRE_VERSION)
        return -EPROTO;
    *token = h.token;
    return 0;
}

int shmfb__handoff_send(int sock, int memfd, int status, uint64_t token, const char *name)
{
    struct wire_handoff m;
    memset(&m, 0, sizeof(m));
    memcpy(m.tag, WIRE_HANDOFF_TAG, sizeof(m.tag));
    m.version = WIRE_VERSION;
    m.status = status;
    m.token = token;
    snprintf(m.name, sizeof(m.name), "%s", name);
    char ctl[CMSG_SPACE(sizeof(int))];
    memset(ctl, 0, sizeof(ctl));
    struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (memfd >= 0) {
        msg.msg_control = ctl;
        msg.msg_controllen = sizeof(ctl);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &memfd, sizeof(int));
    }
    ssize_t n;
    do {
        n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    return n == (ssize_t)sizeof(m) ? 0 : -EPIPE;
}

int shmfb__wait_readable(int fd, int timeout_ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int64_t end = shmfb__now_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        int left = timeout_ms < 0 ? -1 : (int)((end - shmfb__now_ns()) / 1000000);
        if (timeout_ms >= 0 && left < 0)
            left = 0;
        int r = poll(&pfd, 1, left);
        if (r > 0)
            return 0;
        if (r == 0)
            return -ETIMEDOUT;
        if (errno != EINTR)
            return -errno;
    }
}

/* Checks the message itself: 0, or why it is refused. */
static int handoff_check(const struct wire_handoff *m, ssize_t n, const char *name, int fd)
{
    if (n != (ssize_t)sizeof(*m) || memcmp(m->tag, WIRE_HANDOFF_TAG, sizeof(m->tag)) != 0)
        return -EPROTO;
    if (m->version != WIRE_VERSION)
        return -EPROTONOSUPPORT;
    if (m->status != 0)
        return m->status == EACCES || m->status == ECONNREFUSED ? -m->status : -EREMOTEIO;
    if (fd < 0 || memchr(m->name, '\0', sizeof(m->name)) == NULL)
        return -EPROTO;
    if (name && strcmp(m->name, name) != 0)
        return -ENOENT; /* another name behind the same key */
    return 0;
}

/* Reads one message without waiting: >= 0 bytes and *fd (or -1), or a
 * negative errno.  Every descriptor beyond the first is disposed of; the
 * sender's credentials are left in ctl. */
static long message_read(int sock, struct wire_handoff *m, int *fd, struct shmfb__os_msg *ctl)
{
    long n = shmfb__os_recv(sock, m, sizeof(*m), ctl);
    *fd = n >= 0 && ctl->nfds > 0 ? ctl->fds[0] : -1;
    if (n >= 0)
        shmfb__dispose_fds(ctl, 1);
    return n;
}

int shmfb__handoff_recv(int sock, int timeout_ms, const char *name, struct shmfb__peer *peer,
                        int *memfd)
{
    int rc = shmfb__wait_readable(sock, timeout_ms);
    if (rc < 0)
        return rc;
    struct wire_handoff m;
    struct shmfb__os_msg ctl;
    int fd;
    long n = message_read(sock, &m, &fd, &ctl);
    /* The producer went away first (a reset: it died with our hello unread). */
    if (n == -ECONNRESET || (n == 0 && fd < 0))
        return -EPIPE;
    if (n < 0)
        return (int)n;
    rc = handoff_check(&m, n, name, fd);
    if (rc < 0) {
        shmfb__fd_dispose(fd);
        return rc;
    }
    int32_t pid = ctl.pid;
    uint32_t uid = ctl.uid;
    if (!ctl.have_cred && shmfb__os_peer_cred(sock, &pid, &uid) < 0)
        pid = 0;
    peer->uid = uid;
    peer->token = m.token;
    shmfb__peer_watch(peer, pid);
    *memfd = fd;
    return 0;
}

/* Watches a peer's process where it can be seen: a pidfd where the kernel
 * has them, its start time otherwise (against pid reuse).  A peer in
 * another pid namespace has pid 0 here and is watched by its connection. */
void shmfb__peer_watch(struct shmfb__peer *peer, int32_t pid)
{
    if (peer->pidfd >= 0)
        close(peer->pidfd);
    peer->pid = pid > 0 ? pid : 0;
    peer->pidfd = peer->pid ? shmfb__os_pidfd_open(peer->pid) : -1;
    if (peer->pidfd < 0)
        peer->pidfd = -1;
    peer->start = peer->pid && peer->pidfd < 0 ? shmfb__os_proc_start(peer->pid) : 0;
}

/* A consumer that opened the framebuffer itself still gets the producer's
 * handoff when the producer accepts it: read it and drop the descriptor
 * (1).  A refusal (the producer's table was full) is -1; anything else a
 * producer sends there means it is not one (0).  The host channel
 * (channel.c) calls this where its stream holds a handoff. */
int shmfb__late_handoff(int sock)
{
    struct wire_handoff m;
    struct shmfb__os_msg ctl;
    int fd;
    long n = message_read(sock, &m, &fd, &ctl);
    shmfb__fd_dispose(fd);
    if (n <= 0)
        return 0;
    int rc = handoff_check(&m, n, NULL, fd >= 0 ? 0 : -1);
    return rc == 0 ? 1 : rc == -ECONNREFUSED ? -1 : 0;
}

/* Gone: the connection hung up, or carries data where no host channel
 * reads it, or the process exited.  One poll(), no /proc read where pidfds
 * exist.  Data for the channel is its to judge: a peer whose framing is
 * wrong is dropped there. */
bool shmfb__peer_gone(const struct shmfb__peer *peer, bool channel)
{
    struct pollfd pfd[2] = {{.fd = peer->fd, .events = POLLIN | SHMFB__OS_POLLRDHUP},
                            {.fd = peer->pidfd, .events = POLLIN}};
    int n = poll(pfd, 2, 0);
    if (n < 0)
        return false; /* EINTR: look again later */
    if (pfd[0].revents & (POLLHUP | SHMFB__OS_POLLRDHUP | POLLERR | POLLNVAL))
        return true;
    if ((pfd[0].revents & POLLIN) && !channel)
        return true;
    if (peer->pidfd >= 0)
        return pfd[1].revents != 0;
    return peer->pid && !shmfb__os_proc_alive(peer->pid, peer->start);
}

bool shmfb__peer_process_alive(const struct shmfb__peer *peer)
{
    if (peer->pidfd >= 0) {
        struct pollfd pfd = {.fd = peer->pidfd, .events = POLLIN};
        return poll(&pfd, 1, 0) == 0;
    }
    return !peer->pid || shmfb__os_proc_alive(peer->pid, peer->start);
}

void shmfb__peer_close(struct shmfb__peer *peer)
{
    shmfb__chan_free(peer->chan);
    peer->chan = NULL;
    shmfb__sock_close(peer->fd);
    if (peer->pidfd >= 0)
        close(peer->pidfd);
    peer->fd = peer->pidfd = -1;
}

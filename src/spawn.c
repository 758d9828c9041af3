/* The spawned handshake: a consumer starts the producer with one end of a
 * socket pair named in SHMFB_SOCKET; the producer creates an anonymous,
 * sealed memfd and passes the descriptor back with SCM_RIGHTS.  Nothing is
 * ever visible in /dev/shm, and no other process can open the framebuffer. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static const char handoff_tag[8] = {'S', 'H', 'M', 'F', 'B', 'F', 'D', '1'};

/* The descriptor named by SHMFB_SOCKET, if it is a socket. */
static int env_socket(void)
{
    const char *v = getenv(SHMFB_SOCKET_ENV);
    if (!v || !*v)
        return -ENOTSOCK;
    char *end;
    long fd = strtol(v, &end, 10);
    struct stat st;
    if (*end || fd < 0 || fd > 1 << 20 || fstat((int)fd, &st) < 0 || !S_ISSOCK(st.st_mode))
        return -ENOTSOCK;
    return (int)fd;
}

static int send_fd(int sock, int fd)
{
    char ctl[CMSG_SPACE(sizeof(int))];
    memset(ctl, 0, sizeof(ctl));
    struct iovec iov = {.iov_base = (void *)handoff_tag, .iov_len = sizeof(handoff_tag)};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    ssize_t n;
    do {
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    return n == (ssize_t)sizeof(handoff_tag) ? 0 : -EPIPE;
}

int shmfb__region_create_spawned(const struct shmfb__geometry *geo, struct shmfb__region *out)
{
    int sock = env_socket();
    if (sock < 0)
        return sock;
    int fd;
    int rc = shmfb__region_create_anonymous(geo, out, &fd);
    if (rc < 0)
        return rc;
    rc = send_fd(sock, fd);
    close(fd);
    if (rc < 0) {
        shmfb__region_unmap(out);
        return rc;
    }
    /* The socket has done its job; a second create must not reuse it. */
    close(sock);
    return 0;
}

int shmfb_spawn(char *const argv[], int32_t *pid_out, int *sock_out)
{
    if (!argv || !argv[0] || !pid_out || !sock_out)
        return -EINVAL;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    /* The child's end must survive exec: clear its close-on-exec flag only in
     * the child, through a dup2 onto itself in the spawn's file actions. */
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], sv[1]);
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof(*env));
    char var[64];
    int rc = env ? 0 : -ENOMEM;
    if (rc == 0) {
        snprintf(var, sizeof(var), "%s=%d", SHMFB_SOCKET_ENV, sv[1]);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (strncmp(environ[i], SHMFB_SOCKET_ENV "=", sizeof(SHMFB_SOCKET_ENV)) != 0)
                env[k++] = environ[i];
        env[k++] = var;
        pid_t pid;
        rc = -posix_spawnp(&pid, argv[0], &fa, NULL, argv, env);
        *pid_out = rc == 0 ? (int32_t)pid : -1;
    }
    free(env);
    posix_spawn_file_actions_destroy(&fa);
    close(sv[1]);
    if (rc < 0) {
        close(sv[0]);
        return rc;
    }
    *sock_out = sv[0];
    return 0;
}

/* Receives the one descriptor a spawned producer sends.  0 and *fd, -EPIPE
 * if the producer closed the socket (exited) first, -EPROTO on a message
 * that is not a handoff. */
static int recv_fd(int sock, int *fd)
{
    char tag[sizeof(handoff_tag)];
    char ctl[CMSG_SPACE(sizeof(int) * 4)];
    struct iovec iov = {.iov_base = tag, .iov_len = sizeof(tag)};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
    ssize_t n;
    do {
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    *fd = -1;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int got;
            memcpy(&got, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
            if (*fd < 0)
                *fd = got;
            else
                close(got); /* more than one: keep the first */
        }
    }
    if (n == 0 && *fd < 0)
        return -EPIPE;
    if (n != (ssize_t)sizeof(tag) || memcmp(tag, handoff_tag, sizeof(tag)) != 0 || *fd < 0) {
        if (*fd >= 0)
            close(*fd);
        return -EPROTO;
    }
    return 0;
}

static int wait_readable(int sock, int timeout_ms)
{
    struct pollfd pfd = {.fd = sock, .events = POLLIN};
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

int shmfb_consumer_open_socket(int sock, int timeout_ms, const struct shmfb_consumer_desc *desc,
                               struct shmfb_consumer **out)
{
    if (!out)
        return -EINVAL;
    *out = NULL;
    if (sock < 0 || (desc && desc->flags != 0))
        return -EINVAL;
    int fd = -1, rc = wait_readable(sock, timeout_ms);
    if (rc == 0)
        rc = recv_fd(sock, &fd);
    if (rc < 0)
        return rc;
    /* Only a descriptor sealed against shrinking can be mapped safely. */
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
        close(fd);
        return -EPERM;
    }
    rc = shmfb__consumer_from_fd(fd, out);
    close(fd);
    return rc;
}

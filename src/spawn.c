/* The spawned handshake: a consumer starts the producer with one end of a
 * socket pair named in SHMFB_SOCKET; the producer's create call hands its
 * sealed memfd back over it and keeps the socket as its connection to that
 * consumer.  Nothing has a name, and no other process can open the
 * framebuffer. */
#include "internal.h"
#include "reserved.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The descriptor named by SHMFB_SOCKET, if it is a socket, made
 * close-on-exec so that the producer's own children do not hold it. */
int shmfb__spawned_socket(void)
{
    const char *v = getenv(SHMFB_SOCKET_ENV);
    if (!v || !*v)
        return -ENOTSOCK;
    char *end;
    long fd = strtol(v, &end, 10);
    struct stat st;
    if (*end || fd < 0 || fd > 1 << 20 || fstat((int)fd, &st) < 0 || !S_ISSOCK(st.st_mode))
        return -ENOTSOCK;
    fcntl((int)fd, F_SETFD, FD_CLOEXEC);
    return (int)fd;
}

/* The program's path as execvp would find it, resolved before fork: after
 * a fork only async-signal-safe calls are allowed. */
static int find_program(const char *file, char *buf, size_t size)
{
    if (strchr(file, '/'))
        return snprintf(buf, size, "%s", file) < (int)size ? 0 : -ENAMETOOLONG;
    const char *path = getenv("PATH");
    int rc = -ENOENT;
    for (const char *p = path ? path : "/usr/local/bin:/usr/bin:/bin"; *p;) {
        size_t len = strcspn(p, ":");
        int n = snprintf(buf, size, "%.*s%s%s", (int)len, p, len ? "/" : "", file);
        if (n > 0 && (size_t)n < size) {
            if (access(buf, X_OK) == 0)
                return 0;
            if (errno == EACCES)
                rc = -EACCES;
        }
        p += len + (p[len] == ':');
    }
    return rc;
}

/* The environment with SHMFB_SOCKET set to fd (and no other value of it). */
static char **spawn_env(int fd, char *var, size_t size)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof(*env));
    if (!env)
        return NULL;
    snprintf(var, size, "%s=%d", SHMFB_SOCKET_ENV, fd);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], SHMFB_SOCKET_ENV "=", sizeof(SHMFB_SOCKET_ENV)) != 0)
            env[k++] = environ[i];
    env[k] = var;
    return env;
}

/* In the child: dies with the parent (SIGTERM, so a producer can still
 * clean up), keeps its socket end across exec, execs; on failure sends
 * errno through `report`. */
static void child_exec(const char *path, char *const argv[], char **env, int sock, int report,
                       pid_t parent)
{
    shmfb__os_die_with_parent();
    if (getppid() != parent)
        _exit(127); /* the parent died before the line above */
    fcntl(sock, F_SETFD, 0);
    execve(path, argv, env);
    int e = errno;
    ssize_t w = write(report, &e, sizeof(e));
    (void)w;
    _exit(127);
}

static int fork_exec(const char *path, char *const argv[], char **env, int sock, pid_t *pid)
{
    int report[2];
    if (pipe2(report, O_CLOEXEC) < 0)
        return -errno;
    pid_t parent = getpid();
    *pid = fork();
    if (*pid == 0)
        child_exec(path, argv, env, sock, report[1], parent);
    int rc = *pid < 0 ? -errno : 0;
    close(report[1]);
    int e = 0;
    ssize_t n;
    do {
        n = read(report[0], &e, sizeof(e)); /* EOF: the exec succeeded */
    } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (rc == 0 && n == (ssize_t)sizeof(e)) {
        waitpid(*pid, NULL, 0);
        rc = -e;
    }
    return rc;
}

int shmfb_spawn(char *const argv[], int32_t *pid_out, int *sock_out)
{
    if (!argv || !argv[0] || !pid_out || !sock_out)
        return -EINVAL;
    *pid_out = -1;
    char path[4096], var[64];
    int rc = find_program(argv[0], path, sizeof(path));
    if (rc < 0)
        return rc;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    /* The producer's credentials come with its handoff message. */
    shmfb__os_pass_cred(sv[0]);
    char **env = spawn_env(sv[1], var, sizeof(var));
    pid_t pid = -1;
    rc = env ? fork_exec(path, argv, env, sv[1], &pid) : -ENOMEM;
    free(env);
    close(sv[1]);
    if (rc < 0) {
        close(sv[0]);
        return rc;
    }
    *pid_out = (int32_t)pid;
    *sock_out = sv[0];
    return 0;
}

int shmfb_consumer_open_socket(int sock, int timeout_ms, const struct shmfb_consumer_desc *desc,
                               struct shmfb_consumer **out)
{
    if (!out)
        return -EINVAL;
    *out = NULL;
    if (sock < 0 || (desc && ((desc->flags & ~SHMFB_TRUST_UID) || !SHMFB__RESERVED_ZERO(desc))))
        return -EINVAL;
    /* Our own copy of the connection: its hang-up tells us the producer is
     * gone, whatever the caller does with `sock`. */
    struct shmfb__peer peer = {.fd = fcntl(sock, F_DUPFD_CLOEXEC, 3), .pidfd = -1};
    if (peer.fd < 0)
        return -errno;
    int memfd = -1;
    int rc = shmfb__handoff_recv(peer.fd, timeout_ms, "", &peer, &memfd);
    bool trusted = peer.uid == (uint32_t)geteuid() ||
                   (desc && (desc->flags & SHMFB_TRUST_UID) && peer.uid == desc->trust_uid);
    if (rc == 0) {
        rc = trusted ? shmfb__consumer_from_peer(memfd, &peer, out) : -EACCES;
        shmfb__fd_dispose(memfd);
    }
    if (rc < 0)
        shmfb__peer_close(&peer);
    return rc;
}

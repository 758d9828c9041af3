/*
 * noVNC in a browser: websockify (its --web option serves noVNC's files)
 * accepts WebSocket connections next to the RFB port and forwards them to
 * it.  It runs in a process group of its own, which is ended with the
 * bridge; PR_SET_PDEATHSIG ends it also when the bridge is killed.
 */
#include "vnc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WEB_READY_MS 10000

static bool find_in_path(const char *prog)
{
    const char *path = getenv("PATH");
    char buf[4096];
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t len = strcspn(path, ":");
        if (len > 0 && len < sizeof buf - strlen(prog) - 2) {
            snprintf(buf, sizeof buf, "%.*s/%s", (int)len, path, prog);
            if (access(buf, X_OK) == 0)
                return true;
        }
        path += len + (path[len] == ':');
    }
    return false;
}

/* Child side, between fork and exec: only async-signal-safe calls. */
static void exec_websockify(char *const argv[], pid_t parent, bool verbose)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(1);
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        if (!verbose) {
            dup2(null, 1);
            dup2(null, 2);
        }
    }
    execvp(argv[0], argv);
    _exit(127);
}

static int connect_to(const struct vnc_listener *l)
{
    struct vnc_listener probe = *l;
    char host[64];
    vnc_listener_target(l, host, sizeof host);
    struct sockaddr_storage *a = &probe.addr;
    /* The same family and port, at the address a client would use. */
    if (a->ss_family == AF_INET)
        inet_pton(AF_INET, host, &((struct sockaddr_in *)a)->sin_addr);
    else
        inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)a)->sin6_addr);
    int fd = socket(a->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int rc = connect(fd, (struct sockaddr *)a, probe.addrlen);
    close(fd);
    return rc;
}

/* Waits until websockify accepts connections, or exits. */
static int wait_ready(struct vnc_web *w, const struct vnc_listener *web)
{
    for (int waited = 0; waited < WEB_READY_MS; waited += 50) {
        int ws;
        if (waitpid(w->pid, &ws, WNOHANG) == w->pid) {
            w->pid = 0;
            fprintf(
                stderr, VNC_PROG ": websockify could not serve %s (it exited with status %d%s)\n",
                web->text, WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws),
                WIFEXITED(ws) && WEXITSTATUS(ws) == 127 ? ": not found" : "; --verbose shows why");
            return -1;
        }
        if (connect_to(web) == 0)
            return 0;
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    }
    fprintf(stderr, VNC_PROG ": websockify did not listen on %s within %d s\n", web->text,
            WEB_READY_MS / 1000);
    vnc_web_stop(w);
    return -1;
}

static bool novnc_present(const char *dir)
{
    char page[4096];
    snprintf(page, sizeof page, "%s/vnc.html", dir);
    if (access(page, R_OK) == 0)
        return true;
    fprintf(stderr, VNC_PROG ": no noVNC in %s (install novnc, or give --novnc DIR)\n", dir);
    return false;
}

int vnc_web_start(struct vnc_web *w, const struct vnc_options *o, const struct vnc_listener *rfb)
{
    memset(w, 0, sizeof *w);
    if (!novnc_present(o->novnc_dir))
        return -1;
    if (!find_in_path("websockify")) {
        fprintf(stderr, VNC_PROG ": websockify not found (install websockify)\n");
        return -1;
    }
    /* Bind the port once ourselves: a clear error when it is taken, and the
     * port number when 0 asked for any free one. */
    struct vnc_listener web;
    char why[128], target[96], host[64];
    if (vnc_listen(o->listen, o->web_port, &web, why, sizeof why) < 0) {
        fprintf(stderr, VNC_PROG ": cannot listen on %s port %d: %s\n", o->listen, o->web_port,
                why);
        return -1;
    }
    close(web.fd);
    w->port = vnc_addr_port(&web.addr);
    vnc_listener_target(rfb, host, sizeof host);
    snprintf(target, sizeof target, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host,
             vnc_addr_port(&rfb->addr));
    char *argv[] = {"websockify", "--web", (char *)o->novnc_dir, web.text, target, NULL};
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, VNC_PROG ": cannot start websockify: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0)
        exec_websockify(argv, parent, o->verbose);
    setpgid(pid, pid);
    w->pid = pid;
    snprintf(w->url, sizeof w->url, "http://%s/vnc.html", web.text);
    return wait_ready(w, &web);
}

void vnc_web_stop(struct vnc_web *w)
{
    if (w->pid <= 0)
        return;
    kill(-w->pid, SIGTERM);
    for (int waited = 0; waited < 2000; waited += 10) {
        if (waitpid(w->pid, NULL, WNOHANG) == w->pid) {
            kill(-w->pid, SIGTERM); /* connections it forked off */
            w->pid = 0;
            return;
        }
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    kill(-w->pid, SIGKILL);
    waitpid(w->pid, NULL, 0);
    w->pid = 0;
}

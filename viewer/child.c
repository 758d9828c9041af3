/*
 * A producer started by the viewer (shmfb-view -- PROGRAM ARGS...): its
 * framebuffer arrives over a socket, and its exit ends the viewer.
 */
#include "view.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The child of this process, for view_child_atexit(). */
static pid_t child_running;

/* Xlib exits the process when the X server goes away: don't leave the
 * program running without anyone showing it. */
static void view_child_atexit(void)
{
    if (child_running > 0)
        kill(child_running, SIGTERM);
}

/* Reports how the child ended, once, and keeps the status to exit with. */
static void child_ended(struct view_child *ch, int ws)
{
    ch->pid = 0;
    child_running = 0;
    ch->status = WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
    if (!ch->note)
        return;
    if (WIFSIGNALED(ws))
        fprintf(stderr, VIEW_PROG ": %s killed by signal %d%s\n", ch->prog, WTERMSIG(ws), ch->note);
    else
        fprintf(stderr, VIEW_PROG ": %s exited with status %d%s\n", ch->prog, ch->status, ch->note);
}

bool view_child_reap(struct view_child *ch, int ms)
{
    for (int waited = 0; ch->pid > 0; waited += 10) {
        int ws;
        pid_t r = waitpid(ch->pid, &ws, WNOHANG);
        if (r == ch->pid) {
            child_ended(ch, ws);
            break;
        }
        if (r < 0 && errno != EINTR) {
            ch->pid = child_running = 0; /* not ours to wait for (cannot happen) */
            break;
        }
        if (ms >= 0 && waited >= ms)
            return false;
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    return true;
}

void view_child_signal(struct view_child *ch, int sig, const char *why)
{
    if (ch->pid <= 0)
        return;
    if (why)
        fprintf(stderr, VIEW_PROG ": %s %s; sending it %s\n", ch->prog, why,
                sig == SIGTERM   ? "SIGTERM"
                : sig == SIGKILL ? "SIGKILL"
                                 : strsignal(sig));
    kill(ch->pid, sig);
}

static int child_open(struct view_child *ch, int sock, int timeout_ms, struct shmfb_consumer **out)
{
    struct shmfb_consumer *c;
    int rc = shmfb_consumer_open_socket(sock, timeout_ms, NULL, &c);
    if (rc == 0) {
        rc = shmfb_consumer_attach(c);
        if (rc == 0) {
            *out = c;
            return 0;
        }
        shmfb_consumer_close(c);
    }
    ch->note = " before it created a framebuffer";
    if (rc == -EPIPE && view_child_reap(ch, 1000))
        return ch->status ? ch->status : 1;
    ch->note = NULL; /* what went wrong is said below */
    if (rc == -ETIMEDOUT)
        fprintf(stderr, VIEW_PROG ": %s created no framebuffer within %d ms\n", ch->prog,
                timeout_ms);
    else
        fprintf(stderr, VIEW_PROG ": %s: no framebuffer received: %s\n", ch->prog,
                shmfb_strerror(rc));
    return 1;
}

int view_child_start(struct view_child *ch, const struct view_options *o,
                     struct shmfb_consumer **out)
{
    *out = NULL;
    memset(ch, 0, sizeof *ch);
    ch->prog = o->program[0];
    ch->note = "";
    int sock;
    int rc = shmfb_spawn(o->program, &ch->pid, &sock);
    if (rc < 0) {
        fprintf(stderr, VIEW_PROG ": cannot run %s: %s\n", ch->prog, strerror(-rc));
        return rc == -ENOENT ? 127 : 126;
    }
    child_running = ch->pid;
    atexit(view_child_atexit);
    int timeout_ms = o->timeout > 0 ? (int)(o->timeout * 1000.0) : VIEW_SPAWN_WAIT_MS;
    rc = child_open(ch, sock, timeout_ms, out);
    close(sock);
    if (rc != 0 && ch->pid > 0) {
        view_child_signal(ch, SIGTERM, NULL);
        if (!view_child_reap(ch, 2000)) {
            view_child_signal(ch, SIGKILL, NULL);
            view_child_reap(ch, -1);
        }
    }
    return rc;
}

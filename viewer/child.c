/*
 * A producer started by the viewer (shmfb-view -- PROGRAM ARGS...): its
 * framebuffer arrives over a socket, and its exit ends the viewer.  Every
 * spawn, wait, signal and exit status of that program is handled here.
 */
#include "view.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A spawned program gets this long to quit after a close request... */
#define VIEW_CLOSE_GRACE_MS 5000
/* ... and this long after SIGTERM, before SIGKILL. */
#define VIEW_TERM_GRACE_MS 2000

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

/* Reaps the child if it exited (waiting up to \p ms; -1: no limit);
 * reports it once.  Returns true once it is gone. */
static bool child_reap(struct view_child *ch, int ms)
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

/* Sends \p sig to a child still running, saying why when \p why is set. */
static void child_signal(struct view_child *ch, int sig, const char *why)
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
    if (rc == -EPIPE && child_reap(ch, 1000))
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
        child_signal(ch, SIGTERM, NULL);
        if (!child_reap(ch, VIEW_TERM_GRACE_MS)) {
            child_signal(ch, SIGKILL, NULL);
            child_reap(ch, -1);
        }
    }
    return rc;
}

static uint64_t child_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool view_child_close(struct view_child *ch, bool told)
{
    if (ch->pid <= 0)
        return false;
    bool again = ch->close_at != 0;
    if (ch->signals_sent == 0 && (again || !told)) {
        /* Closed again while waiting, or it cannot be asked: don't wait. */
        child_signal(ch, SIGTERM, again ? "was asked to close twice" : NULL);
        ch->signals_sent = 1;
        ch->close_at = 0;
    }
    if (!ch->close_at)
        ch->close_at = child_now_ms();
    return true;
}

bool view_child_watch(struct view_child *ch)
{
    if (ch->pid <= 0)
        return false;
    if (child_reap(ch, 0))
        return true;
    if (!ch->close_at)
        return false;
    uint64_t now = child_now_ms();
    if (ch->signals_sent == 0 && now - ch->close_at >= VIEW_CLOSE_GRACE_MS) {
        child_signal(ch, SIGTERM, "did not quit within 5 s of the close request");
        ch->signals_sent = 1;
        ch->close_at = now;
    } else if (ch->signals_sent == 1 && now - ch->close_at >= VIEW_TERM_GRACE_MS) {
        child_signal(ch, SIGKILL, "did not quit after SIGTERM");
        ch->signals_sent = 2;
    }
    return false;
}

bool view_child_end(struct view_child *ch)
{
    if (ch->pid <= 0)
        return false;
    child_signal(ch, SIGTERM, NULL);
    if (!child_reap(ch, VIEW_TERM_GRACE_MS)) {
        child_signal(ch, SIGKILL, "did not quit after SIGTERM");
        child_reap(ch, -1);
    }
    return true;
}

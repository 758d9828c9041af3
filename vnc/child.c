/*
 * A producer started by the bridge (shmfb-vnc -- PROGRAM ARGS...): its
 * framebuffer arrives over a socket, and its exit ends the bridge.
 */
#include "vnc.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void child_ended(struct vnc_child *ch, int ws, const char *note)
{
    ch->pid = 0;
    ch->status = WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
    if (!note)
        return;
    if (WIFSIGNALED(ws))
        fprintf(stderr, VNC_PROG ": %s killed by signal %d%s\n", ch->prog, WTERMSIG(ws), note);
    else
        fprintf(stderr, VNC_PROG ": %s exited with status %d%s\n", ch->prog, ch->status, note);
}

static bool reap(struct vnc_child *ch, int ms, const char *note)
{
    for (int waited = 0; ch->pid > 0; waited += 10) {
        int ws;
        pid_t r = waitpid(ch->pid, &ws, WNOHANG);
        if (r == ch->pid) {
            child_ended(ch, ws, note);
            break;
        }
        if (r < 0 && errno != EINTR) {
            ch->pid = 0; /* not ours to wait for (cannot happen) */
            break;
        }
        if (ms >= 0 && waited >= ms)
            return false;
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    return true;
}

bool vnc_child_reap(struct vnc_child *ch, int ms)
{
    return reap(ch, ms, "");
}

void vnc_child_stop(struct vnc_child *ch, int grace_ms, bool quiet)
{
    if (ch->pid <= 0)
        return;
    kill(ch->pid, SIGTERM);
    if (!reap(ch, grace_ms, quiet ? NULL : "")) {
        if (!quiet)
            fprintf(stderr, VNC_PROG ": %s did not quit after SIGTERM; sending it SIGKILL\n",
                    ch->prog);
        kill(ch->pid, SIGKILL);
        reap(ch, -1, quiet ? NULL : "");
    }
}

static int child_open(struct vnc_child *ch, int sock, int timeout_ms, struct shmfb_consumer **out)
{
    int rc = shmfb_consumer_open_socket(sock, timeout_ms, NULL, out);
    if (rc == 0)
        return 0;
    if (rc == -EPIPE && reap(ch, 1000, " before it created a framebuffer"))
        return ch->status ? ch->status : 1;
    if (rc == -ETIMEDOUT)
        fprintf(stderr, VNC_PROG ": %s created no framebuffer within %d ms\n", ch->prog,
                timeout_ms);
    else
        fprintf(stderr, VNC_PROG ": %s: no framebuffer received: %s\n", ch->prog,
                shmfb_strerror(rc));
    return 1;
}

int vnc_child_start(struct vnc_child *ch, const struct vnc_options *o, struct shmfb_consumer **out)
{
    *out = NULL;
    memset(ch, 0, sizeof *ch);
    ch->prog = o->program[0];
    int sock;
    int rc = shmfb_spawn(o->program, &ch->pid, &sock);
    if (rc < 0) {
        fprintf(stderr, VNC_PROG ": cannot run %s: %s\n", ch->prog, strerror(-rc));
        return rc == -ENOENT ? 127 : 126;
    }
    int timeout_ms = o->timeout > 0 ? (int)(o->timeout * 1000.0) : VNC_SPAWN_WAIT_MS;
    rc = child_open(ch, sock, timeout_ms, out);
    close(sock);
    if (rc != 0)
        vnc_child_stop(ch, 2000, true);
    return rc;
}

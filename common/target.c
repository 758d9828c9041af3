/*
 * A consumer's target (NAME or -- PROGRAM), the program it starts, and its
 * recovery policy; see target.h.
 */
#include "target.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int target_split(int argc, char **argv, struct target *t)
{
    memset(t, 0, sizeof *t);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            t->program = argv + i + 1;
            return i;
        }
    }
    return argc;
}

int target_check(const struct args *a, struct target *t)
{
    if (t->program) {
        if (a->nrest > 0)
            return args_usage_error(a, "give either NAME or -- PROGRAM, not both");
        if (!t->program[0])
            return args_usage_error(a, "missing PROGRAM");
        t->label = t->program[0];
        return 0;
    }
    if (a->nrest != 1)
        return args_usage_error(a, "%s",
                                a->nrest == 0 ? "missing framebuffer NAME" : "too many arguments");
    int rc = shmfb_name_check(a->rest[0], t->name, sizeof t->name);
    if (rc < 0)
        return args_usage_error(a, "invalid framebuffer name '%s': %s", a->rest[0],
                                shmfb_strerror(rc));
    t->label = t->name;
    return 0;
}

int target_open(const char *name, struct shmfb_consumer **out)
{
    struct shmfb_consumer *c;
    *out = NULL;
    int rc = shmfb_consumer_open(name, NULL, &c);
    if (rc < 0)
        return rc;
    rc = shmfb_consumer_attach(c);
    if (rc < 0) {
        shmfb_consumer_close(c);
        return rc;
    }
    shmfb_consumer_request_frame(c);
    *out = c;
    return 0;
}

bool target_open_later(int rc, bool wait)
{
    if (rc == -ECONNREFUSED)
        return true;
    return wait && (rc == -ENOENT || rc == -EAGAIN || rc == -EPIPE);
}

enum target_next target_recover(struct shmfb_consumer *c, int *rc)
{
    if (*rc == -ECONNRESET || *rc == -ENOTCONN) {
        int again = shmfb_consumer_attach(c);
        if (again == 0 || again == -EISCONN)
            return TARGET_GO_ON;
        *rc = again;
    }
    return *rc == -EPIPE ? TARGET_GONE : TARGET_LATER;
}

/* ------------------------------------------------------------------------ */
/* A started program                                                        */
/* ------------------------------------------------------------------------ */

/* The program of this process, for child_atexit(). */
static pid_t child_running;

/* Xlib, for one, exits the process when the X server goes away: don't
 * leave the program running without anyone showing it. */
static void child_atexit(void)
{
    if (child_running > 0)
        kill(child_running, SIGTERM);
}

static uint64_t child_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Keeps the status to exit with and says how the program ended, once. */
static void child_ended(struct target_child *ch, int ws)
{
    ch->pid = 0;
    child_running = 0;
    ch->status = WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
    if (!ch->note)
        return;
    if (WIFSIGNALED(ws))
        fprintf(stderr, "%s: %s killed by signal %d%s\n", ch->who, ch->prog, WTERMSIG(ws),
                ch->note);
    else
        fprintf(stderr, "%s: %s exited with status %d%s\n", ch->who, ch->prog, ch->status,
                ch->note);
}

/* Reaps the program if it ended, waiting up to \p ms (negative: no
 * bound).  \returns true once it is gone. */
static bool child_reap(struct target_child *ch, int ms)
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

/* Sends \p sig to a program still running, saying why when \p why is set. */
static void child_signal(struct target_child *ch, int sig, const char *why)
{
    if (ch->pid <= 0)
        return;
    if (why)
        fprintf(stderr, "%s: %s %s; sending it %s\n", ch->who, ch->prog, why,
                sig == SIGTERM ? "SIGTERM" : "SIGKILL");
    kill(ch->pid, sig);
}

/* SIGTERM, then SIGKILL after the grace period; reaped. */
static void child_stop(struct target_child *ch)
{
    child_signal(ch, SIGTERM, NULL);
    if (!child_reap(ch, TARGET_TERM_GRACE_MS)) {
        child_signal(ch, SIGKILL, ch->note ? "did not quit after SIGTERM" : NULL);
        child_reap(ch, -1);
    }
}

/* Receives the framebuffer on \p sock, attached.  \returns 0 or an exit
 * status, having said why. */
static int child_receive(struct target_child *ch, int sock, int timeout_ms,
                         struct shmfb_consumer **out)
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
    ch->note = NULL; /* what went wrong is said here */
    if (rc == -ETIMEDOUT)
        fprintf(stderr, "%s: %s created no framebuffer within %d ms\n", ch->who, ch->prog,
                timeout_ms);
    else
        fprintf(stderr, "%s: %s: no framebuffer received: %s\n", ch->who, ch->prog,
                shmfb_strerror(rc));
    return 1;
}

int target_child_start(struct target_child *ch, const char *who, char **program, double timeout_s,
                       struct shmfb_consumer **out)
{
    static bool atexit_set;
    *out = NULL;
    memset(ch, 0, sizeof *ch);
    ch->who = who;
    ch->prog = program[0];
    ch->note = "";
    int sock;
    int rc = shmfb_spawn(program, &ch->pid, &sock);
    if (rc < 0) {
        ch->pid = 0;
        fprintf(stderr, "%s: cannot run %s: %s\n", who, ch->prog, strerror(-rc));
        return rc == -ENOENT ? 127 : 126;
    }
    child_running = ch->pid;
    if (!atexit_set)
        atexit_set = atexit(child_atexit) == 0;
    int timeout_ms = timeout_s <= 0     ? TARGET_SPAWN_WAIT_MS
                     : timeout_s >= 2e6 ? 2000000000
                                        : (int)(timeout_s * 1000.0);
    rc = child_receive(ch, sock, timeout_ms > 0 ? timeout_ms : 1, out);
    close(sock);
    if (rc != 0 && ch->pid > 0)
        child_stop(ch);
    return rc;
}

bool target_child_close(struct target_child *ch, bool told)
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

bool target_child_watch(struct target_child *ch)
{
    if (ch->pid <= 0)
        return false;
    if (child_reap(ch, 0))
        return true;
    if (!ch->close_at)
        return false;
    uint64_t now = child_now_ms();
    if (ch->signals_sent == 0 && now - ch->close_at >= TARGET_CLOSE_GRACE_MS) {
        child_signal(ch, SIGTERM, "did not quit within 5 s of the close request");
        ch->signals_sent = 1;
        ch->close_at = now;
    } else if (ch->signals_sent == 1 && now - ch->close_at >= TARGET_TERM_GRACE_MS) {
        child_signal(ch, SIGKILL, "did not quit after SIGTERM");
        ch->signals_sent = 2;
    }
    return false;
}

bool target_child_end(struct target_child *ch)
{
    if (ch->pid <= 0)
        return false;
    child_stop(ch);
    return true;
}

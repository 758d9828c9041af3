/*
 * shmfb-qemu: shows a QEMU virtual machine's console through shmfb.
 *
 *   shmfb-view -- shmfb-qemu -- qemu-system-x86_64 -nodefaults -vga std
 *
 * The bridge starts QEMU with "-display dbus,p2p=on" and a QMP monitor of
 * its own, hands QEMU one end of a D-Bus socket pair (QMP getfd +
 * add_client), registers a Listener on the console and publishes what QEMU
 * draws.  It is QEMU's parent: QEMU never outlives it.
 */
#include "args.h"
#include "bridge.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define QMP_TIMEOUT_MS   15000 /* QEMU's start, up to its monitor's greeting */
#define SETUP_TIMEOUT_MS 10000 /* each setup step after that */
#define QUIT_GRACE_MS    3000  /* "quit" -> SIGKILL */
#define REFUSED_LOGGED   20
#define DEFAULT_MAX_W    1920
#define DEFAULT_MAX_H    1200

static struct qb bridge;

static const char usage_text[] =
    "usage: shmfb-qemu [options] -- qemu-system-ARCH [QEMU ARGS...]\n"
    "       shmfb-qemu [options] --attach ADDRESS\n"
    "Shows a QEMU virtual machine's console through shmfb.  The bridge starts\n"
    "QEMU with -display dbus,p2p=on and a QMP monitor of its own (do not pass\n"
    "-display), publishes what the guest draws and sends the viewers' keys,\n"
    "pointer and window size back.  It exits with QEMU's status.\n"
    "  --name NAME          framebuffer name; default: the spawning viewer's\n"
    "                       socket when SHMFB_SOCKET is set, else /qemu\n"
    "  --console N          QEMU console to show (default 0)\n"
    "  --max WxH            largest guest screen (default 1920x1200)\n"
    "  --attach ADDRESS     show a QEMU already started with -display dbus on\n"
    "                       the D-Bus bus at ADDRESS (e.g. the session bus's\n"
    "                       $DBUS_SESSION_BUS_ADDRESS) instead of starting one\n"
    "  --powerdown-timeout S  on a close request, SIGTERM or SIGINT the guest is\n"
    "                       asked to power down; after S seconds (default 3)\n"
    "                       QEMU is told to quit, 3 s later killed\n"
    "  --stats              at exit, print frames, Scanout/Update -> presented\n"
    "                       latency (p50, p99) and CPU time per frame\n"
    "  -h, --help           show this help\n"
    "  -V, --version        show the version\n";

void qb_refused(struct qb *b, const char *what, const char *why)
{
    if (++b->refused <= REFUSED_LOGGED)
        fprintf(stderr, QB_PROG ": refused %s from QEMU: %s\n", what, why);
    if (b->refused == REFUSED_LOGGED)
        fprintf(stderr, QB_PROG ": further refusals are counted, not shown\n");
}

/* ---- options ----------------------------------------------------------------- */

enum { OPT_NAME = 256, OPT_CONSOLE, OPT_MAX, OPT_ATTACH, OPT_POWERDOWN, OPT_STATS };

static int parse_one(const struct args *a, int opt, struct qb_options *o)
{
    switch (opt) {
    case OPT_NAME:
        o->name = a->value;
        return 0;
    case OPT_CONSOLE:
        return args_int(a, 0, 1023, &o->console);
    case OPT_MAX:
        return args_size(a, &o->max_w, &o->max_h);
    case OPT_ATTACH:
        o->attach = a->value;
        return 0;
    case OPT_POWERDOWN:
        return args_double(a, 0, 3600, &o->powerdown_s);
    default: /* OPT_STATS */
        o->stats = true;
        return 0;
    }
}

/* QEMU arguments the bridge sets itself. */
static bool owned_by_bridge(const char *arg)
{
    static const char *const owned[] = {"-display",    "--display",  "-nographic",
                                        "--nographic", "-daemonize", "--daemonize"};
    for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
        if (strcmp(arg, owned[i]) == 0)
            return true;
    return false;
}

static int check_command(struct args *a, struct qb_options *o)
{
    if (o->attach && a->nrest > 0)
        return args_usage_error(a, "--attach takes no QEMU command");
    if (!o->attach && a->nrest == 0)
        return args_usage_error(a, "no QEMU command given (-- qemu-system-ARCH ...)");
    for (int i = 0; i < a->nrest; i++)
        if (owned_by_bridge(a->rest[i]))
            return args_usage_error(a, "QEMU's %s is set by shmfb-qemu", a->rest[i]);
    o->qemu_argv = a->rest;
    return -1;
}

/* Returns -1 to run, else the exit status. */
static int parse_options(int argc, char **argv, struct qb_options *o)
{
    static const struct option longs[] = {
        {"name", required_argument, NULL, OPT_NAME},
        {"console", required_argument, NULL, OPT_CONSOLE},
        {"max", required_argument, NULL, OPT_MAX},
        {"attach", required_argument, NULL, OPT_ATTACH},
        {"powerdown-timeout", required_argument, NULL, OPT_POWERDOWN},
        {"stats", no_argument, NULL, OPT_STATS},
        {NULL, 0, NULL, 0}};
    struct args a = {
        .prog = QB_PROG, .usage_text = usage_text, .longopts = longs, .in_order = true};
    int opt;
    *o = (struct qb_options){.max_w = DEFAULT_MAX_W, .max_h = DEFAULT_MAX_H, .powerdown_s = 3};
    args_start(&a, argc, argv);
    while ((opt = args_next(&a)) > 0)
        if (parse_one(&a, opt, o) < 0)
            return ARGS_EXIT_USAGE;
    if (opt == ARGS_STOP)
        return a.status;
    if (o->name && shmfb_name_check(o->name, NULL, 0) < 0)
        return args_usage_error(&a, "invalid name '%s'", o->name);
    args_producer_name(o->name, "/qemu", &o->name);
    return check_command(&a, o);
}

/* ---- the QEMU child -------------------------------------------------------------- */

static char **qemu_command(char **user, int qmp_fd)
{
    static char chardev[64];
    size_t n = 0;
    while (user[n])
        n++;
    char **argv = calloc(n + 7, sizeof(*argv));
    if (!argv)
        return NULL;
    memcpy(argv, user, n * sizeof(*argv));
    snprintf(chardev, sizeof(chardev), "socket,id=shmfb-qmp,fd=%d", qmp_fd);
    argv[n++] = "-display";
    argv[n++] = "dbus,p2p=on";
    argv[n++] = "-chardev";
    argv[n++] = chardev;
    argv[n++] = "-mon";
    argv[n++] = "chardev=shmfb-qmp,mode=control";
    return argv;
}

static void exec_qemu(char **argv, int qmp_fd, pid_t parent)
{
    sigset_t none;
    /* Never outlive the bridge, however it ends. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    /* A terminal's ^C goes to the bridge, which powers the guest down. */
    setpgid(0, 0);
    fcntl(qmp_fd, F_SETFD, 0);
    signal(SIGPIPE, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execvp(argv[0], argv);
    fprintf(stderr, QB_PROG ": cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
}

static int start_qemu(struct qb *b)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    char **argv = qemu_command(b->o.qemu_argv, sv[1]);
    if (!argv) {
        close(sv[0]);
        close(sv[1]);
        return -ENOMEM;
    }
    pid_t parent = getpid();
    b->pid = fork();
    if (b->pid == 0)
        exec_qemu(argv, sv[1], parent);
    int err = errno;
    free(argv);
    close(sv[1]);
    if (b->pid < 0) {
        close(sv[0]);
        return -err;
    }
    b->qmp.fd = sv[0];
    return 0;
}

static void qemu_exited(GPid pid, gint ws, gpointer data)
{
    struct qb *b = data;
    (void)pid;
    b->qemu_gone = true;
    b->pid = 0;
    if (WIFSIGNALED(ws)) {
        b->status = 128 + WTERMSIG(ws);
        if (b->stopping < 3)
            fprintf(stderr, QB_PROG ": QEMU killed by signal %d\n", WTERMSIG(ws));
    } else {
        b->status = WEXITSTATUS(ws);
        if (b->status != 0)
            fprintf(stderr, QB_PROG ": QEMU exited with status %d\n", b->status);
    }
    g_spawn_close_pid(pid);
    g_main_loop_quit(b->loop);
}

static gboolean qmp_readable(gint fd, GIOCondition cond, gpointer data)
{
    struct qb *b = data;
    (void)fd, (void)cond;
    if (qb_qmp_drain(&b->qmp) == 0)
        return G_SOURCE_CONTINUE;
    b->qmp_watch = 0;
    return G_SOURCE_REMOVE;
}

/* Greeting, capabilities, then one end of a D-Bus socket pair through
 * getfd and add_client.  Returns our end, or a negative errno. */
static int qmp_handshake(struct qb *b)
{
    char err[256] = "";
    int sv[2], rc;
    rc = qb_qmp_open(&b->qmp, b->qmp.fd, QMP_TIMEOUT_MS, err, sizeof(err));
    if (rc < 0)
        goto fail;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    rc = qb_qmp_execute(&b->qmp, "{\"execute\": \"getfd\", \"arguments\": {\"fdname\": \"shmfb\"}}",
                        sv[1], SETUP_TIMEOUT_MS, err, sizeof(err));
    close(sv[1]);
    if (rc == 0)
        rc = qb_qmp_execute(&b->qmp,
                            "{\"execute\": \"add_client\", \"arguments\": {\"protocol\": "
                            "\"@dbus-display\", \"fdname\": \"shmfb\"}}",
                            -1, SETUP_TIMEOUT_MS, err, sizeof(err));
    if (rc == 0)
        return sv[0];
    close(sv[0]);
fail:
    if (rc == -EPROTO)
        fprintf(stderr, QB_PROG ": QEMU refused the display connection: %s\n", err);
    else if (rc == -ETIMEDOUT)
        fprintf(stderr, QB_PROG ": QEMU's monitor did not answer within %d s\n",
                QMP_TIMEOUT_MS / 1000);
    return rc;
}

/* ---- stopping ----------------------------------------------------------------- */

static gboolean stop_step(gpointer data);

static void escalate(struct qb *b)
{
    if (b->stop_id)
        g_source_remove(b->stop_id);
    b->stop_id = 0;
    if (b->qemu_gone)
        return;
    b->stopping++;
    if (b->stopping == 2) {
        if (qb_qmp_send(&b->qmp, "{\"execute\": \"quit\"}") < 0)
            kill(b->pid, SIGTERM);
        b->stop_id = g_timeout_add(QUIT_GRACE_MS, stop_step, b);
    } else if (b->stopping >= 3) {
        fprintf(stderr, QB_PROG ": QEMU did not quit; killing it\n");
        kill(b->pid, SIGKILL);
    }
}

static gboolean stop_step(gpointer data)
{
    struct qb *b = data;
    b->stop_id = 0;
    escalate(b);
    return G_SOURCE_REMOVE;
}

void qb_stop(struct qb *b, const char *why)
{
    if (b->o.attach || b->qemu_gone) {
        g_main_loop_quit(b->loop);
        return;
    }
    if (b->stopping > 0) {
        escalate(b);
        return;
    }
    b->stopping = 1;
    fprintf(stderr, QB_PROG ": %s: asking the guest to power down\n", why);
    if (qb_qmp_send(&b->qmp, "{\"execute\": \"system_powerdown\"}") < 0) {
        escalate(b);
        return;
    }
    b->stop_id = g_timeout_add((guint)(b->o.powerdown_s * 1000), stop_step, b);
}

static gboolean on_signal(gpointer data)
{
    qb_stop(data, "signalled");
    return G_SOURCE_CONTINUE;
}

/* ---- running ------------------------------------------------------------------ */

static int create_fb(struct qb *b)
{
    struct shmfb_producer_desc d = {
        .max_width = b->o.max_w,
        .max_height = b->o.max_h,
        .width = b->o.max_w < 640 ? b->o.max_w : 640,
        .height = b->o.max_h < 480 ? b->o.max_h : 480,
        .pacing = SHMFB_PACING_MAILBOX,
    };
    int rc = shmfb_producer_create(b->o.name, &d, &b->fb);
    if (rc < 0)
        fprintf(stderr, QB_PROG ": cannot create the framebuffer%s%s: %s\n", b->o.name ? " " : "",
                b->o.name ? b->o.name : "", shmfb_strerror(rc));
    return rc;
}

/* Starts QEMU (unless attaching) and connects to its display. */
static int setup(struct qb *b)
{
    int peer = -1;
    if (!b->o.attach) {
        int rc = start_qemu(b);
        if (rc < 0) {
            fprintf(stderr, QB_PROG ": cannot start QEMU: %s\n", strerror(-rc));
            return rc;
        }
        g_child_watch_add(b->pid, qemu_exited, b);
        peer = qmp_handshake(b);
        if (peer < 0)
            return peer;
        b->qmp_watch = g_unix_fd_add(b->qmp.fd, G_IO_IN | G_IO_HUP | G_IO_ERR, qmp_readable, b);
    }
    return qb_display_connect(b, peer, SETUP_TIMEOUT_MS);
}

static gboolean end_loop(gpointer data)
{
    g_main_loop_quit(data);
    return G_SOURCE_CONTINUE;
}

/* Setup failed: wait for QEMU, asked to quit, to end (then killed). */
static void collect_qemu(struct qb *b)
{
    if (b->pid > 0 && !b->qemu_gone) {
        guint t = g_timeout_add(QUIT_GRACE_MS + 2000, end_loop, b->loop);
        g_main_loop_run(b->loop);
        g_source_remove(t);
    }
}

static void teardown(struct qb *b)
{
    qb_input_stop(b);
    if (b->stop_id)
        g_source_remove(b->stop_id);
    if (b->qmp_watch)
        g_source_remove(b->qmp_watch);
    qb_display_close(b);
    if (b->pid > 0) {
        /* Cannot happen with QEMU alive, but never leave it behind. */
        int ws;
        kill(b->pid, SIGKILL);
        waitpid(b->pid, &ws, 0);
    }
    qb_qmp_close(&b->qmp);
    shmfb_producer_destroy(b->fb);
    b->fb = NULL;
    qb_print_stats(b);
    free(b->samples);
}

int main(int argc, char **argv)
{
    struct qb *b = &bridge;
    int rc = parse_options(argc, argv, &b->o);
    if (rc >= 0)
        return rc;
    signal(SIGPIPE, SIG_IGN);
    /* Spawned: a viewer that dies without a word (SIGKILL) still ends the
     * bridge, as a close would. */
    if (!b->o.name && (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() == 1))
        return ARGS_EXIT_FAIL;
    b->qmp.fd = -1;
    b->loop = g_main_loop_new(NULL, FALSE);
    g_unix_signal_add(SIGTERM, on_signal, b);
    g_unix_signal_add(SIGINT, on_signal, b);
    g_unix_signal_add(SIGHUP, on_signal, b);
    if (create_fb(b) < 0)
        return ARGS_EXIT_FAIL;
    if (setup(b) < 0) {
        b->failed = true;
        if (b->pid > 0 && !b->qemu_gone) {
            b->stopping = 1;
            escalate(b);
        }
        collect_qemu(b);
    } else {
        qb_input_start(b);
        g_main_loop_run(b->loop);
    }
    teardown(b);
    g_main_loop_unref(b->loop);
    if (b->failed && b->status == 0)
        return ARGS_EXIT_FAIL;
    return b->status;
}

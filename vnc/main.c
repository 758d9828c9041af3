/*
 * shmfb-vnc: serves a shmfb framebuffer to VNC clients (libvncserver) and,
 * through websockify, to noVNC in a browser; their input goes back to the
 * producer.  See vnc.h for the threads and frames.c / server.c for how a
 * frame travels.
 */
#include "vnc.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* The stop signals go to the main thread only: every thread started while
 * they are blocked inherits the mask. */
static void block_signals(bool block)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* libvncserver watches its sockets with select(): a descriptor at or past
 * FD_SETSIZE would be written outside the fd_set.  Make opening one fail. */
static void limit_descriptors(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > FD_SETSIZE) {
        rl.rlim_cur = FD_SETSIZE;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int read_password(const char *path, char **out)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        fprintf(stderr, VNC_PROG ": cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[256];
    bool got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    line[got ? strcspn(line, "\r\n") : 0] = '\0';
    if (!line[0]) {
        fprintf(stderr, VNC_PROG ": %s: the first line (the password) is empty\n", path);
        return -1;
    }
    *out = strdup(line);
    explicit_bzero(line, sizeof line);
    return *out ? 0 : -1;
}

/* Password, address policy and the RFB socket.  \returns 0 or an exit status. */
static int prepare(struct vnc_bridge *b)
{
    const struct vnc_options *o = &b->opt;
    if (o->password_file && read_password(o->password_file, &b->password) < 0)
        return 1;
    int loop = vnc_host_is_loopback(o->listen);
    if (loop < 0) {
        fprintf(stderr, VNC_PROG ": invalid --listen address '%s'\n", o->listen);
        return 2;
    }
    if (!loop && !b->password) {
        fprintf(stderr,
                VNC_PROG ": refusing to listen on %s without a password (give --password-file)\n",
                o->listen);
        return 2;
    }
    char why[128];
    if (vnc_listen(o->listen, o->port, &b->rfb, why, sizeof why) < 0) {
        fprintf(stderr, VNC_PROG ": cannot listen on %s port %d: %s\n", o->listen, o->port, why);
        return 1;
    }
    return 0;
}

/* Opens a named producer, trying again while it refuses for now (too many
 * connections).  \returns 0 or a negative errno. */
static int open_named(struct vnc_bridge *b, struct shmfb_consumer **c)
{
    int rc;
    bool said = false;
    while ((rc = target_open(b->opt.target.name, c)) < 0 && target_open_later(rc, false) &&
           !stop_requested) {
        if (!said)
            fprintf(stderr, VNC_PROG ": %s: %s\n", b->opt.target.name, shmfb_strerror(rc));
        said = true;
        nanosleep(&(struct timespec){0, TARGET_RETRY_MS * 1000000L}, NULL);
    }
    return rc;
}

/* Opens (named) or starts (spawned) the producer, attached.  \returns 0 or
 * an exit status. */
static int open_producer(struct vnc_bridge *b, struct target_child *ch)
{
    struct shmfb_consumer *c = NULL;
    int rc;
    if (b->opt.target.program) {
        rc = target_child_start(ch, VNC_PROG, b->opt.target.program, b->opt.timeout, &c);
        if (rc != 0)
            return rc;
    } else if ((rc = open_named(b, &c)) < 0) {
        fprintf(stderr, VNC_PROG ": %s: %s\n", b->opt.target.name,
                rc == -ENOENT ? "no such framebuffer" : shmfb_strerror(rc));
        return 1;
    }
    rc = vnc_frames_fit(b, c);
    if (rc < 0) {
        fprintf(stderr, VNC_PROG ": %s: %s\n", b->opt.target.label, shmfb_strerror(rc));
        shmfb_consumer_close(c);
        return 1;
    }
    b->consumer = b->input = c;
    return 0;
}

/* The size to start at: the last frame presented (its pixels too), or
 * the capacity when nothing was presented yet. */
static void initial_frame(struct vnc_bridge *b, int32_t *w, int32_t *h)
{
    struct shmfb_frame f;
    if (shmfb_consumer_peek(b->consumer, &f) == 0) {
        vnc_frames_copy(b, &f);
        *w = f.width;
        *h = f.height;
        return;
    }
    shmfb_consumer_capacity(b->consumer, w, h);
}

static void say_serving(const struct vnc_bridge *b, int32_t w, int32_t h, const struct vnc_web *web)
{
    fprintf(stderr, VNC_PROG ": serving %s (%dx%d) on %s%s%s%s\n", b->opt.target.label, w, h,
            b->rfb.text, b->password ? " with a password" : "", web->pid ? ", noVNC at " : "",
            web->pid ? web->url : "");
}

static int serve(struct vnc_bridge *b, struct target_child *ch, struct vnc_web *web)
{
    int32_t w, h;
    initial_frame(b, &w, &h);
    if (b->opt.web_port >= 0 && vnc_web_start(web, &b->opt, &b->rfb) < 0)
        return 1;
    limit_descriptors();
    block_signals(true);
    int rc = vnc_server_start(b, w, h);
    block_signals(false);
    if (rc < 0)
        return 1;
    say_serving(b, w, h, web);
    return vnc_frames_run(b, b->opt.target.program ? ch : NULL, &stop_requested);
}

int main(int argc, char **argv)
{
    static struct vnc_bridge b;
    int rc = vnc_parse_args(argc, argv, &b.opt);
    if (rc != VNC_ARGS_RUN)
        return rc;
    catch_signals();
    pthread_mutex_init(&b.input_lock, NULL);
    pthread_mutex_init(&b.lock, NULL);
    pthread_mutex_init(&b.cursor_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&b.cond, &ca);
    b.rfb.fd = -1;
    struct target_child ch = {0};
    struct vnc_web web = {0};
    rc = prepare(&b);
    if (rc == 0)
        rc = open_producer(&b, &ch);
    if (rc == 0)
        rc = serve(&b, &ch, &web);
    vnc_server_stop(&b);
    vnc_web_stop(&web);
    if (target_child_end(&ch) && rc == 0)
        rc = ch.status;
    vnc_frames_close(&b);
    free(b.cursor);
    if (b.rfb.fd >= 0)
        close(b.rfb.fd);
    free(b.password);
    return rc;
}

/*
 * shmfb-qemu: a QEMU console as a shmfb framebuffer.  QEMU's D-Bus display
 * (org.qemu.Display1) calls the bridge's Listener object with Scanout and
 * Update payloads; the bridge copies them into the framebuffer and presents
 * after each batch, and sends the consumers' input back as Keyboard and
 * Mouse calls.  One thread, one GLib main loop.
 *
 *   main.c     options, the QEMU child and its QMP monitor, lifecycle
 *   display.c  the D-Bus connections and the Listener: pixels and cursor
 *   input.c    shmfb events -> Keyboard, Mouse, SetUIInfo calls
 *   clipboard.c  the guest's clipboard <-> the viewers' (host channel)
 *   payload.c  checks of every payload, the key table (no GLib)
 *   qmp.c      the bridge's QMP monitor
 */
#ifndef SHMFB_QEMU_BRIDGE_H
#define SHMFB_QEMU_BRIDGE_H

#include "qmp.h"

#include <gio/gio.h>
#include <shmfb/shmfb.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define QB_PROG "shmfb-qemu"

/* Most Scanout/Update calls waiting for one present whose latency is
 * measured (--stats); more are presented but not measured. */
#define QB_PENDING_MAX 1024
/* Latency samples kept for --stats. */
#define QB_SAMPLES_MAX (1 << 20)

struct qb_options {
    const char *name; /* NULL: spawned (SHMFB_SOCKET) */
    int console;      /* QEMU console number */
    int32_t max_w, max_h;
    const char *attach; /* a D-Bus bus address, or NULL: start QEMU */
    double powerdown_s; /* system_powerdown -> quit */
    bool stats;
    char **qemu_argv; /* the QEMU command line, NULL-terminated */
};

struct qb {
    struct qb_options o;
    GMainLoop *loop;
    int status;  /* exit status */
    bool failed; /* setup failed: stop, exit 1 unless QEMU said otherwise */

    /* The QEMU child (not in attach mode). */
    pid_t pid;
    bool qemu_gone;
    struct qb_qmp qmp;
    guint qmp_watch;

    /* D-Bus. */
    GDBusConnection *conn; /* QEMU's display objects */
    const char *dest;      /* QEMU's unique name on a bus; NULL peer-to-peer */
    char dest_buf[256];
    GDBusConnection *lconn; /* QEMU -> the bridge's Listener */
    guint listener_id, props_id, watch_id, lost_id;
    char console_path[64];
    bool absolute, said_relative;

    /* The framebuffer. */
    struct shmfb_producer *fb;
    int32_t w, h; /* QEMU's surface; 0 before the first Scanout */
    /* An Update beyond w × h came before the console announced its new
     * size: presents wait for it (since size_wait_us, a bounded time). */
    bool size_wait;
    int64_t size_wait_us;
    bool dirty;
    guint idle_id, cap_id;
    uint32_t cursor[SHMFB_CURSOR_MAX * SHMFB_CURSOR_MAX];
    int32_t cursor_w, cursor_h, cursor_hx, cursor_hy;
    int cursor_on; /* -1 unknown, 0 hidden, 1 shown */
    unsigned long refused;

    /* Latency of Scanout/Update -> presented, and CPU (--stats). */
    int64_t pending[QB_PENDING_MAX];
    int npending;
    uint32_t *samples; /* microseconds */
    size_t nsamples;
    uint64_t frames, calls;

    /* Input. */
    guint input_id;
    bool have_pos, motion_pending;
    int32_t px, py, mx, my;
    uint8_t held[32]; /* key numbers pressed, a bit each */
    int32_t ui_w, ui_h;

    /* Clipboard: the last grab's serial and whose it was; the viewers'
     * text while the guest may ask for it. */
    guint clip_id;      /* the exported Clipboard object */
    guint clip_poll_id; /* reading the viewers' host messages */
    uint32_t clip_serial;
    bool clip_ours;
    GBytes *clip_host;
    GCancellable *clip_cancel, *clip_req;

    /* Stopping: 0 running, 1 power-down asked, 2 quit asked, 3 killed. */
    int stopping;
    guint stop_id;
};

/* display.c */
int qb_display_connect(struct qb *b, int peer_fd, int timeout_ms);
void qb_display_close(struct qb *b);
void qb_print_stats(struct qb *b);

/* clipboard.c */
void qb_clip_start(struct qb *b);
void qb_clip_stop(struct qb *b);

/* input.c */
void qb_input_start(struct qb *b);
/** Calls \p method on QEMU's object \p path without waiting (5 s bound);
 *  a refusal is logged (the first few).  \p method: a string literal. */
void qb_call_qemu(struct qb *b, const char *path, const char *iface, const char *method,
                  GVariant *args, GCancellable *cancel);
void qb_input_stop(struct qb *b);

/* main.c */
void qb_stop(struct qb *b, const char *why);
/** Logs one refused payload (the first few; then only counts them). */
void qb_refused(struct qb *b, const char *what, const char *why);

#endif /* SHMFB_QEMU_BRIDGE_H */

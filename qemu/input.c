#include "bridge.h"
#include "payload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INPUT_POLL_MS 5   /* how often the consumers' event rings are read */
#define INPUT_BATCH   256 /* most events taken per poll */
#define WHEEL_MAX     10  /* most wheel clicks sent for one event */
#define CALL_TIMEOUT  5000
#define ERRORS_LOGGED 5

static unsigned long errors; /* calls QEMU refused */

static void call_done(GObject *src, GAsyncResult *res, gpointer data)
{
    const char *method = data; /* a string literal */
    GError *err = NULL;
    GVariant *v = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &err);
    if (v) {
        g_variant_unref(v);
        return;
    }
    /* A connection closed at shutdown or with QEMU: nothing to say. */
    if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
        !g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CLOSED) && ++errors <= ERRORS_LOGGED)
        fprintf(stderr, QB_PROG ": QEMU refused %s: %s\n", method, err->message);
    g_error_free(err);
}

void qb_call_qemu(struct qb *b, const char *path, const char *iface, const char *method,
                  GVariant *args, GCancellable *cancel)
{
    g_dbus_connection_call(b->conn, b->dest, path, iface, method, args, NULL,
                           G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT, cancel, call_done,
                           (gpointer)method);
}

static void call(struct qb *b, const char *iface, const char *method, GVariant *args)
{
    qb_call_qemu(b, b->console_path, iface, method, args, NULL);
}

static void key(struct qb *b, uint32_t number, bool down)
{
    uint8_t bit = (uint8_t)(1u << (number & 7));
    if (down)
        b->held[number >> 3] |= bit;
    else
        b->held[number >> 3] &= (uint8_t)~bit;
    call(b, "org.qemu.Display1.Keyboard", down ? "Press" : "Release", g_variant_new("(u)", number));
}

/* Keys still down when the viewer loses focus would stay down in the
 * guest: release them. */
static void release_keys(struct qb *b)
{
    for (uint32_t n = 0; n < 256; n++)
        if (b->held[n >> 3] & (1u << (n & 7)))
            key(b, n, false);
}

static int32_t clamp(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* The last position of a run of motion events, sent once. */
static void flush_motion(struct qb *b)
{
    if (!b->motion_pending || b->w <= 0)
        return;
    b->motion_pending = false;
    int32_t x = clamp(b->mx, 0, b->w - 1), y = clamp(b->my, 0, b->h - 1);
    if (b->absolute) {
        call(b, "org.qemu.Display1.Mouse", "SetAbsPosition",
             g_variant_new("(uu)", (guint32)x, (guint32)y));
    } else if (b->have_pos && (x != b->px || y != b->py)) {
        call(b, "org.qemu.Display1.Mouse", "RelMotion",
             g_variant_new("(ii)", x - b->px, y - b->py));
    }
    b->px = x;
    b->py = y;
    b->have_pos = true;
}

static void button(struct qb *b, const struct shmfb_event *ev)
{
    int qbtn = qb_button(ev->code);
    b->mx = ev->x;
    b->my = ev->y;
    b->motion_pending = true;
    flush_motion(b);
    if (qbtn >= 0)
        call(b, "org.qemu.Display1.Mouse",
             ev->type == SHMFB_EVENT_BUTTON_DOWN ? "Press" : "Release",
             g_variant_new("(u)", (guint32)qbtn));
}

static void wheel(struct qb *b, int32_t dy)
{
    guint32 qbtn = dy > 0 ? QB_BTN_WHEEL_UP : QB_BTN_WHEEL_DOWN;
    int n = abs(clamp(dy, -WHEEL_MAX, WHEEL_MAX));
    for (int i = 0; i < n; i++) {
        call(b, "org.qemu.Display1.Mouse", "Press", g_variant_new("(u)", qbtn));
        call(b, "org.qemu.Display1.Mouse", "Release", g_variant_new("(u)", qbtn));
    }
}

static void resize_request(struct qb *b, int32_t w, int32_t h)
{
    if (w == b->ui_w && h == b->ui_h)
        return;
    b->ui_w = w;
    b->ui_h = h;
    call(b, "org.qemu.Display1.Console", "SetUIInfo",
         g_variant_new("(qqiiuu)", 0, 0, 0, 0, (guint32)w, (guint32)h));
}

static void handle(struct qb *b, const struct shmfb_event *ev)
{
    if (ev->type == SHMFB_EVENT_MOTION) {
        b->mx = ev->x;
        b->my = ev->y;
        b->motion_pending = true;
        return;
    }
    flush_motion(b);
    switch (ev->type) {
    case SHMFB_EVENT_BUTTON_DOWN:
    case SHMFB_EVENT_BUTTON_UP:
        button(b, ev);
        break;
    case SHMFB_EVENT_WHEEL:
        wheel(b, ev->y);
        break;
    case SHMFB_EVENT_KEY_DOWN:
    case SHMFB_EVENT_KEY_UP:
        if (qb_key_number(ev->code) != 0)
            key(b, qb_key_number(ev->code), ev->type == SHMFB_EVENT_KEY_DOWN);
        break;
    case SHMFB_EVENT_FOCUS_OUT:
        release_keys(b);
        break;
    case SHMFB_EVENT_RESIZE:
        resize_request(b, ev->x, ev->y);
        break;
    case SHMFB_EVENT_CLOSE:
        qb_stop(b, "the viewer asked to close");
        break;
    default: /* text arrives as keys too; focus in needs nothing */
        break;
    }
}

static gboolean poll_input(gpointer data)
{
    struct qb *b = data;
    struct shmfb_event ev;
    shmfb_producer_dispatch(b->fb);
    for (int i = 0; i < INPUT_BATCH && shmfb_producer_poll_event(b->fb, &ev) == 0; i++)
        if (b->conn)
            handle(b, &ev);
    if (b->conn)
        flush_motion(b);
    return G_SOURCE_CONTINUE;
}

void qb_input_start(struct qb *b)
{
    b->input_id = g_timeout_add(INPUT_POLL_MS, poll_input, b);
}

void qb_input_stop(struct qb *b)
{
    if (b->input_id)
        g_source_remove(b->input_id);
    b->input_id = 0;
}

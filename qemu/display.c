#include "bridge.h"
#include "payload.h"

#include <errno.h>
#include <gio/gunixfdlist.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTENER_PATH  "/org/qemu/Display1/Listener"
#define PRESENT_MAX_MS 16   /* longest a batch waits for an idle moment */
#define SIZE_WAIT_MS   250  /* longest a present waits for a new mode's size */
#define LOST_GRACE_MS  1000 /* a closed display connection, QEMU not gone yet */

/* The Listener interface of QEMU 7.2's org.qemu.Display1 as documented
 * (ScanoutDMABUF/UpdateDMABUF only come with gl=on, which the bridge does
 * not ask for: QEMU gets "unknown method" for them). */
static const char listener_xml[] = "<node>"
                                   " <interface name='org.qemu.Display1.Listener'>"
                                   "  <method name='Scanout'>"
                                   "   <arg type='u' name='width' direction='in'/>"
                                   "   <arg type='u' name='height' direction='in'/>"
                                   "   <arg type='u' name='stride' direction='in'/>"
                                   "   <arg type='u' name='pixman_format' direction='in'/>"
                                   "   <arg type='ay' name='data' direction='in'/>"
                                   "  </method>"
                                   "  <method name='Update'>"
                                   "   <arg type='i' name='x' direction='in'/>"
                                   "   <arg type='i' name='y' direction='in'/>"
                                   "   <arg type='i' name='width' direction='in'/>"
                                   "   <arg type='i' name='height' direction='in'/>"
                                   "   <arg type='u' name='stride' direction='in'/>"
                                   "   <arg type='u' name='pixman_format' direction='in'/>"
                                   "   <arg type='ay' name='data' direction='in'/>"
                                   "  </method>"
                                   "  <method name='Disable'/>"
                                   "  <method name='MouseSet'>"
                                   "   <arg type='i' name='x' direction='in'/>"
                                   "   <arg type='i' name='y' direction='in'/>"
                                   "   <arg type='i' name='on' direction='in'/>"
                                   "  </method>"
                                   "  <method name='CursorDefine'>"
                                   "   <arg type='i' name='width' direction='in'/>"
                                   "   <arg type='i' name='height' direction='in'/>"
                                   "   <arg type='i' name='hot_x' direction='in'/>"
                                   "   <arg type='i' name='hot_y' direction='in'/>"
                                   "   <arg type='ay' name='data' direction='in'/>"
                                   "  </method>"
                                   " </interface>"
                                   "</node>";

/* ---- presenting ---------------------------------------------------------- */

static void record_latency(struct qb *b, int64_t done_us)
{
    for (int i = 0; i < b->npending && b->samples; i++) {
        if (b->nsamples == QB_SAMPLES_MAX)
            break;
        int64_t d = done_us - b->pending[i];
        b->samples[b->nsamples++] = d < 0 ? 0 : d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
    }
    b->npending = 0;
}

static gboolean present_cap(gpointer data);

static void present_now(struct qb *b)
{
    if (b->idle_id)
        g_source_remove(b->idle_id);
    if (b->cap_id)
        g_source_remove(b->cap_id);
    b->idle_id = b->cap_id = 0;
    if (!b->dirty)
        return;
    if (b->size_wait && g_get_monotonic_time() - b->size_wait_us < SIZE_WAIT_MS * 1000) {
        b->cap_id = g_timeout_add_full(G_PRIORITY_HIGH, PRESENT_MAX_MS, present_cap, b, NULL);
        return;
    }
    b->size_wait = false;
    b->dirty = false;
    shmfb_producer_present(b->fb);
    b->frames++;
    record_latency(b, g_get_monotonic_time());
}

static gboolean present_idle(gpointer data)
{
    struct qb *b = data;
    b->idle_id = 0;
    present_now(b);
    return G_SOURCE_REMOVE;
}

static gboolean present_cap(gpointer data)
{
    struct qb *b = data;
    b->cap_id = 0;
    present_now(b);
    return G_SOURCE_REMOVE;
}

/*
 * A batch of updates is presented once the main loop has nothing more to
 * dispatch (QEMU sends a refresh's rectangles back to back), or after
 * PRESENT_MAX_MS when updates never stop.
 */
static void schedule_present(struct qb *b, const struct shmfb_rect *r)
{
    shmfb_producer_damage(b->fb, r);
    b->dirty = true;
    if (!b->idle_id)
        b->idle_id = g_idle_add_full(G_PRIORITY_DEFAULT_IDLE, present_idle, b, NULL);
    if (!b->cap_id)
        b->cap_id = g_timeout_add_full(G_PRIORITY_HIGH, PRESENT_MAX_MS, present_cap, b, NULL);
}

/* A Scanout/Update call's rectangle, counted and timed (--stats). */
static void damaged(struct qb *b, int64_t arrived_us, const struct shmfb_rect *r)
{
    b->calls++;
    if (b->samples && b->npending < QB_PENDING_MAX)
        b->pending[b->npending++] = arrived_us;
    schedule_present(b, r);
}

/* ---- the Listener's methods ------------------------------------------------ */

static const uint8_t *bytes_of(GVariant *ay, size_t *len)
{
    gsize n = 0;
    const uint8_t *p = g_variant_get_fixed_array(ay, &n, 1);
    *len = p ? n : 0;
    return p;
}

static int on_scanout(struct qb *b, GVariant *params, char *why, size_t whylen)
{
    int64_t t = g_get_monotonic_time();
    guint32 w, h, stride, format;
    GVariant *ay;
    int32_t max_w, max_h;
    size_t len;

    g_variant_get(params, "(uuuu@ay)", &w, &h, &stride, &format, &ay);
    const uint8_t *data = bytes_of(ay, &len);
    shmfb_producer_size(b->fb, NULL, NULL, &max_w, &max_h);
    int rc = qb_check_scanout(w, h, stride, format, len, max_w, max_h, why, whylen);
    if (rc == 0) {
        b->w = (int32_t)w;
        b->h = (int32_t)h;
        b->size_wait = false;
        shmfb_producer_resize(b->fb, b->w, b->h);
        qb_copy_rect(shmfb_producer_pixels(b->fb), shmfb_producer_stride(b->fb), 0, 0, data, stride,
                     b->w, b->h);
        damaged(b, t, &(struct shmfb_rect){0, 0, b->w, b->h});
    }
    g_variant_unref(ay);
    return rc;
}

static void ask_console_size(struct qb *b);

static int on_update(struct qb *b, GVariant *params, char *why, size_t whylen)
{
    int64_t t = g_get_monotonic_time();
    gint32 x, y, w, h;
    guint32 stride, format;
    GVariant *ay;
    size_t len;

    int32_t max_w, max_h;
    g_variant_get(params, "(iiiiuu@ay)", &x, &y, &w, &h, &stride, &format, &ay);
    const uint8_t *data = bytes_of(ay, &len);
    shmfb_producer_size(b->fb, NULL, NULL, &max_w, &max_h);
    int rc = b->w > 0 ? qb_check_update(x, y, w, h, stride, format, len, max_w, max_h, why, whylen)
                      : (snprintf(why, whylen, "update before any scanout"), -EINVAL);
    if (rc == 0 && (x + w > b->w || y + h > b->h) && !b->size_wait) {
        b->size_wait = true;
        b->size_wait_us = t;
        ask_console_size(b);
    }
    if (rc == 0) {
        qb_copy_rect(shmfb_producer_pixels(b->fb), shmfb_producer_stride(b->fb), x, y, data, stride,
                     w, h);
        damaged(b, t, &(struct shmfb_rect){x, y, w, h});
    }
    g_variant_unref(ay);
    return rc;
}

static void on_disable(struct qb *b)
{
    if (b->w <= 0)
        return;
    uint8_t *px = (uint8_t *)shmfb_producer_pixels(b->fb);
    for (int32_t y = 0; y < b->h; y++)
        memset(px + (size_t)y * (size_t)shmfb_producer_stride(b->fb), 0, (size_t)b->w * 4);
    damaged(b, g_get_monotonic_time(), &(struct shmfb_rect){0, 0, b->w, b->h});
}

static void show_cursor(struct qb *b, int on)
{
    if (on == b->cursor_on)
        return;
    b->cursor_on = on;
    if (!on)
        shmfb_producer_set_cursor(b->fb, SHMFB_CURSOR_HIDDEN, NULL, 0, 0, 0, 0);
    else if (b->cursor_w > 0)
        shmfb_producer_set_cursor(b->fb, SHMFB_CURSOR_SHAPE, b->cursor, b->cursor_w, b->cursor_h,
                                  b->cursor_hx, b->cursor_hy);
    else
        shmfb_producer_set_cursor(b->fb, SHMFB_CURSOR_DEFAULT, NULL, 0, 0, 0, 0);
}

static int on_cursor_define(struct qb *b, GVariant *params, char *why, size_t whylen)
{
    gint32 w, h, hx, hy;
    GVariant *ay;
    size_t len;

    g_variant_get(params, "(iiii@ay)", &w, &h, &hx, &hy, &ay);
    const uint8_t *data = bytes_of(ay, &len);
    int rc = qb_check_cursor(w, h, hx, hy, len, SHMFB_CURSOR_MAX, why, whylen);
    if (rc == 0) {
        memcpy(b->cursor, data, len);
        b->cursor_w = w;
        b->cursor_h = h;
        b->cursor_hx = hx;
        b->cursor_hy = hy;
        int on = b->cursor_on;
        b->cursor_on = -1;
        show_cursor(b, on == 0 ? 0 : 1);
    }
    g_variant_unref(ay);
    return rc;
}

static int on_mouse_set(struct qb *b, GVariant *params, char *why, size_t whylen)
{
    gint32 x, y, on;
    g_variant_get(params, "(iii)", &x, &y, &on);
    if (on != 0 && on != 1) {
        snprintf(why, whylen, "visibility %d is neither 0 nor 1", on);
        return -EINVAL;
    }
    /* shmfb has no pointer position to publish: the viewer's own pointer
     * is where the user points. */
    show_cursor(b, on);
    return 0;
}

static int dispatch_method(struct qb *b, const char *method, GVariant *params, char *why,
                           size_t whylen)
{
    if (strcmp(method, "Scanout") == 0)
        return on_scanout(b, params, why, whylen);
    if (strcmp(method, "Update") == 0)
        return on_update(b, params, why, whylen);
    if (strcmp(method, "CursorDefine") == 0)
        return on_cursor_define(b, params, why, whylen);
    if (strcmp(method, "MouseSet") == 0)
        return on_mouse_set(b, params, why, whylen);
    on_disable(b); /* "Disable": GDBus lets only declared methods through */
    return 0;
}

static void listener_call(GDBusConnection *conn, const gchar *sender, const gchar *path,
                          const gchar *iface, const gchar *method, GVariant *params,
                          GDBusMethodInvocation *inv, gpointer data)
{
    struct qb *b = data;
    char why[200] = "";
    (void)conn, (void)sender, (void)path, (void)iface;

    if (dispatch_method(b, method, params, why, sizeof(why)) < 0) {
        qb_refused(b, method, why);
        g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                              "%s refused: %s", method, why);
        return;
    }
    g_dbus_method_invocation_return_value(inv, NULL);
}

/* ---- waiting for asynchronous calls during setup ---------------------------- */

struct async_op {
    bool done;
    GObject *result; /* the connection made, or NULL */
    GVariant *reply;
    GError *error;
};

static gboolean tick(gpointer data)
{
    (void)data;
    return G_SOURCE_CONTINUE;
}

/* Runs the main context until \p op is done, QEMU is gone or the deadline. */
static int wait_op(struct qb *b, struct async_op *op, int64_t deadline_us)
{
    guint t = g_timeout_add(20, tick, NULL);
    while (!op->done && !b->qemu_gone && g_get_monotonic_time() < deadline_us)
        g_main_context_iteration(NULL, TRUE);
    g_source_remove(t);
    if (op->done)
        return 0;
    return b->qemu_gone ? -EPIPE : -ETIMEDOUT;
}

static void conn_made(GObject *src, GAsyncResult *res, gpointer data)
{
    struct async_op *op = data;
    (void)src;
    op->result = (GObject *)g_dbus_connection_new_finish(res, &op->error);
    op->done = true;
}

static void addr_conn_made(GObject *src, GAsyncResult *res, gpointer data)
{
    struct async_op *op = data;
    (void)src;
    op->result = (GObject *)g_dbus_connection_new_for_address_finish(res, &op->error);
    op->done = true;
}

static void call_done(GObject *src, GAsyncResult *res, gpointer data)
{
    struct async_op *op = data;
    op->reply = g_dbus_connection_call_with_unix_fd_list_finish(G_DBUS_CONNECTION(src), NULL, res,
                                                                &op->error);
    op->done = true;
}

static int op_failed(struct async_op *op, int rc, const char *what)
{
    if (rc == -ETIMEDOUT)
        fprintf(stderr, QB_PROG ": %s: no answer from QEMU\n", what);
    else if (rc == 0 && op->error)
        fprintf(stderr, QB_PROG ": %s: %s\n", what, op->error->message);
    return rc < 0 ? rc : -EPROTO;
}

/* A D-Bus connection over one end of a socket pair, as the client side of
 * the authentication (QEMU is the server side of both connections). */
static void connect_stream(int fd, GDBusConnectionFlags extra, struct async_op *op)
{
    GError *err = NULL;
    GSocket *s = g_socket_new_from_fd(fd, &err);
    if (!s) {
        close(fd);
        op->error = err;
        op->done = true;
        return;
    }
    GSocketConnection *sc = g_socket_connection_factory_create_connection(s);
    g_dbus_connection_new(G_IO_STREAM(sc), NULL,
                          G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | extra, NULL, NULL,
                          conn_made, op);
    g_object_unref(sc);
    g_object_unref(s);
}

/* ---- the pointer mode ---------------------------------------------------------- */

static void absolute_changed(struct qb *b, bool abs)
{
    b->absolute = abs;
    if (!abs && !b->said_relative) {
        b->said_relative = true;
        fprintf(stderr,
                QB_PROG ": the guest's mouse is relative: the pointer is moved by differences "
                        "and may drift from the viewer's (add -device usb-tablet for absolute "
                        "pointing)\n");
    }
}

/* The console's new size: QEMU 7.2 announces a mode change only so. */
static void console_resized(struct qb *b, GVariant *changed)
{
    guint32 w = (guint32)b->w, h = (guint32)b->h;
    int32_t max_w, max_h;
    bool got_w = g_variant_lookup(changed, "Width", "u", &w);
    bool got_h = g_variant_lookup(changed, "Height", "u", &h);
    if ((!got_w && !got_h) || b->w <= 0 || (w == (guint32)b->w && h == (guint32)b->h))
        return;
    shmfb_producer_size(b->fb, NULL, NULL, &max_w, &max_h);
    if (w == 0 || h == 0 || w > (guint32)max_w || h > (guint32)max_h) {
        char why[96];
        snprintf(why, sizeof(why), "%ux%u is beyond the capacity %dx%d (see --max)", w, h, max_w,
                 max_h);
        qb_refused(b, "a console size", why);
        return;
    }
    b->w = (int32_t)w;
    b->h = (int32_t)h;
    b->size_wait = false;
    shmfb_producer_resize(b->fb, b->w, b->h);
    schedule_present(b, &(struct shmfb_rect){0, 0, b->w, b->h});
}

static void console_size_read(GObject *src, GAsyncResult *res, gpointer data)
{
    GVariant *r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, NULL);
    GVariant *props;
    if (!r)
        return; /* gone, or no answer: the present goes out after SIZE_WAIT_MS */
    g_variant_get(r, "(@a{sv})", &props);
    console_resized(data, props);
    g_variant_unref(props);
    g_variant_unref(r);
}

/* Asks for the console's size as well, in case its PropertiesChanged
 * signal is late or never comes. */
static void ask_console_size(struct qb *b)
{
    g_dbus_connection_call(b->conn, b->dest, b->console_path, "org.freedesktop.DBus.Properties",
                           "GetAll", g_variant_new("(s)", "org.qemu.Display1.Console"),
                           G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, 2000, NULL,
                           console_size_read, b);
}

static void props_changed(GDBusConnection *conn, const gchar *sender, const gchar *path,
                          const gchar *iface, const gchar *signal, GVariant *params, gpointer data)
{
    struct qb *b = data;
    const char *which;
    GVariant *changed;
    gboolean abs;
    (void)conn, (void)sender, (void)path, (void)iface, (void)signal;

    if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(sa{sv}as)")))
        return;
    g_variant_get(params, "(&s@a{sv}@as)", &which, &changed, NULL);
    if (strcmp(which, "org.qemu.Display1.Mouse") == 0 &&
        g_variant_lookup(changed, "IsAbsolute", "b", &abs))
        absolute_changed(b, abs);
    else if (strcmp(which, "org.qemu.Display1.Console") == 0)
        console_resized(b, changed);
    g_variant_unref(changed);
}

static void read_absolute(struct qb *b, int64_t deadline)
{
    static struct async_op op;
    GVariant *v = NULL;

    b->props_id = g_dbus_connection_signal_subscribe(
        b->conn, b->dest, "org.freedesktop.DBus.Properties", "PropertiesChanged", b->console_path,
        NULL, G_DBUS_SIGNAL_FLAGS_NONE, props_changed, b, NULL);
    g_dbus_connection_call_with_unix_fd_list(
        b->conn, b->dest, b->console_path, "org.freedesktop.DBus.Properties", "Get",
        g_variant_new("(ss)", "org.qemu.Display1.Mouse", "IsAbsolute"), G_VARIANT_TYPE("(v)"),
        G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL, call_done, &op);
    if (wait_op(b, &op, deadline) == 0 && op.reply) {
        g_variant_get(op.reply, "(v)", &v);
        absolute_changed(b, g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN) &&
                                g_variant_get_boolean(v));
        g_variant_unref(v);
    }
    /* A console without a mouse (a text console) answers with an error:
     * then only keys are sent. */
    g_clear_pointer(&op.reply, g_variant_unref);
    g_clear_error(&op.error);
}

/* ---- connecting -------------------------------------------------------------- */

/*
 * On a bus, every call and signal subscription names the unique name that
 * owns org.qemu now: signals are matched by their sender's unique name,
 * and a QEMU started later under the same name is not this one.
 */
static int find_qemu(struct qb *b)
{
    GError *err = NULL;
    const char *owner;
    GVariant *r = g_dbus_connection_call_sync(
        b->conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
        "GetNameOwner", g_variant_new("(s)", "org.qemu"), G_VARIANT_TYPE("(s)"),
        G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &err);
    if (!r) {
        fprintf(stderr, QB_PROG ": no QEMU on the bus (org.qemu): %s\n", err->message);
        g_error_free(err);
        return -ENOENT;
    }
    g_variant_get(r, "(&s)", &owner);
    snprintf(b->dest_buf, sizeof(b->dest_buf), "%s", owner);
    g_variant_unref(r);
    b->dest = b->dest_buf;
    return 0;
}

static int open_main(struct qb *b, int peer_fd, int64_t deadline)
{
    static struct async_op op;
    if (b->o.attach) {
        g_dbus_connection_new_for_address(b->o.attach,
                                          G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                              G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                          NULL, NULL, addr_conn_made, &op);
    } else {
        connect_stream(peer_fd, G_DBUS_CONNECTION_FLAGS_NONE, &op);
    }
    int rc = wait_op(b, &op, deadline);
    if (rc < 0 || !op.result)
        return op_failed(&op, rc, "connecting to QEMU's D-Bus display");
    b->conn = G_DBUS_CONNECTION(op.result);
    g_dbus_connection_set_exit_on_close(b->conn, FALSE);
    return b->o.attach ? find_qemu(b) : 0;
}

/* The display connection closed while QEMU still runs (a QEMU that exits
 * closes it first, and its exit is said on its own). */
static gboolean display_lost(gpointer data)
{
    struct qb *b = data;
    b->lost_id = 0;
    if (!b->qemu_gone && b->stopping == 0) {
        fprintf(stderr, QB_PROG ": QEMU closed the display connection\n");
        qb_stop(b, "no display");
    }
    return G_SOURCE_REMOVE;
}

static void listener_closed(GDBusConnection *conn, gboolean remote, GError *err, gpointer data)
{
    struct qb *b = data;
    (void)conn, (void)remote, (void)err;
    if (!b->lost_id)
        b->lost_id = g_timeout_add(LOST_GRACE_MS, display_lost, b);
}

static int export_listener(struct qb *b, GDBusConnection *lconn)
{
    static const GDBusInterfaceVTable vtable = {.method_call = listener_call};
    GError *err = NULL;
    GDBusNodeInfo *node = g_dbus_node_info_new_for_xml(listener_xml, &err);
    g_assert(node);
    b->listener_id = g_dbus_connection_register_object(lconn, LISTENER_PATH, node->interfaces[0],
                                                       &vtable, b, NULL, &err);
    g_dbus_node_info_unref(node);
    if (!b->listener_id) {
        fprintf(stderr, QB_PROG ": cannot export the listener: %s\n", err->message);
        g_error_free(err);
        return -EPROTO;
    }
    g_dbus_connection_set_exit_on_close(lconn, FALSE);
    g_signal_connect(lconn, "closed", G_CALLBACK(listener_closed), b);
    g_dbus_connection_start_message_processing(lconn);
    return 0;
}

/*
 * RegisterListener hands QEMU one end of a new socket pair; QEMU answers,
 * then runs the server side of a D-Bus connection on it and calls the
 * Listener at LISTENER_PATH over it.  Both are in flight at once.
 */
static int register_listener(struct qb *b, int64_t deadline)
{
    static struct async_op made, reg;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    connect_stream(sv[0], G_DBUS_CONNECTION_FLAGS_DELAY_MESSAGE_PROCESSING, &made);
    GUnixFDList *fds = g_unix_fd_list_new_from_array(&sv[1], 1); /* owns sv[1] */
    g_dbus_connection_call_with_unix_fd_list(
        b->conn, b->dest, b->console_path, "org.qemu.Display1.Console", "RegisterListener",
        g_variant_new("(h)", 0), NULL, G_DBUS_CALL_FLAGS_NONE, 5000, fds, NULL, call_done, &reg);
    g_object_unref(fds);
    int rc = wait_op(b, &reg, deadline);
    if (rc < 0 || !reg.reply) {
        char what[96];
        snprintf(what, sizeof(what), "registering with console %d", b->o.console);
        return op_failed(&reg, rc, what);
    }
    rc = wait_op(b, &made, deadline);
    if (rc < 0 || !made.result)
        return op_failed(&made, rc, "the listener connection");
    b->lconn = G_DBUS_CONNECTION(made.result);
    return export_listener(b, b->lconn);
}

static void name_vanished(GDBusConnection *conn, const gchar *name, gpointer data)
{
    (void)conn, (void)name;
    qb_stop(data, "QEMU left the bus");
}

int qb_display_connect(struct qb *b, int peer_fd, int timeout_ms)
{
    int64_t deadline = g_get_monotonic_time() + (int64_t)timeout_ms * 1000;
    snprintf(b->console_path, sizeof(b->console_path), "/org/qemu/Display1/Console_%d",
             b->o.console);
    b->cursor_on = -1;
    if (b->o.stats)
        b->samples = malloc(QB_SAMPLES_MAX * sizeof(*b->samples));
    int rc = open_main(b, peer_fd, deadline);
    if (rc < 0)
        return rc;
    if (b->dest)
        b->watch_id = g_bus_watch_name_on_connection(
            b->conn, b->dest, G_BUS_NAME_WATCHER_FLAGS_NONE, NULL, name_vanished, b, NULL);
    read_absolute(b, deadline);
    rc = register_listener(b, deadline);
    if (rc == 0)
        qb_clip_start(b);
    return rc;
}

void qb_display_close(struct qb *b)
{
    if (b->lost_id)
        g_source_remove(b->lost_id);
    b->lost_id = 0;
    if (b->idle_id)
        g_source_remove(b->idle_id);
    if (b->cap_id)
        g_source_remove(b->cap_id);
    b->idle_id = b->cap_id = 0;
    if (b->watch_id)
        g_bus_unwatch_name(b->watch_id);
    if (b->props_id)
        g_dbus_connection_signal_unsubscribe(b->conn, b->props_id);
    if (b->lconn) {
        g_signal_handlers_disconnect_by_data(b->lconn, b);
        if (b->listener_id)
            g_dbus_connection_unregister_object(b->lconn, b->listener_id);
        g_dbus_connection_close_sync(b->lconn, NULL, NULL);
        g_clear_object(&b->lconn);
    }
    qb_clip_stop(b);
    if (b->conn) {
        g_dbus_connection_close_sync(b->conn, NULL, NULL);
        g_clear_object(&b->conn);
    }
    b->watch_id = b->props_id = b->listener_id = 0;
}

/* ---- --stats ------------------------------------------------------------------ */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

void qb_print_stats(struct qb *b)
{
    struct rusage ru;
    if (!b->o.stats)
        return;
    getrusage(RUSAGE_SELF, &ru);
    double cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    fprintf(stderr, QB_PROG ": stats: %llu frames presented from %llu Scanout/Update calls\n",
            (unsigned long long)b->frames, (unsigned long long)b->calls);
    if (b->nsamples > 0) {
        qsort(b->samples, b->nsamples, sizeof(*b->samples), cmp_u32);
        fprintf(stderr, QB_PROG ": stats: call -> presented p50 %.3f ms, p99 %.3f ms\n",
                b->samples[b->nsamples / 2] / 1e3,
                b->samples[(b->nsamples * 99) / 100 < b->nsamples ? (b->nsamples * 99) / 100
                                                                  : b->nsamples - 1] /
                    1e3);
    }
    if (b->frames > 0)
        fprintf(stderr, QB_PROG ": stats: CPU %.3f ms per frame (%.0f ms in all)\n",
                cpu_ms / (double)b->frames, cpu_ms);
}

/*
 * The guest's clipboard and the viewers', through QEMU's
 * org.qemu.Display1.Clipboard and shmfb's host channel.
 *
 * Both sides serve the same interface at CLIP_PATH: the bridge calls
 * Register on QEMU's object, QEMU then calls the bridge's.  A grab in the
 * guest reaches the bridge as Grab (selection, serial, MIME types); the
 * bridge asks for the text with Request and offers it to the viewers.  A
 * viewer's text offer becomes a Grab on QEMU's side, and QEMU's Request
 * for it is answered with the bytes.  Only selection 0 (the clipboard of
 * copy and paste) and UTF-8 text are shared.  Serials count grabs from 0
 * at each Register (either side may call it); see qb_clip_serial_wins().
 *
 * Nothing here waits: every call to QEMU is asynchronous with a bounded
 * time, QEMU's calls are answered at once from what the bridge holds.
 */
#include "bridge.h"
#include "payload.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define CLIP_PATH       "/org/qemu/Display1/Clipboard"
#define CLIP_IFACE      "org.qemu.Display1.Clipboard"
#define CLIP_TIMEOUT_MS 5000 /* QEMU answers from what the guest's agent sent */
#define HOST_POLL_MS    20   /* how often the viewers' host messages are read */
#define HOST_BATCH      4    /* most host messages taken per poll */

static const char clip_xml[] = "<node>"
                               " <interface name='" CLIP_IFACE "'>"
                               "  <method name='Register'/>"
                               "  <method name='Unregister'/>"
                               "  <method name='Grab'>"
                               "   <arg type='u' name='selection' direction='in'/>"
                               "   <arg type='u' name='serial' direction='in'/>"
                               "   <arg type='as' name='mimes' direction='in'/>"
                               "  </method>"
                               "  <method name='Release'>"
                               "   <arg type='u' name='selection' direction='in'/>"
                               "  </method>"
                               "  <method name='Request'>"
                               "   <arg type='u' name='selection' direction='in'/>"
                               "   <arg type='as' name='mimes' direction='in'/>"
                               "   <arg type='s' name='reply_mime' direction='out'/>"
                               "   <arg type='ay' name='data' direction='out'/>"
                               "  </method>"
                               " </interface>"
                               "</node>";

static void tell_qemu(struct qb *b, const char *method, GVariant *args)
{
    qb_call_qemu(b, CLIP_PATH, CLIP_IFACE, method, args, b->clip_cancel);
}

/* ---- the guest's text -> the viewers ----------------------------------------- */

static void text_came(GObject *src, GAsyncResult *res, gpointer data)
{
    struct qb *b = data;
    GError *err = NULL;
    char why[160];
    const char *mime;
    GVariant *ay;
    gsize len = 0;

    GVariant *r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &err);
    if (!r) {
        /* Cancelled: a newer grab, or the end; nothing to say. */
        if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            qb_refused(b, "the clipboard text", err->message);
        g_error_free(err);
        return;
    }
    g_variant_get(r, "(&s@ay)", &mime, &ay);
    const void *text = g_variant_get_fixed_array(ay, &len, 1);
    int rc = qb_check_clip_reply(mime, len, why, sizeof(why));
    if (rc == 0) {
        struct shmfb_clip_item item = {.mime = SHMFB_MIME_TEXT, .data = text, .size = len};
        rc = shmfb_producer_offer_clipboard(b->fb, &item, 1);
        if (rc == -EINVAL)
            snprintf(why, sizeof(why), "the clipboard text is not UTF-8");
        else if (rc < 0)
            snprintf(why, sizeof(why), "offering the clipboard text: %s", shmfb_strerror(rc));
    }
    if (rc < 0)
        qb_refused(b, "the clipboard text", why);
    g_variant_unref(ay);
    g_variant_unref(r);
}

/* Cancels a Request still in flight: its text is no longer the guest's. */
static void new_round(struct qb *b)
{
    g_cancellable_cancel(b->clip_req);
    g_clear_object(&b->clip_req);
}

static bool lists_text(GVariant *mimes)
{
    GVariantIter it;
    const char *m;
    g_variant_iter_init(&it, mimes);
    while (g_variant_iter_next(&it, "&s", &m))
        if (strcmp(m, SHMFB_MIME_TEXT) == 0)
            return true;
    return false;
}

static int on_grab(struct qb *b, GVariant *params, char *why, size_t whylen)
{
    guint32 sel, serial;
    GVariant *mimes;
    g_variant_get(params, "(uu@as)", &sel, &serial, &mimes);
    int rc = qb_check_clip_grab(sel, g_variant_n_children(mimes), why, whylen);
    /* A grab that lost a race to the viewers' is dropped, as QEMU does. */
    if (rc == 0 && sel == QB_CLIP_CLIPBOARD &&
        qb_clip_serial_wins(serial, b->clip_serial, b->clip_ours)) {
        b->clip_serial = serial;
        b->clip_ours = false;
        g_clear_pointer(&b->clip_host, g_bytes_unref);
        new_round(b);
        if (lists_text(mimes)) {
            const char *want[] = {SHMFB_MIME_TEXT, NULL};
            b->clip_req = g_cancellable_new();
            g_dbus_connection_call(b->conn, b->dest, CLIP_PATH, CLIP_IFACE, "Request",
                                   g_variant_new("(u^as)", sel, want), G_VARIANT_TYPE("(say)"),
                                   G_DBUS_CALL_FLAGS_NONE, CLIP_TIMEOUT_MS, b->clip_req, text_came,
                                   b);
        } else {
            /* Something the viewers cannot take: they hold no guest text. */
            shmfb_producer_offer_clipboard(b->fb, NULL, 0);
        }
    }
    g_variant_unref(mimes);
    return rc;
}

static int on_release(struct qb *b, GVariant *params, char *why, size_t whylen)
{
    guint32 sel;
    g_variant_get(params, "(u)", &sel);
    int rc = qb_check_clip_grab(sel, 0, why, whylen);
    if (rc == 0 && sel == QB_CLIP_CLIPBOARD && !b->clip_ours) {
        new_round(b);
        shmfb_producer_offer_clipboard(b->fb, NULL, 0);
    }
    return rc;
}

/* ---- the viewers' text -> the guest ------------------------------------------- */

/* A host message from a viewer: its clipboard text goes to the guest. */
static void from_viewer(struct qb *b, const struct shmfb_host_msg *m)
{
    const struct shmfb_clip_item *text = NULL;
    if (!b->clip_id || m->type != SHMFB_HOST_CLIPBOARD)
        return;
    for (uint32_t i = 0; i < m->count; i++)
        if (strcmp(m->items[i].mime, SHMFB_MIME_TEXT) == 0)
            text = &m->items[i];
    new_round(b);
    g_clear_pointer(&b->clip_host, g_bytes_unref);
    if (!text) {
        /* Emptied, or no text in it: the guest's paste must not give the
         * viewers' older text. */
        if (b->clip_ours)
            tell_qemu(b, "Release", g_variant_new("(u)", QB_CLIP_CLIPBOARD));
        b->clip_ours = false;
        return;
    }
    b->clip_host = g_bytes_new(text->data, text->size);
    b->clip_serial++;
    b->clip_ours = true;
    const char *mimes[] = {SHMFB_MIME_TEXT, NULL};
    tell_qemu(b, "Grab", g_variant_new("(uu^as)", QB_CLIP_CLIPBOARD, b->clip_serial, mimes));
}

static gboolean poll_host(gpointer data)
{
    struct qb *b = data;
    struct shmfb_host_msg m;
    for (int i = 0; i < HOST_BATCH && shmfb_producer_host_recv(b->fb, &m) == 0; i++)
        from_viewer(b, &m);
    return G_SOURCE_CONTINUE;
}

static void answer_request(struct qb *b, GVariant *params, GDBusMethodInvocation *inv)
{
    guint32 sel;
    GVariant *mimes;
    char why[160] = "";
    g_variant_get(params, "(u@as)", &sel, &mimes);
    if (qb_check_clip_grab(sel, g_variant_n_children(mimes), why, sizeof(why)) < 0) {
        qb_refused(b, "Request", why);
    } else if (sel == QB_CLIP_CLIPBOARD && b->clip_ours && b->clip_host && lists_text(mimes)) {
        g_dbus_method_invocation_return_value(
            inv,
            g_variant_new("(s@ay)", SHMFB_MIME_TEXT,
                          g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, b->clip_host, TRUE)));
        g_variant_unref(mimes);
        return;
    } else {
        snprintf(why, sizeof(why), "no text of the viewers' for selection %u", sel);
    }
    g_variant_unref(mimes);
    g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR, G_DBUS_ERROR_FAILED, "%s", why);
}

/* ---- the bridge's Clipboard object ---------------------------------------------- */

static void clip_call(GDBusConnection *conn, const gchar *sender, const gchar *path,
                      const gchar *iface, const gchar *method, GVariant *params,
                      GDBusMethodInvocation *inv, gpointer data)
{
    struct qb *b = data;
    char why[160] = "";
    int rc = 0;
    (void)conn, (void)sender, (void)path, (void)iface;

    if (strcmp(method, "Request") == 0) {
        answer_request(b, params, inv);
        return;
    }
    if (strcmp(method, "Grab") == 0) {
        rc = on_grab(b, params, why, sizeof(why));
    } else if (strcmp(method, "Release") == 0) {
        rc = on_release(b, params, why, sizeof(why));
    } else if (strcmp(method, "Register") == 0) {
        /* QEMU starts counting grabs again (its clipboard was reset). */
        b->clip_serial = 0;
        b->clip_ours = false;
    }
    if (rc < 0) {
        qb_refused(b, method, why);
        g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                              "%s refused: %s", method, why);
        return;
    }
    g_dbus_method_invocation_return_value(inv, NULL);
}

static void registered(GObject *src, GAsyncResult *res, gpointer data)
{
    struct qb *b = data;
    GError *err = NULL;
    GVariant *v = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &err);
    if (v) {
        g_variant_unref(v);
        return;
    }
    if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fprintf(stderr, QB_PROG ": the clipboard is not shared: %s\n", err->message);
    g_error_free(err);
    if (b->clip_id)
        g_dbus_connection_unregister_object(b->conn, b->clip_id);
    b->clip_id = 0;
}

void qb_clip_start(struct qb *b)
{
    static const GDBusInterfaceVTable vtable = {.method_call = clip_call};
    GError *err = NULL;
    GDBusNodeInfo *node = g_dbus_node_info_new_for_xml(clip_xml, &err);
    g_assert(node);
    b->clip_id = g_dbus_connection_register_object(b->conn, CLIP_PATH, node->interfaces[0], &vtable,
                                                   b, NULL, &err);
    g_dbus_node_info_unref(node);
    if (!b->clip_id) {
        fprintf(stderr, QB_PROG ": the clipboard is not shared: %s\n", err->message);
        g_error_free(err);
        return;
    }
    b->clip_cancel = g_cancellable_new();
    b->clip_poll_id = g_timeout_add(HOST_POLL_MS, poll_host, b);
    /* QEMU answers once it has looked at the object just exported. */
    g_dbus_connection_call(b->conn, b->dest, CLIP_PATH, CLIP_IFACE, "Register", NULL, NULL,
                           G_DBUS_CALL_FLAGS_NONE, CLIP_TIMEOUT_MS, b->clip_cancel, registered, b);
}

void qb_clip_stop(struct qb *b)
{
    if (b->clip_poll_id)
        g_source_remove(b->clip_poll_id);
    b->clip_poll_id = 0;
    new_round(b);
    if (b->clip_cancel)
        g_cancellable_cancel(b->clip_cancel);
    g_clear_object(&b->clip_cancel);
    if (b->clip_id)
        g_dbus_connection_unregister_object(b->conn, b->clip_id);
    b->clip_id = 0;
    g_clear_pointer(&b->clip_host, g_bytes_unref);
}

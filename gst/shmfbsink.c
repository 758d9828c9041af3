/*
 * shmfbsink: a video sink that draws into a shmfb framebuffer, so any
 * pipeline becomes a producer.  A thread of the element answers consumers
 * while the pipeline is idle (connections, frame requests) and turns their
 * input into navigation events sent upstream.
 */
#include "shmfbsink.h"

#include <gst/video/navigation.h>
#include <gst/video/video.h>
#include <shmfb/shmfb.h>

#include <errno.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC(shmfbsink_debug);
#define GST_CAT_DEFAULT shmfbsink_debug

#define INPUT_PERIOD_US 10000 /* the input thread looks this often */

enum { PROP_0, PROP_FRAMEBUFFER, PROP_MAX_WIDTH, PROP_MAX_HEIGHT };

struct _GstShmfbSink {
    GstVideoSink parent;
    gchar *framebuffer;
    gint max_width, max_height;
    GMutex lock; /* the producer: the streaming and input threads share it */
    struct shmfb_producer *p;
    GstVideoInfo info;
    gboolean have_frame;
    GThread *input;
    gint quit;
};

#define SINK_CAPS GST_VIDEO_CAPS_MAKE("{ BGRx, BGRA }")

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(SINK_CAPS));

static void navigation_init(GstNavigationInterface *iface);

G_DEFINE_TYPE_WITH_CODE(GstShmfbSink, gst_shmfb_sink, GST_TYPE_VIDEO_SINK,
                        G_IMPLEMENT_INTERFACE(GST_TYPE_NAVIGATION, navigation_init))

/* ---- input: consumer events become navigation events -------------------- */

static GstNavigationModifierType nav_mods(const struct shmfb_event *ev)
{
    guint m = 0;
    m |= ev->mods & SHMFB_MOD_SHIFT ? GST_NAVIGATION_MODIFIER_SHIFT_MASK : 0;
    m |= ev->mods & SHMFB_MOD_CTRL ? GST_NAVIGATION_MODIFIER_CONTROL_MASK : 0;
    m |= ev->mods & SHMFB_MOD_ALT ? GST_NAVIGATION_MODIFIER_MOD1_MASK : 0;
    m |= ev->mods & SHMFB_MOD_META ? GST_NAVIGATION_MODIFIER_META_MASK : 0;
    m |= ev->mods & SHMFB_MOD_CAPS ? GST_NAVIGATION_MODIFIER_LOCK_MASK : 0;
    m |= ev->buttons & 1u ? GST_NAVIGATION_MODIFIER_BUTTON1_MASK : 0;
    m |= ev->buttons & 2u ? GST_NAVIGATION_MODIFIER_BUTTON2_MASK : 0;
    m |= ev->buttons & 4u ? GST_NAVIGATION_MODIFIER_BUTTON3_MASK : 0;
    return (GstNavigationModifierType)m;
}

/* A key's name for navigation events: its character, or "Return" and the
 * like; keys without either are not forwarded. */
static gboolean key_name(const struct shmfb_event *ev, gchar *buf, gsize size)
{
    static const struct {
        guint32 sym;
        const char *name;
    } named[] = {{0x0D, "Return"}, {0x1B, "Escape"}, {0x08, "BackSpace"},
                 {0x09, "Tab"},    {0x7F, "Delete"}, {0x20, "space"}};
    for (gsize i = 0; i < G_N_ELEMENTS(named); i++) {
        if (ev->sym == named[i].sym) {
            g_strlcpy(buf, named[i].name, size);
            return TRUE;
        }
    }
    if (ev->sym & SHMFB_KEY_SPECIAL || ev->sym < 0x20)
        return FALSE;
    buf[g_unichar_to_utf8(ev->sym, buf)] = '\0';
    return TRUE;
}

/* A pointer event's button: shmfb's middle and right are X's 2 and 3. */
static GstEvent *nav_event(const struct shmfb_event *ev)
{
    gchar key[16];
    GstNavigationModifierType m = nav_mods(ev);
    switch (ev->type) {
    case SHMFB_EVENT_MOTION:
        return gst_navigation_event_new_mouse_move(ev->x, ev->y, m);
    case SHMFB_EVENT_BUTTON_DOWN:
        return gst_navigation_event_new_mouse_button_press((gint)ev->code, ev->x, ev->y, m);
    case SHMFB_EVENT_BUTTON_UP:
        return gst_navigation_event_new_mouse_button_release((gint)ev->code, ev->x, ev->y, m);
    case SHMFB_EVENT_WHEEL:
        return gst_navigation_event_new_mouse_scroll(0, 0, ev->x, -ev->y, m);
    case SHMFB_EVENT_KEY_DOWN:
    case SHMFB_EVENT_KEY_UP:
        if (!key_name(ev, key, sizeof(key)))
            return NULL;
        return ev->type == SHMFB_EVENT_KEY_DOWN ? gst_navigation_event_new_key_press(key, m)
                                                : gst_navigation_event_new_key_release(key, m);
    default:
        return NULL;
    }
}

/* Reads the queued input; answers frame requests with the frame shown now. */
static void input_pump(GstShmfbSink *self)
{
    struct shmfb_event ev;
    GstEvent *queue[64];
    guint n = 0;
    g_mutex_lock(&self->lock);
    if (self->p) {
        shmfb_producer_dispatch(self->p);
        while (n < G_N_ELEMENTS(queue) && shmfb_producer_poll_event(self->p, &ev) == 0) {
            if (ev.type == SHMFB_EVENT_FRAME_REQUEST && self->have_frame)
                shmfb_producer_present(self->p);
            GstEvent *e = nav_event(&ev);
            if (e)
                queue[n++] = e;
        }
    }
    g_mutex_unlock(&self->lock);
    for (guint i = 0; i < n; i++)
        gst_pad_push_event(GST_BASE_SINK_PAD(self), queue[i]);
}

static gpointer input_thread(gpointer data)
{
    GstShmfbSink *self = data;
    while (!g_atomic_int_get(&self->quit)) {
        input_pump(self);
        g_usleep(INPUT_PERIOD_US);
    }
    return NULL;
}

/* Events from the application (gst_navigation_send_*) go upstream too. */
static void navigation_send_event(GstNavigation *nav, GstEvent *event)
{
    GstShmfbSink *self = GST_SHMFB_SINK(nav);
    gst_pad_push_event(GST_BASE_SINK_PAD(self), event);
}

static void navigation_init(GstNavigationInterface *iface)
{
    iface->send_event_simple = navigation_send_event;
}

/* ---- frames --------------------------------------------------------------- */

static gboolean producer_create(GstShmfbSink *self, const GstVideoInfo *info)
{
    struct shmfb_producer_desc d = {0};
    gint w = GST_VIDEO_INFO_WIDTH(info), h = GST_VIDEO_INFO_HEIGHT(info);
    d.max_width = MAX(w, self->max_width);
    d.max_height = MAX(h, self->max_height);
    d.width = w;
    d.height = h;
    d.format = GST_VIDEO_INFO_FORMAT(info) == GST_VIDEO_FORMAT_BGRA ? SHMFB_FORMAT_ARGB8888
                                                                    : SHMFB_FORMAT_XRGB8888;
    int rc = shmfb_producer_create(self->framebuffer, &d, &self->p);
    if (rc < 0) {
        GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE,
                          ("%s: %s", self->framebuffer, shmfb_strerror(rc)), (NULL));
        return FALSE;
    }
    return TRUE;
}

static gboolean sink_set_caps(GstBaseSink *bsink, GstCaps *caps)
{
    GstShmfbSink *self = GST_SHMFB_SINK(bsink);
    GstVideoInfo info;
    if (!gst_video_info_from_caps(&info, caps))
        return FALSE;
    gint w = GST_VIDEO_INFO_WIDTH(&info), h = GST_VIDEO_INFO_HEIGHT(&info);
    gboolean ok = TRUE;
    g_mutex_lock(&self->lock);
    if (!self->p) {
        ok = producer_create(self, &info);
    } else {
        int rc = shmfb_producer_resize(self->p, w, h);
        if (rc < 0) {
            GST_ELEMENT_ERROR(
                self, STREAM, FORMAT,
                ("%dx%d: %s (set max-width and max-height)", w, h, shmfb_strerror(rc)), (NULL));
            ok = FALSE;
        }
    }
    if (ok)
        self->info = info;
    g_mutex_unlock(&self->lock);
    return ok;
}

static GstFlowReturn sink_show_frame(GstVideoSink *vsink, GstBuffer *buf)
{
    GstShmfbSink *self = GST_SHMFB_SINK(vsink);
    GstVideoFrame frame;
    if (!gst_video_frame_map(&frame, &self->info, buf, GST_MAP_READ))
        return GST_FLOW_ERROR;
    g_mutex_lock(&self->lock);
    guint8 *dst = (guint8 *)shmfb_producer_pixels(self->p);
    gsize dstride = (gsize)shmfb_producer_stride(self->p);
    const guint8 *src = GST_VIDEO_FRAME_PLANE_DATA(&frame, 0);
    gsize sstride = (gsize)GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
    gsize row = (gsize)GST_VIDEO_FRAME_WIDTH(&frame) * 4;
    for (gint y = 0; y < GST_VIDEO_FRAME_HEIGHT(&frame); y++)
        memcpy(dst + dstride * (gsize)y, src + sstride * (gsize)y, row);
    /* No damage marked: the present publishes the whole frame. */
    if (GST_BUFFER_PTS_IS_VALID(buf))
        shmfb_producer_set_time(self->p, GST_BUFFER_PTS(buf) + 1);
    shmfb_producer_present(self->p);
    self->have_frame = TRUE;
    g_mutex_unlock(&self->lock);
    gst_video_frame_unmap(&frame);
    return GST_FLOW_OK;
}

static gboolean sink_start(GstBaseSink *bsink)
{
    GstShmfbSink *self = GST_SHMFB_SINK(bsink);
    if (!self->framebuffer) {
        GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("no framebuffer name set"), (NULL));
        return FALSE;
    }
    gst_video_info_init(&self->info);
    g_atomic_int_set(&self->quit, 0);
    self->input = g_thread_new("shmfbsink-input", input_thread, self);
    return TRUE;
}

static gboolean sink_stop(GstBaseSink *bsink)
{
    GstShmfbSink *self = GST_SHMFB_SINK(bsink);
    g_atomic_int_set(&self->quit, 1);
    if (self->input)
        g_thread_join(self->input);
    self->input = NULL;
    g_mutex_lock(&self->lock);
    shmfb_producer_destroy(self->p);
    self->p = NULL;
    self->have_frame = FALSE;
    g_mutex_unlock(&self->lock);
    return TRUE;
}

static void sink_set_property(GObject *obj, guint id, const GValue *v, GParamSpec *spec)
{
    GstShmfbSink *self = GST_SHMFB_SINK(obj);
    GST_OBJECT_LOCK(self);
    switch (id) {
    case PROP_FRAMEBUFFER:
        g_free(self->framebuffer);
        self->framebuffer = g_value_dup_string(v);
        break;
    case PROP_MAX_WIDTH:
        self->max_width = g_value_get_int(v);
        break;
    case PROP_MAX_HEIGHT:
        self->max_height = g_value_get_int(v);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, spec);
    }
    GST_OBJECT_UNLOCK(self);
}

static void sink_get_property(GObject *obj, guint id, GValue *v, GParamSpec *spec)
{
    GstShmfbSink *self = GST_SHMFB_SINK(obj);
    GST_OBJECT_LOCK(self);
    switch (id) {
    case PROP_FRAMEBUFFER:
        g_value_set_string(v, self->framebuffer);
        break;
    case PROP_MAX_WIDTH:
        g_value_set_int(v, self->max_width);
        break;
    case PROP_MAX_HEIGHT:
        g_value_set_int(v, self->max_height);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, spec);
    }
    GST_OBJECT_UNLOCK(self);
}

static void sink_finalize(GObject *obj)
{
    GstShmfbSink *self = GST_SHMFB_SINK(obj);
    g_free(self->framebuffer);
    g_mutex_clear(&self->lock);
    G_OBJECT_CLASS(gst_shmfb_sink_parent_class)->finalize(obj);
}

static void install_properties(GObjectClass *oc)
{
    const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
    g_object_class_install_property(
        oc, PROP_FRAMEBUFFER,
        g_param_spec_string("framebuffer", "Framebuffer",
                            "Name of the shmfb framebuffer to create (e.g. /video)", NULL, rw));
    g_object_class_install_property(
        oc, PROP_MAX_WIDTH,
        g_param_spec_int("max-width", "Capacity width",
                         "Largest width the stream may resize to (0: the first caps' width)", 0,
                         SHMFB_DIM_MAX, 0, rw));
    g_object_class_install_property(
        oc, PROP_MAX_HEIGHT,
        g_param_spec_int("max-height", "Capacity height",
                         "Largest height the stream may resize to (0: the first caps' height)", 0,
                         SHMFB_DIM_MAX, 0, rw));
}

static void gst_shmfb_sink_class_init(GstShmfbSinkClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    GstElementClass *ec = GST_ELEMENT_CLASS(klass);
    GstBaseSinkClass *bc = GST_BASE_SINK_CLASS(klass);
    oc->set_property = sink_set_property;
    oc->get_property = sink_get_property;
    oc->finalize = sink_finalize;
    install_properties(oc);
    gst_element_class_set_static_metadata(
        ec, "shmfb framebuffer sink", "Sink/Video",
        "Draws video into a shmfb framebuffer; viewers' input comes back as navigation events",
        "shmfb developers");
    gst_element_class_add_static_pad_template(ec, &sink_template);
    bc->start = sink_start;
    bc->stop = sink_stop;
    bc->set_caps = sink_set_caps;
    GST_VIDEO_SINK_CLASS(klass)->show_frame = sink_show_frame;
    GST_DEBUG_CATEGORY_INIT(shmfbsink_debug, "shmfbsink", 0, "shmfb framebuffer sink");
}

static void gst_shmfb_sink_init(GstShmfbSink *self)
{
    g_mutex_init(&self->lock);
}

/*
 * shmfbsrc: a shmfb framebuffer as a live video source.
 *
 * Zero copy: a buffer wraps the frame it shows, held in the framebuffer (a
 * FIFO producer waits) until downstream drops the buffer.  When the next
 * frame is wanted before that, the frame is detached: copied into memory of
 * its own once no reader has it mapped, then released.  So a sink that keeps
 * its last buffer costs one copy per frame, never a stalled producer.
 */
#include "shmfbsrc.h"

#include <gst/video/video.h>
#include <shmfb/shmfb.h>

#include "target.h"

#include <errno.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC(shmfbsrc_debug);
#define GST_CAT_DEFAULT shmfbsrc_debug

#define WAIT_SLICE_MS   50    /* waits are sliced so that a flush is seen */
#define ATTACH_FRAME_MS 1000  /* how long the frame there at attach waits for a newer one */
#define DETACH_WAIT_US  20000 /* longest wait for readers before a detach copies */
#define TIME_JUMP_NS    (60 * GST_SECOND) /* present times may run ahead of arrivals by this */

typedef enum {
    SHMFB_SRC_PACING_FIFO,
    SHMFB_SRC_PACING_NEWEST,
} GstShmfbSrcPacing;

enum {
    PROP_0,
    PROP_FRAMEBUFFER,
    PROP_PACING,
    PROP_ALPHA,
    PROP_COPY,
    PROP_FIXED_SIZE,
    PROP_FIXED_WIDTH,
    PROP_FIXED_HEIGHT
};

/* A held frame lent to downstream, shared by the source and its memory. */
struct lease {
    gint refs;
    GMutex lock;
    GCond cond;
    guint8 *data; /* the frame's first pixel, or the private copy */
    gsize size;
    guint8 *copy; /* after a detach */
    gint mapped;  /* readers with the memory mapped now */
};

typedef struct {
    GstMemory mem;
    struct lease *lease;
} FbMemory;

struct _GstShmfbSrc {
    GstPushSrc parent;
    gchar *framebuffer;
    GstShmfbSrcPacing pacing;
    gboolean alpha, copy, fixed_size;
    gint fixed_width, fixed_height; /* 0: the capacity's */
    gboolean learned_copy;          /* downstream keeps frames mapped: copy from now on */
    struct shmfb_consumer *c;
    GstAllocator *allocator;
    struct lease *out;   /* the lease of the frame held now, NULL none */
    gboolean held;       /* a frame is held (lent or not) */
    gboolean video_meta; /* downstream takes strided frames */
    gint width, height;  /* negotiated size, 0 none */
    guint64 last_time;   /* the last frame's present time */
    GstClockTime last_pts;
    gint64 last_arrival_us; /* when the last frame came (g_get_monotonic_time) */
    gboolean first_done;
    guint64 attach_seq; /* frame there at attach: skipped while a newer may come */
    gint64 attach_until;
    gint flushing;
};

/* ---- leases and their memory ------------------------------------------- */

static struct lease *lease_new(const guint8 *data, gsize size)
{
    struct lease *l = g_new0(struct lease, 1);
    l->refs = 1;
    g_mutex_init(&l->lock);
    g_cond_init(&l->cond);
    l->data = (guint8 *)data;
    l->size = size;
    return l;
}

static void lease_unref(struct lease *l)
{
    if (!g_atomic_int_dec_and_test(&l->refs))
        return;
    g_free(l->copy);
    g_mutex_clear(&l->lock);
    g_cond_clear(&l->cond);
    g_free(l);
}

/* Gives the lease memory of its own once no reader has it mapped.  False
 * if a reader kept it mapped past the bound: it waits for the next frame
 * before it lets go of this one (an encoder with a frame delay), so it may
 * see the next frame's pixels there; never a fault, as the mapping outlives
 * every lease. */
static gboolean lease_detach(struct lease *l)
{
    gint64 until = g_get_monotonic_time() + DETACH_WAIT_US;
    g_mutex_lock(&l->lock);
    while (l->mapped > 0 && g_cond_wait_until(&l->cond, &l->lock, until))
        ;
    gboolean clean = l->mapped == 0;
    l->copy = g_memdup2(l->data, l->size);
    l->data = l->copy;
    g_mutex_unlock(&l->lock);
    return clean;
}

typedef GstAllocator GstShmfbAllocator;
typedef GstAllocatorClass GstShmfbAllocatorClass;
static GType gst_shmfb_allocator_get_type(void);
G_DEFINE_TYPE(GstShmfbAllocator, gst_shmfb_allocator, GST_TYPE_ALLOCATOR)

static FbMemory *fbmem_new(GstAllocator *a, GstMemory *parent, struct lease *l, gsize maxsize,
                           gsize offset, gsize size)
{
    FbMemory *m = g_new0(FbMemory, 1);
    gst_memory_init(GST_MEMORY_CAST(m), GST_MEMORY_FLAG_READONLY, a, parent, maxsize, 0, offset,
                    size);
    g_atomic_int_inc(&l->refs);
    m->lease = l;
    return m;
}

static gpointer fbmem_map(GstMemory *mem, gsize maxsize, GstMapFlags flags)
{
    struct lease *l = ((FbMemory *)mem)->lease;
    (void)maxsize;
    if (flags & GST_MAP_WRITE)
        return NULL;
    g_mutex_lock(&l->lock);
    l->mapped++;
    gpointer p = l->data;
    g_mutex_unlock(&l->lock);
    return p;
}

static void fbmem_unmap(GstMemory *mem)
{
    struct lease *l = ((FbMemory *)mem)->lease;
    g_mutex_lock(&l->lock);
    l->mapped--;
    g_cond_broadcast(&l->cond);
    g_mutex_unlock(&l->lock);
}

static GstMemory *fbmem_share(GstMemory *mem, gssize offset, gssize size)
{
    GstMemory *parent = mem->parent ? mem->parent : mem;
    if (size == -1)
        size = (gssize)mem->size - offset;
    FbMemory *m = fbmem_new(mem->allocator, parent, ((FbMemory *)mem)->lease, mem->maxsize,
                            mem->offset + (gsize)offset, (gsize)size);
    return GST_MEMORY_CAST(m);
}

static GstMemory *fbmem_copy(GstMemory *mem, gssize offset, gssize size)
{
    GstMapInfo in, out;
    if (size == -1)
        size = (gssize)mem->size > offset ? (gssize)mem->size - offset : 0;
    GstMemory *copy = gst_allocator_alloc(NULL, (gsize)size, NULL);
    if (!gst_memory_map(mem, &in, GST_MAP_READ))
        goto fail;
    if (!gst_memory_map(copy, &out, GST_MAP_WRITE)) {
        gst_memory_unmap(mem, &in);
        goto fail;
    }
    memcpy(out.data, in.data + offset, (gsize)size);
    gst_memory_unmap(copy, &out);
    gst_memory_unmap(mem, &in);
    return copy;
fail:
    gst_memory_unref(copy);
    return NULL;
}

static void fbmem_free(GstAllocator *a, GstMemory *mem)
{
    (void)a;
    lease_unref(((FbMemory *)mem)->lease);
    g_free(mem);
}

static GstMemory *fbmem_alloc(GstAllocator *a, gsize size, GstAllocationParams *params)
{
    (void)a, (void)size, (void)params;
    return NULL; /* memory comes only from frames */
}

static void gst_shmfb_allocator_class_init(GstShmfbAllocatorClass *klass)
{
    klass->alloc = fbmem_alloc;
    klass->free = fbmem_free;
}

static void gst_shmfb_allocator_init(GstShmfbAllocator *a)
{
    a->mem_type = "ShmfbFrame";
    a->mem_map = fbmem_map;
    a->mem_unmap = fbmem_unmap;
    a->mem_share = fbmem_share;
    a->mem_copy = fbmem_copy;
    GST_OBJECT_FLAG_SET(a, GST_ALLOCATOR_FLAG_CUSTOM_ALLOC);
}

/* ---- the element --------------------------------------------------------- */

#define SRC_CAPS GST_VIDEO_CAPS_MAKE("{ BGRx, BGRA }")

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(SRC_CAPS));

G_DEFINE_TYPE(GstShmfbSrc, gst_shmfb_src, GST_TYPE_PUSH_SRC)

static GType pacing_get_type(void)
{
    static GType type;
    static const GEnumValue values[] = {
        {SHMFB_SRC_PACING_FIFO, "Take every frame; the producer waits while a frame is in use",
         "fifo"},
        {SHMFB_SRC_PACING_NEWEST,
         "Copy each frame and let the producer go on; skip frames while busy (mailbox producers)",
         "newest"},
        {0, NULL, NULL},
    };
    if (g_once_init_enter(&type)) {
        GType t = g_enum_register_static("GstShmfbSrcPacing", values);
        g_once_init_leave(&type, t);
    }
    return type;
}

/* Lets the frame held now go: downstream done with it, or detached first. */
static void frame_settle(GstShmfbSrc *self)
{
    if (self->out) {
        if (g_atomic_int_get(&self->out->refs) > 1 && !lease_detach(self->out) &&
            !self->learned_copy) {
            GST_WARNING_OBJECT(self, "downstream keeps frames mapped; copying from now on "
                                     "(set copy=true to copy from the start)");
            self->learned_copy = TRUE;
        }
        lease_unref(self->out);
        self->out = NULL;
    }
    if (self->held)
        shmfb_consumer_release(self->c);
    self->held = FALSE;
}

static gboolean src_start(GstBaseSrc *bsrc)
{
    GstShmfbSrc *self = GST_SHMFB_SRC(bsrc);
    struct shmfb_frame f;
    const char *what = "open";
    if (!self->framebuffer) {
        GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("no framebuffer name set"), (NULL));
        return FALSE;
    }
    int rc = shmfb_consumer_open(self->framebuffer, NULL, &self->c);
    if (rc == 0) {
        what = "attach";
        rc = shmfb_consumer_attach(self->c);
    }
    if (rc < 0) {
        GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ,
                          ("%s: %s", self->framebuffer, shmfb_strerror(rc)), ("%s", what));
        shmfb_consumer_close(self->c);
        self->c = NULL;
        return FALSE;
    }
    /* The frame there now is sent only if no newer one comes soon; asked
     * for after this look, an idle producer's answer counts as newer. */
    self->attach_seq = shmfb_consumer_peek(self->c, &f) == 0 ? f.seq : 0;
    self->attach_until = g_get_monotonic_time() + ATTACH_FRAME_MS * 1000;
    shmfb_consumer_request_frame(self->c); /* an idle producer that answers presents now */
    self->width = self->height = 0;
    self->first_done = FALSE;
    self->learned_copy = FALSE;
    return TRUE;
}

static gboolean src_stop(GstBaseSrc *bsrc)
{
    GstShmfbSrc *self = GST_SHMFB_SRC(bsrc);
    if (self->c)
        frame_settle(self);
    shmfb_consumer_close(self->c);
    self->c = NULL;
    return TRUE;
}

static gboolean src_unlock(GstBaseSrc *bsrc)
{
    g_atomic_int_set(&GST_SHMFB_SRC(bsrc)->flushing, 1);
    return TRUE;
}

static gboolean src_unlock_stop(GstBaseSrc *bsrc)
{
    g_atomic_int_set(&GST_SHMFB_SRC(bsrc)->flushing, 0);
    return TRUE;
}

static GstCaps *src_get_caps(GstBaseSrc *bsrc, GstCaps *filter)
{
    GstShmfbSrc *self = GST_SHMFB_SRC(bsrc);
    GstCaps *caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING,
                                        self->alpha ? "BGRA" : "BGRx", "width", GST_TYPE_INT_RANGE,
                                        1, SHMFB_DIM_MAX, "height", GST_TYPE_INT_RANGE, 1,
                                        SHMFB_DIM_MAX, "framerate", GST_TYPE_FRACTION, 0, 1, NULL);
    if (self->width > 0)
        gst_caps_set_simple(caps, "width", G_TYPE_INT, self->width, "height", G_TYPE_INT,
                            self->height, NULL);
    if (filter) {
        GstCaps *both = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
        gst_caps_unref(caps);
        caps = both;
    }
    return caps;
}

/* Caps come from the frames, in create(). */
static gboolean src_negotiate(GstBaseSrc *bsrc)
{
    (void)bsrc;
    return TRUE;
}

static gboolean peer_takes_video_meta(GstShmfbSrc *self, GstCaps *caps)
{
    GstQuery *q = gst_query_new_allocation(caps, FALSE);
    gboolean yes = gst_pad_peer_query(GST_BASE_SRC_PAD(self), q) &&
                   gst_query_find_allocation_meta(q, GST_VIDEO_META_API_TYPE, NULL);
    gst_query_unref(q);
    return yes;
}

/* The size buffers have: the frame's, or with fixed-size the capacity. */
static void out_size(GstShmfbSrc *self, const struct shmfb_frame *f, gint *w, gint *h)
{
    *w = f->width;
    *h = f->height;
    if (!self->fixed_size)
        return;
    shmfb_consumer_capacity(self->c, w, h);
    *w = self->fixed_width ? self->fixed_width : *w;
    *h = self->fixed_height ? self->fixed_height : *h;
}

static gboolean renegotiate(GstShmfbSrc *self, const struct shmfb_frame *f)
{
    gint w, h;
    out_size(self, f, &w, &h);
    if (w == self->width && h == self->height)
        return TRUE;
    GstVideoInfo info;
    gst_video_info_set_format(&info, self->alpha ? GST_VIDEO_FORMAT_BGRA : GST_VIDEO_FORMAT_BGRx,
                              (guint)w, (guint)h);
    info.fps_n = 0;
    info.fps_d = 1;
    GstCaps *caps = gst_video_info_to_caps(&info);
    gboolean ok = gst_base_src_set_caps(GST_BASE_SRC(self), caps);
    if (ok) {
        self->width = w;
        self->height = h;
        self->video_meta = peer_takes_video_meta(self, caps);
    }
    gst_caps_unref(caps);
    return ok;
}

/* A failed wait, by the consumers' policy (target_recover()), except that
 * the stream ends where a viewer would wait on: at the producer's end
 * (-EPIPE, end of stream) and on an error that is not a refusal for now.
 * \returns true to wait again. */
static bool wait_failed(GstShmfbSrc *self, int *rc)
{
    int was = *rc;
    switch (target_recover(self->c, rc)) {
    case TARGET_GO_ON: /* dropped as stuck: downstream was slow */
        if (was == -ECONNRESET)
            GST_WARNING_OBJECT(self, "dropped by the producer; attached again");
        return true;
    case TARGET_LATER:
        if (*rc != -ECONNREFUSED)
            return false;
        GST_WARNING_OBJECT(self, "%s: %s", self->framebuffer, shmfb_strerror(*rc));
        g_usleep(TARGET_RETRY_MS * 1000);
        return true;
    case TARGET_GONE:
        break;
    }
    return false;
}

/* 0 with a held frame; 1 flushing; 2 the frame there at attach, copied
 * (no newer came); or a negative errno. */
static int wait_frame(GstShmfbSrc *self, struct shmfb_frame *f)
{
    while (!g_atomic_int_get(&self->flushing)) {
        int rc = shmfb_consumer_wait(self->c, WAIT_SLICE_MS, f);
        if (rc == 0 && f->seq <= self->attach_seq) {
            shmfb_consumer_release(self->c);
            continue;
        }
        if (rc == 0) {
            self->attach_seq = 0;
            return 0;
        }
        if (rc == -ETIMEDOUT && self->attach_seq && g_get_monotonic_time() > self->attach_until) {
            self->attach_seq = 0;
            if (shmfb_consumer_peek(self->c, f) == 0)
                return 2;
        }
        if (rc < 0 && rc != -ETIMEDOUT && !wait_failed(self, &rc))
            return rc;
    }
    return 1;
}

/* A packed copy; with fixed-size, the frame at the top left of a black
 * canvas of the capacity, its own size in a crop meta. */
static GstBuffer *frame_copy(GstShmfbSrc *self, const struct shmfb_frame *f)
{
    gint w, h;
    out_size(self, f, &w, &h);
    gint fw = MIN(f->width, w), fh = MIN(f->height, h); /* cut to a smaller canvas */
    gsize row = (gsize)fw * 4, out_row = (gsize)w * 4;
    GstBuffer *buf = gst_buffer_new_allocate(NULL, out_row * (gsize)h, NULL);
    GstMapInfo map;
    if (!buf || !gst_buffer_map(buf, &map, GST_MAP_WRITE)) {
        if (buf)
            gst_buffer_unref(buf);
        return NULL;
    }
    const guint8 *src = (const guint8 *)f->pixels;
    for (gint y = 0; y < fh; y++) {
        memcpy(map.data + out_row * (gsize)y, src + (gsize)f->stride * (gsize)y, row);
        memset(map.data + out_row * (gsize)y + row, 0, out_row - row);
    }
    memset(map.data + out_row * (gsize)fh, 0, out_row * (gsize)(h - fh));
    gst_buffer_unmap(buf, &map);
    if (self->fixed_size) {
        GstVideoCropMeta *crop = gst_buffer_add_video_crop_meta(buf);
        crop->x = crop->y = 0;
        crop->width = (guint)fw;
        crop->height = (guint)fh;
    }
    return buf;
}

/* The held frame itself, strided, lent until downstream drops it. */
static GstBuffer *frame_wrap(GstShmfbSrc *self, const struct shmfb_frame *f)
{
    gsize size = (gsize)f->stride * (gsize)(f->height - 1) + (gsize)f->width * 4;
    struct lease *l = lease_new((const guint8 *)f->pixels, size);
    GstBuffer *buf = gst_buffer_new();
    FbMemory *m = fbmem_new(self->allocator, NULL, l, size, 0, size);
    gst_buffer_append_memory(buf, GST_MEMORY_CAST(m));
    gsize offset[GST_VIDEO_MAX_PLANES] = {0};
    gint stride[GST_VIDEO_MAX_PLANES] = {f->stride};
    gst_buffer_add_video_meta_full(buf, GST_VIDEO_FRAME_FLAG_NONE,
                                   self->alpha ? GST_VIDEO_FORMAT_BGRA : GST_VIDEO_FORMAT_BGRx,
                                   (guint)f->width, (guint)f->height, 1, offset, stride);
    self->out = l;
    return buf;
}

/* The running time now (0 without a clock). */
static GstClockTime running_now(GstShmfbSrc *self)
{
    GstClock *clock = gst_element_get_clock(GST_ELEMENT(self));
    if (!clock)
        return 0;
    GstClockTime now = gst_clock_get_time(clock);
    GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
    gst_object_unref(clock);
    return now > base ? now - base : 0;
}

/* PTS start at the running time the first frame arrived and then follow
 * the present times, as long as those go forward by at most TIME_JUMP_NS
 * more than the arrivals did (CLOCK_MONOTONIC, which the present times
 * normally are).  Otherwise (the time is the producer's word, and may be
 * anything) the interval between arrivals takes over for that frame, at
 * least a millisecond (Matroska's resolution), and the next ones count
 * from it.  PTS always increase. */
static GstClockTime frame_pts(GstShmfbSrc *self, guint64 time_ns)
{
    gint64 now_us = g_get_monotonic_time();
    GstClockTime pts;
    if (!self->first_done) {
        pts = running_now(self);
    } else {
        guint64 d = time_ns - self->last_time;
        GstClockTime arrived = (GstClockTime)MAX(now_us - self->last_arrival_us, 0) * GST_USECOND;
        gboolean sane = time_ns > self->last_time && d <= arrived + TIME_JUMP_NS;
        pts = self->last_pts + (sane ? d : MAX(arrived, GST_MSECOND));
    }
    self->first_done = TRUE;
    self->last_time = time_ns;
    self->last_pts = pts;
    self->last_arrival_us = now_us;
    return pts;
}

static void frame_stamp(GstShmfbSrc *self, GstBuffer *buf, const struct shmfb_frame *f)
{
    GST_BUFFER_PTS(buf) = frame_pts(self, f->time_ns);
    GST_BUFFER_DURATION(buf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_OFFSET(buf) = f->seq;
    GST_BUFFER_OFFSET_END(buf) = f->seq;
    static GstStaticCaps time_caps = GST_STATIC_CAPS(SHMFB_GST_TIME_CAPS);
    if (f->time_ns != GST_CLOCK_TIME_NONE) /* the one value the meta cannot hold */
        gst_buffer_add_reference_timestamp_meta(buf, gst_static_caps_get(&time_caps), f->time_ns,
                                                GST_CLOCK_TIME_NONE);
}

static GstFlowReturn src_create(GstPushSrc *psrc, GstBuffer **out)
{
    GstShmfbSrc *self = GST_SHMFB_SRC(psrc);
    struct shmfb_frame f;
    frame_settle(self);
    int rc = wait_frame(self, &f);
    if (rc == 1)
        return GST_FLOW_FLUSHING;
    if (rc == -EPIPE) {
        GST_INFO_OBJECT(self, "the producer is gone: end of stream");
        return GST_FLOW_EOS;
    }
    if (rc < 0) {
        GST_ELEMENT_ERROR(self, RESOURCE, READ, ("%s: %s", self->framebuffer, shmfb_strerror(rc)),
                          (NULL));
        return GST_FLOW_ERROR;
    }
    self->held = rc == 0;
    if (!renegotiate(self, &f))
        return GST_FLOW_NOT_NEGOTIATED;
    gboolean lend = self->held && !self->copy && !self->learned_copy && !self->fixed_size &&
                    self->pacing == SHMFB_SRC_PACING_FIFO &&
                    (self->video_meta || f.stride == f.width * 4);
    *out = lend ? frame_wrap(self, &f) : frame_copy(self, &f);
    if (!lend)
        frame_settle(self); /* copied: the producer may go on at once */
    if (!*out)
        return GST_FLOW_ERROR;
    frame_stamp(self, *out, &f);
    return GST_FLOW_OK;
}

static void src_set_property(GObject *obj, guint id, const GValue *v, GParamSpec *spec)
{
    GstShmfbSrc *self = GST_SHMFB_SRC(obj);
    GST_OBJECT_LOCK(self);
    switch (id) {
    case PROP_FRAMEBUFFER:
        g_free(self->framebuffer);
        self->framebuffer = g_value_dup_string(v);
        break;
    case PROP_PACING:
        self->pacing = (GstShmfbSrcPacing)g_value_get_enum(v);
        break;
    case PROP_ALPHA:
        self->alpha = g_value_get_boolean(v);
        break;
    case PROP_COPY:
        self->copy = g_value_get_boolean(v);
        break;
    case PROP_FIXED_SIZE:
        self->fixed_size = g_value_get_boolean(v);
        break;
    case PROP_FIXED_WIDTH:
        self->fixed_width = g_value_get_int(v);
        break;
    case PROP_FIXED_HEIGHT:
        self->fixed_height = g_value_get_int(v);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, spec);
    }
    GST_OBJECT_UNLOCK(self);
}

static void src_get_property(GObject *obj, guint id, GValue *v, GParamSpec *spec)
{
    GstShmfbSrc *self = GST_SHMFB_SRC(obj);
    GST_OBJECT_LOCK(self);
    switch (id) {
    case PROP_FRAMEBUFFER:
        g_value_set_string(v, self->framebuffer);
        break;
    case PROP_PACING:
        g_value_set_enum(v, self->pacing);
        break;
    case PROP_ALPHA:
        g_value_set_boolean(v, self->alpha);
        break;
    case PROP_COPY:
        g_value_set_boolean(v, self->copy);
        break;
    case PROP_FIXED_SIZE:
        g_value_set_boolean(v, self->fixed_size);
        break;
    case PROP_FIXED_WIDTH:
        g_value_set_int(v, self->fixed_width);
        break;
    case PROP_FIXED_HEIGHT:
        g_value_set_int(v, self->fixed_height);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, spec);
    }
    GST_OBJECT_UNLOCK(self);
}

static void src_finalize(GObject *obj)
{
    GstShmfbSrc *self = GST_SHMFB_SRC(obj);
    g_free(self->framebuffer);
    gst_object_unref(self->allocator);
    G_OBJECT_CLASS(gst_shmfb_src_parent_class)->finalize(obj);
}

static void install_properties(GObjectClass *oc)
{
    const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
    g_object_class_install_property(
        oc, PROP_FRAMEBUFFER,
        g_param_spec_string("framebuffer", "Framebuffer",
                            "Name of the shmfb framebuffer to show (as in 'shmfb ls')", NULL, rw));
    g_object_class_install_property(
        oc, PROP_PACING,
        g_param_spec_enum("pacing", "Pacing", "Whether a FIFO producer waits for every frame",
                          pacing_get_type(), SHMFB_SRC_PACING_FIFO, rw));
    g_object_class_install_property(
        oc, PROP_ALPHA,
        g_param_spec_boolean("alpha", "Alpha",
                             "Output BGRA with the pixels' alpha bytes (default BGRx)", FALSE, rw));
    g_object_class_install_property(
        oc, PROP_COPY,
        g_param_spec_boolean("copy", "Copy",
                             "Always copy frames.  Default: lend the shared frame itself "
                             "downstream while pacing is fifo, and copy from the first frame "
                             "an element keeps mapped while it waits for the next (which may "
                             "then show a later frame's pixels)",
                             FALSE, rw));
    g_object_class_install_property(
        oc, PROP_FIXED_SIZE,
        g_param_spec_boolean("fixed-size", "Fixed size",
                             "Output every frame at one size (fixed-width x fixed-height), the "
                             "frame at the top left on black (cut if larger) with its size in a "
                             "crop meta, for containers that cannot change size (Matroska, "
                             "MP4); copies",
                             FALSE, rw));
    g_object_class_install_property(
        oc, PROP_FIXED_WIDTH,
        g_param_spec_int("fixed-width", "Fixed width",
                         "Width of fixed-size output (0: the framebuffer's capacity)", 0,
                         SHMFB_DIM_MAX, 0, rw));
    g_object_class_install_property(
        oc, PROP_FIXED_HEIGHT,
        g_param_spec_int("fixed-height", "Fixed height",
                         "Height of fixed-size output (0: the framebuffer's capacity)", 0,
                         SHMFB_DIM_MAX, 0, rw));
}

static void gst_shmfb_src_class_init(GstShmfbSrcClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    GstElementClass *ec = GST_ELEMENT_CLASS(klass);
    GstBaseSrcClass *bc = GST_BASE_SRC_CLASS(klass);
    oc->set_property = src_set_property;
    oc->get_property = src_get_property;
    oc->finalize = src_finalize;
    install_properties(oc);
    gst_element_class_set_static_metadata(
        ec, "shmfb framebuffer source", "Source/Video",
        "Frames of a shmfb framebuffer, timestamped with their present time", "shmfb developers");
    gst_element_class_add_static_pad_template(ec, &src_template);
    bc->start = src_start;
    bc->stop = src_stop;
    bc->unlock = src_unlock;
    bc->unlock_stop = src_unlock_stop;
    bc->get_caps = src_get_caps;
    bc->negotiate = src_negotiate;
    GST_PUSH_SRC_CLASS(klass)->create = src_create;
    GST_DEBUG_CATEGORY_INIT(shmfbsrc_debug, "shmfbsrc", 0, "shmfb framebuffer source");
    gst_type_mark_as_plugin_api(pacing_get_type(), 0);
}

static void gst_shmfb_src_init(GstShmfbSrc *self)
{
    gst_base_src_set_live(GST_BASE_SRC(self), TRUE);
    gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
    self->allocator = g_object_new(gst_shmfb_allocator_get_type(), NULL);
    gst_object_ref_sink(self->allocator);
}

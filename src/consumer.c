/* The consumer: attaches, waits for frames, reads validated copies. */
#include "internal.h"
#include "rect.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RECORD_TRIES 64

/* A new, unattached consumer on the region named `name`, or if that is
 * NULL, on the object behind `fd`. */
static int consumer_new(const char *name, int fd, struct shmfb_consumer **out)
{
    struct shmfb_consumer *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    int rc = name ? shmfb__region_open_name(name, &c->r) : shmfb__region_open_fd(fd, &c->r);
    if (rc < 0) {
        free(c);
        return rc;
    }
    c->slot = -1;
    *out = c;
    return 0;
}

int shmfb_consumer_open(const char *name, const struct shmfb_consumer_desc *desc,
                        struct shmfb_consumer **out)
{
    if (!out)
        return -EINVAL;
    *out = NULL;
    if (!name || (desc && desc->flags != 0))
        return -EINVAL;
    return consumer_new(name, -1, out);
}

int shmfb__consumer_from_fd(int fd, struct shmfb_consumer **out)
{
    return consumer_new(NULL, fd, out);
}

void shmfb_consumer_close(struct shmfb_consumer *c)
{
    if (!c)
        return;
    if (c->slot >= 0)
        shmfb_consumer_detach(c);
    shmfb__region_unmap(&c->r);
    free(c);
}

int shmfb_consumer_producer_alive(const struct shmfb_consumer *c)
{
    return !shmfb__producer_gone(&c->r);
}

int shmfb_consumer_attach(struct shmfb_consumer *c)
{
    if (c->slot >= 0)
        return -EISCONN;
    if (shmfb__producer_gone(&c->r))
        return -EPIPE;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
            if (shmfb__slot_claim(c, i)) {
                shmfb__wake_producer(c->r.hdr);
                return 0;
            }
        }
        shmfb__slots_reap(c->r.hdr);
    }
    return -EUSERS;
}

int shmfb_consumer_detach(struct shmfb_consumer *c)
{
    int rc = shmfb__slot_free(c);
    if (rc == 0)
        shmfb__wake_producer(c->r.hdr);
    return rc;
}

/* One attempt at a consistent copy of the record; false if it changed. */
static bool record_copy(const struct wire_frame *wf, struct shmfb_frame *f)
{
    uint32_t lock = atomic_load_explicit(&wf->lock, memory_order_acquire);
    if (lock & 1u)
        return false;
    f->width = atomic_load_explicit(&wf->width, memory_order_relaxed);
    f->height = atomic_load_explicit(&wf->height, memory_order_relaxed);
    f->ndamage = atomic_load_explicit(&wf->ndamage, memory_order_relaxed);
    f->seq = atomic_load_explicit(&wf->seq, memory_order_relaxed);
    uint32_t n = f->ndamage <= SHMFB_MAX_DAMAGE ? f->ndamage : 0;
    for (uint32_t i = 0; i < n; i++) {
        f->damage[i].x = atomic_load_explicit(&wf->damage[i][0], memory_order_relaxed);
        f->damage[i].y = atomic_load_explicit(&wf->damage[i][1], memory_order_relaxed);
        f->damage[i].w = atomic_load_explicit(&wf->damage[i][2], memory_order_relaxed);
        f->damage[i].h = atomic_load_explicit(&wf->damage[i][3], memory_order_relaxed);
    }
    atomic_thread_fence(memory_order_acquire);
    return atomic_load_explicit(&wf->lock, memory_order_relaxed) == lock;
}

/* Validates the private copy: geometry within capacity, damage clipped to
 * the frame (a frame with no usable damage is treated as fully damaged). */
static int frame_validate(const struct shmfb__region *r, struct shmfb_frame *f)
{
    if (f->width < 1 || f->width > r->max_width || f->height < 1 || f->height > r->max_height)
        return -EBADMSG;
    uint32_t n = 0, in = f->ndamage <= SHMFB_MAX_DAMAGE ? f->ndamage : 0;
    for (uint32_t i = 0; i < in; i++) {
        struct shmfb_rect d = f->damage[i];
        if (shmfb__rect_clip(&d, f->width, f->height))
            f->damage[n++] = d;
    }
    if (n == 0) {
        f->damage[0] = (struct shmfb_rect){0, 0, f->width, f->height};
        n = 1;
    }
    f->ndamage = n;
    f->bounds = f->damage[0];
    for (uint32_t i = 1; i < n; i++)
        f->bounds = shmfb__rect_union(f->bounds, f->damage[i]);
    return 0;
}

/* Reads and validates the current frame record.  -EAGAIN if the producer
 * kept rewriting it (or died mid-write) for RECORD_TRIES attempts. */
int shmfb__frame_read(const struct shmfb__region *r, struct shmfb_frame *f)
{
    memset(f, 0, sizeof(*f));
    int tries = 0;
    while (!record_copy(&r->hdr->frame, f)) {
        if (++tries >= RECORD_TRIES)
            return -EAGAIN;
        sched_yield();
    }
    f->stride = r->stride;
    f->format = r->format;
    f->pixels = r->pixels;
    return frame_validate(r, f);
}

static void frame_mark(struct shmfb_consumer *c, struct shmfb_frame *f)
{
    bool resized = c->last_seen && (f->width != c->last_width || f->height != c->last_height);
    if (c->last_seen == 0 || f->seq != c->last_seen + 1 || resized) {
        f->flags |= SHMFB_FRAME_FULL;
        f->ndamage = 1;
        f->damage[0] = f->bounds = (struct shmfb_rect){0, 0, f->width, f->height};
    }
    if (resized)
        f->flags |= SHMFB_FRAME_RESIZED;
    c->last_seen = f->seq;
    c->last_width = f->width;
    c->last_height = f->height;
    c->held = f->seq;
}

/* Returns 1 and fills f if a frame newer than the last taken is out. */
static int frame_poll(struct shmfb_consumer *c, struct shmfb_frame *f)
{
    uint64_t seq = atomic_load_explicit(&c->r.hdr->frame_seq, memory_order_acquire);
    if (seq == c->taken)
        return 0;
    int rc = shmfb__frame_read(&c->r, f);
    if (rc == -EAGAIN)
        return 0;
    if (rc < 0)
        return rc;
    frame_mark(c, f);
    return 1;
}

struct wait_ctx {
    struct shmfb_consumer *c;
    uint32_t what;
    struct shmfb_frame *frame;
};

/* What of `what` holds now: 0, a set of SHMFB_WAIT_* bits, or an error. */
static int ready_now(void *ctx, bool check)
{
    struct wait_ctx *w = ctx;
    struct shmfb_consumer *c = w->c;
    bool frames = w->what & SHMFB_WAIT_FRAME;
    int rc = frames ? shmfb__slot_check(c) : 0;
    if (rc < 0)
        return rc;
    int r = (w->what & SHMFB_WAIT_CURSOR) && shmfb__cursor_changed(c) ? SHMFB_WAIT_CURSOR : 0;
    if (frames) {
        rc = frame_poll(c, w->frame);
        if (rc < 0)
            return rc;
        r |= rc > 0 ? SHMFB_WAIT_FRAME : 0;
    }
    if (r)
        return r;
    if (atomic_load_explicit(&c->r.hdr->state, memory_order_acquire) != WIRE_STATE_LIVE)
        return -EPIPE;
    if (check && shmfb__producer_gone(&c->r))
        return -EPIPE;
    return 0;
}

/* Spins a little before the first sleep (not when polling), so that a
 * producer that presents quickly is caught without a wake-up. */
int shmfb_consumer_wait_any(struct shmfb_consumer *c, int timeout_ms, uint32_t what,
                            struct shmfb_frame *frame)
{
    what &= SHMFB_WAIT_FRAME | SHMFB_WAIT_CURSOR;
    if (!what || ((what & SHMFB_WAIT_FRAME) && !frame))
        return -EINVAL;
    if ((what & SHMFB_WAIT_FRAME) && c->held)
        shmfb_consumer_release(c);
    struct wire_header *h = c->r.hdr;
    const struct shmfb__wait w = {&h->cons_wake, &h->cons_waiters, &c->spin, &c->next_check,
                                  timeout_ms};
    struct wait_ctx ctx = {c, what, frame};
    return shmfb__wait_until(&w, ready_now, &ctx);
}

int shmfb_consumer_wait(struct shmfb_consumer *c, int timeout_ms, struct shmfb_frame *frame)
{
    int rc = shmfb_consumer_wait_any(c, timeout_ms, SHMFB_WAIT_FRAME, frame);
    return rc < 0 ? rc : 0;
}

int shmfb_consumer_release(struct shmfb_consumer *c)
{
    int rc = shmfb__slot_check(c);
    if (rc < 0)
        return rc;
    if (!c->held)
        return -EINVAL;
    struct wire_slot *s = &c->r.hdr->slots[c->slot];
    atomic_store_explicit(&s->taken_seq, c->held, memory_order_release);
    c->taken = c->held;
    c->held = 0;
    shmfb__wake_producer(c->r.hdr);
    return 0;
}

int shmfb_consumer_peek(struct shmfb_consumer *c, struct shmfb_frame *frame)
{
    if (!frame)
        return -EINVAL;
    if (atomic_load_explicit(&c->r.hdr->frame_seq, memory_order_acquire) == 0)
        return -EAGAIN;
    int rc = shmfb__frame_read(&c->r, frame);
    if (rc == 0) {
        frame->flags = SHMFB_FRAME_FULL;
        frame->ndamage = 1;
        frame->damage[0] = frame->bounds = (struct shmfb_rect){0, 0, frame->width, frame->height};
    }
    return rc;
}

void shmfb_consumer_capacity(const struct shmfb_consumer *c, int32_t *max_width,
                             int32_t *max_height)
{
    if (max_width)
        *max_width = c->r.max_width;
    if (max_height)
        *max_height = c->r.max_height;
}

uint32_t shmfb_consumer_format(const struct shmfb_consumer *c)
{
    return c->r.format;
}

const uint32_t *shmfb_consumer_pixels(const struct shmfb_consumer *c)
{
    return c->r.pixels;
}

int32_t shmfb_consumer_stride(const struct shmfb_consumer *c)
{
    return c->r.stride;
}

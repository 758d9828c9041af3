/* The consumer: attaches, waits for frames, reads validated copies. */
#include "internal.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How often a waiting consumer checks that the producer is alive. */
#define LIVENESS_PERIOD_NS (100 * 1000000LL)
#define RECORD_TRIES       64

/* A new, unattached consumer on the region named `name`, or if that is
 * NULL, on the object behind `fd`. */
static int consumer_new(const char *name, int fd, struct shmfb_consumer **out)
{
    struct shmfb_consumer *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    int rc = name ? region_open_name(name, &c->r) : region_open_fd(fd, &c->r);
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

int consumer_from_fd(int fd, struct shmfb_consumer **out)
{
    return consumer_new(NULL, fd, out);
}

void shmfb_consumer_close(struct shmfb_consumer *c)
{
    if (!c)
        return;
    if (c->slot >= 0)
        shmfb_consumer_detach(c);
    region_unmap(&c->r);
    free(c);
}

static bool producer_gone(const struct region *r)
{
    if (atomic_load_explicit(&r->hdr->state, memory_order_acquire) != WIRE_STATE_LIVE)
        return true;
    return !proc_alive(r->producer_pid, r->producer_start);
}

int shmfb_consumer_producer_alive(const struct shmfb_consumer *c)
{
    return !producer_gone(&c->r);
}

void wake_producer(struct wire_header *h)
{
    atomic_fetch_add_explicit(&h->prod_wake, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&h->prod_waiters, memory_order_seq_cst))
        sync_wake_all(&h->prod_wake);
}

/* Publishes the attachment for shmfb_consumer_send() on another thread. */
static void link_publish(struct shmfb_consumer *c)
{
    uint64_t link = c->slot >= 0 ? ((uint64_t)(c->slot + 1) << 32) | c->slot_word : 0;
    atomic_store_explicit(&c->link, link, memory_order_release);
}

/* Tries to claim slot i.  The slot is ours only once the second exchange
 * succeeds: the producer may drop a half-claimed slot. */
static bool slot_claim(struct shmfb_consumer *c, int i)
{
    struct wire_slot *s = &c->r.hdr->slots[i];
    uint32_t w = atomic_load_explicit(&s->word, memory_order_acquire);
    if (WIRE_SLOT_STATE(w) != WIRE_SLOT_FREE)
        return false;
    uint32_t claiming = WIRE_SLOT_NEXT(w, WIRE_SLOT_CLAIMING);
    if (!atomic_compare_exchange_strong(&s->word, &w, claiming))
        return false;
    int32_t pid = (int32_t)getpid();
    uint64_t seq = atomic_load_explicit(&c->r.hdr->frame_seq, memory_order_acquire);
    /* The frame already out counts as not taken: the next wait returns it. */
    c->taken = seq ? seq - 1 : 0;
    atomic_store_explicit(&s->pid, pid, memory_order_relaxed);
    atomic_store_explicit(&s->start_time, proc_start_time(pid), memory_order_relaxed);
    atomic_store_explicit(&s->heartbeat_ms, now_ms(), memory_order_relaxed);
    atomic_store_explicit(&s->taken_seq, c->taken, memory_order_relaxed);
    uint32_t attached = (claiming & ~3u) | WIRE_SLOT_ATTACHED;
    if (!atomic_compare_exchange_strong(&s->word, &claiming, attached))
        return false;
    c->slot = i;
    c->slot_word = attached;
    c->held = 0;
    link_publish(c);
    return true;
}

/* Frees slots whose holder died without detaching (or mid-claim). */
static void slots_reap(struct wire_header *h)
{
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        struct wire_slot *s = &h->slots[i];
        uint32_t w = atomic_load_explicit(&s->word, memory_order_acquire);
        int32_t pid = atomic_load_explicit(&s->pid, memory_order_relaxed);
        uint64_t start = atomic_load_explicit(&s->start_time, memory_order_relaxed);
        if (WIRE_SLOT_STATE(w) != WIRE_SLOT_FREE && pid > 0 && !proc_alive(pid, start))
            atomic_compare_exchange_strong(&s->word, &w, WIRE_SLOT_NEXT(w, WIRE_SLOT_FREE));
    }
}

int shmfb_consumer_attach(struct shmfb_consumer *c)
{
    if (c->slot >= 0)
        return -EISCONN;
    if (producer_gone(&c->r))
        return -EPIPE;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
            if (slot_claim(c, i)) {
                wake_producer(c->r.hdr);
                return 0;
            }
        }
        slots_reap(c->r.hdr);
    }
    return -EUSERS;
}

/* Whether we still hold our slot; forgets it if the producer dropped us. */
int slot_check(struct shmfb_consumer *c)
{
    if (c->slot < 0)
        return -ENOTCONN;
    struct wire_slot *s = &c->r.hdr->slots[c->slot];
    if (atomic_load_explicit(&s->word, memory_order_acquire) == c->slot_word)
        return 0;
    c->slot = -1;
    c->held = 0;
    link_publish(c);
    return -ECONNRESET;
}

int shmfb_consumer_detach(struct shmfb_consumer *c)
{
    if (slot_check(c) < 0) {
        c->slot = -1;
        return -ENOTCONN;
    }
    struct wire_slot *s = &c->r.hdr->slots[c->slot];
    uint32_t w = c->slot_word;
    int rc = atomic_compare_exchange_strong(&s->word, &w, WIRE_SLOT_NEXT(w, WIRE_SLOT_FREE))
                 ? 0
                 : -ENOTCONN;
    c->slot = -1;
    c->held = 0;
    link_publish(c);
    wake_producer(c->r.hdr);
    return rc;
}

/* Clips a damage rectangle read from the peer to the frame; false if empty. */
static bool damage_clip(struct shmfb_rect *d, int32_t w, int32_t h)
{
    int64_t x0 = d->x, y0 = d->y;
    int64_t x1 = x0 + d->w, y1 = y0 + d->h;
    x0 = x0 < 0 ? 0 : x0;
    y0 = y0 < 0 ? 0 : y0;
    x1 = x1 > w ? w : x1;
    y1 = y1 > h ? h : y1;
    if (d->w <= 0 || d->h <= 0 || x1 <= x0 || y1 <= y0)
        return false;
    *d = (struct shmfb_rect){(int32_t)x0, (int32_t)y0, (int32_t)(x1 - x0), (int32_t)(y1 - y0)};
    return true;
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
static int frame_validate(const struct region *r, struct shmfb_frame *f)
{
    if (f->width < 1 || f->width > r->max_width || f->height < 1 || f->height > r->max_height)
        return -EBADMSG;
    uint32_t n = 0, in = f->ndamage <= SHMFB_MAX_DAMAGE ? f->ndamage : 0;
    for (uint32_t i = 0; i < in; i++) {
        struct shmfb_rect d = f->damage[i];
        if (damage_clip(&d, f->width, f->height))
            f->damage[n++] = d;
    }
    if (n == 0) {
        f->damage[0] = (struct shmfb_rect){0, 0, f->width, f->height};
        n = 1;
    }
    f->ndamage = n;
    f->bounds = f->damage[0];
    for (uint32_t i = 1; i < n; i++) {
        const struct shmfb_rect *d = &f->damage[i];
        int32_t x1 = f->bounds.x + f->bounds.w, y1 = f->bounds.y + f->bounds.h;
        int32_t dx1 = d->x + d->w, dy1 = d->y + d->h;
        f->bounds.x = d->x < f->bounds.x ? d->x : f->bounds.x;
        f->bounds.y = d->y < f->bounds.y ? d->y : f->bounds.y;
        f->bounds.w = (dx1 > x1 ? dx1 : x1) - f->bounds.x;
        f->bounds.h = (dy1 > y1 ? dy1 : y1) - f->bounds.y;
    }
    return 0;
}

/* Reads and validates the current frame record.  -EAGAIN if the producer
 * kept rewriting it (or died mid-write) for RECORD_TRIES attempts. */
int frame_read(const struct region *r, struct shmfb_frame *f)
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
    int rc = frame_read(&c->r, f);
    if (rc == -EAGAIN)
        return 0;
    if (rc < 0)
        return rc;
    frame_mark(c, f);
    return 1;
}

/* What of `what` holds now: 0, a set of SHMFB_WAIT_* bits, or an error. */
static int ready_now(struct shmfb_consumer *c, uint32_t what, struct shmfb_frame *frame)
{
    int r = (what & SHMFB_WAIT_CURSOR) && cursor_changed(c) ? SHMFB_WAIT_CURSOR : 0;
    if (what & SHMFB_WAIT_FRAME) {
        int rc = frame_poll(c, frame);
        if (rc < 0)
            return rc;
        if (rc > 0)
            r |= SHMFB_WAIT_FRAME;
    }
    return r;
}

/* Spins a little before the first sleep (not when polling), so that a
 * producer that presents quickly is caught without a wake-up. */
int shmfb_consumer_wait_any(struct shmfb_consumer *c, int timeout_ms, uint32_t what,
                            struct shmfb_frame *frame)
{
    what &= SHMFB_WAIT_FRAME | SHMFB_WAIT_CURSOR;
    if (!what || ((what & SHMFB_WAIT_FRAME) && !frame))
        return -EINVAL;
    bool frames = what & SHMFB_WAIT_FRAME;
    if (frames && c->held)
        shmfb_consumer_release(c);
    struct wire_header *h = c->r.hdr;
    int64_t start = now_ns();
    bool spun = timeout_ms == 0;
    for (;;) {
        int rc = frames ? slot_check(c) : 0;
        if (rc < 0)
            return rc;
        uint32_t v = atomic_load_explicit(&h->cons_wake, memory_order_acquire);
        rc = ready_now(c, what, frame);
        if (rc != 0)
            return rc;
        if (atomic_load_explicit(&h->state, memory_order_acquire) != WIRE_STATE_LIVE)
            return -EPIPE;
        if (!spun) {
            spun = true;
            sync_spin(&c->spin, &h->cons_wake, v);
            continue;
        }
        int64_t now = now_ns();
        /* Liveness costs a /proc read: at most once per period, also over
         * many calls that poll with a zero timeout. */
        if (now >= c->next_check) {
            if (producer_gone(&c->r))
                return -EPIPE;
            c->next_check = now + LIVENESS_PERIOD_NS;
        }
        int64_t left = timeout_ms < 0 ? INT64_MAX : start + (int64_t)timeout_ms * 1000000 - now;
        if (left <= 0)
            return -ETIMEDOUT;
        int64_t slice = c->next_check - now;
        atomic_fetch_add_explicit(&h->cons_waiters, 1, memory_order_seq_cst);
        sync_wait(&h->cons_wake, v, slice < left ? slice : left);
        atomic_fetch_sub_explicit(&h->cons_waiters, 1, memory_order_relaxed);
        if (frames)
            atomic_store_explicit(&h->slots[c->slot].heartbeat_ms, now_ms(), memory_order_relaxed);
    }
}

int shmfb_consumer_wait(struct shmfb_consumer *c, int timeout_ms, struct shmfb_frame *frame)
{
    int rc = shmfb_consumer_wait_any(c, timeout_ms, SHMFB_WAIT_FRAME, frame);
    return rc < 0 ? rc : 0;
}

int shmfb_consumer_release(struct shmfb_consumer *c)
{
    int rc = slot_check(c);
    if (rc < 0)
        return rc;
    if (!c->held)
        return -EINVAL;
    struct wire_slot *s = &c->r.hdr->slots[c->slot];
    atomic_store_explicit(&s->heartbeat_ms, now_ms(), memory_order_relaxed);
    atomic_store_explicit(&s->taken_seq, c->held, memory_order_release);
    c->taken = c->held;
    c->held = 0;
    wake_producer(c->r.hdr);
    return 0;
}

int shmfb_consumer_peek(struct shmfb_consumer *c, struct shmfb_frame *frame)
{
    if (!frame)
        return -EINVAL;
    if (atomic_load_explicit(&c->r.hdr->frame_seq, memory_order_acquire) == 0)
        return -EAGAIN;
    int rc = frame_read(&c->r, frame);
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

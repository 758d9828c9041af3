/* Mailbox pacing: several shared buffers.  The producer publishes each frame
 * into a buffer no consumer holds; a consumer pins the buffer of the newest
 * frame before reading it.
 *
 * Pinning is a handshake on two words, both sequentially consistent: the
 * consumer stores its hold, then checks that the buffer still holds its
 * frame; the producer marks a buffer as being written (buffer_seq = 0),
 * then checks that nobody holds it.  One of the two always sees the other,
 * so a held buffer is never written and a written one never read as whole.
 *
 * A back buffer is brought up to date from what changed since it last held
 * a frame (its age), from the producer's private record of the damage of
 * recent frames: never from anything a consumer can write. */
#include "internal.h"
#include "rect.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int shmfb__mailbox_init(struct shmfb_producer *p, bool own_image)
{
    p->mb.back = p->mb.latest = -1;
    if (p->r.pacing != SHMFB_PACING_MAILBOX) {
        p->pixels = p->r.pixels;
        return 0;
    }
    if (own_image)
        return 0;
    /* Like a shared buffer: zeroed, and a page of zeros past the end. */
    p->mb.image_size = (size_t)p->r.buffer_size;
    void *m =
        mmap(NULL, p->mb.image_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return -ENOMEM;
    p->mb.image = p->pixels = m;
    return 0;
}

void shmfb__mailbox_free(struct shmfb_producer *p)
{
    if (p->mb.image)
        munmap(p->mb.image, p->mb.image_size);
    p->mb.image = NULL;
}

/* Whether an attached consumer holds buffer b. */
static bool held(const struct shmfb_producer *p, int b)
{
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        const struct wire_slot *s = &p->r.hdr->slots[i];
        uint32_t w = atomic_load_explicit(&s->word, memory_order_seq_cst);
        if (WIRE_SLOT_STATE(w) == WIRE_SLOT_ATTACHED &&
            atomic_load_explicit(&s->hold, memory_order_seq_cst) == (uint32_t)b + 1)
            return true;
    }
    return false;
}

/* A buffer nobody holds, other than the newest frame's, marked as being
 * written; the most recently written first (the least to repair).  -1 if
 * consumers hold them all. */
static int pick(struct shmfb_producer *p)
{
    _Atomic uint64_t *seq = p->r.hdr->buffer_seq;
    bool tried[WIRE_MAX_BUFFERS] = {false};
    for (uint32_t k = 0; k < p->r.nbuffers; k++) {
        int b = -1;
        for (int i = 0; i < (int)p->r.nbuffers; i++)
            if (i != p->mb.latest && !tried[i] && (b < 0 || p->mb.age[i] > p->mb.age[b]))
                b = i;
        if (b < 0)
            return -1;
        tried[b] = true;
        atomic_store_explicit(&seq[b], 0, memory_order_seq_cst);
        if (!held(p, b))
            return b;
        atomic_store_explicit(&seq[b], p->mb.age[b], memory_order_seq_cst);
    }
    return -1;
}

static int try_pick(void *ctx, bool check)
{
    struct shmfb_producer *p = ctx;
    if (check)
        shmfb__peers_check(p); /* a consumer that died holding a buffer */
    int b = pick(p);
    return b < 0 ? 0 : b + 1;
}

/* Drops consumers that hold a buffer: they kept it for the whole timeout. */
static void drop_holders(struct shmfb_producer *p)
{
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        struct wire_slot *s = &p->r.hdr->slots[i];
        uint32_t w = atomic_load_explicit(&s->word, memory_order_acquire);
        if (WIRE_SLOT_STATE(w) == WIRE_SLOT_ATTACHED && atomic_load(&s->hold) != 0)
            shmfb__slot_drop(s, w);
    }
}

/* A buffer for the next frame, waiting (like a FIFO present) while every
 * spare one is held. */
static int back_wait(struct shmfb_producer *p)
{
    struct wire_header *h = p->r.hdr;
    struct shmfb__spin *spin = shmfb__producer_may_spin(p) ? &p->spin : NULL;
    const struct shmfb__wait w = {&h->prod_wake, &h->prod_waiters, &h->prod_wake_ns,
                                  spin,          &p->next_check,   (int)(p->timeout_ns / 1000000)};
    int rc = shmfb__wait_until(&w, try_pick, p);
    if (rc > 0)
        return rc - 1;
    drop_holders(p);
    int b = pick(p);
    if (b >= 0)
        return b;
    /* Only a consumer that attached and took a hold since drop_holders
     * leaves none spare: a spare one is written anyway, marked as being
     * written, so an honest pin on it fails instead of reading it torn. */
    assert(p->r.nbuffers >= 2);
    b = p->mb.latest == 0 ? 1 : 0;
    atomic_store_explicit(&p->r.hdr->buffer_seq[b], 0, memory_order_seq_cst);
    return b;
}

/* What changed since buffer b held frame age[b], up to the last frame
 * published: frames of another size, or too old to remember, make it all. */
static void repair_of(const struct shmfb_producer *p, int b, struct shmfb_rect *r, uint32_t *n)
{
    uint64_t from = p->mb.age[b];
    assert(from <= p->seq);
    const struct shmfb__damage *at = &p->mb.hist[from % WIRE_RECORDS];
    *n = 0;
    bool all = from == 0 || p->seq - from >= WIRE_RECORDS || at->width != p->width ||
               at->height != p->height;
    for (uint64_t s = from + 1; !all && s <= p->seq; s++) {
        const struct shmfb__damage *d = &p->mb.hist[s % WIRE_RECORDS];
        all = d->width != p->width || d->height != p->height;
        for (uint32_t i = 0; !all && i < d->n; i++)
            shmfb__rect_add(r, n, d->r[i]);
    }
    if (all) {
        r[0] = (struct shmfb_rect){0, 0, p->width, p->height};
        *n = 1;
    }
}

int shmfb__back_acquire(struct shmfb_producer *p, struct shmfb_rect *repair, uint32_t *n,
                        bool with_current)
{
    if (p->mb.back < 0)
        p->mb.back = p->r.pacing == SHMFB_PACING_MAILBOX ? back_wait(p) : 0;
    *n = 0;
    if (p->r.pacing != SHMFB_PACING_MAILBOX)
        return p->mb.back;
    repair_of(p, p->mb.back, repair, n);
    if (with_current)
        for (uint32_t i = 0; i < p->ndamage; i++)
            shmfb__rect_add(repair, n, p->damage[i]);
    return p->mb.back;
}

/* Copies rectangles of the private image into the back buffer. */
void shmfb__image_copy(struct shmfb_producer *p, const struct shmfb_rect *r, uint32_t n)
{
    assert(p->mb.image && p->mb.back >= 0);
    uint32_t *dst = shmfb__region_buffer(&p->r, (uint32_t)p->mb.back);
    size_t pitch = (size_t)p->r.stride / 4;
    for (uint32_t i = 0; i < n; i++) {
        struct shmfb_rect c = r[i];
        if (!shmfb__rect_clip(&c, p->width, p->height))
            continue;
        if (c.x == 0 && c.w == p->r.max_width) {
            memcpy(dst + (size_t)c.y * pitch, p->mb.image + (size_t)c.y * pitch,
                   (size_t)c.h * pitch * 4);
            continue;
        }
        for (int32_t y = c.y; y < c.y + c.h; y++)
            memcpy(dst + (size_t)y * pitch + c.x, p->mb.image + (size_t)y * pitch + c.x,
                   (size_t)c.w * 4);
    }
}

/* After the record of frame p->seq is written: the buffer holds it. */
void shmfb__back_publish(struct shmfb_producer *p, int buffer)
{
    assert(buffer >= 0 && (uint32_t)buffer < p->r.nbuffers && p->ndamage <= SHMFB_MAX_DAMAGE);
    struct shmfb__damage *d = &p->mb.hist[p->seq % WIRE_RECORDS];
    d->width = p->width;
    d->height = p->height;
    d->n = p->ndamage;
    memcpy(d->r, p->damage, sizeof(d->r[0]) * p->ndamage);
    p->mb.age[buffer] = p->seq;
    p->mb.latest = buffer;
    p->mb.back = -1;
    atomic_store_explicit(&p->r.hdr->buffer_seq[buffer], p->seq, memory_order_release);
}

bool shmfb__pin(struct shmfb_consumer *c, const struct shmfb_frame *f, uint32_t buffer)
{
    if (c->r.pacing != SHMFB_PACING_MAILBOX)
        return true;
    assert(c->slot >= 0 && buffer < c->r.nbuffers);
    struct wire_slot *s = &c->r.hdr->slots[c->slot];
    atomic_store_explicit(&s->hold_seq, f->seq, memory_order_relaxed);
    atomic_store_explicit(&s->hold, buffer + 1, memory_order_seq_cst);
    c->pinned = true;
    if (atomic_load_explicit(&c->r.hdr->buffer_seq[buffer], memory_order_seq_cst) == f->seq)
        return true;
    shmfb__unpin(c);
    return false;
}

void shmfb__unpin(struct shmfb_consumer *c)
{
    if (!c->pinned || c->slot < 0)
        return;
    struct wire_slot *s = &c->r.hdr->slots[c->slot];
    atomic_store_explicit(&s->hold, 0, memory_order_release);
    atomic_store_explicit(&s->hold_seq, 0, memory_order_relaxed);
    c->pinned = false;
}

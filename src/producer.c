/* The producer: draws, marks damage, presents, paces. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* How often a waiting producer looks for dead consumers. */
#define LIVENESS_PERIOD_NS (50 * 1000000LL)
#define DEFAULT_TIMEOUT_MS 2000

static int desc_check(const struct shmfb_producer_desc *d)
{
    if (d->max_width <= 0 || d->max_height <= 0 || d->width < 0 || d->height < 0 ||
        d->timeout_ms < 0)
        return -EINVAL;
    if (d->format > SHMFB_FORMAT_ARGB8888 || d->pacing > SHMFB_PACING_FREE || d->flags != 0)
        return -EINVAL;
    if (d->max_width > SHMFB_DIM_MAX || d->max_height > SHMFB_DIM_MAX)
        return -EOVERFLOW;
    if (d->width > d->max_width || d->height > d->max_height)
        return -ERANGE;
    return 0;
}

int shmfb_producer_create(const char *name, const struct shmfb_producer_desc *desc,
                          struct shmfb_producer **out)
{
    if (!out)
        return -EINVAL;
    *out = NULL;
    if (!desc)
        return -EINVAL;
    struct shmfb_producer *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    int rc = name ? shmfb_name_check(name, p->r.name, sizeof(p->r.name)) : 0;
    if (rc == 0)
        rc = desc_check(desc);
    if (rc < 0)
        goto fail_free;
    struct region_geometry geo = {desc->max_width, desc->max_height, desc->format, desc->pacing};
    rc = name ? region_create(p->r.name, &geo, &p->r) : region_create_spawned(&geo, &p->r);
    if (rc < 0)
        goto fail_free;
    p->width = desc->width ? desc->width : desc->max_width;
    p->height = desc->height ? desc->height : desc->max_height;
    p->timeout_ns = (int64_t)(desc->timeout_ms ? desc->timeout_ms : DEFAULT_TIMEOUT_MS) * 1000000;
    /* Before the first present, probes see the initial size. */
    atomic_store_explicit(&p->r.hdr->frame.width, p->width, memory_order_relaxed);
    atomic_store_explicit(&p->r.hdr->frame.height, p->height, memory_order_relaxed);
    *out = p;
    return 0;

fail_free:
    free(p);
    return rc;
}

/* The wake syscall is skipped when no consumer sleeps.  Pairs with the
 * consumer's increment of cons_waiters before it sleeps: either it sees the
 * new cons_wake value, or this sees its count (both sequentially consistent).
 * A peer that corrupts the count costs a consumer at most one wait slice. */
void wake_consumers(struct wire_header *h)
{
    atomic_fetch_add_explicit(&h->cons_wake, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&h->cons_waiters, memory_order_seq_cst))
        sync_wake_all(&h->cons_wake);
}

void shmfb_producer_destroy(struct shmfb_producer *p)
{
    if (!p)
        return;
    struct wire_header *h = p->r.hdr;
    atomic_store_explicit(&h->state, WIRE_STATE_CLOSED, memory_order_release);
    atomic_fetch_add_explicit(&h->cons_wake, 1, memory_order_release);
    sync_wake_all(&h->cons_wake);
    if (p->r.named)
        shm_unlink(p->r.name);
    region_unmap(&p->r);
    free(p);
}

uint32_t *shmfb_producer_pixels(const struct shmfb_producer *p)
{
    return p->r.pixels;
}

int32_t shmfb_producer_stride(const struct shmfb_producer *p)
{
    return p->r.stride;
}

void shmfb_producer_size(const struct shmfb_producer *p, int32_t *width, int32_t *height,
                         int32_t *max_width, int32_t *max_height)
{
    if (width)
        *width = p->width;
    if (height)
        *height = p->height;
    if (max_width)
        *max_width = p->r.max_width;
    if (max_height)
        *max_height = p->r.max_height;
}

const char *shmfb_producer_name(const struct shmfb_producer *p)
{
    return p->r.name;
}

uint64_t shmfb_producer_frame(const struct shmfb_producer *p)
{
    return p->seq;
}

/* Clips r to w × h; false when nothing is left.  64-bit sums: the caller's
 * rectangle may hold any int32 values. */
static bool rect_clip(struct shmfb_rect *r, int32_t w, int32_t h)
{
    int64_t x0 = r->x > 0 ? r->x : 0, y0 = r->y > 0 ? r->y : 0;
    int64_t x1 = (int64_t)r->x + r->w, y1 = (int64_t)r->y + r->h;
    if (x1 > w)
        x1 = w;
    if (y1 > h)
        y1 = h;
    if (r->w <= 0 || r->h <= 0 || x1 <= x0 || y1 <= y0)
        return false;
    *r = (struct shmfb_rect){(int32_t)x0, (int32_t)y0, (int32_t)(x1 - x0), (int32_t)(y1 - y0)};
    return true;
}

static struct shmfb_rect rect_union(struct shmfb_rect a, struct shmfb_rect b)
{
    int32_t x0 = a.x < b.x ? a.x : b.x, y0 = a.y < b.y ? a.y : b.y;
    int32_t x1 = a.x + a.w > b.x + b.w ? a.x + a.w : b.x + b.w;
    int32_t y1 = a.y + a.h > b.y + b.h ? a.y + a.h : b.y + b.h;
    return (struct shmfb_rect){x0, y0, x1 - x0, y1 - y0};
}

int shmfb_producer_damage(struct shmfb_producer *p, const struct shmfb_rect *r)
{
    if (!r)
        return -EINVAL;
    struct shmfb_rect c = *r;
    if (!rect_clip(&c, p->width, p->height))
        return 0;
    if (p->ndamage < SHMFB_MAX_DAMAGE) {
        p->damage[p->ndamage++] = c;
        return 0;
    }
    /* Full: fold the new rectangle into the last one, keeping the first
     * SHMFB_MAX_DAMAGE - 1 exact. */
    p->damage[SHMFB_MAX_DAMAGE - 1] = rect_union(p->damage[SHMFB_MAX_DAMAGE - 1], c);
    return 0;
}

int shmfb_producer_resize(struct shmfb_producer *p, int32_t width, int32_t height)
{
    if (width <= 0 || height <= 0)
        return -EINVAL;
    if (width > p->r.max_width || height > p->r.max_height)
        return -ERANGE;
    p->width = width;
    p->height = height;
    return 0;
}

/* Writes the frame record under its sequence lock. */
static void record_write(struct shmfb_producer *p)
{
    struct wire_frame *f = &p->r.hdr->frame;
    uint32_t lock = p->frame_lock;
    p->frame_lock += 2;
    atomic_store_explicit(&f->lock, lock + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&f->width, p->width, memory_order_relaxed);
    atomic_store_explicit(&f->height, p->height, memory_order_relaxed);
    atomic_store_explicit(&f->ndamage, p->ndamage, memory_order_relaxed);
    atomic_store_explicit(&f->seq, p->seq, memory_order_relaxed);
    for (uint32_t i = 0; i < p->ndamage; i++) {
        const int32_t v[4] = {p->damage[i].x, p->damage[i].y, p->damage[i].w, p->damage[i].h};
        for (int k = 0; k < 4; k++)
            atomic_store_explicit(&f->damage[i][k], v[k], memory_order_relaxed);
    }
    atomic_store_explicit(&f->lock, lock + 2, memory_order_release);
}

/* Frees a slot whose consumer is gone or stuck.  The generation changes, so
 * that consumer learns it was dropped. */
static void slot_drop(struct wire_slot *s, uint32_t word)
{
    atomic_compare_exchange_strong_explicit(&s->word, &word, WIRE_SLOT_NEXT(word, WIRE_SLOT_FREE),
                                            memory_order_acq_rel, memory_order_relaxed);
}

static bool slot_dead(struct wire_slot *s)
{
    int32_t pid = atomic_load_explicit(&s->pid, memory_order_relaxed);
    uint64_t start = atomic_load_explicit(&s->start_time, memory_order_relaxed);
    return !proc_alive(pid, start);
}

/* Counts attached consumers that have not taken frame `seq`.  With
 * `check_alive`, dead ones are dropped; with `drop_all`, every laggard is. */
int pending_consumers(struct wire_header *h, uint64_t seq, bool check_alive, bool drop_all)
{
    int pending = 0;
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        struct wire_slot *s = &h->slots[i];
        uint32_t w = atomic_load_explicit(&s->word, memory_order_acquire);
        if (WIRE_SLOT_STATE(w) != WIRE_SLOT_ATTACHED ||
            atomic_load_explicit(&s->taken_seq, memory_order_acquire) >= seq)
            continue;
        if (drop_all || (check_alive && slot_dead(s))) {
            slot_drop(s, w);
            continue;
        }
        pending++;
    }
    return pending;
}

/* FIFO: waits until every attached consumer has taken frame `seq`, dropping
 * the dead at once and the stuck when the timeout runs out.  Spins a little
 * before the first sleep: a consumer that takes frames quickly is then
 * caught without paying a wake-up on either side. */
static void wait_taken(struct shmfb_producer *p, uint64_t seq)
{
    struct wire_header *h = p->r.hdr;
    int64_t start = now_ns();
    bool spun = false;
    for (;;) {
        uint32_t v = atomic_load_explicit(&h->prod_wake, memory_order_acquire);
        int64_t now = now_ns();
        /* Liveness costs a /proc read per consumer: at most every period. */
        bool check = spun && now >= p->next_check;
        if (check)
            p->next_check = now + LIVENESS_PERIOD_NS;
        if (pending_consumers(h, seq, check, false) == 0)
            return;
        if (!spun) {
            spun = true;
            sync_spin(&p->spin, &h->prod_wake, v);
            continue;
        }
        if (now - start >= p->timeout_ns) {
            pending_consumers(h, seq, false, true);
            return;
        }
        int64_t left = start + p->timeout_ns - now;
        int64_t slice = p->next_check - now;
        atomic_store_explicit(&h->prod_waiters, 1, memory_order_seq_cst);
        sync_wait(&h->prod_wake, v, slice < left ? slice : left);
        atomic_store_explicit(&h->prod_waiters, 0, memory_order_relaxed);
    }
}

int shmfb_producer_present(struct shmfb_producer *p)
{
    struct wire_header *h = p->r.hdr;
    if (p->ndamage == 0 || p->width != p->pub_width || p->height != p->pub_height) {
        p->damage[0] = (struct shmfb_rect){0, 0, p->width, p->height};
        p->ndamage = 1;
    }
    p->seq++;
    record_write(p);
    atomic_store_explicit(&h->frame_seq, p->seq, memory_order_release);
    atomic_store_explicit(&h->heartbeat_ms, now_ms(), memory_order_relaxed);
    wake_consumers(h);
    p->pub_width = p->width;
    p->pub_height = p->height;
    p->ndamage = 0;
    if (p->r.pacing == SHMFB_PACING_FIFO)
        wait_taken(p, p->seq);
    return 0;
}

int shmfb_producer_consumers(const struct shmfb_producer *p)
{
    int n = 0;
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        uint32_t w = atomic_load_explicit(&p->r.hdr->slots[i].word, memory_order_acquire);
        n += WIRE_SLOT_STATE(w) == WIRE_SLOT_ATTACHED;
    }
    return n;
}

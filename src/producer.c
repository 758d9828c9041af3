/* The producer: draws, marks damage, presents, paces. */
#include "internal.h"
#include "rect.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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
    struct shmfb__geometry geo = {desc->max_width, desc->max_height, desc->format, desc->pacing};
    rc = name ? shmfb__region_create(p->r.name, &geo, &p->r)
              : shmfb__region_create_spawned(&geo, &p->r);
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

void shmfb_producer_destroy(struct shmfb_producer *p)
{
    if (!p)
        return;
    struct wire_header *h = p->r.hdr;
    atomic_store_explicit(&h->state, WIRE_STATE_CLOSED, memory_order_release);
    atomic_fetch_add_explicit(&h->cons_wake, 1, memory_order_release);
    shmfb__sync_wake_all(&h->cons_wake);
    if (p->r.named)
        shm_unlink(p->r.name);
    shmfb__region_unmap(&p->r);
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

int shmfb_producer_damage(struct shmfb_producer *p, const struct shmfb_rect *r)
{
    if (!r)
        return -EINVAL;
    struct shmfb_rect c = *r;
    if (shmfb__rect_clip(&c, p->width, p->height))
        shmfb__rect_add(p->damage, &p->ndamage, c);
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

static int all_taken(void *ctx, bool check)
{
    struct shmfb_producer *p = ctx;
    return shmfb__slots_pending(p->r.hdr, p->seq, check, false) == 0;
}

/* FIFO: waits until every attached consumer has taken the frame just
 * presented, dropping the dead at once and the stuck when the timeout runs
 * out.  Spins a little before the first sleep: a consumer that takes frames
 * quickly is then caught without paying a wake-up on either side. */
static void wait_taken(struct shmfb_producer *p)
{
    struct wire_header *h = p->r.hdr;
    const struct shmfb__wait w = {&h->prod_wake, &h->prod_waiters, &p->spin, &p->next_check,
                                  (int)(p->timeout_ns / 1000000)};
    if (shmfb__wait_until(&w, all_taken, p) == -ETIMEDOUT)
        shmfb__slots_pending(h, p->seq, false, true);
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
    shmfb__wake_consumers(h);
    p->pub_width = p->width;
    p->pub_height = p->height;
    p->ndamage = 0;
    if (p->r.pacing == SHMFB_PACING_FIFO)
        wait_taken(p);
    return 0;
}

int shmfb_producer_consumers(const struct shmfb_producer *p)
{
    return shmfb__slots_attached(p->r.hdr);
}

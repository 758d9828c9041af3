/* The cursor channel: the producer publishes a pointer shape under a
 * sequence lock; consumers read a validated private copy. */
#include "internal.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

#define CURSOR_TRIES 64

static bool cursor_args_ok(uint32_t state, const uint32_t *argb, int32_t w, int32_t h, int32_t hx,
                           int32_t hy)
{
    if (state == SHMFB_CURSOR_DEFAULT || state == SHMFB_CURSOR_HIDDEN)
        return true;
    if (state != SHMFB_CURSOR_SHAPE || !argb)
        return false;
    if (w < 1 || h < 1 || w > SHMFB_CURSOR_MAX || h > SHMFB_CURSOR_MAX)
        return false;
    return hx >= 0 && hy >= 0 && hx < w && hy < h;
}

int shmfb_producer_set_cursor(struct shmfb_producer *p, uint32_t state, const uint32_t *argb,
                              int32_t width, int32_t height, int32_t hot_x, int32_t hot_y)
{
    if (!cursor_args_ok(state, argb, width, height, hot_x, hot_y))
        return -EINVAL;
    if (state != SHMFB_CURSOR_SHAPE)
        width = height = hot_x = hot_y = 0;
    struct wire_cursor *c = p->r.cursor;
    uint32_t lock = p->cursor_lock;
    p->cursor_lock += 2;
    atomic_store_explicit(&c->lock, lock + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&c->state, state, memory_order_relaxed);
    atomic_store_explicit(&c->width, width, memory_order_relaxed);
    atomic_store_explicit(&c->height, height, memory_order_relaxed);
    atomic_store_explicit(&c->hot_x, hot_x, memory_order_relaxed);
    atomic_store_explicit(&c->hot_y, hot_y, memory_order_relaxed);
    atomic_store_explicit(&c->seq, ++p->cursor_seq, memory_order_relaxed);
    for (int32_t i = 0; i < width * height; i++)
        atomic_store_explicit(&c->pixels[i], argb[i], memory_order_relaxed);
    atomic_store_explicit(&c->lock, lock + 2, memory_order_release);
    shmfb__wake_consumers(p->r.hdr);
    return 0;
}

/* One attempt at a consistent copy; false if the producer was writing. */
static bool cursor_copy(const struct wire_cursor *wc, struct shmfb_cursor *out)
{
    uint32_t lock = atomic_load_explicit(&wc->lock, memory_order_acquire);
    if (lock & 1u)
        return false;
    out->state = atomic_load_explicit(&wc->state, memory_order_relaxed);
    out->width = atomic_load_explicit(&wc->width, memory_order_relaxed);
    out->height = atomic_load_explicit(&wc->height, memory_order_relaxed);
    out->hot_x = atomic_load_explicit(&wc->hot_x, memory_order_relaxed);
    out->hot_y = atomic_load_explicit(&wc->hot_y, memory_order_relaxed);
    out->seq = atomic_load_explicit(&wc->seq, memory_order_relaxed);
    bool sized = out->width >= 1 && out->width <= SHMFB_CURSOR_MAX && out->height >= 1 &&
                 out->height <= SHMFB_CURSOR_MAX;
    int32_t n = sized ? out->width * out->height : 0;
    for (int32_t i = 0; i < n; i++)
        out->pixels[i] = atomic_load_explicit(&wc->pixels[i], memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    return atomic_load_explicit(&wc->lock, memory_order_relaxed) == lock;
}

static int cursor_validate(struct shmfb_cursor *c)
{
    if (c->state == SHMFB_CURSOR_DEFAULT || c->state == SHMFB_CURSOR_HIDDEN) {
        if (c->width || c->height || c->hot_x || c->hot_y)
            return -EBADMSG;
        return 0;
    }
    if (!cursor_args_ok(c->state, c->pixels, c->width, c->height, c->hot_x, c->hot_y))
        return -EBADMSG;
    return 0;
}

int shmfb_consumer_cursor(struct shmfb_consumer *c, struct shmfb_cursor *out)
{
    if (!out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    int tries = 0;
    while (!cursor_copy(c->r.cursor, out)) {
        if (++tries >= CURSOR_TRIES)
            return -EAGAIN;
        sched_yield();
    }
    int rc = cursor_validate(out);
    if (rc < 0) {
        memset(out, 0, sizeof(*out));
        return rc;
    }
    bool fresh = out->seq != c->cursor_seen;
    c->cursor_seen = out->seq;
    return fresh ? 1 : 0;
}

bool shmfb__cursor_changed(const struct shmfb_consumer *c)
{
    return atomic_load_explicit(&c->r.cursor->seq, memory_order_acquire) != c->cursor_seen;
}

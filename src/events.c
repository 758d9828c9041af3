/* Input events: one ring per consumer slot, consumer writes, producer reads.
 *
 * The consumer owns ev_head; the producer advances ev_tail with a CAS.  When
 * the ring is full the consumer drops the oldest event by advancing ev_tail
 * itself (also a CAS), so a producer that stopped reading never blocks the
 * viewer.  A reader copies an event before its CAS; if the CAS fails, the
 * copy may be torn and is thrown away. */
#include "internal.h"

#include <errno.h>
#include <string.h>

#define RING_MASK (WIRE_RING_CAPACITY - 1u)
/* However hostile the rings, one poll looks at no more events than this. */
#define POLL_BUDGET (SHMFB_MAX_CONSUMERS * WIRE_RING_CAPACITY * 2)

#define MODS_ALL                                                                                   \
    (SHMFB_MOD_SHIFT | SHMFB_MOD_CTRL | SHMFB_MOD_ALT | SHMFB_MOD_META | SHMFB_MOD_CAPS)
#define BUTTONS_ALL  0x1Fu     /* bits of SHMFB_BUTTON_LEFT .. SHMFB_BUTTON_X2 */
#define COORD_MAX    (1 << 24) /* pointer positions, also outside the frame */
#define WHEEL_MAX    (1 << 16) /* scroll amount of one event */
#define KEY_CODE_MAX 0xFFFFu   /* USB HID usage ids */

static _Atomic uint32_t *ring_event(const struct shmfb__region *r, int slot, uint32_t index)
{
    size_t words = (size_t)slot * WIRE_RING_CAPACITY + (index & RING_MASK);
    return r->rings + words * WIRE_EVENT_WORDS;
}

static void event_store(_Atomic uint32_t *dst, const struct shmfb_event *ev)
{
    uint32_t w[WIRE_EVENT_WORDS];
    memcpy(w, ev, sizeof(w));
    for (unsigned i = 0; i < WIRE_EVENT_WORDS; i++)
        atomic_store_explicit(&dst[i], w[i], memory_order_relaxed);
}

static void event_load(_Atomic uint32_t *src, struct shmfb_event *ev)
{
    uint32_t w[WIRE_EVENT_WORDS];
    for (unsigned i = 0; i < WIRE_EVENT_WORDS; i++)
        w[i] = atomic_load_explicit(&src[i], memory_order_relaxed);
    memcpy(ev, w, sizeof(w));
}

static bool scalar_value(uint32_t c)
{
    return c <= 0x10FFFFu && (c < 0xD800u || c > 0xDFFFu);
}

static bool coord_ok(int32_t v, int32_t limit)
{
    return v >= -limit && v <= limit;
}

static bool key_sym_ok(uint32_t s)
{
    if (s & SHMFB_KEY_SPECIAL)
        return (s & ~SHMFB_KEY_SPECIAL) <= KEY_CODE_MAX;
    return scalar_value(s);
}

/* Every field an event of its type uses, checked; the fields it does not
 * use are cleared, so a producer never sees what a sender left there. */
static bool event_check(struct shmfb_event *e)
{
    const struct shmfb_event in = *e;
    *e = (struct shmfb_event){.type = in.type, .time_ms = in.time_ms, .mods = in.mods};
    if (in.mods & ~MODS_ALL)
        return false;
    switch (in.type) {
    case SHMFB_EVENT_BUTTON_DOWN:
    case SHMFB_EVENT_BUTTON_UP:
        e->code = in.code;
        if (in.code < SHMFB_BUTTON_LEFT || in.code > SHMFB_BUTTON_X2)
            return false;
        /* fall through */
    case SHMFB_EVENT_MOTION:
        e->x = in.x, e->y = in.y, e->buttons = in.buttons;
        return coord_ok(in.x, COORD_MAX) && coord_ok(in.y, COORD_MAX) &&
               !(in.buttons & ~BUTTONS_ALL);
    case SHMFB_EVENT_WHEEL:
        e->x = in.x, e->y = in.y, e->buttons = in.buttons;
        return coord_ok(in.x, WHEEL_MAX) && coord_ok(in.y, WHEEL_MAX) &&
               !(in.buttons & ~BUTTONS_ALL);
    case SHMFB_EVENT_KEY_DOWN:
    case SHMFB_EVENT_KEY_UP:
        e->code = in.code, e->sym = in.sym;
        return in.code <= KEY_CODE_MAX && key_sym_ok(in.sym);
    case SHMFB_EVENT_TEXT:
        e->code = in.code;
        return scalar_value(in.code);
    case SHMFB_EVENT_RESIZE:
        e->x = in.x, e->y = in.y;
        return in.x >= 1 && in.y >= 1;
    case SHMFB_EVENT_FOCUS_IN:
    case SHMFB_EVENT_FOCUS_OUT:
    case SHMFB_EVENT_CLOSE:
    case SHMFB_EVENT_FRAME_REQUEST:
        return true;
    default:
        return false;
    }
}

/* Consumer side: drops the oldest event if the ring is full. */
static void ring_make_room(struct wire_slot *s, uint32_t head)
{
    uint32_t tail = atomic_load_explicit(&s->ev_tail, memory_order_acquire);
    /* Bounded: a producer that keeps moving the tail cannot hold us. */
    for (int tries = 0; tries < 64 && head - tail >= WIRE_RING_CAPACITY; tries++) {
        if (atomic_compare_exchange_weak_explicit(&s->ev_tail, &tail, tail + 1,
                                                  memory_order_acq_rel, memory_order_acquire)) {
            atomic_fetch_add_explicit(&s->ev_dropped, 1, memory_order_relaxed);
            return;
        }
    }
}

int shmfb_consumer_send(struct shmfb_consumer *c, const struct shmfb_event *ev)
{
    if (!ev)
        return -EINVAL;
    struct shmfb_event e = *ev;
    if (!event_check(&e))
        return -EINVAL;
    /* Only the published attachment is read, and nothing of the handle is
     * written: another thread may be waiting, attaching or detaching. */
    uint64_t link = atomic_load_explicit(&c->link, memory_order_acquire);
    if (!link)
        return -ENOTCONN;
    int slot = (int)(link >> 32) - 1;
    struct wire_slot *s = &c->r.hdr->slots[slot];
    if (atomic_load_explicit(&s->word, memory_order_acquire) != (uint32_t)link)
        return -ECONNRESET;
    uint32_t head = atomic_load_explicit(&s->ev_head, memory_order_relaxed);
    ring_make_room(s, head);
    if (e.time_ms == 0)
        e.time_ms = (uint32_t)shmfb__now_ms();
    event_store(ring_event(&c->r, slot, head), &e);
    atomic_store_explicit(&s->ev_head, head + 1, memory_order_release);
    shmfb__wake_producer(c->r.hdr);
    return 0;
}

int shmfb_consumer_request_frame(struct shmfb_consumer *c)
{
    return shmfb_consumer_send(c, &(struct shmfb_event){.type = SHMFB_EVENT_FRAME_REQUEST});
}

/* Producer side: copies the oldest event of one slot without taking it.
 * Returns false if the ring is empty.  A consumer that wrote a head too far
 * ahead is treated as a full ring. */
static bool ring_peek(struct shmfb_producer *p, int slot, uint32_t *tail, struct shmfb_event *ev)
{
    struct wire_slot *s = &p->r.hdr->slots[slot];
    for (int tries = 0; tries < 4; tries++) {
        uint32_t t = atomic_load_explicit(&s->ev_tail, memory_order_acquire);
        uint32_t h = atomic_load_explicit(&s->ev_head, memory_order_acquire);
        if (t == h)
            return false;
        if (h - t > WIRE_RING_CAPACITY) {
            atomic_compare_exchange_strong(&s->ev_tail, &t, h - WIRE_RING_CAPACITY);
            continue;
        }
        event_load(ring_event(&p->r, slot, t), ev);
        *tail = t;
        return true;
    }
    return false;
}

static bool ring_take(struct shmfb_producer *p, int slot, uint32_t tail)
{
    struct wire_slot *s = &p->r.hdr->slots[slot];
    return atomic_compare_exchange_strong_explicit(&s->ev_tail, &tail, tail + 1,
                                                   memory_order_acq_rel, memory_order_relaxed);
}

/* Chooses the slot whose oldest event is oldest (wrapping milliseconds). */
static int oldest_slot(struct shmfb_producer *p, uint32_t *tail, struct shmfb_event *ev)
{
    int best = -1;
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        struct shmfb_event e;
        uint32_t t;
        if (!ring_peek(p, i, &t, &e))
            continue;
        if (best < 0 || (int32_t)(e.time_ms - ev->time_ms) < 0) {
            best = i;
            *tail = t;
            *ev = e;
        }
    }
    return best;
}

/* Frame requests are coalesced: while one delivered request is not yet
 * answered by a present, the others are dropped (that present answers them
 * too), so consumers asking in a loop cannot pile work on the producer. */
static bool request_due(struct shmfb_producer *p)
{
    if (p->request_seq == p->seq + 1)
        return false;
    p->request_seq = p->seq + 1;
    return true;
}

static void event_clamp(const struct shmfb__region *r, struct shmfb_event *ev)
{
    if (ev->type != SHMFB_EVENT_RESIZE)
        return;
    ev->x = ev->x > r->max_width ? r->max_width : ev->x;
    ev->y = ev->y > r->max_height ? r->max_height : ev->y;
}

/* Bounded however the consumers move their rings meanwhile (a busy or
 * hostile consumer), and every event's fields are checked: bad ones are
 * dropped and counted. */
int shmfb_producer_poll_event(struct shmfb_producer *p, struct shmfb_event *ev)
{
    if (!ev)
        return -EINVAL;
    for (int budget = POLL_BUDGET; budget > 0; budget--) {
        uint32_t tail;
        int slot = oldest_slot(p, &tail, ev);
        if (slot < 0)
            break; /* none queued: ev may hold a dropped event's fields */
        if (!ring_take(p, slot, tail))
            continue; /* overwritten while copied: read again */
        if (!event_check(ev)) {
            p->events_invalid++;
            continue;
        }
        if (ev->type == SHMFB_EVENT_FRAME_REQUEST && !request_due(p))
            continue;
        event_clamp(&p->r, ev);
        return 0;
    }
    memset(ev, 0, sizeof(*ev));
    return -EAGAIN;
}

uint64_t shmfb_producer_events_invalid(const struct shmfb_producer *p)
{
    return p->events_invalid;
}

static bool events_queued(const struct wire_header *h)
{
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        const struct wire_slot *s = &h->slots[i];
        if (atomic_load_explicit(&s->ev_head, memory_order_acquire) !=
            atomic_load_explicit(&s->ev_tail, memory_order_acquire))
            return true;
    }
    return false;
}

struct wait_ctx {
    struct shmfb_producer *p;
    uint32_t what;
};

static int ready(void *ctx, bool check)
{
    const struct wait_ctx *w = ctx;
    struct shmfb_producer *p = w->p;
    int r = 0;
    if ((w->what & SHMFB_WAIT_EVENT) && events_queued(p->r.hdr))
        r |= SHMFB_WAIT_EVENT;
    /* A consumer that dies holding the frame is dropped by the liveness
     * check, so TAKEN comes true then too. */
    if (check)
        shmfb__peers_check(p); /* answers newcomers, drops those who left */
    if (check && p->r.pacing != SHMFB_PACING_FIFO)
        shmfb__slots_drop_stuck(p);
    if ((w->what & SHMFB_WAIT_TAKEN) && shmfb__slots_pending(p, p->seq, false) == 0)
        r |= SHMFB_WAIT_TAKEN;
    if ((w->what & SHMFB_WAIT_HOST) && shmfb__host_pending(p))
        r |= SHMFB_WAIT_HOST;
    return r;
}

int shmfb_producer_wait(struct shmfb_producer *p, int timeout_ms, uint32_t what)
{
    what &= SHMFB_WAIT_EVENT | SHMFB_WAIT_TAKEN | SHMFB_WAIT_HOST;
    if (!what)
        return -EINVAL;
    struct wire_header *h = p->r.hdr;
    const struct shmfb__wait w = {&h->prod_wake, &h->prod_waiters, &h->prod_wake_ns,
                                  NULL,          &p->next_check,   timeout_ms};
    struct wait_ctx ctx = {p, what};
    return shmfb__wait_until(&w, ready, &ctx);
}

uint64_t shmfb_producer_events_dropped(const struct shmfb_producer *p)
{
    uint64_t n = 0;
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++)
        n += atomic_load_explicit(&p->r.hdr->slots[i].ev_dropped, memory_order_relaxed);
    return n;
}

/* Consumer slots and peer liveness: who is attached, who is gone, who is
 * stuck.  The only module that changes a slot's state word (the wake-ups
 * between the two sides are handshake.c's). */
#include "internal.h"

#include <assert.h>
#include <errno.h>
#include <unistd.h>

/* Publishes the attachment for shmfb_consumer_send() on another thread. */
static void link_publish(struct shmfb_consumer *c)
{
    uint64_t link = c->slot >= 0 ? ((uint64_t)(c->slot + 1) << 32) | c->slot_word : 0;
    atomic_store_explicit(&c->link, link, memory_order_release);
}

static void slot_forget(struct shmfb_consumer *c)
{
    c->slot = -1;
    c->held = 0;
    c->pinned = false;
    link_publish(c);
}

/* Tries to claim slot i.  The slot is ours only once the second exchange
 * succeeds: the producer may drop a half-claimed slot. */
bool shmfb__slot_claim(struct shmfb_consumer *c, int i)
{
    assert(i >= 0 && i < SHMFB_MAX_CONSUMERS && c->slot < 0);
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
    atomic_store_explicit(&s->token, c->producer.token, memory_order_release);
    atomic_store_explicit(&s->taken_seq, c->taken, memory_order_relaxed);
    atomic_store_explicit(&s->hold, 0, memory_order_relaxed);
    atomic_store_explicit(&s->hold_seq, 0, memory_order_relaxed);
    uint32_t attached = (claiming & ~3u) | WIRE_SLOT_ATTACHED;
    if (!atomic_compare_exchange_strong(&s->word, &claiming, attached))
        return false;
    c->slot = i;
    c->slot_word = attached;
    c->held = 0;
    link_publish(c);
    return true;
}

/* Whether we still hold our slot; forgets it if the producer dropped us. */
int shmfb__slot_check(struct shmfb_consumer *c)
{
    if (c->slot < 0)
        return -ENOTCONN;
    struct wire_slot *s = &c->r.hdr->slots[c->slot];
    if (atomic_load_explicit(&s->word, memory_order_acquire) == c->slot_word)
        return 0;
    slot_forget(c);
    return -ECONNRESET;
}

/* Gives our slot back. */
int shmfb__slot_free(struct shmfb_consumer *c)
{
    if (shmfb__slot_check(c) < 0) {
        c->slot = -1;
        return -ENOTCONN;
    }
    struct wire_slot *s = &c->r.hdr->slots[c->slot];
    uint32_t w = c->slot_word;
    bool ours = atomic_compare_exchange_strong(&s->word, &w, WIRE_SLOT_NEXT(w, WIRE_SLOT_FREE));
    slot_forget(c);
    return ours ? 0 : -ENOTCONN;
}

/* Frees a slot whose consumer is gone or stuck.  The generation changes, so
 * that consumer learns it was dropped. */
void shmfb__slot_drop(struct wire_slot *s, uint32_t word)
{
    atomic_compare_exchange_strong_explicit(&s->word, &word, WIRE_SLOT_NEXT(word, WIRE_SLOT_FREE),
                                            memory_order_acq_rel, memory_order_relaxed);
}

int shmfb__slots_pending(struct shmfb_producer *p, uint64_t seq, bool drop_all)
{
    int pending = 0;
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        struct wire_slot *s = &p->r.hdr->slots[i];
        uint32_t w = atomic_load_explicit(&s->word, memory_order_acquire);
        if (WIRE_SLOT_STATE(w) != WIRE_SLOT_ATTACHED ||
            atomic_load_explicit(&s->taken_seq, memory_order_acquire) >= seq)
            continue;
        if (drop_all) {
            shmfb__slot_drop(s, w);
            continue;
        }
        pending++;
    }
    return pending;
}

void shmfb__slots_drop_stuck(struct shmfb_producer *p)
{
    int64_t now = shmfb__now_ns();
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        struct wire_slot *s = &p->r.hdr->slots[i];
        uint32_t w = atomic_load_explicit(&s->word, memory_order_acquire);
        uint64_t taken = atomic_load_explicit(&s->taken_seq, memory_order_acquire);
        if (WIRE_SLOT_STATE(w) != WIRE_SLOT_ATTACHED || taken >= p->seq) {
            p->stuck.since[i] = 0; /* nothing waits for it */
            continue;
        }
        if (taken != p->stuck.taken[i] || p->stuck.since[i] == 0) {
            p->stuck.taken[i] = taken; /* pending from now on */
            p->stuck.since[i] = now;
            continue;
        }
        /* Frames have been waiting for it, untaken, the whole timeout. */
        if (now - p->stuck.since[i] >= p->timeout_ns)
            shmfb__slot_drop(s, w);
    }
}

int shmfb__slots_attached(const struct wire_header *h)
{
    int n = 0;
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        uint32_t w = atomic_load_explicit(&h->slots[i].word, memory_order_acquire);
        n += WIRE_SLOT_STATE(w) == WIRE_SLOT_ATTACHED;
    }
    return n;
}

/* Once gone, always gone: a producer never comes back on a connection. */
bool shmfb__producer_gone(struct shmfb_consumer *c)
{
    if (c->gone)
        return true;
    if (c->refused || shmfb__peer_gone(&c->producer, true)) {
        /* A producer that closed our connection but runs on, holding its
         * name, refused us (its table was full): not gone, as long as it
         * holds the name.  Asked again each time, never remembered: a
         * producer that goes closes its connections before its name is
         * released (the kernel closes an exiting process's descriptors in
         * any order), and would otherwise be taken for one that refused us
         * for ever.  Nothing of the connection is touched here: a host call
         * may use it meanwhile. */
        c->refused =
            shmfb__peer_process_alive(&c->producer) && shmfb__name_held(c->r.name, c->r.nonce);
        c->gone = !c->refused;
    }
    return c->gone;
}

/* Consumer slots and peer liveness: who is attached, who is gone, and the
 * wake-ups between the two sides.  The only module that reads or writes a
 * slot's state word. */
#include "internal.h"

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
    link_publish(c);
}

/* Tries to claim slot i.  The slot is ours only once the second exchange
 * succeeds: the producer may drop a half-claimed slot. */
bool shmfb__slot_claim(struct shmfb_consumer *c, int i)
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
    atomic_store_explicit(&s->start_time, shmfb__proc_start_time(pid), memory_order_relaxed);
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

static bool slot_dead(const struct wire_slot *s)
{
    int32_t pid = atomic_load_explicit(&s->pid, memory_order_relaxed);
    uint64_t start = atomic_load_explicit(&s->start_time, memory_order_relaxed);
    return !shmfb__proc_alive(pid, start);
}

/* Frees a slot whose consumer is gone or stuck.  The generation changes, so
 * that consumer learns it was dropped. */
static void slot_drop(struct wire_slot *s, uint32_t word)
{
    atomic_compare_exchange_strong_explicit(&s->word, &word, WIRE_SLOT_NEXT(word, WIRE_SLOT_FREE),
                                            memory_order_acq_rel, memory_order_relaxed);
}

/* Frees slots whose holder died without detaching (or mid-claim). */
void shmfb__slots_reap(struct wire_header *h)
{
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        struct wire_slot *s = &h->slots[i];
        uint32_t w = atomic_load_explicit(&s->word, memory_order_acquire);
        int32_t pid = atomic_load_explicit(&s->pid, memory_order_relaxed);
        if (WIRE_SLOT_STATE(w) != WIRE_SLOT_FREE && pid > 0 && slot_dead(s))
            slot_drop(s, w);
    }
}

/* Counts attached consumers that have not taken frame `seq`.  With
 * `check_alive`, dead ones are dropped; with `drop_all`, every laggard is. */
int shmfb__slots_pending(struct wire_header *h, uint64_t seq, bool check_alive, bool drop_all)
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

int shmfb__slots_attached(const struct wire_header *h)
{
    int n = 0;
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        uint32_t w = atomic_load_explicit(&h->slots[i].word, memory_order_acquire);
        n += WIRE_SLOT_STATE(w) == WIRE_SLOT_ATTACHED;
    }
    return n;
}

bool shmfb__producer_gone(const struct shmfb__region *r)
{
    if (atomic_load_explicit(&r->hdr->state, memory_order_acquire) != WIRE_STATE_LIVE)
        return true;
    return !shmfb__proc_alive(r->producer_pid, r->producer_start);
}

/* A wake skips the syscall when nobody sleeps.  Pairs with the waiter's
 * count before it sleeps (wait.c): either it sees the new word, or this sees
 * its count (both sequentially consistent).  A peer that corrupts a count
 * costs a waiter at most one liveness period. */
static void wake(_Atomic uint32_t *word, _Atomic uint32_t *sleepers)
{
    atomic_fetch_add_explicit(word, 1, memory_order_seq_cst);
    if (atomic_load_explicit(sleepers, memory_order_seq_cst))
        shmfb__sync_wake_all(word);
}

void shmfb__wake_producer(struct wire_header *h)
{
    wake(&h->prod_wake, &h->prod_waiters);
}

void shmfb__wake_consumers(struct wire_header *h)
{
    wake(&h->cons_wake, &h->cons_waiters);
}

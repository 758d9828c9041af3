/* Both ends of the futex handshake, in the order a wait goes: whether to
 * spin at all, the spin and what it learns, the waker's bump and wake, and
 * the bounded wait loop.  The futex calls themselves are the OS layer's
 * (os.h). */
#include "internal.h"

#include <assert.h>
#include <errno.h>

/* ---- Whether to spin: both sides record the CPU they run on. ---- */

bool shmfb__consumer_may_spin(const struct shmfb_consumer *c)
{
    int32_t me = shmfb__os_cpu();
    if (c->slot >= 0)
        atomic_store_explicit(&c->r.hdr->slots[c->slot].cpu, me, memory_order_relaxed);
    return me < 0 || atomic_load_explicit(&c->r.hdr->prod_cpu, memory_order_relaxed) != me;
}

bool shmfb__producer_may_spin(const struct shmfb_producer *p)
{
    int32_t me = shmfb__os_cpu();
    atomic_store_explicit(&p->r.hdr->prod_cpu, me, memory_order_relaxed);
    for (int i = 0; me >= 0 && i < SHMFB_MAX_CONSUMERS; i++) {
        const struct wire_slot *s = &p->r.hdr->slots[i];
        if (WIRE_SLOT_STATE(atomic_load_explicit(&s->word, memory_order_relaxed)) ==
                WIRE_SLOT_ATTACHED &&
            atomic_load_explicit(&s->cpu, memory_order_relaxed) == me)
            return false;
    }
    return true;
}

/* ---- The spin and its budget. ---- */

/* Spin bounds.  A sleeping waiter pays a wake-up of tens of microseconds on
 * an idle core, as much as a small frame takes to draw and copy, so waits up
 * to SPIN_MAX_NS are worth catching awake; longer ones cost the waiter about
 * SPIN_MIN_NS before it sleeps. */
#define SPIN_MIN_NS 1000
#define SPIN_MAX_NS 100000
/* Every so many waits, one spins the whole budget allowed to find out
 * whether waits have become short again. */
#define SPIN_PROBE_EVERY 16

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

/* A spin that caught the change after t ns keeps the budget at about 2t
 * (shrinking slowly); one that failed halves it.  Failing spins therefore
 * fade out fast, e.g. when the peer cannot run because every core is busy. */
static void spin_learn(struct shmfb__spin *s, int64_t t)
{
    int64_t limit = s->limit_ns;
    if (t < 0) {
        limit /= 2;
    } else {
        limit -= limit / 8;
        if (limit < 2 * t + SPIN_MIN_NS)
            limit = 2 * t + SPIN_MIN_NS;
    }
    if (limit < SPIN_MIN_NS)
        limit = SPIN_MIN_NS;
    if (limit > SPIN_MAX_NS)
        limit = SPIN_MAX_NS;
    s->limit_ns = (int32_t)limit;
}

/* Spins while *word == expected, for a budget learned from the earlier
 * spins of s; true if the word changed.  Spinning longer than a sleeping
 * wait's wake-up would cost can only lose: the budget never passes it,
 * whatever else it learned. */
static bool spin(struct shmfb__spin *s, _Atomic uint32_t *word, uint32_t expected)
{
    int64_t cap = s->wake_ns ? s->wake_ns : SPIN_MAX_NS;
    int64_t budget = s->waits++ % SPIN_PROBE_EVERY == 0 ? cap : s->limit_ns;
    budget = budget < cap ? budget : cap;
    int64_t start = shmfb__now_ns(), now = start;
    do {
        for (int i = 0; i < 16; i++) {
            if (atomic_load_explicit(word, memory_order_acquire) != expected) {
                spin_learn(s, shmfb__now_ns() - start);
                return true;
            }
            cpu_relax();
        }
        now = shmfb__now_ns();
    } while (now - start < budget);
    spin_learn(s, -1);
    return false;
}

/* A wake-up's cost, as an average that follows changes within some tens of
 * waits (a machine's load, where the scheduler puts the two sides). */
static void learn_wake(struct shmfb__spin *s, int64_t ns)
{
    if (ns <= 0 || ns > 10 * SPIN_MAX_NS)
        return; /* not a wake-up we caused, or one we cannot use */
    int64_t w = s->wake_ns ? (7 * (int64_t)s->wake_ns + ns) / 8 : ns;
    s->wake_ns = (int32_t)(w < SPIN_MIN_NS ? SPIN_MIN_NS : w > SPIN_MAX_NS ? SPIN_MAX_NS : w);
}

/* ---- The waker's end. ---- */

/* A wake skips the syscall when nobody sleeps.  Pairs with the waiter's
 * count before it sleeps (shmfb__wait_until): either it sees the new word,
 * or this sees its count (both sequentially consistent).  A peer that
 * corrupts a count costs a waiter at most one liveness period. */
static void wake(_Atomic uint32_t *word, _Atomic uint32_t *sleepers, _Atomic uint64_t *stamp)
{
    atomic_fetch_add_explicit(word, 1, memory_order_seq_cst);
    if (!atomic_load_explicit(sleepers, memory_order_seq_cst))
        return;
    /* The sleeper learns from it what a wake-up costs (learn_wake). */
    atomic_store_explicit(stamp, (uint64_t)shmfb__now_ns(), memory_order_relaxed);
    shmfb__os_futex_wake(word);
}

void shmfb__wake_producer(struct wire_header *h)
{
    wake(&h->prod_wake, &h->prod_waiters, &h->prod_wake_ns);
}

void shmfb__wake_consumers(struct wire_header *h)
{
    wake(&h->cons_wake, &h->cons_waiters, &h->cons_wake_ns);
}

/* ---- The waiter's end: check, spin once, then sleep in slices no longer
 * than the liveness period, so that a dead peer is noticed even when nobody
 * wakes the waiter. ---- */

static int64_t deadline_of(int timeout_ms, int64_t start)
{
    return timeout_ms < 0 ? INT64_MAX : start + (int64_t)timeout_ms * 1000000;
}

/* A wait the peer ended: how long after its wake the sleeper ran. */
static void learn(const struct shmfb__wait *w, int woken, int64_t slept_at)
{
    if (woken < 0 || !w->spin || !w->stamp)
        return;
    int64_t stamp = (int64_t)atomic_load_explicit(w->stamp, memory_order_relaxed);
    if (stamp > slept_at)
        learn_wake(w->spin, shmfb__now_ns() - stamp);
}

/* Sleeps on the word, counted among its sleepers, at most `slice` ns. */
static void sleep_on(const struct shmfb__wait *w, uint32_t v, int64_t now, int64_t slice)
{
    atomic_fetch_add_explicit(w->sleepers, 1, memory_order_seq_cst);
    int woken = shmfb__os_futex_wait(w->word, v, slice);
    atomic_fetch_sub_explicit(w->sleepers, 1, memory_order_relaxed);
    learn(w, woken, now);
}

int shmfb__wait_until(const struct shmfb__wait *w, int (*ready)(void *ctx, bool check), void *ctx)
{
    assert(w->word && w->sleepers && w->next_check);
    int64_t deadline = deadline_of(w->timeout_ms, shmfb__now_ns());
    bool spun = !w->spin || w->timeout_ms == 0, slept = false;
    for (;;) {
        uint32_t v = atomic_load_explicit(w->word, memory_order_acquire);
        int64_t now = shmfb__now_ns();
        /* Liveness costs a poll() over the peers' connections: after each
         * sleep (a peer that leaves wakes us), else at most once per
         * period, also over many calls that poll with a zero timeout. */
        bool check = spun && (slept || now >= *w->next_check);
        slept = false;
        if (check)
            *w->next_check = now + SHMFB__LIVENESS_NS;
        int r = ready(ctx, check);
        if (r != 0)
            return r;
        if (!spun) {
            spun = true;
            spin(w->spin, w->word, v);
            continue;
        }
        if (now >= deadline)
            return -ETIMEDOUT;
        int64_t slice = *w->next_check - now;
        sleep_on(w, v, now, slice < deadline - now ? slice : deadline - now);
        slept = true;
    }
}

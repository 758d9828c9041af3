/* The bounded wait loop behind every wait of the library: check, spin once,
 * then sleep on a futex word in slices no longer than the liveness period,
 * so that a dead peer is noticed even when nobody wakes the waiter. */
#include "internal.h"

#include <errno.h>

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
        shmfb__sync_learn_wake(w->spin, shmfb__now_ns() - stamp);
}

int shmfb__wait_until(const struct shmfb__wait *w, int (*ready)(void *ctx, bool check), void *ctx)
{
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
            shmfb__sync_spin(w->spin, w->word, v);
            continue;
        }
        if (now >= deadline)
            return -ETIMEDOUT;
        int64_t slice = *w->next_check - now;
        slice = slice < deadline - now ? slice : deadline - now;
        atomic_fetch_add_explicit(w->sleepers, 1, memory_order_seq_cst);
        int woken = shmfb__sync_wait(w->word, v, slice);
        atomic_fetch_sub_explicit(w->sleepers, 1, memory_order_relaxed);
        slept = true;
        learn(w, woken, now);
    }
}

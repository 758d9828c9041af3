/* handshake.c: both ends of the futex handshake between producer and
 * consumers.  A waker bumps a word in the shared header and wakes its
 * sleepers; a waiter checks its condition, spins once for a learned budget
 * if the peer can run beside it, then sleeps on the word in slices no
 * longer than the liveness period. */
#ifndef SHMFB_HANDSHAKE_H
#define SHMFB_HANDSHAKE_H

#include "wire.h"

#include <stdbool.h>
#include <stdint.h>

struct shmfb_producer;
struct shmfb_consumer;

/* How long a waiter spins on a word before it sleeps; one per waiting
 * handle, zero-initialised. */
struct shmfb__spin {
    int32_t limit_ns; /* current budget */
    uint32_t waits;   /* spins so far */
    int32_t wake_ns;  /* what a sleeping wait's wake-up costs here; 0 unknown */
};

/* One wait.  ready(ctx, check) is called before each sleep; `check` is true
 * at most once per SHMFB__LIVENESS_NS (per *next_check), when it should look
 * for dead peers.  It returns 0 to go on waiting, anything else to stop. */
struct shmfb__wait {
    _Atomic uint32_t *word;     /* futex word the other side bumps */
    _Atomic uint32_t *sleepers; /* counted while asleep, so wakers can skip
                                   the wake syscall when nobody sleeps */
    _Atomic uint64_t *stamp;    /* when the waker last woke sleepers */
    struct shmfb__spin *spin;   /* spin once before the first sleep; NULL: never */
    int64_t *next_check;        /* the handle's liveness schedule */
    int timeout_ms;             /* 0 polls; negative: no bound */
};
/* The one bounded wait loop behind every wait of the library: ready()'s
 * nonzero result, or -ETIMEDOUT. */
int shmfb__wait_until(const struct shmfb__wait *w, int (*ready)(void *ctx, bool check), void *ctx);

/* The waker's end: the word bumped, sleepers woken. */
void shmfb__wake_producer(struct wire_header *h);
void shmfb__wake_consumers(struct wire_header *h);

/* Whether spinning can catch the peer: not when it last ran on our CPU
 * (it cannot run while we spin there).  Each also records where its
 * caller runs, for the other side's decision. */
bool shmfb__consumer_may_spin(const struct shmfb_consumer *c);
bool shmfb__producer_may_spin(const struct shmfb_producer *p);

#endif /* SHMFB_HANDSHAKE_H */

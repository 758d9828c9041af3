/* Futex waits on words in shared memory.  Only this file knows futexes, so
 * another platform needs only another sync_*.c. */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
    /* Not FUTEX_PRIVATE_FLAG: the word is shared between processes. */
    return syscall(SYS_futex, (uint32_t *)word, op, val, ts, NULL, 0);
}

/* Sleeps while *word == expected, at most timeout_ns (relative).  Returns 0
 * when woken, when the value already differed, or on a signal (callers
 * recheck their condition in a loop); -ETIMEDOUT when the time ran out. */
int shmfb__sync_wait(_Atomic uint32_t *word, uint32_t expected, int64_t timeout_ns)
{
    if (timeout_ns <= 0)
        return -ETIMEDOUT;
    struct timespec ts = {.tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000};
    if (futex(word, FUTEX_WAIT, expected, &ts) == 0)
        return 0;
    return errno == ETIMEDOUT ? -ETIMEDOUT : 0;
}

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

/* A wake-up's cost, as an average that follows changes within some tens of
 * waits (a machine's load, where the scheduler puts the two sides). */
void shmfb__sync_learn_wake(struct shmfb__spin *s, int64_t ns)
{
    if (ns <= 0 || ns > 10 * SPIN_MAX_NS)
        return; /* not a wake-up we caused, or one we cannot use */
    int64_t w = s->wake_ns ? (7 * (int64_t)s->wake_ns + ns) / 8 : ns;
    s->wake_ns = (int32_t)(w < SPIN_MIN_NS ? SPIN_MIN_NS : w > SPIN_MAX_NS ? SPIN_MAX_NS : w);
}

int32_t shmfb__sync_cpu(void)
{
    return (int32_t)sched_getcpu();
}

/* Spinning longer than a sleeping wait's wake-up would cost can only lose:
 * the budget never passes it, whatever else it learned. */
bool shmfb__sync_spin(struct shmfb__spin *s, _Atomic uint32_t *word, uint32_t expected)
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

void shmfb__sync_wake_all(_Atomic uint32_t *word)
{
    futex(word, FUTEX_WAKE, INT_MAX, NULL);
}

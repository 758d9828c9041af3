/* Futex waits on words in shared memory.  Only this file knows futexes, so
 * another platform needs only another sync_*.c. */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
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
int sync_wait(_Atomic uint32_t *word, uint32_t expected, int64_t timeout_ns)
{
    if (timeout_ns <= 0)
        return -ETIMEDOUT;
    struct timespec ts = {.tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000};
    if (futex(word, FUTEX_WAIT, expected, &ts) == 0)
        return 0;
    return errno == ETIMEDOUT ? -ETIMEDOUT : 0;
}

void sync_wake_all(_Atomic uint32_t *word)
{
    futex(word, FUTEX_WAKE, INT_MAX, NULL);
}

void sync_wake_one(_Atomic uint32_t *word)
{
    futex(word, FUTEX_WAKE, 1, NULL);
}

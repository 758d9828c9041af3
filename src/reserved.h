/* The reserved tails of the public structs (the growth rule: the header's
 * opening comment).  An input whose reserved bytes are not all zero was
 * written for a later library that gave them a meaning this one does not
 * know, so it is refused with -EINVAL rather than half understood. */
#ifndef SHMFB_RESERVED_H
#define SHMFB_RESERVED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline bool shmfb__zeroed(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

/* True when the reserved tail of the struct *s is all zero. */
#define SHMFB__RESERVED_ZERO(s) shmfb__zeroed((s)->reserved, sizeof((s)->reserved))

#endif /* SHMFB_RESERVED_H */

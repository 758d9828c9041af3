/*
 * The frames of test-producer's seq and tag scenes, for the producer and
 * for the checkers that predict them (tools_helper check-pattern,
 * access_helper consume).  Seq: frame SEQ is test_pattern(x, y, SEQ)
 * everywhere, alpha included, and its size alternates between the first
 * size and the capacity every TEST_PATTERN_PERIOD frames.  Tag: frame SEQ
 * is test_tag_pattern(TAG, SEQ, x, y) at a fixed size.
 */
#ifndef SHMFB_TEST_PATTERN_H
#define SHMFB_TEST_PATTERN_H

#include <stdbool.h>
#include <stdint.h>

#define TEST_PATTERN_PERIOD 10

static inline uint32_t test_pattern(int32_t x, int32_t y, uint64_t seq)
{
    uint32_t s = (uint32_t)seq;
    uint32_t r = ((uint32_t)x * 7 + (uint32_t)y * 13 + s * 5) & 0xff;
    uint32_t g = (((uint32_t)x ^ (uint32_t)y) + s) & 0xff;
    uint32_t b = ((uint32_t)y * 3 + s * 11) & 0xff;
    uint32_t a = ((uint32_t)x + (uint32_t)y * 2 + s) & 0xff;

    return a << 24 | r << 16 | g << 8 | b;
}

/* The size of frame SEQ (from 1) of a producer of size w x h, capacity
 * mw x mh. */
static inline void test_pattern_size(uint64_t seq, int32_t w, int32_t h, int32_t mw, int32_t mh,
                                     int32_t *ow, int32_t *oh)
{
    bool alt = ((seq - 1) / TEST_PATTERN_PERIOD) % 2 == 1;

    *ow = alt ? mw : w;
    *oh = alt ? mh : h;
}

/* Frame SEQ of test-producer's tag scene with tag TAG (0 to 255), which
 * access_helper consume checks. */
static inline uint32_t test_tag_pattern(long tag, uint64_t seq, int32_t x, int32_t y)
{
    return 0xFF000000u | ((uint32_t)tag & 0xFFu) << 16 |
           (uint32_t)(seq * 7 + (uint64_t)x + (uint64_t)y * 64) % 0xFFFFu;
}

#endif

/*
 * The shared region's layout.  This header is the only place that knows it.
 *
 * Rules: offsets, never pointers; fixed-width fields; every cross-process
 * word is a C11 atomic; magic and version at offset 0, never moved.  The
 * creator fills everything and stores the magic last (release); an opener
 * acquire-loads it.  Nothing here is trusted by an opener before it has been
 * validated (see region.c).
 *
 *   +--------------------+ 0
 *   | struct wire_header |   1024 bytes: identity, geometry, sync words,
 *   |                    |   the current frame record, consumer slots
 *   +--------------------+ rings_offset (page aligned)
 *   | event rings        |   nslots * ring_capacity * event_size
 *   +--------------------+ cursor_offset (page aligned)
 *   | struct wire_cursor |   the pointer shape, under its own sequence lock
 *   +--------------------+ buffer_offset (page aligned)
 *   | pixels             |   stride * max_height
 *   | tail padding       |   rounded up to the page, plus one whole page
 *   +--------------------+ total_size
 */
#ifndef SHMFB_WIRE_H
#define SHMFB_WIRE_H

#include <shmfb/shmfb.h>

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* "SHMFB\0\r\n" read as a little-endian word. */
#define WIRE_MAGIC   UINT64_C(0x0A0D0042464D4853)
#define WIRE_VERSION 2u

#define WIRE_RING_CAPACITY 256u /* events per consumer, a power of two */
#define WIRE_EVENT_WORDS   8u   /* one event is 8 32-bit words */

enum wire_state {
    WIRE_STATE_LIVE = 1,   /* the producer is running */
    WIRE_STATE_CLOSED = 2, /* the producer closed the framebuffer */
};

/* Consumer slot word: low 2 bits the state, the rest a generation counter
 * that changes on every claim and release, so a consumer can tell that the
 * producer dropped it even if another consumer took the slot since. */
enum wire_slot_state {
    WIRE_SLOT_FREE = 0,
    WIRE_SLOT_CLAIMING = 1,
    WIRE_SLOT_ATTACHED = 2,
};
#define WIRE_SLOT_STATE(w)       ((w)&3u)
#define WIRE_SLOT_NEXT(w, state) ((((w) & ~3u) + 4u) | (state))

struct wire_slot {
    _Atomic uint32_t word;         /* state | generation */
    _Atomic int32_t pid;           /* consumer process */
    _Atomic uint64_t start_time;   /* its start time, against pid reuse */
    _Atomic uint64_t taken_seq;    /* last frame this consumer released */
    _Atomic uint64_t heartbeat_ms; /* CLOCK_MONOTONIC ms of its last call */
    _Atomic uint32_t ev_head;      /* next event to write (consumer) */
    _Atomic uint32_t ev_tail;      /* next event to read (producer) */
    _Atomic uint32_t ev_dropped;   /* events lost to a full ring */
    uint32_t reserved[5];
};

/* The pointer shape consumers show, written under a sequence lock like the
 * frame record.  `seq` changes with every shape the producer sets. */
struct wire_cursor {
    _Atomic uint32_t lock;
    _Atomic uint32_t state; /* enum shmfb_cursor_state */
    _Atomic int32_t width;
    _Atomic int32_t height;
    _Atomic int32_t hot_x;
    _Atomic int32_t hot_y;
    _Atomic uint64_t seq;
    _Atomic uint32_t pixels[SHMFB_CURSOR_MAX * SHMFB_CURSOR_MAX]; /* rows packed */
};

/* The description of the last presented frame, written under a sequence
 * lock: `lock` is odd while the producer writes. */
struct wire_frame {
    _Atomic uint32_t lock;
    _Atomic int32_t width;
    _Atomic int32_t height;
    _Atomic uint32_t ndamage;
    _Atomic uint64_t seq;
    _Atomic int32_t damage[SHMFB_MAX_DAMAGE][4]; /* x, y, w, h */
};

struct wire_header {
    _Atomic uint64_t magic; /* stored last by the creator */
    uint32_t version;
    uint32_t header_size;
    uint64_t total_size;
    int32_t max_width;
    int32_t max_height;
    uint32_t stride;
    uint32_t format;
    uint32_t pacing;
    uint32_t nslots;
    uint64_t buffer_offset;
    uint64_t buffer_size;
    uint64_t rings_offset;
    uint32_t ring_capacity;
    uint32_t event_size;
    int32_t producer_pid;
    uint32_t reserved0;
    uint64_t producer_start;
    _Atomic uint32_t state;        /* enum wire_state */
    _Atomic uint32_t cons_wake;    /* futex: consumers sleep here */
    _Atomic uint32_t prod_wake;    /* futex: the producer sleeps here */
    _Atomic uint32_t prod_waiters; /* nonzero while the producer sleeps */
    _Atomic uint64_t heartbeat_ms; /* producer's last present */
    _Atomic uint64_t frame_seq;    /* last published frame, 0 before any */
    struct wire_frame frame;
    _Atomic uint32_t cons_waiters; /* consumers asleep on cons_wake */
    uint32_t reserved1;
    uint64_t cursor_offset;
    uint8_t reserved2[512 - 128 - sizeof(struct wire_frame) - 16];
    struct wire_slot slots[SHMFB_MAX_CONSUMERS];
};

/* The protocol depends on every one of these. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "32-bit atomics must be lock-free");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");
_Static_assert(sizeof(_Atomic uint32_t) == 4, "atomic word size");
_Static_assert(sizeof(_Atomic uint64_t) == 8, "atomic word size");
_Static_assert(offsetof(struct wire_header, magic) == 0, "magic at 0");
_Static_assert(offsetof(struct wire_header, version) == 8, "version at 8");
_Static_assert(offsetof(struct wire_header, header_size) == 12, "layout");
_Static_assert(offsetof(struct wire_header, total_size) == 16, "layout");
_Static_assert(offsetof(struct wire_header, max_width) == 24, "layout");
_Static_assert(offsetof(struct wire_header, max_height) == 28, "layout");
_Static_assert(offsetof(struct wire_header, stride) == 32, "layout");
_Static_assert(offsetof(struct wire_header, format) == 36, "layout");
_Static_assert(offsetof(struct wire_header, pacing) == 40, "layout");
_Static_assert(offsetof(struct wire_header, nslots) == 44, "layout");
_Static_assert(offsetof(struct wire_header, buffer_offset) == 48, "layout");
_Static_assert(offsetof(struct wire_header, buffer_size) == 56, "layout");
_Static_assert(offsetof(struct wire_header, rings_offset) == 64, "layout");
_Static_assert(offsetof(struct wire_header, ring_capacity) == 72, "layout");
_Static_assert(offsetof(struct wire_header, event_size) == 76, "layout");
_Static_assert(offsetof(struct wire_header, producer_pid) == 80, "layout");
_Static_assert(offsetof(struct wire_header, producer_start) == 88, "layout");
_Static_assert(offsetof(struct wire_header, state) == 96, "layout");
_Static_assert(offsetof(struct wire_header, cons_wake) == 100, "layout");
_Static_assert(offsetof(struct wire_header, prod_wake) == 104, "layout");
_Static_assert(offsetof(struct wire_header, prod_waiters) == 108, "layout");
_Static_assert(offsetof(struct wire_header, heartbeat_ms) == 112, "layout");
_Static_assert(offsetof(struct wire_header, frame_seq) == 120, "layout");
_Static_assert(offsetof(struct wire_header, frame) == 128, "layout");
_Static_assert(sizeof(struct wire_frame) == 280, "frame record size");
_Static_assert(offsetof(struct wire_frame, seq) == 16, "layout");
_Static_assert(offsetof(struct wire_frame, damage) == 24, "layout");
_Static_assert(offsetof(struct wire_header, cons_waiters) == 408, "layout");
_Static_assert(offsetof(struct wire_header, cursor_offset) == 416, "layout");
_Static_assert(offsetof(struct wire_header, slots) == 512, "layout");
_Static_assert(sizeof(struct wire_slot) == 64, "slot size");
_Static_assert(offsetof(struct wire_slot, taken_seq) == 16, "layout");
_Static_assert(offsetof(struct wire_slot, ev_head) == 32, "layout");
_Static_assert(offsetof(struct wire_slot, ev_tail) == 36, "layout");
_Static_assert(sizeof(struct wire_header) == 1024, "header size");
_Static_assert(offsetof(struct wire_cursor, seq) == 24, "layout");
_Static_assert(offsetof(struct wire_cursor, pixels) == 32, "layout");
_Static_assert(sizeof(struct wire_cursor) == 32 + 4 * 64 * 64, "cursor record size");

#endif /* SHMFB_WIRE_H */

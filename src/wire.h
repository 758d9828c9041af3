/*
 * The shared region's layout and the handoff message: the only place that
 * knows them.  Every field the protocol relies on has a _Static_assert.
 *
 * Rules: offsets, never pointers; fixed-width fields; every cross-process
 * word is a C11 atomic; magic and version at offset 0, never moved.  The
 * creator fills everything and stores the magic last (release); an opener
 * acquire-loads it.  Nothing here is trusted by an opener before it has been
 * validated (region.c), and no side ever reads back a word it wrote to make
 * a decision: a peer may have changed it.
 *
 *   +--------------------+ 0
 *   | struct wire_header |   identity, geometry, offsets, sync words, the
 *   |                    |   buffers' contents, consumer slots
 *   +--------------------+ records_offset (page aligned)
 *   | frame records      |   WIRE_RECORDS × struct wire_frame: frame s in
 *   |                    |   record s % WIRE_RECORDS
 *   +--------------------+ rings_offset (page aligned)
 *   | event rings        |   nslots × ring_capacity × event_size
 *   +--------------------+ cursor_offset (page aligned)
 *   | struct wire_cursor |   the pointer shape
 *   +--------------------+ buffer_offset (page aligned)
 *   | pixel buffer 0     |   stride × max_height, rounded up to the page,
 *   | tail padding       |   plus one whole page of zeros
 *   +--------------------+ buffer_offset + buffer_size
 *   | buffer 1 .. n-1    |   (mailbox pacing only)
 *   +--------------------+ total_size
 *
 * The region is an anonymous memfd sealed against shrinking and growing.
 * A named producer's consumers reopen it through /proc/PID/fd/N (PID from
 * the name's socket credentials, N and the nonce from its lock file), or
 * receive it in a struct wire_handoff message where /proc does not reach
 * (another user or pid namespace); a spawned producer sends the handoff.
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
#define WIRE_VERSION 3u

#define WIRE_RING_CAPACITY 256u /* events per consumer, a power of two */
#define WIRE_EVENT_WORDS   8u   /* one event is 8 32-bit words */
#define WIRE_RECORDS       32u  /* frame records kept, a power of two */
#define WIRE_MAX_BUFFERS   8u   /* pixel buffers at most (mailbox) */

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
    _Atomic uint32_t word;       /* state | generation */
    _Atomic int32_t pid;         /* consumer process, as it sees itself (shown only) */
    _Atomic uint64_t token;      /* its connection, from the handoff */
    _Atomic uint64_t taken_seq;  /* last frame this consumer released */
    _Atomic uint64_t hold_seq;   /* mailbox: frame held now, 0 none */
    _Atomic uint32_t hold;       /* mailbox: buffer held now + 1, 0 none */
    _Atomic uint32_t ev_head;    /* next event to write (consumer) */
    _Atomic uint32_t ev_tail;    /* next event to read (producer) */
    _Atomic uint32_t ev_dropped; /* events lost to a full ring */
    _Atomic int32_t cpu;         /* CPU the consumer last ran on (a hint) */
    uint32_t reserved[3];
};

/* The description of frame `seq`, written under a sequence lock: `lock` is
 * odd while the producer writes.  Damage is relative to frame seq - 1.
 * time_ns is the producer's present time (CLOCK_MONOTONIC, or its own
 * clock): informational, consumers never wait or size anything by it. */
struct wire_frame {
    _Atomic uint32_t lock;
    _Atomic int32_t width;
    _Atomic int32_t height;
    _Atomic uint32_t ndamage;
    _Atomic uint64_t seq;
    _Atomic uint32_t buffer; /* the pixel buffer that holds the frame */
    uint32_t reserved;
    _Atomic int32_t damage[SHMFB_MAX_DAMAGE][4]; /* x, y, w, h */
    _Atomic uint64_t time_ns;
};

/* The pointer shape consumers show, written under a sequence lock like the
 * frame records.  `seq` changes with every shape the producer sets. */
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
    uint32_t nbuffers;
    uint32_t nrecords;
    uint32_t ring_capacity;
    uint32_t event_size;
    uint64_t records_offset;
    uint64_t rings_offset;
    uint64_t cursor_offset;
    uint64_t buffer_offset;
    uint64_t buffer_size; /* of each buffer, padding included */
    uint64_t nonce;       /* random, also in the name's lock file */
    uint8_t reserved0[16];
    _Atomic uint64_t frame_seq;    /* last published frame, 0 before any */
    _Atomic uint32_t cons_wake;    /* futex: consumers sleep here */
    _Atomic uint32_t prod_wake;    /* futex: the producer sleeps here */
    _Atomic uint32_t cons_waiters; /* consumers asleep on cons_wake */
    _Atomic uint32_t prod_waiters; /* nonzero while the producer sleeps */
    _Atomic int32_t prod_cpu;      /* CPU the producer last ran on (a hint) */
    uint32_t reserved1;
    _Atomic uint64_t cons_wake_ns; /* when the producer last woke sleepers */
    _Atomic uint64_t prod_wake_ns; /* when a consumer last woke the producer */
    uint8_t reserved2[16];
    /* Mailbox: the frame each buffer holds, 0 while it is being written. */
    _Atomic uint64_t buffer_seq[WIRE_MAX_BUFFERS];
    uint8_t reserved3[256];
    struct wire_slot slots[SHMFB_MAX_CONSUMERS];
};

/* What a consumer sends first on connecting to a name: the token it will
 * write into the slot it attaches to, so the producer can tell which slot
 * dies with which connection. */
#define WIRE_HELLO_TAG "SHMFB-HI"
struct wire_hello {
    char tag[8];      /* WIRE_HELLO_TAG, no NUL */
    uint32_t version; /* WIRE_VERSION */
    uint32_t reserved;
    uint64_t token;
};

/* The message that hands a framebuffer to a consumer over a Unix socket,
 * with the memfd attached (SCM_RIGHTS) unless status is nonzero.  Spawned
 * producers send it unasked, with the token the consumer is to use; named
 * ones answer a hello with it, echoing the token. */
#define WIRE_HANDOFF_TAG "SHMFB-HO"
struct wire_handoff {
    char tag[8];                   /* WIRE_HANDOFF_TAG, no NUL */
    uint32_t version;              /* WIRE_VERSION */
    int32_t status;                /* 0, or a positive errno: EACCES refused, ECONNREFUSED
                                      too many connections (or evicted from a full table) */
    uint64_t token;                /* names this connection in a slot */
    char name[SHMFB_NAME_MAX + 2]; /* canonical name, "" when spawned */
    uint8_t reserved[6];
};

/* The host channel: messages on a connection after the hello and handoff,
 * both ways (channel.c).  A fixed header, then `length` bytes of payload
 * laid out by type as below; all integers native-endian (both ends run on
 * one machine).  A header with another tag or a length above WIRE_MSG_MAX
 * ends the connection; a payload that breaks its type's rules is read,
 * dropped and counted. */
#define WIRE_MSG_TAG "SHMFB-MS"
#define WIRE_MSG_MAX (SHMFB_HOST_DATA_MAX + 65536u) /* data plus names and tables */
enum wire_msg_type {
    WIRE_MSG_CLIPBOARD = 1,  /* wire_clip, then per item its MIME type and data */
    WIRE_MSG_TITLE = 2,      /* UTF-8 text and its NUL */
    WIRE_MSG_FULLSCREEN = 3, /* wire_fullscreen */
    WIRE_MSG_DROP = 4,       /* wire_drop, then `count` NUL-terminated UTF-8 paths */
};
struct wire_msg {
    char tag[8];     /* WIRE_MSG_TAG, no NUL */
    uint32_t type;   /* enum wire_msg_type */
    uint32_t length; /* payload bytes that follow */
    uint64_t serial; /* the sender's count of messages, from 1 */
};
struct wire_clip_item {
    uint32_t mime_size; /* with its NUL */
    uint32_t reserved;
    uint64_t data_size;
};
struct wire_clip {
    uint32_t count; /* items; then count wire_clip_item, then for each item
                       its MIME type (NUL-terminated) and its data */
    uint32_t reserved;
};
struct wire_fullscreen {
    uint32_t on; /* 0 or 1 */
    uint32_t reserved;
};
struct wire_drop {
    int32_t x, y; /* framebuffer pixels */
    uint32_t count;
    uint32_t reserved;
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
_Static_assert(offsetof(struct wire_header, nbuffers) == 48, "layout");
_Static_assert(offsetof(struct wire_header, nrecords) == 52, "layout");
_Static_assert(offsetof(struct wire_header, ring_capacity) == 56, "layout");
_Static_assert(offsetof(struct wire_header, event_size) == 60, "layout");
_Static_assert(offsetof(struct wire_header, records_offset) == 64, "layout");
_Static_assert(offsetof(struct wire_header, rings_offset) == 72, "layout");
_Static_assert(offsetof(struct wire_header, cursor_offset) == 80, "layout");
_Static_assert(offsetof(struct wire_header, buffer_offset) == 88, "layout");
_Static_assert(offsetof(struct wire_header, buffer_size) == 96, "layout");
_Static_assert(offsetof(struct wire_header, nonce) == 104, "layout");
_Static_assert(offsetof(struct wire_header, frame_seq) == 128, "layout");
_Static_assert(offsetof(struct wire_header, cons_wake) == 136, "layout");
_Static_assert(offsetof(struct wire_header, prod_wake) == 140, "layout");
_Static_assert(offsetof(struct wire_header, cons_waiters) == 144, "layout");
_Static_assert(offsetof(struct wire_header, prod_waiters) == 148, "layout");
_Static_assert(offsetof(struct wire_header, prod_cpu) == 152, "layout");
_Static_assert(offsetof(struct wire_header, cons_wake_ns) == 160, "layout");
_Static_assert(offsetof(struct wire_header, prod_wake_ns) == 168, "layout");
_Static_assert(offsetof(struct wire_header, buffer_seq) == 192, "layout");
_Static_assert(offsetof(struct wire_header, slots) == 512, "layout");
_Static_assert(sizeof(struct wire_header) == 1024, "header size");

_Static_assert(sizeof(struct wire_slot) == 64, "slot size");
_Static_assert(offsetof(struct wire_slot, word) == 0, "layout");
_Static_assert(offsetof(struct wire_slot, pid) == 4, "layout");
_Static_assert(offsetof(struct wire_slot, token) == 8, "layout");
_Static_assert(offsetof(struct wire_slot, taken_seq) == 16, "layout");
_Static_assert(offsetof(struct wire_slot, hold_seq) == 24, "layout");
_Static_assert(offsetof(struct wire_slot, hold) == 32, "layout");
_Static_assert(offsetof(struct wire_slot, ev_head) == 36, "layout");
_Static_assert(offsetof(struct wire_slot, ev_tail) == 40, "layout");
_Static_assert(offsetof(struct wire_slot, ev_dropped) == 44, "layout");
_Static_assert(offsetof(struct wire_slot, cpu) == 48, "layout");

_Static_assert(sizeof(struct wire_frame) == 296, "frame record size");
_Static_assert(offsetof(struct wire_frame, lock) == 0, "layout");
_Static_assert(offsetof(struct wire_frame, width) == 4, "layout");
_Static_assert(offsetof(struct wire_frame, height) == 8, "layout");
_Static_assert(offsetof(struct wire_frame, ndamage) == 12, "layout");
_Static_assert(offsetof(struct wire_frame, seq) == 16, "layout");
_Static_assert(offsetof(struct wire_frame, buffer) == 24, "layout");
_Static_assert(offsetof(struct wire_frame, damage) == 32, "layout");
_Static_assert(offsetof(struct wire_frame, time_ns) == 288, "layout");
_Static_assert((WIRE_RECORDS & (WIRE_RECORDS - 1)) == 0, "records: a power of two");

_Static_assert(sizeof(struct wire_cursor) == 32 + 4 * 64 * 64, "cursor record size");
_Static_assert(offsetof(struct wire_cursor, state) == 4, "layout");
_Static_assert(offsetof(struct wire_cursor, width) == 8, "layout");
_Static_assert(offsetof(struct wire_cursor, hot_x) == 16, "layout");
_Static_assert(offsetof(struct wire_cursor, seq) == 24, "layout");
_Static_assert(offsetof(struct wire_cursor, pixels) == 32, "layout");

/* struct shmfb_event is public and travels through the rings as it is. */
_Static_assert(sizeof(struct shmfb_event) == WIRE_EVENT_WORDS * 4, "event is 8 words");
_Static_assert(offsetof(struct shmfb_event, type) == 0, "event layout");
_Static_assert(offsetof(struct shmfb_event, time_ms) == 4, "event layout");
_Static_assert(offsetof(struct shmfb_event, x) == 8, "event layout");
_Static_assert(offsetof(struct shmfb_event, y) == 12, "event layout");
_Static_assert(offsetof(struct shmfb_event, code) == 16, "event layout");
_Static_assert(offsetof(struct shmfb_event, sym) == 20, "event layout");
_Static_assert(offsetof(struct shmfb_event, mods) == 24, "event layout");
_Static_assert(offsetof(struct shmfb_event, buttons) == 28, "event layout");
_Static_assert(SHMFB_EVENT_QUEUE == WIRE_RING_CAPACITY, "queue size");
_Static_assert((WIRE_RING_CAPACITY & (WIRE_RING_CAPACITY - 1)) == 0, "ring: a power of two");

_Static_assert(sizeof(struct wire_hello) == 24, "hello size");
_Static_assert(offsetof(struct wire_hello, version) == 8, "layout");
_Static_assert(offsetof(struct wire_hello, token) == 16, "layout");
_Static_assert(sizeof(struct wire_handoff) == 232, "handoff size");
_Static_assert(offsetof(struct wire_handoff, version) == 8, "layout");
_Static_assert(offsetof(struct wire_handoff, status) == 12, "layout");
_Static_assert(offsetof(struct wire_handoff, token) == 16, "layout");
_Static_assert(offsetof(struct wire_handoff, name) == 24, "layout");

_Static_assert(sizeof(struct wire_msg) == 24, "message header size");
_Static_assert(offsetof(struct wire_msg, type) == 8, "layout");
_Static_assert(offsetof(struct wire_msg, length) == 12, "layout");
_Static_assert(offsetof(struct wire_msg, serial) == 16, "layout");
_Static_assert(sizeof(struct wire_clip_item) == 16, "layout");
_Static_assert(offsetof(struct wire_clip_item, data_size) == 8, "layout");
_Static_assert(sizeof(struct wire_clip) == 8, "layout");
_Static_assert(sizeof(struct wire_fullscreen) == 8, "layout");
_Static_assert(sizeof(struct wire_drop) == 16, "layout");
_Static_assert(offsetof(struct wire_drop, count) == 8, "layout");

#endif /* SHMFB_WIRE_H */

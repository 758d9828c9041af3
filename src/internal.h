/* Private declarations shared by the library's modules.  Every function
 * here is prefixed shmfb__ so that a program linking the static library
 * sees only the public shmfb_ names and these, never a bare one. */
#ifndef SHMFB_INTERNAL_H
#define SHMFB_INTERNAL_H

#include "wire.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How often a waiting side checks that its peers are alive (a /proc read
 * per peer): dead peers are noticed within this period. */
#define SHMFB__LIVENESS_NS (50 * 1000000LL)

/* sync_linux.c: how long a waiter spins on a word before it sleeps; one
 * per waiting handle, zero-initialised. */
struct shmfb__spin {
    int32_t limit_ns; /* current budget */
    uint32_t waits;   /* spins so far */
};

/* A mapped, validated region.  Geometry is a private copy taken once at
 * create/open time; nothing here is re-read from the shared header. */
struct shmfb__region {
    struct wire_header *hdr; /* the mapping */
    size_t map_size;
    uint32_t *pixels;
    int32_t max_width;
    int32_t max_height;
    int32_t stride;
    uint32_t format;
    uint32_t pacing;
    int32_t producer_pid;
    uint64_t producer_start;
    _Atomic uint32_t *rings; /* event rings: nslots * capacity * words */
    struct wire_cursor *cursor;
    bool named; /* unlink on destroy */
    char name[SHMFB_NAME_MAX + 2];
};

struct shmfb_producer {
    struct shmfb__region r;
    int32_t width, height;         /* size the next present publishes */
    int32_t pub_width, pub_height; /* size of the last present */
    uint32_t ndamage;
    struct shmfb_rect damage[SHMFB_MAX_DAMAGE];
    uint64_t seq;
    uint32_t frame_lock;  /* the record's lock value, kept here: a peer may */
    uint32_t cursor_lock; /* write the shared copies, never read them back */
    uint64_t cursor_seq;
    int64_t timeout_ns;
    int64_t next_check; /* when to look for dead consumers next */
    struct shmfb__spin spin;
};

struct shmfb_consumer {
    struct shmfb__region r;
    int slot;           /* -1 when not attached */
    uint32_t slot_word; /* our slot's word while we hold it */
    uint64_t taken;     /* last frame released */
    uint64_t held;      /* frame returned by wait, not yet released; 0 none */
    uint64_t last_seen; /* last frame returned */
    int32_t last_width, last_height;
    uint64_t cursor_seen; /* cursor seq last returned by shmfb_consumer_cursor */
    int64_t next_check;   /* when to look at the producer's liveness next */
    struct shmfb__spin spin;
    /* (slot + 1) << 32 | slot word while attached, else 0: the one field
     * shmfb_consumer_send() reads, so it may run beside the owning thread. */
    _Atomic uint64_t link;
};

/* region.c */
struct shmfb__geometry {
    int32_t max_width, max_height;
    uint32_t format, pacing;
};
int shmfb__region_create(const char *name, const struct shmfb__geometry *geo,
                         struct shmfb__region *out);
int shmfb__region_create_anonymous(const struct shmfb__geometry *geo, struct shmfb__region *out,
                                   int *fd);
int shmfb__region_open_fd(int fd, struct shmfb__region *out);
int shmfb__region_open_name(const char *name, struct shmfb__region *out); /* checks the name */
void shmfb__region_unmap(struct shmfb__region *r);

/* proc.c: processes and clocks */
uint64_t shmfb__proc_start_time(int32_t pid);
bool shmfb__proc_alive(int32_t pid, uint64_t start_time);
uint64_t shmfb__now_ms(void);
int64_t shmfb__now_ns(void);

/* sync_linux.c: futex waits on 32-bit words in shared memory. */
int shmfb__sync_wait(_Atomic uint32_t *word, uint32_t expected, int64_t timeout_ns);
/* Spins while *word == expected, for a budget learned from the earlier spins
 * of s (at most 100 us); true if the word changed. */
bool shmfb__sync_spin(struct shmfb__spin *s, _Atomic uint32_t *word, uint32_t expected);
void shmfb__sync_wake_all(_Atomic uint32_t *word);

/* wait.c: the one bounded wait loop behind every wait of the library.
 * ready(ctx, check) is called before each sleep; `check` is true at most
 * once per SHMFB__LIVENESS_NS (per *next_check), when it should look for
 * dead peers.  It returns 0 to go on waiting, anything else to stop. */
struct shmfb__wait {
    _Atomic uint32_t *word;     /* futex word the other side bumps */
    _Atomic uint32_t *sleepers; /* counted while asleep, so wakers can skip
                                   the wake syscall when nobody sleeps */
    struct shmfb__spin *spin;   /* spin once before the first sleep; NULL: never */
    int64_t *next_check;        /* the handle's liveness schedule */
    int timeout_ms;             /* 0 polls; negative: no bound */
};
int shmfb__wait_until(const struct shmfb__wait *w, int (*ready)(void *ctx, bool check), void *ctx);

/* slots.c: consumer slots, peer liveness, wake-ups */
bool shmfb__slot_claim(struct shmfb_consumer *c, int i);
int shmfb__slot_check(struct shmfb_consumer *c);
int shmfb__slot_free(struct shmfb_consumer *c);
void shmfb__slots_reap(struct wire_header *h);
int shmfb__slots_pending(struct wire_header *h, uint64_t seq, bool check_alive, bool drop_all);
int shmfb__slots_attached(const struct wire_header *h);
bool shmfb__producer_gone(const struct shmfb__region *r);
void shmfb__wake_producer(struct wire_header *h);
void shmfb__wake_consumers(struct wire_header *h);

/* spawn.c */
int shmfb__region_create_spawned(const struct shmfb__geometry *geo, struct shmfb__region *out);

/* consumer.c */
int shmfb__consumer_from_fd(int fd, struct shmfb_consumer **out);
int shmfb__frame_read(const struct shmfb__region *r, struct shmfb_frame *f);

/* cursor.c */
bool shmfb__cursor_changed(const struct shmfb_consumer *c);

#endif /* SHMFB_INTERNAL_H */

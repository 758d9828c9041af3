/* Private declarations shared by the library's modules. */
#ifndef SHMFB_INTERNAL_H
#define SHMFB_INTERNAL_H

#include "wire.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* sync_linux.c: how long a waiter spins on a word before it sleeps; one
 * per waiting handle, zero-initialised. */
struct sync_spin {
    int32_t limit_ns; /* current budget */
    uint32_t waits;   /* spins so far */
};

/* A mapped, validated region.  Geometry is a private copy taken once at
 * create/open time; nothing here is re-read from the shared header. */
struct region {
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
    struct region r;
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
    struct sync_spin spin;
};

struct shmfb_consumer {
    struct region r;
    int slot;           /* -1 when not attached */
    uint32_t slot_word; /* our slot's word while we hold it */
    uint64_t taken;     /* last frame released */
    uint64_t held;      /* frame returned by wait, not yet released; 0 none */
    uint64_t last_seen; /* last frame returned */
    int32_t last_width, last_height;
    uint64_t cursor_seen; /* cursor seq last returned by shmfb_consumer_cursor */
    int64_t next_check;   /* when to look at the producer's liveness next */
    struct sync_spin spin;
    /* (slot + 1) << 32 | slot word while attached, else 0: the one field
     * shmfb_consumer_send() reads, so it may run beside the owning thread. */
    _Atomic uint64_t link;
};

/* region.c */
struct region_geometry {
    int32_t max_width, max_height;
    uint32_t format, pacing;
};
int region_create(const char *name, const struct region_geometry *geo, struct region *out);
int region_create_anonymous(const struct region_geometry *geo, struct region *out, int *fd);
int region_open(const char *name, struct region *out);
int region_open_fd(int fd, struct region *out);
int region_open_name(const char *name, struct region *out); /* checks the name */
void region_unmap(struct region *r);

/* proc.c */
uint64_t proc_start_time(int32_t pid);
bool proc_alive(int32_t pid, uint64_t start_time);
uint64_t now_ms(void);
int64_t now_ns(void);

/* sync_linux.c: futex waits on 32-bit words in shared memory. */
int sync_wait(_Atomic uint32_t *word, uint32_t expected, int64_t timeout_ns);
/* Spins while *word == expected, for a budget learned from the earlier spins
 * of s (at most 100 us); true if the word changed. */
bool sync_spin(struct sync_spin *s, _Atomic uint32_t *word, uint32_t expected);
void sync_wake_all(_Atomic uint32_t *word);
void sync_wake_one(_Atomic uint32_t *word);

/* cursor.c */
bool cursor_changed(const struct shmfb_consumer *c);

/* spawn.c */
int region_create_spawned(const struct region_geometry *geo, struct region *out);

/* consumer.c */
int consumer_from_fd(int fd, struct shmfb_consumer **out);
int frame_read(const struct region *r, struct shmfb_frame *f);
int slot_check(struct shmfb_consumer *c);
void wake_producer(struct wire_header *h);

/* producer.c */
void wake_consumers(struct wire_header *h);
int pending_consumers(struct wire_header *h, uint64_t seq, bool check_alive, bool drop_all);

#endif /* SHMFB_INTERNAL_H */

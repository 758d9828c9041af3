/* mailbox.c: the producer's buffers under mailbox pacing (which one the
 * next frame goes to, what it needs repaired) and the consumers' pins.
 * Its state lives in struct shmfb__mailbox inside the producer. */
#ifndef SHMFB_MAILBOX_H
#define SHMFB_MAILBOX_H

#include "wire.h"

#include <shmfb/shmfb.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct shmfb_producer;
struct shmfb_consumer;

/* The damage of one published frame, kept privately by the producer for
 * bringing back buffers up to date (mailbox pacing). */
struct shmfb__damage {
    int32_t width, height;
    uint32_t n;
    struct shmfb_rect r[SHMFB_MAX_DAMAGE];
};

/* mailbox.c's state: where frames go under mailbox pacing, and what each
 * buffer needs to be brought up to date. */
struct shmfb__mailbox {
    uint32_t *image; /* the private image (mmap), else NULL */
    size_t image_size;
    int back;                                /* buffer handed out by acquire, -1 none */
    int latest;                              /* buffer of the last present, -1 none */
    uint64_t age[WIRE_MAX_BUFFERS];          /* frame last written into each buffer */
    struct shmfb__damage hist[WIRE_RECORDS]; /* frame s in hist[s % WIRE_RECORDS] */
};

int shmfb__mailbox_init(struct shmfb_producer *p, bool own_image);
void shmfb__mailbox_free(struct shmfb_producer *p);
/* Picks (waiting if it must) the buffer the next frame goes to, and what
 * it must repair; `with_current` adds the damage marked so far. */
int shmfb__back_acquire(struct shmfb_producer *p, struct shmfb_rect *repair, uint32_t *n,
                        bool with_current);
void shmfb__back_publish(struct shmfb_producer *p, int buffer);
void shmfb__image_copy(struct shmfb_producer *p, const struct shmfb_rect *r, uint32_t n);
/* Consumer: pins the buffer of frame f; false if it was reused meanwhile. */
bool shmfb__pin(struct shmfb_consumer *c, const struct shmfb_frame *f, uint32_t buffer);
void shmfb__unpin(struct shmfb_consumer *c);

#endif /* SHMFB_MAILBOX_H */

/* Private declarations shared by the library's modules. */
#ifndef SHMFB_INTERNAL_H
#define SHMFB_INTERNAL_H

#include "wire.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
    char name[SHMFB_NAME_MAX + 2];
};

/* region.c */
struct region_geometry {
    int32_t max_width, max_height;
    uint32_t format, pacing;
};
int region_create(const char *name, const struct region_geometry *geo, struct region *out);
int region_open(const char *name, struct region *out);
void region_unmap(struct region *r);

/* proc.c */
uint64_t proc_start_time(int32_t pid);
bool proc_alive(int32_t pid, uint64_t start_time);
uint64_t now_ms(void);
int64_t now_ns(void);

/* sync_linux.c: futex waits on 32-bit words in shared memory. */
int sync_wait(_Atomic uint32_t *word, uint32_t expected, int64_t timeout_ns);
void sync_wake_all(_Atomic uint32_t *word);
void sync_wake_one(_Atomic uint32_t *word);

/* frame.c-like helpers living in consumer.c, used by probe.c */
int frame_read(const struct region *r, struct shmfb_frame *f);

#endif /* SHMFB_INTERNAL_H */

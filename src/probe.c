/* Describing and reaping framebuffers for listings. */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

static int32_t attached_count(const struct wire_header *h)
{
    int32_t n = 0;
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        uint32_t w = atomic_load_explicit(&h->slots[i].word, memory_order_acquire);
        n += WIRE_SLOT_STATE(w) == WIRE_SLOT_ATTACHED;
    }
    return n;
}

static bool region_alive(const struct region *r)
{
    return atomic_load_explicit(&r->hdr->state, memory_order_acquire) == WIRE_STATE_LIVE &&
           proc_alive(r->producer_pid, r->producer_start);
}

int shmfb_probe(const char *name, struct shmfb_info *info)
{
    if (!info)
        return -EINVAL;
    memset(info, 0, sizeof(*info));
    struct region r = {0};
    int rc = region_open_name(name, &r);
    if (rc < 0)
        return rc;
    struct shmfb_frame f;
    memcpy(info->name, r.name, sizeof(info->name));
    info->max_width = r.max_width;
    info->max_height = r.max_height;
    if (frame_read(&r, &f) == 0) {
        info->width = f.width;
        info->height = f.height;
    }
    info->format = r.format;
    info->pacing = r.pacing;
    info->producer_pid = r.producer_pid;
    info->consumers = attached_count(r.hdr);
    info->frames = atomic_load_explicit(&r.hdr->frame_seq, memory_order_acquire);
    info->alive = region_alive(&r);
    info->size_bytes = r.map_size;
    region_unmap(&r);
    return 0;
}

int shmfb_reap(const char *name)
{
    struct region r = {0};
    int rc = region_open_name(name, &r);
    if (rc < 0)
        return rc;
    bool alive = region_alive(&r);
    region_unmap(&r);
    if (alive)
        return -EBUSY;
    return shm_unlink(r.name) < 0 ? -errno : 0;
}

/* Describing and reaping framebuffers for listings. */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

int shmfb_probe(const char *name, struct shmfb_info *info)
{
    if (!info)
        return -EINVAL;
    memset(info, 0, sizeof(*info));
    struct shmfb__region r = {0};
    int rc = shmfb__region_open_name(name, &r);
    if (rc < 0)
        return rc;
    struct shmfb_frame f;
    memcpy(info->name, r.name, sizeof(info->name));
    info->max_width = r.max_width;
    info->max_height = r.max_height;
    if (shmfb__frame_read(&r, &f) == 0) {
        info->width = f.width;
        info->height = f.height;
    }
    info->format = r.format;
    info->pacing = r.pacing;
    info->producer_pid = r.producer_pid;
    info->consumers = shmfb__slots_attached(r.hdr);
    info->frames = atomic_load_explicit(&r.hdr->frame_seq, memory_order_acquire);
    info->alive = !shmfb__producer_gone(&r);
    info->size_bytes = r.map_size;
    shmfb__region_unmap(&r);
    return 0;
}

int shmfb_reap(const char *name)
{
    struct shmfb__region r = {0};
    int rc = shmfb__region_open_name(name, &r);
    if (rc < 0)
        return rc;
    bool alive = !shmfb__producer_gone(&r);
    shmfb__region_unmap(&r);
    if (alive)
        return -EBUSY;
    return shm_unlink(r.name) < 0 ? -errno : 0;
}

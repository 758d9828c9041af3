/* Describing a framebuffer for listings: open it through its name, read
 * what a listing shows, close. */
#include "internal.h"

#include <errno.h>
#include <string.h>

/* A listing waits this long for a producer that cannot be opened through
 * /proc (another user, another pid namespace) to answer. */
#define PROBE_TIMEOUT_MS 250

int shmfb_probe(const char *name, struct shmfb_info *info)
{
    if (!info)
        return -EINVAL;
    memset(info, 0, sizeof(*info));
    struct shmfb_consumer *c;
    const struct shmfb_consumer_desc desc = {.timeout_ms = PROBE_TIMEOUT_MS};
    int rc = shmfb_consumer_open(name, &desc, &c);
    if (rc < 0)
        return rc;
    const struct shmfb__region *r = &c->r;
    struct shmfb_frame f;
    memcpy(info->name, r->name, sizeof(info->name));
    info->max_width = r->max_width;
    info->max_height = r->max_height;
    if (shmfb__frame_read(r, &f) == 0) {
        info->width = f.width;
        info->height = f.height;
    }
    info->format = r->format;
    info->pacing = r->pacing;
    info->producer_pid = c->producer.pid;
    info->consumers = shmfb__slots_attached(r->hdr);
    info->frames = atomic_load_explicit(&r->hdr->frame_seq, memory_order_acquire);
    info->alive = shmfb_consumer_producer_alive(c);
    info->size_bytes = r->map_size;
    shmfb_consumer_close(c);
    return 0;
}

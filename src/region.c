/* Creating, validating and mapping the shared region: an anonymous memfd,
 * sealed against shrinking and growing, so no peer can make another one
 * fault by truncating it. */
#include "internal.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define EVENT_BYTES (WIRE_EVENT_WORDS * 4u)

static uint64_t page_size(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (uint64_t)p : 4096u;
}

static uint64_t round_up(uint64_t v, uint64_t to)
{
    return (v + to - 1) / to * to;
}

/* The layout every creator writes and every opener expects, computed from
 * a capacity already known to be within SHMFB_DIM_MAX and a buffer count
 * within WIRE_MAX_BUFFERS, so none of these products can overflow. */
struct layout {
    uint64_t records_offset, rings_offset, cursor_offset, buffer_offset, buffer_size, total_size;
};

static struct layout layout_for(int32_t max_width, int32_t max_height, uint32_t nbuffers)
{
    uint64_t page = page_size();
    struct layout l;
    uint64_t records = (uint64_t)WIRE_RECORDS * sizeof(struct wire_frame);
    uint64_t rings = (uint64_t)SHMFB_MAX_CONSUMERS * WIRE_RING_CAPACITY * EVENT_BYTES;
    uint64_t pixels = (uint64_t)max_width * 4u * (uint64_t)max_height;
    l.records_offset = round_up(sizeof(struct wire_header), page);
    l.rings_offset = round_up(l.records_offset + records, page);
    l.cursor_offset = round_up(l.rings_offset + rings, page);
    l.buffer_offset = round_up(l.cursor_offset + sizeof(struct wire_cursor), page);
    /* One whole zero page past the last pixel's page: an overread of up to
     * a page never faults, even when the pixels end exactly on a page. */
    l.buffer_size = round_up(pixels, page) + page;
    l.total_size = l.buffer_offset + l.buffer_size * nbuffers;
    return l;
}

static int geometry_check(const struct shmfb__geometry *g)
{
    if (g->max_width <= 0 || g->max_height <= 0)
        return -EINVAL;
    if (g->max_width > SHMFB_DIM_MAX || g->max_height > SHMFB_DIM_MAX)
        return -EOVERFLOW;
    if (g->format > SHMFB_FORMAT_ARGB8888 || g->pacing > SHMFB_PACING_MAILBOX)
        return -EINVAL;
    if (g->nbuffers < 1 || g->nbuffers > WIRE_MAX_BUFFERS)
        return -EINVAL;
    if ((g->pacing == SHMFB_PACING_MAILBOX) != (g->nbuffers > 1))
        return -EINVAL;
    return 0;
}

static void header_fill(struct wire_header *h, const struct shmfb__geometry *geo,
                        const struct layout *l)
{
    h->version = WIRE_VERSION;
    h->header_size = sizeof(*h);
    h->total_size = l->total_size;
    h->max_width = geo->max_width;
    h->max_height = geo->max_height;
    h->stride = (uint32_t)geo->max_width * 4u;
    h->format = geo->format;
    h->pacing = geo->pacing;
    h->nslots = SHMFB_MAX_CONSUMERS;
    h->nbuffers = geo->nbuffers;
    h->nrecords = WIRE_RECORDS;
    h->ring_capacity = WIRE_RING_CAPACITY;
    h->event_size = EVENT_BYTES;
    h->records_offset = l->records_offset;
    h->rings_offset = l->rings_offset;
    h->cursor_offset = l->cursor_offset;
    h->buffer_offset = l->buffer_offset;
    h->buffer_size = l->buffer_size;
    h->nonce = shmfb__random64();
}

/* Takes geometry from a validated header copy, never from the mapping. */
static void region_adopt(struct shmfb__region *r, const struct wire_header *h, void *map)
{
    r->hdr = map;
    r->map_size = h->total_size;
    r->pixels = (uint32_t *)((char *)map + h->buffer_offset);
    r->max_width = h->max_width;
    r->max_height = h->max_height;
    r->stride = (int32_t)h->stride;
    r->format = h->format;
    r->pacing = h->pacing;
    r->nbuffers = h->nbuffers;
    r->buffer_size = h->buffer_size;
    r->nonce = h->nonce;
    r->records = (struct wire_frame *)((char *)map + h->records_offset);
    r->rings = (_Atomic uint32_t *)((char *)map + h->rings_offset);
    r->cursor = (struct wire_cursor *)((char *)map + h->cursor_offset);
}

uint32_t *shmfb__region_buffer(const struct shmfb__region *r, uint32_t i)
{
    assert(i < r->nbuffers);
    return (uint32_t *)((char *)r->pixels + (uint64_t)i * r->buffer_size);
}

/* Maps and fills a new sealed memfd of l's size; the magic goes last. */
static int region_init(int fd, const struct shmfb__geometry *geo, const struct layout *l,
                       struct shmfb__region *out)
{
    void *map = mmap(NULL, l->total_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        return -errno;
    struct wire_header *h = map;
    header_fill(h, geo, l);
    region_adopt(out, h, map);
    /* Everything above must be visible before an opener sees the magic. */
    atomic_store_explicit(&h->magic, WIRE_MAGIC, memory_order_release);
    return 0;
}

int shmfb__region_create(const struct shmfb__geometry *geo, struct shmfb__region *out, int *memfd)
{
    int rc = geometry_check(geo);
    if (rc < 0)
        return rc;
    struct layout l = layout_for(geo->max_width, geo->max_height, geo->nbuffers);
    int fd = shmfb__os_memfd_sealed(l.total_size);
    if (fd < 0)
        return fd;
    rc = region_init(fd, geo, &l, out);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    *memfd = fd;
    return 0;
}

/* Checks a header copy against the one layout this version writes.  Every
 * field is compared with values computed here, never used to compute. */
static int header_validate(const struct wire_header *h)
{
    if (h->header_size != sizeof(struct wire_header) || h->nslots != SHMFB_MAX_CONSUMERS ||
        h->ring_capacity != WIRE_RING_CAPACITY || h->event_size != EVENT_BYTES ||
        h->nrecords != WIRE_RECORDS)
        return -EBADMSG;
    struct shmfb__geometry g = {h->max_width, h->max_height, h->format, h->pacing, h->nbuffers};
    if (geometry_check(&g) < 0 || h->stride != (uint32_t)h->max_width * 4u)
        return -EBADMSG;
    struct layout l = layout_for(h->max_width, h->max_height, h->nbuffers);
    if (h->records_offset != l.records_offset || h->rings_offset != l.rings_offset ||
        h->cursor_offset != l.cursor_offset || h->buffer_offset != l.buffer_offset ||
        h->buffer_size != l.buffer_size || h->total_size != l.total_size)
        return -EBADMSG;
    return 0;
}

/* Maps just the header, checks identity and layout, and leaves a private
 * copy in *copy. */
static int header_probe(int fd, uint64_t obj_size, struct wire_header *copy)
{
    size_t len = obj_size < sizeof(*copy) ? (size_t)obj_size : sizeof(*copy);
    if (len < sizeof(uint64_t) + 2 * sizeof(uint32_t))
        return -EPROTO;
    struct wire_header *h = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    if (h == MAP_FAILED)
        return -errno;
    uint64_t magic = atomic_load_explicit(&h->magic, memory_order_acquire);
    memset(copy, 0, sizeof(*copy));
    memcpy((char *)copy + 8, (char *)h + 8, len - 8);
    munmap(h, len);
    if (magic != WIRE_MAGIC)
        return -EPROTO;
    if (copy->version != WIRE_VERSION && copy->version != 0)
        return -EPROTONOSUPPORT;
    if (copy->version != WIRE_VERSION || len < sizeof(*copy))
        return -EBADMSG;
    int rc = header_validate(copy);
    if (rc == 0 && obj_size < copy->total_size)
        rc = -EMSGSIZE;
    return rc;
}

/* Maps a framebuffer received from a peer.  Only a memfd sealed against
 * shrinking can be mapped safely: anything else could fault us. */
int shmfb__region_open_fd(int fd, struct shmfb__region *out)
{
    if (!shmfb__os_memfd_is_sealed(fd))
        return -EPERM;
    struct stat st;
    struct wire_header copy = {0};
    if (fstat(fd, &st) < 0)
        return -errno;
    int rc = header_probe(fd, (uint64_t)st.st_size, &copy);
    if (rc < 0)
        return rc;
    /* Map exactly the validated size, which fstat showed to exist. */
    void *map = mmap(NULL, copy.total_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        return -errno;
    region_adopt(out, &copy, map);
    return 0;
}

void shmfb__region_unmap(struct shmfb__region *r)
{
    if (r->hdr)
        munmap(r->hdr, r->map_size);
    r->hdr = NULL;
}

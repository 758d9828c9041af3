/* Creating, validating and mapping the shared region. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
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
 * a capacity that is already known to be within SHMFB_DIM_MAX, so none of
 * these products can overflow 64 bits. */
struct layout {
    uint64_t rings_offset, cursor_offset, buffer_offset, buffer_size, total_size;
};

static struct layout layout_for(int32_t max_width, int32_t max_height)
{
    uint64_t page = page_size();
    struct layout l;
    uint64_t rings = (uint64_t)SHMFB_MAX_CONSUMERS * WIRE_RING_CAPACITY * EVENT_BYTES;
    uint64_t pixels = (uint64_t)max_width * 4u * (uint64_t)max_height;
    l.rings_offset = round_up(sizeof(struct wire_header), page);
    l.cursor_offset = round_up(l.rings_offset + rings, page);
    l.buffer_offset = round_up(l.cursor_offset + sizeof(struct wire_cursor), page);
    /* One whole zero page past the last pixel's page: an overread of up to
     * a page never faults, even when the pixels end exactly on a page. */
    l.buffer_size = round_up(pixels, page) + page;
    l.total_size = l.buffer_offset + l.buffer_size;
    return l;
}

static int dims_check(int32_t w, int32_t h)
{
    if (w <= 0 || h <= 0)
        return -EINVAL;
    if (w > SHMFB_DIM_MAX || h > SHMFB_DIM_MAX)
        return -EOVERFLOW;
    return 0;
}

static int retry_ftruncate(int fd, off_t size)
{
    int rc;
    do {
        rc = ftruncate(fd, size);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
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
    h->buffer_offset = l->buffer_offset;
    h->buffer_size = l->buffer_size;
    h->rings_offset = l->rings_offset;
    h->cursor_offset = l->cursor_offset;
    h->ring_capacity = WIRE_RING_CAPACITY;
    h->event_size = EVENT_BYTES;
    h->producer_pid = (int32_t)getpid();
    h->producer_start = shmfb__proc_start_time(h->producer_pid);
    atomic_store_explicit(&h->state, WIRE_STATE_LIVE, memory_order_relaxed);
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
    r->producer_pid = h->producer_pid;
    r->producer_start = h->producer_start;
    r->rings = (_Atomic uint32_t *)((char *)map + h->rings_offset);
    r->cursor = (struct wire_cursor *)((char *)map + h->cursor_offset);
}

/* Sizes, maps and fills a new object; the magic goes last. */
static int region_init(int fd, const struct shmfb__geometry *geo, struct shmfb__region *out)
{
    int rc = dims_check(geo->max_width, geo->max_height);
    if (rc < 0)
        return rc;
    struct layout l = layout_for(geo->max_width, geo->max_height);
    rc = retry_ftruncate(fd, (off_t)l.total_size);
    if (rc < 0)
        return rc;
    void *map = mmap(NULL, l.total_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        return -errno;
    struct wire_header *h = map;
    header_fill(h, geo, &l);
    region_adopt(out, h, map);
    /* Everything above must be visible before an opener sees the magic. */
    atomic_store_explicit(&h->magic, WIRE_MAGIC, memory_order_release);
    return 0;
}

int shmfb__region_create(const char *name, const struct shmfb__geometry *geo,
                         struct shmfb__region *out)
{
    int rc = dims_check(geo->max_width, geo->max_height);
    if (rc < 0)
        return rc;
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    rc = region_init(fd, geo, out);
    if (rc < 0)
        shm_unlink(name);
    close(fd);
    out->named = rc == 0;
    return rc;
}

int shmfb__region_create_anonymous(const struct shmfb__geometry *geo, struct shmfb__region *out,
                                   int *fd_out)
{
    int rc = dims_check(geo->max_width, geo->max_height);
    if (rc < 0)
        return rc;
    int fd = memfd_create("shmfb", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -errno;
    rc = region_init(fd, geo, out);
    /* Sealed against shrinking, a consumer's mapping can never fault. */
    if (rc == 0 && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
        rc = -errno;
        shmfb__region_unmap(out);
    }
    if (rc < 0) {
        close(fd);
        return rc;
    }
    out->named = false;
    *fd_out = fd;
    return 0;
}

/* Checks a header copy against the one layout this version writes.  Every
 * field is compared with values computed here, never used to compute. */
static int header_validate(const struct wire_header *h)
{
    if (h->header_size != sizeof(struct wire_header) || h->nslots != SHMFB_MAX_CONSUMERS ||
        h->ring_capacity != WIRE_RING_CAPACITY || h->event_size != EVENT_BYTES)
        return -EBADMSG;
    if (dims_check(h->max_width, h->max_height) < 0)
        return -EBADMSG;
    if (h->stride != (uint32_t)h->max_width * 4u || h->format > SHMFB_FORMAT_ARGB8888 ||
        h->pacing > SHMFB_PACING_FREE)
        return -EBADMSG;
    struct layout l = layout_for(h->max_width, h->max_height);
    if (h->rings_offset != l.rings_offset || h->cursor_offset != l.cursor_offset ||
        h->buffer_offset != l.buffer_offset || h->buffer_size != l.buffer_size ||
        h->total_size != l.total_size)
        return -EBADMSG;
    return 0;
}

/* Maps just the header, checks identity and layout, and leaves a private
 * copy in *copy. */
static int header_probe(int fd, uint64_t obj_size, struct wire_header *copy)
{
    if (obj_size == 0)
        return -EAGAIN; /* created, not yet sized */
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
    if (magic == 0)
        return -EAGAIN;
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

int shmfb__region_open_fd(int fd, struct shmfb__region *out)
{
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

static int region_open(const char *name, struct shmfb__region *out)
{
    int fd = shm_open(name, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int rc = shmfb__region_open_fd(fd, out);
    close(fd);
    return rc;
}

int shmfb__region_open_name(const char *name, struct shmfb__region *out)
{
    int rc = shmfb_name_check(name, out->name, sizeof(out->name));
    return rc < 0 ? rc : region_open(out->name, out);
}

void shmfb__region_unmap(struct shmfb__region *r)
{
    if (r->hdr)
        munmap(r->hdr, r->map_size);
    r->hdr = NULL;
}

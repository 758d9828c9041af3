/* libshmfb core: creation, validation, errors, frames between processes. */
#include "hostile.h"
#include "testutil.h"

#include <shmfb/shmfb.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static struct shmfb_producer *make(const char *name, int32_t mw, int32_t mh, uint32_t pacing)
{
    struct shmfb_producer_desc d = {.max_width = mw, .max_height = mh, .pacing = pacing};
    struct shmfb_producer *p;
    int rc = shmfb_producer_create(name, &d, &p);
    ck_assert_msg(rc == 0, "create %s: %s", name, shmfb_strerror(rc));
    return p;
}

static struct shmfb_consumer *attach(const char *name)
{
    struct shmfb_consumer *c;
    ck_assert_int_eq(shmfb_consumer_open(name, NULL, &c), 0);
    ck_assert_int_eq(shmfb_consumer_attach(c), 0);
    return c;
}

/* The pattern frame `seq` has at (x, y). */
static uint32_t pattern(uint64_t seq, int x, int y)
{
    return 0xFF000000u | (uint32_t)((seq * 2654435761u) ^ ((uint32_t)x << 12) ^ (uint32_t)y);
}

static void draw(uint32_t *px, int32_t stride, int w, int h, uint64_t seq)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            px[y * (stride / 4) + x] = pattern(seq, x, y);
}

/* Writes into a framebuffer's header behind the library's back, through a
 * consumer's mapping of the shared memfd. */
static void poke(struct wire_header *h, size_t offset, const void *v, size_t n)
{
    memcpy((char *)h + offset, v, n);
}

static int open_rc(const char *name)
{
    struct shmfb_consumer *c = (struct shmfb_consumer *)1;
    const struct shmfb_consumer_desc d = {.timeout_ms = 300};
    int rc = shmfb_consumer_open(name, &d, &c);
    if (rc < 0)
        ck_assert_ptr_null(c);
    shmfb_consumer_close(c);
    return rc;
}

/* ---- names -------------------------------------------------------------- */

START_TEST(names)
{
    char out[SHMFB_NAME_MAX + 2], longname[SHMFB_NAME_MAX + 2];
    ck_assert_int_eq(shmfb_name_check("demo", out, sizeof(out)), 0);
    ck_assert_str_eq(out, "/demo");
    ck_assert_int_eq(shmfb_name_check("/a.b_c-9", out, sizeof(out)), 0);
    ck_assert_str_eq(out, "/a.b_c-9");
    ck_assert_int_eq(shmfb_name_check(NULL, out, sizeof(out)), -EINVAL);
    ck_assert_int_eq(shmfb_name_check("", out, sizeof(out)), -EINVAL);
    ck_assert_int_eq(shmfb_name_check("/", out, sizeof(out)), -EINVAL);
    ck_assert_int_eq(shmfb_name_check("a/b", out, sizeof(out)), -EINVAL);
    ck_assert_int_eq(shmfb_name_check("//a", out, sizeof(out)), -EINVAL);
    ck_assert_int_eq(shmfb_name_check("bad name", out, sizeof(out)), -EINVAL);
    ck_assert_int_eq(shmfb_name_check("..", out, sizeof(out)), -EINVAL);
    ck_assert_int_eq(shmfb_name_check("/.", out, sizeof(out)), -EINVAL);
    ck_assert_int_eq(shmfb_name_check("abc", out, 4), -ENOSPC);
    memset(longname, 'x', SHMFB_NAME_MAX + 1);
    longname[SHMFB_NAME_MAX + 1] = '\0';
    ck_assert_int_eq(shmfb_name_check(longname, NULL, 0), -ENAMETOOLONG);
    longname[SHMFB_NAME_MAX] = '\0';
    ck_assert_int_eq(shmfb_name_check(longname, NULL, 0), 0);

    struct shmfb_producer_desc d = {.max_width = 8, .max_height = 8};
    struct shmfb_producer *p = (struct shmfb_producer *)1;
    ck_assert_int_eq(shmfb_producer_create("a/b", &d, &p), -EINVAL);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(shmfb_producer_create("", &d, &p), -EINVAL);
    memset(longname, 'y', SHMFB_NAME_MAX + 1);
    ck_assert_int_eq(shmfb_producer_create(longname, &d, &p), -ENAMETOOLONG);
    ck_assert_int_eq(open_rc("bad name"), -EINVAL);
}
END_TEST

/* ---- sizes and options --------------------------------------------------- */

static int create_rc(int32_t mw, int32_t mh, int32_t w, int32_t h)
{
    char name[96];
    tu_name(name, sizeof(name), "size");
    struct shmfb_producer_desc d = {.max_width = mw, .max_height = mh, .width = w, .height = h};
    struct shmfb_producer *p = (struct shmfb_producer *)1;
    int rc = shmfb_producer_create(name, &d, &p);
    if (rc < 0)
        ck_assert_ptr_null(p);
    shmfb_producer_destroy(p);
    return rc;
}

START_TEST(sizes)
{
    ck_assert_int_eq(create_rc(0, 10, 0, 0), -EINVAL);
    ck_assert_int_eq(create_rc(10, 0, 0, 0), -EINVAL);
    ck_assert_int_eq(create_rc(-1, 10, 0, 0), -EINVAL);
    ck_assert_int_eq(create_rc(10, -5, 0, 0), -EINVAL);
    ck_assert_int_eq(create_rc(10, 10, -1, 0), -EINVAL);
    ck_assert_int_eq(create_rc(SHMFB_DIM_MAX + 1, 10, 0, 0), -EOVERFLOW);
    ck_assert_int_eq(create_rc(INT32_MAX, INT32_MAX, 0, 0), -EOVERFLOW);
    ck_assert_int_eq(create_rc(10, 10, 11, 5), -ERANGE);
    ck_assert_int_eq(create_rc(10, 10, 5, 11), -ERANGE);
    ck_assert_int_eq(create_rc(1, 1, 0, 0), 0);
    ck_assert_int_eq(create_rc(10, 10, 3, 4), 0);

    char name[96];
    tu_name(name, sizeof(name), "opts");
    struct shmfb_producer *p = (struct shmfb_producer *)1;
    ck_assert_int_eq(shmfb_producer_create(name, NULL, &p), -EINVAL);
    ck_assert_ptr_null(p);
    struct shmfb_producer_desc d = {.max_width = 4, .max_height = 4, .format = 9};
    ck_assert_int_eq(shmfb_producer_create(name, &d, &p), -EINVAL);
    d = (struct shmfb_producer_desc){.max_width = 4, .max_height = 4, .pacing = 9};
    ck_assert_int_eq(shmfb_producer_create(name, &d, &p), -EINVAL);
    d = (struct shmfb_producer_desc){.max_width = 4, .max_height = 4, .flags = 1u << 5};
    ck_assert_int_eq(shmfb_producer_create(name, &d, &p), -EINVAL);
    d = (struct shmfb_producer_desc){.max_width = 4, .max_height = 4, .pacing = 3};
    ck_assert_int_eq(shmfb_producer_create(name, &d, &p), -EINVAL);
    d = (struct shmfb_producer_desc){.max_width = 4, .max_height = 4, .buffers = 2};
    ck_assert_int_eq(shmfb_producer_create(name, &d, &p), -EINVAL); /* FIFO: one buffer */
    d.pacing = SHMFB_PACING_MAILBOX;
    d.buffers = 1;
    ck_assert_int_eq(shmfb_producer_create(name, &d, &p), -EINVAL);
    d.buffers = SHMFB_MAX_BUFFERS + 1;
    ck_assert_int_eq(shmfb_producer_create(name, &d, &p), -EINVAL);
    d.buffers = -2;
    ck_assert_int_eq(shmfb_producer_create(name, &d, &p), -EINVAL);
    ck_assert_int_eq(shmfb_producer_create(name, &d, NULL), -EINVAL);
}
END_TEST

START_TEST(exists_and_missing)
{
    char name[96];
    tu_name(name, sizeof(name), "dup");
    struct shmfb_producer *p = make(name, 16, 16, SHMFB_PACING_FIFO), *q;
    struct shmfb_producer_desc d = {.max_width = 16, .max_height = 16};
    ck_assert_int_eq(shmfb_producer_create(name, &d, &q), -EEXIST);
    ck_assert_ptr_null(q);
    shmfb_producer_destroy(p);
    ck_assert_int_eq(open_rc(name), -ENOENT);
    shmfb_producer_destroy(NULL);
    shmfb_consumer_close(NULL);
}
END_TEST

/* ---- hostile regions ------------------------------------------------------ */

static int plain_file(void)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/plain", tu_tmpdir());
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
    unlink(path);
    return fd;
}

/* A producer impostor hands out what it likes; consumers refuse all but a
 * sealed, valid framebuffer, each with its own error. */
START_TEST(hostile_producers)
{
    char name[96];
    const char junk[] = "this is not a framebuffer header at all";
    struct fake_producer f;
    const struct {
        int fd;
        int rc;
    } cases[] = {
        {sealed_memfd(junk, sizeof(junk), 8192), -EPROTO},
        {sealed_memfd("abc", 3, 3), -EPROTO},
        {sealed_memfd(NULL, 0, 0), -EPROTO},
        {memfd_create("unsealed", MFD_CLOEXEC), -EPERM},
        {plain_file(), -EPERM},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tu_name(name, sizeof(name), "impostor");
        fake_start(&f, name, cases[i].fd, 1);
        ck_assert_msg(open_rc(name) == cases[i].rc, "case %zu: %d", i, open_rc(name));
        struct shmfb_info info;
        ck_assert_int_eq(shmfb_probe(name, &info), cases[i].rc);
        ck_assert_int_eq(shmfb_reap(name), -EBUSY); /* its lock is held */
        fake_stop(&f);
        close(cases[i].fd);
    }
    /* A valid framebuffer, but not the one the lock file names: the
     * consumer waits for a handoff that does not come. */
    struct shmfb_producer *p = make("/shmfbt-other-nonce", 8, 8, SHMFB_PACING_FREE);
    tu_name(name, sizeof(name), "nonce");
    fake_start(&f, name, producer_memfd("/shmfbt-other-nonce"), 12345);
    ck_assert_int_eq(open_rc(name), -ETIMEDOUT);
    fake_stop(&f);
    shmfb_producer_destroy(p);
    /* Sockets nobody listens on, and plain files, are not framebuffers. */
    tu_name(name, sizeof(name), "nobody");
    fake_start(&f, name, -1, 0);
    close(f.sock);
    f.sock = open("/dev/null", O_RDONLY);
    ck_assert_int_eq(open_rc(name), -ENOENT);
    fake_stop(&f);
}
END_TEST

START_TEST(bad_headers)
{
    char name[96];
    tu_name(name, sizeof(name), "hdr");
    struct shmfb_producer *p = make(name, 64, 32, SHMFB_PACING_FREE);
    struct shmfb_consumer *c0;
    ck_assert_int_eq(shmfb_consumer_open(name, NULL, &c0), 0);
    struct wire_header *c = hostile_header(c0);

    uint32_t v = WIRE_VERSION + 1;
    poke(c, 8, &v, 4); /* version: newer */
    ck_assert_int_eq(open_rc(name), -EPROTONOSUPPORT);
    v = WIRE_VERSION - 1; /* older */
    poke(c, 8, &v, 4);
    ck_assert_int_eq(open_rc(name), -EPROTONOSUPPORT);
    v = 0;
    poke(c, 8, &v, 4);
    ck_assert_int_eq(open_rc(name), -EBADMSG);
    v = WIRE_VERSION;
    poke(c, 8, &v, 4);
    ck_assert_int_eq(open_rc(name), 0);

    int32_t w = 0;
    poke(c, 24, &w, 4); /* max_width */
    ck_assert_int_eq(open_rc(name), -EBADMSG);
    w = 1 << 30;
    poke(c, 24, &w, 4);
    ck_assert_int_eq(open_rc(name), -EBADMSG);
    w = 128; /* consistent-looking but not the layout the stride says */
    poke(c, 24, &w, 4);
    ck_assert_int_eq(open_rc(name), -EBADMSG);
    w = 64;
    poke(c, 24, &w, 4);
    uint64_t off = 12;
    poke(c, 88, &off, 8); /* buffer_offset */
    ck_assert_int_eq(open_rc(name), -EBADMSG);
    uint32_t n = 3;
    poke(c, 48, &n, 4); /* nbuffers, without mailbox pacing */
    ck_assert_int_eq(open_rc(name), -EBADMSG);
    uint64_t big = UINT64_MAX / 2;
    poke(c, 16, &big, 8); /* total_size */
    ck_assert_int_eq(open_rc(name), -EBADMSG);
    shmfb_consumer_close(c0);
    shmfb_producer_destroy(p);
}
END_TEST

/* The memfd is sealed: nobody holding it (a consumer, or anyone who finds
 * it through /proc) can shrink or grow it, so no mapping can fault. */
START_TEST(truncation_refused)
{
    char name[96];
    tu_name(name, sizeof(name), "trunc");
    struct shmfb_producer *p = make(name, 256, 256, SHMFB_PACING_FREE);
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", producer_memfd(name));
    int fd = open(path, O_RDWR | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    struct stat st;
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(ftruncate(fd, 8192), -1);
    ck_assert_int_eq(errno, EPERM);
    ck_assert_int_eq(ftruncate(fd, 0), -1);
    ck_assert_int_eq(ftruncate(fd, st.st_size * 2), -1);
    ck_assert_int_eq(pwrite(fd, "x", 1, st.st_size + 100), -1);
    ck_assert_int_eq(errno, EPERM);
    ck_assert_int_eq(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1); /* sealed seals */
    close(fd);
    struct shmfb_consumer *c = attach(name);
    memset(shmfb_producer_pixels(p), 0x5a, 256 * 4);
    ck_assert_int_eq(shmfb_producer_present(p), 0);
    struct shmfb_frame f;
    ck_assert_int_eq(shmfb_consumer_wait(c, 1000, &f), 0);
    ck_assert_uint_eq(f.pixels[255], 0x5a5a5a5a);
    shmfb_consumer_close(c);
    shmfb_producer_destroy(p);
}
END_TEST

/* ---- slots ------------------------------------------------------------------ */

START_TEST(slots)
{
    char name[96];
    tu_name(name, sizeof(name), "slots");
    struct shmfb_producer *p = make(name, 8, 8, SHMFB_PACING_FREE);
    struct shmfb_consumer *c[SHMFB_MAX_CONSUMERS + 1];
    struct shmfb_frame f;
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++)
        c[i] = attach(name);
    ck_assert_int_eq(shmfb_producer_consumers(p), SHMFB_MAX_CONSUMERS);
    ck_assert_int_eq(shmfb_consumer_open(name, NULL, &c[SHMFB_MAX_CONSUMERS]), 0);
    ck_assert_int_eq(shmfb_consumer_attach(c[SHMFB_MAX_CONSUMERS]), -EUSERS);
    ck_assert_int_eq(shmfb_consumer_wait(c[SHMFB_MAX_CONSUMERS], 0, &f), -ENOTCONN);
    ck_assert_int_eq(shmfb_consumer_attach(c[0]), -EISCONN);
    ck_assert_int_eq(shmfb_consumer_release(c[0]), -EINVAL);
    ck_assert_int_eq(shmfb_consumer_detach(c[3]), 0);
    ck_assert_int_eq(shmfb_consumer_detach(c[3]), -ENOTCONN);
    ck_assert_int_eq(shmfb_consumer_attach(c[SHMFB_MAX_CONSUMERS]), 0);
    ck_assert_int_eq(shmfb_consumer_wait(c[0], 0, &f), -ETIMEDOUT);
    ck_assert_int_eq(shmfb_consumer_wait(c[0], 0, NULL), -EINVAL);
    for (int i = 0; i <= SHMFB_MAX_CONSUMERS; i++)
        shmfb_consumer_close(c[i]);
    ck_assert_int_eq(shmfb_producer_consumers(p), 0);
    shmfb_producer_destroy(p);
}
END_TEST

/* ---- frames in one process --------------------------------------------------- */

START_TEST(damage_and_resize)
{
    char name[96];
    tu_name(name, sizeof(name), "damage");
    struct shmfb_producer *p = make(name, 100, 80, SHMFB_PACING_FREE);
    struct shmfb_consumer *c = attach(name);
    struct shmfb_frame f;

    ck_assert_int_eq(shmfb_consumer_peek(c, &f), -EAGAIN);
    ck_assert_int_eq(shmfb_producer_present(p), 0); /* no damage: whole frame */
    ck_assert_int_eq(shmfb_consumer_wait(c, 1000, &f), 0);
    ck_assert_uint_eq(f.seq, 1);
    ck_assert(f.flags & SHMFB_FRAME_FULL);
    ck_assert_int_eq(f.width, 100);
    ck_assert_int_eq(f.height, 80);
    ck_assert_int_eq(f.stride, 400);
    ck_assert_ptr_eq(f.pixels, shmfb_consumer_pixels(c));
    ck_assert_int_eq(shmfb_consumer_release(c), 0);

    ck_assert_int_eq(shmfb_producer_damage(p, NULL), -EINVAL);
    struct shmfb_rect outside = {-50, -50, 10, 10}, empty = {5, 5, 0, 3};
    struct shmfb_rect edge = {90, 70, 500, 500}, neg = {-5, 10, 10, 10};
    struct shmfb_rect huge = {INT32_MAX - 1, 0, INT32_MAX, 5};
    ck_assert_int_eq(shmfb_producer_damage(p, &outside), 0);
    ck_assert_int_eq(shmfb_producer_damage(p, &empty), 0);
    ck_assert_int_eq(shmfb_producer_damage(p, &huge), 0);
    ck_assert_int_eq(shmfb_producer_damage(p, &edge), 0);
    ck_assert_int_eq(shmfb_producer_damage(p, &neg), 0);
    ck_assert_int_eq(shmfb_producer_present(p), 0);
    ck_assert_int_eq(shmfb_consumer_wait(c, 1000, &f), 0);
    ck_assert_uint_eq(f.seq, 2);
    ck_assert_uint_eq(f.flags, 0);
    ck_assert_uint_eq(f.ndamage, 2);
    ck_assert_int_eq(f.damage[0].x, 90);
    ck_assert_int_eq(f.damage[0].y, 70);
    ck_assert_int_eq(f.damage[0].w, 10);
    ck_assert_int_eq(f.damage[0].h, 10);
    ck_assert_int_eq(f.damage[1].x, 0);
    ck_assert_int_eq(f.damage[1].w, 5);
    ck_assert_int_eq(f.bounds.x, 0);
    ck_assert_int_eq(f.bounds.y, 10);
    ck_assert_int_eq(f.bounds.w, 100);
    ck_assert_int_eq(f.bounds.h, 70);
    ck_assert_int_eq(shmfb_consumer_release(c), 0);

    /* More rectangles than a frame carries: merged, nothing lost. */
    for (int i = 0; i < 20; i++) {
        struct shmfb_rect r = {i * 4, i * 3, 2, 2};
        shmfb_producer_damage(p, &r);
    }
    ck_assert_int_eq(shmfb_producer_present(p), 0);
    ck_assert_int_eq(shmfb_consumer_wait(c, 1000, &f), 0);
    ck_assert_uint_eq(f.ndamage, SHMFB_MAX_DAMAGE);
    ck_assert_int_eq(f.bounds.x, 0);
    ck_assert_int_eq(f.bounds.w, 19 * 4 + 2);
    ck_assert_int_eq(f.bounds.h, 19 * 3 + 2);
    ck_assert_int_eq(shmfb_consumer_release(c), 0);

    ck_assert_int_eq(shmfb_producer_resize(p, 101, 10), -ERANGE);
    ck_assert_int_eq(shmfb_producer_resize(p, 10, 81), -ERANGE);
    ck_assert_int_eq(shmfb_producer_resize(p, 0, 10), -EINVAL);
    ck_assert_int_eq(shmfb_producer_resize(p, 40, 30), 0);
    struct shmfb_rect small = {1, 1, 2, 2};
    shmfb_producer_damage(p, &small);
    ck_assert_int_eq(shmfb_producer_present(p), 0);
    ck_assert_int_eq(shmfb_consumer_wait(c, 1000, &f), 0);
    ck_assert_int_eq(f.width, 40);
    ck_assert_int_eq(f.height, 30);
    ck_assert(f.flags & SHMFB_FRAME_RESIZED);
    ck_assert(f.flags & SHMFB_FRAME_FULL);
    ck_assert_int_eq(f.damage[0].w, 40);

    struct shmfb_info info;
    ck_assert_int_eq(shmfb_probe(name, &info), 0);
    ck_assert_str_eq(info.name, name);
    ck_assert_int_eq(info.width, 40);
    ck_assert_int_eq(info.max_width, 100);
    ck_assert_int_eq(info.consumers, 1);
    ck_assert_uint_eq(info.frames, 4);
    ck_assert_int_eq(info.alive, 1);
    ck_assert_int_eq(info.producer_pid, getpid());
    ck_assert_int_eq(shmfb_reap(name), -EBUSY);
    shmfb_consumer_close(c);
    shmfb_producer_destroy(p);
}
END_TEST

START_TEST(fifo_alone_and_stuck)
{
    char name[96];
    tu_name(name, sizeof(name), "stuck");
    struct shmfb_producer_desc d = {.max_width = 8, .max_height = 8, .timeout_ms = 300};
    struct shmfb_producer *p;
    ck_assert_int_eq(shmfb_producer_create(name, &d, &p), 0);
    int64_t t0 = tu_now_ms();
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(shmfb_producer_present(p), 0);
    ck_assert_int_lt(tu_now_ms() - t0, 300); /* nobody attached: never waits */

    /* Attached but never taking frames: dropped after the timeout. */
    struct shmfb_consumer *c = attach(name);
    struct shmfb_frame f;
    t0 = tu_now_ms();
    ck_assert_int_eq(shmfb_producer_present(p), 0);
    int64_t took = tu_now_ms() - t0;
    ck_assert_int_ge(took, 250);
    ck_assert_int_lt(took, 2000);
    ck_assert_int_eq(shmfb_producer_consumers(p), 0);
    ck_assert_int_eq(shmfb_consumer_wait(c, 0, &f), -ECONNRESET);
    ck_assert_int_eq(shmfb_consumer_wait(c, 0, &f), -ENOTCONN);
    ck_assert_int_eq(shmfb_consumer_attach(c), 0);
    ck_assert_int_eq(shmfb_consumer_wait(c, 0, &f), 0);
    ck_assert_uint_eq(f.seq, 101);
    shmfb_consumer_close(c);
    shmfb_producer_destroy(p);
}
END_TEST

START_TEST(producer_closes)
{
    char name[96];
    tu_name(name, sizeof(name), "closes");
    struct shmfb_producer *p = make(name, 8, 8, SHMFB_PACING_FREE);
    struct shmfb_consumer *c = attach(name);
    struct shmfb_frame f;
    ck_assert_int_eq(shmfb_consumer_producer_alive(c), 1);
    shmfb_producer_present(p);
    shmfb_producer_destroy(p);
    /* The frame presented before closing is still delivered, then EPIPE. */
    ck_assert_int_eq(shmfb_consumer_wait(c, 1000, &f), 0);
    ck_assert_int_eq(shmfb_consumer_wait(c, 1000, &f), -EPIPE);
    ck_assert_int_eq(shmfb_consumer_producer_alive(c), 0);
    ck_assert_int_eq(shmfb_consumer_peek(c, &f), 0);
    shmfb_consumer_close(c);
}
END_TEST

/* An overread of up to one page past the last pixel reads zeros, also when
 * the pixels end exactly on a page boundary. */
START_TEST(overread_padding)
{
    long page = sysconf(_SC_PAGESIZE);
    int32_t w = (int32_t)(page / 4);
    char name[96];
    tu_name(name, sizeof(name), "overread");
    struct shmfb_producer *p = make(name, w, 3, SHMFB_PACING_FREE);
    uint32_t *px = shmfb_producer_pixels(p);
    ck_assert_int_eq(shmfb_producer_stride(p), page);
    for (int32_t i = 0; i < w * 3; i++)
        px[i] = 0xFFFFFFFFu;
    struct shmfb_consumer *c;
    ck_assert_int_eq(shmfb_consumer_open(name, NULL, &c), 0);
    const volatile uint32_t *cp = shmfb_consumer_pixels(c);
    const volatile uint32_t *pp = px;
    uint32_t acc = 0;
    for (long i = 0; i < page / 4; i++)
        acc |= cp[(long)w * 3 + i] | pp[(long)w * 3 + i];
    ck_assert_uint_eq(acc, 0);
    ck_assert_uint_eq(cp[(long)w * 3 - 1], 0xFFFFFFFFu);
    shmfb_consumer_close(c);
    shmfb_producer_destroy(p);
}
END_TEST

START_TEST(strerror_distinct)
{
    const int codes[] = {-EINVAL,  -ENAMETOOLONG, -ERANGE,          -EOVERFLOW, -EEXIST,   -ENOENT,
                         -EAGAIN,  -EPROTO,       -EPROTONOSUPPORT, -EBADMSG,   -EMSGSIZE, -EUSERS,
                         -EISCONN, -ENOTCONN,     -ECONNRESET,      -ETIMEDOUT, -EPIPE,    -EBUSY};
    size_t n = sizeof(codes) / sizeof(codes[0]);
    for (size_t i = 0; i < n; i++) {
        ck_assert_ptr_nonnull(shmfb_strerror(codes[i]));
        ck_assert_str_eq(shmfb_strerror(codes[i]), shmfb_strerror(-codes[i]));
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(shmfb_strerror(codes[i]), shmfb_strerror(codes[j]));
    }
    ck_assert_str_eq(shmfb_strerror(0), "success");
    ck_assert_ptr_nonnull(shmfb_strerror(-9999));
    ck_assert_ptr_nonnull(shmfb_strerror(INT32_MIN + 1));
}
END_TEST

/* ---- two processes ------------------------------------------------------------- */

/* Consumer process: takes frames until it has seen frame `last`, checks
 * every pixel against the pattern while holding each one (optionally
 * dawdling to tempt a producer that would run ahead), and that no frame was
 * skipped.  Exit code: the number of problems, capped. */
static int consume(const char *name, int last_seq, int ready_fd, int dawdle_every)
{
    struct shmfb_consumer *c;
    if (shmfb_consumer_open(name, NULL, &c) < 0 || shmfb_consumer_attach(c) < 0)
        return 100;
    if (write(ready_fd, "r", 1) != 1)
        return 101;
    int bad = 0;
    uint64_t last = 0;
    for (int i = 0; last < (uint64_t)last_seq; i++) {
        struct shmfb_frame f;
        if (shmfb_consumer_wait(c, 5000, &f) < 0)
            return 102;
        if (last && f.seq != last + 1)
            bad++;
        last = f.seq;
        if (dawdle_every && i % dawdle_every == 0)
            usleep(2000);
        for (int y = 0; y < f.height; y++)
            for (int x = 0; x < f.width; x++)
                bad += f.pixels[y * (f.stride / 4) + x] != pattern(f.seq, x, y);
        shmfb_consumer_release(c);
    }
    shmfb_consumer_close(c);
    return bad > 99 ? 99 : bad;
}

static pid_t spawn_consumer(const char *name, int last_seq, int dawdle_every)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        _exit(consume(name, last_seq, fds[1], dawdle_every));
    }
    close(fds[1]);
    char b;
    ck_assert_int_eq(read(fds[0], &b, 1), 1);
    close(fds[0]);
    return pid;
}

START_TEST(fifo_two_processes)
{
    enum { FRAMES = 150, W = 61, H = 37 };
    char name[96];
    tu_name(name, sizeof(name), "fifo");
    struct shmfb_producer *p = make(name, 64, 40, SHMFB_PACING_FIFO);
    shmfb_producer_resize(p, W, H);
    pid_t a = spawn_consumer(name, FRAMES, 7);
    pid_t b = spawn_consumer(name, FRAMES, 0);
    ck_assert_int_eq(shmfb_producer_consumers(p), 2);
    for (uint64_t seq = 1; seq <= FRAMES; seq++) {
        draw(shmfb_producer_pixels(p), shmfb_producer_stride(p), W, H, seq);
        ck_assert_int_eq(shmfb_producer_present(p), 0);
        ck_assert_uint_eq(shmfb_producer_frame(p), seq);
        if (seq < FRAMES)
            ck_assert_int_eq(shmfb_producer_consumers(p), 2);
    }
    ck_assert_int_eq(tu_wait_child(a, 10000), 0);
    ck_assert_int_eq(tu_wait_child(b, 10000), 0);
    shmfb_producer_destroy(p);
}
END_TEST

START_TEST(consumer_killed)
{
    char name[96];
    tu_name(name, sizeof(name), "ckill");
    struct shmfb_producer_desc d = {.max_width = 16, .max_height = 16, .timeout_ms = 5000};
    struct shmfb_producer *p;
    ck_assert_int_eq(shmfb_producer_create(name, &d, &p), 0);
    /* A consumer that attaches and then never takes a frame. */
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct shmfb_consumer *cc;
        if (shmfb_consumer_open(name, NULL, &cc) < 0 || shmfb_consumer_attach(cc) < 0)
            _exit(1);
        if (write(fds[1], "r", 1) != 1)
            _exit(2);
        pause();
        _exit(0);
    }
    char b;
    ck_assert_int_eq(read(fds[0], &b, 1), 1);
    close(fds[0]);
    close(fds[1]);
    ck_assert_int_eq(shmfb_producer_consumers(p), 1);
    kill(pid, SIGKILL); /* not reaped yet: a zombie must count as dead */
    draw(shmfb_producer_pixels(p), shmfb_producer_stride(p), 16, 16, 1);
    int64_t t0 = tu_now_ms();
    ck_assert_int_eq(shmfb_producer_present(p), 0);
    ck_assert_int_lt(tu_now_ms() - t0, 5000);
    ck_assert_int_eq(shmfb_producer_consumers(p), 0);
    ck_assert_int_eq(tu_wait_child(pid, 1000), 128 + SIGKILL);
    /* A new consumer can attach; it gets the frame already out, then every
     * later one. */
    pid_t again = spawn_consumer(name, 4, 0);
    for (uint64_t seq = 2; seq <= 4; seq++) {
        draw(shmfb_producer_pixels(p), shmfb_producer_stride(p), 16, 16, seq);
        ck_assert_int_eq(shmfb_producer_present(p), 0);
        if (seq < 4)
            ck_assert_int_eq(shmfb_producer_consumers(p), 1);
    }
    ck_assert_int_eq(tu_wait_child(again, 5000), 0);
    shmfb_producer_destroy(p);
}
END_TEST

START_TEST(producer_killed)
{
    char name[96];
    tu_name(name, sizeof(name), "pkill");
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct shmfb_producer *p = make(name, 32, 32, SHMFB_PACING_FREE);
        draw(shmfb_producer_pixels(p), shmfb_producer_stride(p), 32, 32, 1);
        shmfb_producer_present(p);
        if (write(fds[1], "r", 1) != 1)
            _exit(2);
        pause();
        _exit(0);
    }
    char b;
    ck_assert_int_eq(read(fds[0], &b, 1), 1);
    close(fds[0]);
    close(fds[1]);
    struct shmfb_consumer *c = attach(name);
    struct shmfb_frame f;
    ck_assert_int_eq(shmfb_consumer_wait(c, 2000, &f), 0);
    ck_assert_uint_eq(f.pixels[33], pattern(1, 1, 1));
    ck_assert_int_eq(shmfb_consumer_release(c), 0);
    ck_assert_int_eq(shmfb_reap(name), -EBUSY);
    kill(pid, SIGKILL);
    int64_t t0 = tu_now_ms();
    ck_assert_int_eq(shmfb_consumer_wait(c, 3000, &f), -EPIPE);
    ck_assert_int_lt(tu_now_ms() - t0, 3000);
    ck_assert_int_eq(shmfb_consumer_producer_alive(c), 0);
    /* The last good frame is still there. */
    ck_assert_uint_eq(shmfb_consumer_pixels(c)[33], pattern(1, 1, 1));
    ck_assert_int_eq(shmfb_consumer_attach(c), -EISCONN);
    shmfb_consumer_close(c);
    tu_wait_child(pid, 1000);
    /* Nothing blocks the name: it is not listed, and a new producer takes
     * it at once. */
    struct shmfb_info info;
    ck_assert_int_eq(shmfb_probe(name, &info), -ENOENT);
    ck_assert_int_eq(open_rc(name), -ENOENT);
    ck_assert_int_eq(tu_live_names(), 0);
    struct shmfb_producer *p = make(name, 16, 16, SHMFB_PACING_FREE);
    ck_assert_int_eq(shmfb_probe(name, &info), 0);
    ck_assert_int_eq(info.alive, 1);
    ck_assert_int_eq(info.producer_pid, getpid());
    ck_assert_int_eq(shmfb_reap(name), -EBUSY);
    shmfb_producer_destroy(p);
    ck_assert_int_eq(shmfb_reap(name), -ENOENT);
}
END_TEST

/* R1: a peer that leaves frame records' locks odd ("being written") stops
 * nobody: the producer never reads its lock back, so every frame it writes
 * is readable, and FIFO presents do not wait out their timeout. */
START_TEST(odd_record_locks)
{
    char name[96];
    tu_name(name, sizeof(name), "oddlock");
    struct shmfb_producer_desc d = {.max_width = 16, .max_height = 16, .timeout_ms = 1500};
    struct shmfb_producer *p;
    ck_assert_int_eq(shmfb_producer_create(name, &d, &p), 0);
    enum { FRAMES = 40 };
    pid_t pid = fork();
    if (pid == 0) {
        struct shmfb_consumer *c = attach(name);
        struct shmfb_frame f;
        for (uint64_t want = 1; want <= FRAMES; want++) {
            if (shmfb_consumer_wait(c, 5000, &f) != 0 || f.seq != want ||
                f.pixels[17] != pattern(want, 1, 1))
                _exit((int)want);
            shmfb_consumer_release(c);
        }
        _exit(0);
    }
    while (shmfb_producer_consumers(p) == 0)
        usleep(1000);
    struct shmfb_consumer *spy;
    ck_assert_int_eq(shmfb_consumer_open(name, NULL, &spy), 0);
    struct wire_header *h = hostile_header(spy);
    struct wire_frame *rec = (struct wire_frame *)((char *)h + h->records_offset);
    for (unsigned i = 0; i < WIRE_RECORDS; i++)
        atomic_store(&rec[i].lock, 12345u); /* odd */
    int64_t t0 = tu_now_ms();
    for (uint64_t s = 1; s <= FRAMES; s++) {
        draw(shmfb_producer_pixels(p), shmfb_producer_stride(p), 16, 16, s);
        ck_assert_int_eq(shmfb_producer_present(p), 0);
    }
    ck_assert_int_lt(tu_now_ms() - t0, 1500);
    ck_assert_int_eq(tu_wait_child(pid, 5000), 0);
    shmfb_producer_dispatch(p);
    ck_assert_int_eq(shmfb_producer_consumers(p), 0);
    shmfb_consumer_close(spy);
    shmfb_producer_destroy(p);
}
END_TEST

/* R1, the consumer's side: the newest record broken after it was written
 * makes a consumer skip that frame, not wait for it forever; the next frame
 * comes whole, with full damage. */
START_TEST(broken_newest_record)
{
    char name[96];
    tu_name(name, sizeof(name), "oddnewest");
    struct shmfb_producer *p = make(name, 16, 16, SHMFB_PACING_FREE);
    ck_assert_int_eq(shmfb_producer_present(p), 0);
    struct shmfb_consumer *c = attach(name);
    struct wire_header *h = hostile_header(c);
    struct wire_frame *rec = (struct wire_frame *)((char *)h + h->records_offset);
    atomic_store(&rec[1].lock, 777u);
    struct shmfb_frame f;
    ck_assert_int_eq(shmfb_consumer_wait(c, 200, &f), -ETIMEDOUT);
    draw(shmfb_producer_pixels(p), shmfb_producer_stride(p), 16, 16, 2);
    shmfb_producer_damage(p, &(struct shmfb_rect){0, 0, 1, 1});
    ck_assert_int_eq(shmfb_producer_present(p), 0);
    ck_assert_int_eq(shmfb_consumer_wait(c, 1000, &f), 0);
    ck_assert_uint_eq(f.seq, 2);
    ck_assert_uint_eq(f.flags & SHMFB_FRAME_FULL, SHMFB_FRAME_FULL);
    ck_assert_uint_eq(f.pixels[17], pattern(2, 1, 1));
    shmfb_consumer_close(c);
    shmfb_producer_destroy(p);
}
END_TEST

/* R4: free pacing drops consumers that stop taking frames (here: stopped
 * processes holding every slot) once frames have waited for them longer
 * than the timeout, so a new consumer can attach. */
/* A consumer that dies half-way through claiming a slot leaves it CLAIMING.
 * Without a live connection behind its token it is freed within a few
 * liveness periods; with one, it gets the full second to finish. */
static int claim_free_slot(struct wire_header *h, uint64_t token)
{
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        uint32_t w = atomic_load(&h->slots[i].word);
        if (WIRE_SLOT_STATE(w) != WIRE_SLOT_FREE)
            continue;
        atomic_store(&h->slots[i].token, token);
        atomic_store(&h->slots[i].word, WIRE_SLOT_NEXT(w, WIRE_SLOT_CLAIMING));
        return i;
    }
    ck_abort_msg("no free slot");
    return -1;
}

static void dispatch_for(struct shmfb_producer *p, int ms)
{
    for (int64_t t0 = tu_now_ms(); tu_now_ms() - t0 < ms;) {
        ck_assert_int_eq(shmfb_producer_dispatch(p), 0);
        usleep(5 * 1000);
    }
}

START_TEST(abandoned_claims)
{
    char name[96];
    tu_name(name, sizeof(name), "claims");
    const struct shmfb_producer_desc d = {.max_width = 8, .max_height = 8};
    struct shmfb_producer *p;
    struct shmfb_consumer *c;
    ck_assert_int_eq(shmfb_producer_create(name, &d, &p), 0);
    ck_assert_int_eq(shmfb_consumer_open(name, NULL, &c), 0);
    ck_assert_int_eq(shmfb_consumer_attach(c), 0);
    struct wire_header *h = hostile_header(c);
    uint64_t live = 0;
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++)
        if (WIRE_SLOT_STATE(atomic_load(&h->slots[i].word)) == WIRE_SLOT_ATTACHED)
            live = atomic_load(&h->slots[i].token);
    ck_assert_uint_ne(live, 0);
    int dead = claim_free_slot(h, live ^ 0x5a5a5a5aULL);
    int slow = claim_free_slot(h, live);
    dispatch_for(p, 200);
    ck_assert_uint_eq(WIRE_SLOT_STATE(atomic_load(&h->slots[dead].word)), WIRE_SLOT_FREE);
    ck_assert_uint_eq(WIRE_SLOT_STATE(atomic_load(&h->slots[slow].word)), WIRE_SLOT_CLAIMING);
    dispatch_for(p, 1100);
    ck_assert_uint_eq(WIRE_SLOT_STATE(atomic_load(&h->slots[slow].word)), WIRE_SLOT_FREE);
    ck_assert_int_eq(shmfb_producer_consumers(p), 1);
    shmfb_consumer_close(c);
    shmfb_producer_destroy(p);
}
END_TEST

START_TEST(free_drops_stuck)
{
    char name[96];
    tu_name(name, sizeof(name), "freestuck");
    struct shmfb_producer_desc d = {
        .max_width = 8, .max_height = 8, .pacing = SHMFB_PACING_FREE, .timeout_ms = 300};
    struct shmfb_producer *p;
    ck_assert_int_eq(shmfb_producer_create(name, &d, &p), 0);
    pid_t kids[SHMFB_MAX_CONSUMERS];
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            struct shmfb_consumer *c;
            int rc = shmfb_consumer_open(name, NULL, &c);
            if (rc == 0)
                rc = shmfb_consumer_attach(c);
            if (rc < 0) {
                fprintf(stderr, "consumer %d: %s\n", i, shmfb_strerror(rc));
                _exit(1);
            }
            raise(SIGSTOP);
            _exit(0);
        }
    }
    int64_t t_attach = tu_now_ms();
    while (shmfb_producer_consumers(p) < SHMFB_MAX_CONSUMERS && tu_now_ms() - t_attach < 10000)
        shmfb_producer_dispatch(p);
    ck_assert_int_eq(shmfb_producer_consumers(p), SHMFB_MAX_CONSUMERS);
    struct shmfb_consumer *late;
    ck_assert_int_eq(shmfb_consumer_open(name, NULL, &late), 0);
    ck_assert_int_eq(shmfb_consumer_attach(late), -EUSERS);
    int64_t t0 = tu_now_ms();
    while (shmfb_consumer_attach(late) == -EUSERS && tu_now_ms() - t0 < 3000) {
        ck_assert_int_eq(shmfb_producer_present(p), 0);
        usleep(20 * 1000);
    }
    ck_assert_int_eq(shmfb_consumer_detach(late), 0);
    ck_assert_int_ge(tu_now_ms() - t0, 250);
    ck_assert_int_lt(tu_now_ms() - t0, 3000);
    ck_assert_int_eq(shmfb_producer_consumers(p), 0);
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        kill(kids[i], SIGKILL);
        tu_wait_child(kids[i], 2000);
    }
    shmfb_consumer_close(late);
    shmfb_producer_destroy(p);
}
END_TEST

/* A producer that dies with a consumer's hello unread resets the
 * connection: the consumer waiting for its handoff says the producer is
 * gone, not that it was dropped (-ECONNRESET). */
START_TEST(producer_dies_unanswered)
{
    char name[96];
    tu_name(name, sizeof(name), "unanswered");
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct fake_producer f;
        fake_start(&f, name, 999, 1); /* no such descriptor: no way through /proc */
        if (write(fds[1], "r", 1) != 1)
            _exit(2);
        usleep(200 * 1000); /* the consumer connects and says hello meanwhile */
        _exit(0);
    }
    char b;
    ck_assert_int_eq(read(fds[0], &b, 1), 1);
    close(fds[0]);
    close(fds[1]);
    const struct shmfb_consumer_desc d = {.timeout_ms = 3000};
    struct shmfb_consumer *c;
    int64_t t0 = tu_now_ms();
    ck_assert_int_eq(shmfb_consumer_open(name, &d, &c), -EPIPE);
    ck_assert_int_lt(tu_now_ms() - t0, 2000);
    ck_assert_int_eq(tu_wait_child(pid, 1000), 0);
    ck_assert_int_eq(shmfb_reap(name), 0);
}
END_TEST

static Suite *core_suite(void)
{
    Suite *s = suite_create("core");
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, tu_setup, tu_teardown);
    tcase_add_test(errors, names);
    tcase_add_test(errors, sizes);
    tcase_add_test(errors, exists_and_missing);
    tcase_add_test(errors, hostile_producers);
    tcase_add_test(errors, bad_headers);
    tcase_add_test(errors, truncation_refused);
    tcase_add_test(errors, slots);
    tcase_add_test(errors, strerror_distinct);
    suite_add_tcase(s, errors);

    TCase *frames = tcase_create("frames");
    tcase_add_checked_fixture(frames, tu_setup, tu_teardown);
    tcase_add_test(frames, damage_and_resize);
    tcase_add_test(frames, fifo_alone_and_stuck);
    tcase_add_test(frames, producer_closes);
    tcase_add_test(frames, overread_padding);
    suite_add_tcase(s, frames);

    TCase *procs = tcase_create("processes");
    tcase_add_checked_fixture(procs, tu_setup, tu_teardown);
    tcase_set_timeout(procs, 30);
    tcase_add_test(procs, fifo_two_processes);
    tcase_add_test(procs, consumer_killed);
    tcase_add_test(procs, producer_killed);
    tcase_add_test(procs, odd_record_locks);
    tcase_add_test(procs, broken_newest_record);
    tcase_add_test(procs, free_drops_stuck);
    tcase_add_test(procs, abandoned_claims);
    tcase_add_test(procs, producer_dies_unanswered);
    suite_add_tcase(s, procs);
    return s;
}

int main(void)
{
    hostile_runtime_dir();
    tu_sweep_stale();
    SRunner *sr = srunner_create(core_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

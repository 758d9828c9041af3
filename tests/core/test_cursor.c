/* The cursor channel: shapes published by a producer, validated copies read
 * by consumers, wake-ups, and a hostile producer's records. */
#include "testutil.h"

#include "../../src/wire.h"

#include <shmfb/shmfb.h>

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct shmfb_producer *make(const char *name)
{
    struct shmfb_producer_desc d = {.max_width = 64, .max_height = 48};
    struct shmfb_producer *p;
    int rc = shmfb_producer_create(name, &d, &p);
    ck_assert_msg(rc == 0, "create %s: %s", name, shmfb_strerror(rc));
    return p;
}

static struct shmfb_consumer *open_consumer(const char *name)
{
    struct shmfb_consumer *c;
    ck_assert_int_eq(shmfb_consumer_open(name, NULL, &c), 0);
    return c;
}

/* The shared header as a consumer maps it (white-box, for tests that play
 * a hostile producer): the page, before the pixels, whose magic and
 * buffer offset say it is the start of the mapping. */
static struct wire_header *shared_header(struct shmfb_consumer *c)
{
    char *pixels = (char *)(uintptr_t)shmfb_consumer_pixels(c);
    for (uint64_t back = 4096; back <= (1u << 20); back += 4096) {
        struct wire_header *h = (struct wire_header *)(pixels - back);
        if (atomic_load(&h->magic) == WIRE_MAGIC && h->buffer_offset == back)
            return h;
    }
    ck_abort_msg("no header found before the pixels");
    return NULL;
}

static struct wire_cursor *shared_cursor(struct shmfb_consumer *c)
{
    struct wire_header *h = shared_header(c);
    return (struct wire_cursor *)((char *)h + h->cursor_offset);
}

static uint32_t shape_pixel(int i)
{
    return 0x80000000u | (uint32_t)(i * 2654435761u >> 8);
}

START_TEST(shape_roundtrip)
{
    char name[96];
    tu_name(name, sizeof(name), "cursor");
    struct shmfb_producer *p = make(name);
    struct shmfb_consumer *c = open_consumer(name);
    static struct shmfb_cursor cur;

    /* Before any set: the consumer's default pointer, seq 0, nothing new. */
    ck_assert_int_eq(shmfb_consumer_cursor(c, &cur), 0);
    ck_assert_uint_eq(cur.seq, 0);
    ck_assert_uint_eq(cur.state, SHMFB_CURSOR_DEFAULT);

    uint32_t img[17 * 23];
    for (int i = 0; i < 17 * 23; i++)
        img[i] = shape_pixel(i);
    ck_assert_int_eq(shmfb_producer_set_cursor(p, SHMFB_CURSOR_SHAPE, img, 17, 23, 16, 22), 0);
    ck_assert_int_eq(shmfb_consumer_cursor(c, &cur), 1);
    ck_assert_uint_eq(cur.state, SHMFB_CURSOR_SHAPE);
    ck_assert_int_eq(cur.width, 17);
    ck_assert_int_eq(cur.height, 23);
    ck_assert_int_eq(cur.hot_x, 16);
    ck_assert_int_eq(cur.hot_y, 22);
    ck_assert_mem_eq(cur.pixels, img, sizeof(img));
    ck_assert_uint_eq(cur.pixels[17 * 23], 0); /* the rest is zero */
    uint64_t seq = cur.seq;
    ck_assert_uint_gt(seq, 0);
    ck_assert_int_eq(shmfb_consumer_cursor(c, &cur), 0); /* seen already */
    ck_assert_uint_eq(cur.seq, seq);

    /* A largest shape, then hidden, then default again. */
    static uint32_t big[SHMFB_CURSOR_MAX * SHMFB_CURSOR_MAX];
    for (int i = 0; i < SHMFB_CURSOR_MAX * SHMFB_CURSOR_MAX; i++)
        big[i] = shape_pixel(i + 7);
    ck_assert_int_eq(shmfb_producer_set_cursor(p, SHMFB_CURSOR_SHAPE, big, SHMFB_CURSOR_MAX,
                                               SHMFB_CURSOR_MAX, 0, 0),
                     0);
    ck_assert_int_eq(shmfb_consumer_cursor(c, &cur), 1);
    ck_assert_mem_eq(cur.pixels, big, sizeof(big));
    ck_assert_int_eq(shmfb_producer_set_cursor(p, SHMFB_CURSOR_HIDDEN, NULL, 99, 99, 5, 5), 0);
    ck_assert_int_eq(shmfb_consumer_cursor(c, &cur), 1);
    ck_assert_uint_eq(cur.state, SHMFB_CURSOR_HIDDEN);
    ck_assert_int_eq(cur.width, 0);
    ck_assert_int_eq(cur.hot_x, 0);
    ck_assert_uint_eq(cur.pixels[0], 0);
    ck_assert_int_eq(shmfb_producer_set_cursor(p, SHMFB_CURSOR_DEFAULT, NULL, 0, 0, 0, 0), 0);
    ck_assert_int_eq(shmfb_consumer_cursor(c, &cur), 1);
    ck_assert_uint_eq(cur.state, SHMFB_CURSOR_DEFAULT);
    ck_assert_uint_gt(cur.seq, seq);

    /* A second handle has seen nothing yet. */
    struct shmfb_consumer *c2 = open_consumer(name);
    ck_assert_int_eq(shmfb_consumer_cursor(c2, &cur), 1);
    shmfb_consumer_close(c2);
    shmfb_consumer_close(c);
    shmfb_producer_destroy(p);
}
END_TEST

START_TEST(bad_arguments)
{
    char name[96];
    tu_name(name, sizeof(name), "cursor-args");
    struct shmfb_producer *p = make(name);
    struct shmfb_consumer *c = open_consumer(name);
    uint32_t img[SHMFB_CURSOR_MAX * (SHMFB_CURSOR_MAX + 1)] = {0};
    const uint32_t S = SHMFB_CURSOR_SHAPE;
    ck_assert_int_eq(shmfb_producer_set_cursor(p, 3, img, 4, 4, 0, 0), -EINVAL);
    ck_assert_int_eq(shmfb_producer_set_cursor(p, S, NULL, 4, 4, 0, 0), -EINVAL);
    ck_assert_int_eq(shmfb_producer_set_cursor(p, S, img, 0, 4, 0, 0), -EINVAL);
    ck_assert_int_eq(shmfb_producer_set_cursor(p, S, img, 4, -1, 0, 0), -EINVAL);
    ck_assert_int_eq(shmfb_producer_set_cursor(p, S, img, SHMFB_CURSOR_MAX + 1, 4, 0, 0), -EINVAL);
    ck_assert_int_eq(shmfb_producer_set_cursor(p, S, img, 4, SHMFB_CURSOR_MAX + 1, 0, 0), -EINVAL);
    ck_assert_int_eq(shmfb_producer_set_cursor(p, S, img, 4, 4, 4, 0), -EINVAL);
    ck_assert_int_eq(shmfb_producer_set_cursor(p, S, img, 4, 4, 0, 4), -EINVAL);
    ck_assert_int_eq(shmfb_producer_set_cursor(p, S, img, 4, 4, -1, 0), -EINVAL);
    ck_assert_int_eq(shmfb_producer_set_cursor(p, S, img, 4, 4, 0, -1), -EINVAL);
    /* Nothing was published by the refused calls. */
    static struct shmfb_cursor cur;
    ck_assert_int_eq(shmfb_consumer_cursor(c, &cur), 0);
    ck_assert_uint_eq(cur.seq, 0);
    ck_assert_int_eq(shmfb_consumer_cursor(c, NULL), -EINVAL);
    struct shmfb_frame f;
    ck_assert_int_eq(shmfb_consumer_wait_any(c, 0, 0, &f), -EINVAL);
    ck_assert_int_eq(shmfb_consumer_wait_any(c, 0, 1u << 9, &f), -EINVAL);
    ck_assert_int_eq(shmfb_consumer_wait_any(c, 0, SHMFB_WAIT_FRAME, NULL), -EINVAL);
    /* Frames need an attached consumer; the cursor alone does not. */
    ck_assert_int_eq(shmfb_consumer_wait_any(c, 0, SHMFB_WAIT_FRAME, &f), -ENOTCONN);
    ck_assert_int_eq(shmfb_consumer_wait_any(c, 0, SHMFB_WAIT_CURSOR, NULL), -ETIMEDOUT);
    shmfb_consumer_close(c);
    shmfb_producer_destroy(p);
}
END_TEST

/* A producer in another process sets the cursor, later presents a frame; the
 * consumer's wait_any reports each as it happens. */
START_TEST(wait_any_wakes)
{
    char name[96];
    tu_name(name, sizeof(name), "cursor-wake");
    struct shmfb_producer *p = make(name);
    struct shmfb_consumer *c = open_consumer(name);
    ck_assert_int_eq(shmfb_consumer_attach(c), 0);
    int go[2];
    ck_assert_int_eq(pipe(go), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char b;
        if (read(go[0], &b, 1) != 1)
            _exit(3);
        usleep(100 * 1000);
        uint32_t img[4] = {1, 2, 3, 4};
        int rc = shmfb_producer_set_cursor(p, SHMFB_CURSOR_SHAPE, img, 2, 2, 1, 1);
        usleep(100 * 1000);
        shmfb_producer_present(p);
        _exit(rc == 0 ? 0 : 1);
    }
    ck_assert_int_eq(write(go[1], "x", 1), 1);
    struct shmfb_frame f;
    int64_t t0 = tu_now_ms();
    const uint32_t both = SHMFB_WAIT_FRAME | SHMFB_WAIT_CURSOR;
    ck_assert_int_eq(shmfb_consumer_wait_any(c, 5000, both, &f), SHMFB_WAIT_CURSOR);
    ck_assert_int_ge(tu_now_ms() - t0, 90);
    static struct shmfb_cursor cur;
    ck_assert_int_eq(shmfb_consumer_cursor(c, &cur), 1);
    ck_assert_uint_eq(cur.pixels[3], 4);
    ck_assert_int_eq(shmfb_consumer_wait_any(c, 5000, both, &f), SHMFB_WAIT_FRAME);
    ck_assert_uint_eq(f.seq, 1);
    ck_assert_int_eq(shmfb_consumer_release(c), 0);
    ck_assert_int_eq(tu_wait_child(pid, 5000), 0);
    close(go[0]);
    close(go[1]);
    shmfb_consumer_close(c);
    shmfb_producer_destroy(p);
}
END_TEST

/* Whatever a hostile producer writes, a consumer gets -EBADMSG or -EAGAIN
 * and a zeroed copy, never a shape outside the limits. */
START_TEST(hostile_records)
{
    char name[96];
    tu_name(name, sizeof(name), "cursor-hostile");
    struct shmfb_producer *p = make(name);
    struct shmfb_consumer *c = open_consumer(name);
    uint32_t img[4] = {1, 2, 3, 4};
    ck_assert_int_eq(shmfb_producer_set_cursor(p, SHMFB_CURSOR_SHAPE, img, 2, 2, 0, 0), 0);
    struct wire_cursor *wc = shared_cursor(c);
    static struct shmfb_cursor cur;
    const struct {
        uint32_t state;
        int32_t w, h, hx, hy;
    } bad[] = {
        {7, 2, 2, 0, 0}, {2, 0, 2, 0, 0}, {2, 65, 2, 0, 0},        {2, 2, 65, 0, 0},
        {2, 2, 2, 2, 0}, {2, 2, 2, 0, 2}, {2, 2, 2, -1, 0},        {2, -4, -4, 0, 0},
        {1, 2, 2, 0, 0}, {0, 0, 0, 1, 0}, {2, INT32_MAX, 2, 0, 0}, {2, 2, INT32_MIN, 0, 0},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        atomic_store(&wc->state, bad[i].state);
        atomic_store(&wc->width, bad[i].w);
        atomic_store(&wc->height, bad[i].h);
        atomic_store(&wc->hot_x, bad[i].hx);
        atomic_store(&wc->hot_y, bad[i].hy);
        atomic_store(&wc->seq, 100 + i);
        ck_assert_msg(shmfb_consumer_cursor(c, &cur) == -EBADMSG, "case %zu", i);
        ck_assert_int_eq(cur.width, 0);
        ck_assert_uint_eq(cur.seq, 0);
    }
    /* A lock left odd: the copy gives up instead of spinning forever. */
    uint32_t lock = atomic_load(&wc->lock);
    atomic_store(&wc->lock, lock | 1u);
    int64_t t0 = tu_now_ms();
    ck_assert_int_eq(shmfb_consumer_cursor(c, &cur), -EAGAIN);
    ck_assert_int_lt(tu_now_ms() - t0, 1000);
    /* The producer never reads its lock back: its next shape is whole and
     * readable again. */
    ck_assert_int_eq(shmfb_producer_set_cursor(p, SHMFB_CURSOR_SHAPE, img, 1, 4, 0, 3), 0);
    ck_assert_int_eq(shmfb_consumer_cursor(c, &cur), 1);
    ck_assert_int_eq(cur.height, 4);
    ck_assert_uint_eq(cur.pixels[3], 4);
    shmfb_consumer_close(c);
    shmfb_producer_destroy(p);
}
END_TEST

int main(void)
{
    tu_sweep_stale();
    Suite *s = suite_create("cursor");
    TCase *t = tcase_create("cursor");
    tcase_add_checked_fixture(t, tu_setup, tu_teardown);
    tcase_add_test(t, shape_roundtrip);
    tcase_add_test(t, bad_arguments);
    tcase_add_test(t, wait_any_wakes);
    tcase_add_test(t, hostile_records);
    suite_add_tcase(s, t);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

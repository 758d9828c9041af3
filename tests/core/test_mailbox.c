/* Mailbox pacing: several buffers, the producer never overwrites what a
 * consumer holds, consumers get the newest whole frame with the damage of
 * the frames they skipped. */
#include "hostile.h"
#include "testutil.h"

#include <shmfb/shmfb.h>

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct shmfb_producer *make(const char *name, int32_t w, int32_t h, int buffers,
                                   uint32_t flags, int timeout_ms)
{
    struct shmfb_producer_desc d = {.max_width = w,
                                    .max_height = h,
                                    .pacing = SHMFB_PACING_MAILBOX,
                                    .buffers = buffers,
                                    .flags = flags,
                                    .timeout_ms = timeout_ms};
    struct shmfb_producer *p;
    int rc = shmfb_producer_create(name, &d, &p);
    ck_assert_msg(rc == 0, "create: %s", shmfb_strerror(rc));
    return p;
}

static struct shmfb_consumer *attach(const char *name)
{
    struct shmfb_consumer *c;
    ck_assert_int_eq(shmfb_consumer_open(name, NULL, &c), 0);
    ck_assert_int_eq(shmfb_consumer_attach(c), 0);
    return c;
}

static uint32_t value(uint64_t seq, int x, int y)
{
    return 0xFF000000u | (uint32_t)((seq * 2654435761u) ^ ((uint32_t)x * 40503u) ^ (uint32_t)y);
}

static void fill(uint32_t *px, int32_t stride, int w, int h, uint64_t seq)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            px[(size_t)y * (stride / 4) + x] = value(seq, x, y);
}

/* 0 if the frame is wholly frame seq's, else 1 + the first bad row. */
static int whole(const struct shmfb_frame *f, uint64_t seq)
{
    for (int y = 0; y < f->height; y++)
        for (int x = 0; x < f->width; x++)
            if (f->pixels[(size_t)y * (f->stride / 4) + x] != value(seq, x, y))
                return y + 1;
    return 0;
}

/* Two consumer processes, one slow, check every frame they get is whole
 * and from one frame, while the producer presents 10,000 frames. */
START_TEST(no_tearing)
{
    enum { FRAMES = 10000, W = 64, H = 48 };
    char name[96];
    tu_name(name, sizeof(name), "tear");
    struct shmfb_producer *p = make(name, W, H, 3, 0, 2000);
    int ready[2];
    ck_assert_int_eq(pipe(ready), 0);
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            struct shmfb_consumer *c = attach(name);
            struct shmfb_frame f;
            uint64_t last = 0;
            int got = 0;
            if (write(ready[1], "r", 1) != 1)
                _exit(90);
            while (shmfb_consumer_wait(c, 3000, &f) == 0) {
                if (f.seq <= last || whole(&f, f.seq))
                    _exit(91);
                last = f.seq;
                got++;
                if (k == 1)
                    usleep(200); /* a slow one skips frames */
                if (last == FRAMES)
                    break;
            }
            _exit(last == FRAMES && got > 0 ? 0 : 92);
        }
    }
    char b;
    for (int k = 0; k < 2; k++)
        ck_assert_int_eq(read(ready[0], &b, 1), 1);
    while (shmfb_producer_consumers(p) < 2)
        shmfb_producer_dispatch(p);
    for (uint64_t s = 1; s <= FRAMES; s++) {
        fill(shmfb_producer_pixels(p), shmfb_producer_stride(p), W, H, s);
        ck_assert_int_eq(shmfb_producer_present(p), 0);
    }
    for (int k = 0; k < 2; k++)
        ck_assert_int_eq(tu_wait_child(kids[k], 20000), 0);
    close(ready[0]);
    close(ready[1]);
    shmfb_producer_destroy(p);
}
END_TEST

/* A consumer holds one frame while the producer presents 1,000 more: no
 * present waits, and the held pixels never change. */
START_TEST(held_frame)
{
    enum { W = 32, H = 20 };
    char name[96];
    tu_name(name, sizeof(name), "held");
    struct shmfb_producer *p = make(name, W, H, 3, 0, 1000);
    struct shmfb_consumer *c = attach(name);
    fill(shmfb_producer_pixels(p), shmfb_producer_stride(p), W, H, 1);
    ck_assert_int_eq(shmfb_producer_present(p), 0);
    struct shmfb_frame f;
    ck_assert_int_eq(shmfb_consumer_wait(c, 1000, &f), 0);
    ck_assert_uint_eq(f.seq, 1);
    int64_t t0 = tu_now_ms(), longest = 0;
    for (uint64_t s = 2; s <= 1001; s++) {
        fill(shmfb_producer_pixels(p), shmfb_producer_stride(p), W, H, s);
        int64_t t = tu_now_ms();
        ck_assert_int_eq(shmfb_producer_present(p), 0);
        longest = tu_now_ms() - t > longest ? tu_now_ms() - t : longest;
        ck_assert_int_eq(whole(&f, 1), 0);
    }
    ck_assert_int_lt(longest, 500); /* never the 1 s timeout */
    ck_assert_int_lt(tu_now_ms() - t0, 5000);
    ck_assert_int_eq(shmfb_producer_consumers(p), 1);
    /* Released, the next wait gets the newest frame, whole. */
    ck_assert_int_eq(shmfb_consumer_wait(c, 1000, &f), 0);
    ck_assert_uint_eq(f.seq, 1001);
    ck_assert_int_eq(whole(&f, 1001), 0);
    ck_assert_uint_eq(f.flags & SHMFB_FRAME_FULL, SHMFB_FRAME_FULL); /* too old to union */
    shmfb_consumer_close(c);
    shmfb_producer_destroy(p);
}
END_TEST

/* Random damage, random skipping: a consumer that rebuilds its own copy
 * from the reported damage alone ends equal to a full snapshot. */
START_TEST(skipped_damage)
{
    enum { W = 97, H = 61, FRAMES = 3000 };
    char name[96];
    tu_name(name, sizeof(name), "skipdmg");
    struct shmfb_producer *p = make(name, W, H, 3, 0, 2000);
    pid_t pid = fork();
    if (pid == 0) {
        struct shmfb_consumer *c = attach(name);
        static uint32_t copy[W * H];
        struct shmfb_frame f;
        unsigned seed = 7;
        uint64_t skipped = 0, last = 0;
        while (shmfb_consumer_wait(c, 3000, &f) == 0) {
            skipped += f.seq - last - 1;
            last = f.seq;
            for (uint32_t i = 0; i < f.ndamage; i++)
                for (int y = f.damage[i].y; y < f.damage[i].y + f.damage[i].h; y++)
                    memcpy(copy + y * W + f.damage[i].x,
                           f.pixels + y * (f.stride / 4) + f.damage[i].x,
                           (size_t)f.damage[i].w * 4);
            for (int y = 0; y < H; y++)
                if (memcmp(copy + y * W, f.pixels + y * (f.stride / 4), W * 4) != 0)
                    _exit(81);
            if (f.seq == FRAMES)
                _exit(skipped > 0 ? 0 : 82);
            if (rand_r(&seed) % 3 == 0)
                usleep((useconds_t)(rand_r(&seed) % 400));
        }
        _exit(83);
    }
    while (shmfb_producer_consumers(p) < 1)
        shmfb_producer_dispatch(p);
    unsigned seed = 11;
    uint32_t *px = shmfb_producer_pixels(p);
    int32_t pitch = shmfb_producer_stride(p) / 4;
    for (uint64_t s = 1; s <= FRAMES; s++) {
        int n = 1 + rand_r(&seed) % 4;
        for (int k = 0; k < n; k++) {
            struct shmfb_rect r = {rand_r(&seed) % W, rand_r(&seed) % H, 1 + rand_r(&seed) % 30,
                                   1 + rand_r(&seed) % 20};
            for (int y = r.y; y < r.y + r.h && y < H; y++)
                for (int x = r.x; x < r.x + r.w && x < W; x++)
                    px[y * pitch + x] = value(s * 7 + (uint64_t)k, x, y);
            shmfb_producer_damage(p, &r);
        }
        ck_assert_int_eq(shmfb_producer_present(p), 0);
        if (s % 5 == 0)
            usleep(50);
    }
    ck_assert_int_eq(tu_wait_child(pid, 20000), 0);
    shmfb_producer_destroy(p);
}
END_TEST

/* Two buffers, one held by a consumer that is then killed: the producer's
 * present waits for that buffer, and gets it back when the consumer dies,
 * well within its timeout. */
START_TEST(holder_killed)
{
    char name[96];
    tu_name(name, sizeof(name), "holder");
    struct shmfb_producer *p = make(name, 16, 16, 2, 0, 10000);
    fill(shmfb_producer_pixels(p), shmfb_producer_stride(p), 16, 16, 1);
    ck_assert_int_eq(shmfb_producer_present(p), 0);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct shmfb_consumer *c = attach(name);
        struct shmfb_frame f;
        if (shmfb_consumer_wait(c, 2000, &f) != 0 || write(fds[1], "h", 1) != 1)
            _exit(1);
        pause(); /* holds frame 1's buffer */
        _exit(0);
    }
    char b;
    ck_assert_int_eq(read(fds[0], &b, 1), 1);
    /* Frame 2 goes to the spare buffer; frame 3 finds both taken (the
     * newest, and the held one) and waits. */
    ck_assert_int_eq(shmfb_producer_present(p), 0);
    int64_t t0 = tu_now_ms();
    pid_t killer = fork();
    if (killer == 0) {
        usleep(300 * 1000);
        kill(pid, SIGKILL);
        _exit(0);
    }
    ck_assert_int_eq(shmfb_producer_present(p), 0);
    int64_t waited = tu_now_ms() - t0;
    ck_assert_int_ge(waited, 250);
    ck_assert_int_lt(waited, 3000);
    ck_assert_int_eq(tu_wait_child(killer, 2000), 0);
    ck_assert_int_eq(tu_wait_child(pid, 2000), 128 + SIGKILL);
    ck_assert_int_eq(shmfb_producer_consumers(p), 0);
    close(fds[0]);
    close(fds[1]);
    shmfb_producer_destroy(p);
}
END_TEST

/* More holders than spare buffers, alive but stuck: present waits out the
 * timeout, then drops them. */
START_TEST(stuck_holders_dropped)
{
    char name[96];
    tu_name(name, sizeof(name), "stuckhold");
    struct shmfb_producer *p = make(name, 8, 8, 2, 0, 400);
    struct shmfb_consumer *c = attach(name);
    ck_assert_int_eq(shmfb_producer_present(p), 0);
    struct shmfb_frame f;
    ck_assert_int_eq(shmfb_consumer_wait(c, 1000, &f), 0);
    ck_assert_int_eq(shmfb_producer_present(p), 0); /* the spare */
    int64_t t0 = tu_now_ms();
    ck_assert_int_eq(shmfb_producer_present(p), 0); /* both taken */
    ck_assert_int_ge(tu_now_ms() - t0, 350);
    ck_assert_int_lt(tu_now_ms() - t0, 2000);
    ck_assert_int_eq(shmfb_consumer_release(c), -ECONNRESET);
    ck_assert_int_eq(shmfb_consumer_attach(c), 0);
    ck_assert_int_eq(shmfb_consumer_wait(c, 1000, &f), 0);
    ck_assert_uint_eq(f.seq, 3);
    shmfb_consumer_close(c);
    shmfb_producer_destroy(p);
}
END_TEST

/* Zero copy: a producer with its own image draws each frame into the
 * acquired buffer, repairing what the buffer missed; every frame a consumer
 * gets equals the producer's image then. */
START_TEST(acquire_repairs)
{
    enum { W = 40, H = 30, FRAMES = 400 };
    char name[96];
    tu_name(name, sizeof(name), "acquire");
    struct shmfb_producer *p = make(name, W, H, 4, SHMFB_OWN_IMAGE, 2000);
    ck_assert_ptr_null(shmfb_producer_pixels(p));
    ck_assert_int_eq(shmfb_producer_present(p), -EINVAL);
    ck_assert_int_eq(shmfb_producer_acquire(p, NULL), -EINVAL);
    struct shmfb_consumer *c = attach(name);
    static uint32_t image[W * H];
    unsigned seed = 3;
    struct shmfb_frame f;
    for (uint64_t s = 1; s <= FRAMES; s++) {
        struct shmfb_back back;
        ck_assert_int_eq(shmfb_producer_acquire(p, &back), 0);
        struct shmfb_back again;
        ck_assert_int_eq(shmfb_producer_acquire(p, &again), 0);
        ck_assert_ptr_eq(again.pixels, back.pixels);
        if (s == 1)
            ck_assert_int_eq(back.nrepair, 1);
        struct shmfb_rect r = {rand_r(&seed) % W, rand_r(&seed) % H, 1 + rand_r(&seed) % 9,
                               1 + rand_r(&seed) % 9};
        for (int y = r.y; y < r.y + r.h && y < H; y++)
            for (int x = r.x; x < r.x + r.w && x < W; x++)
                image[y * W + x] = value(s, x, y);
        struct shmfb_rect todo[SHMFB_MAX_DAMAGE + 1];
        memcpy(todo, back.repair, sizeof(back.repair[0]) * back.nrepair);
        todo[back.nrepair] = r;
        for (uint32_t i = 0; i <= back.nrepair; i++)
            for (int y = todo[i].y; y < todo[i].y + todo[i].h && y < H; y++)
                for (int x = todo[i].x; x < todo[i].x + todo[i].w && x < W; x++)
                    back.pixels[y * (back.stride / 4) + x] = image[y * W + x];
        shmfb_producer_damage(p, &r);
        ck_assert_int_eq(shmfb_producer_present(p), 0);
        /* The consumer sometimes holds on, so buffers age differently. */
        if (rand_r(&seed) % 2 == 0) {
            ck_assert_int_eq(shmfb_consumer_wait(c, 1000, &f), 0);
            ck_assert_uint_eq(f.seq, s);
            for (int y = 0; y < H; y++)
                ck_assert_int_eq(memcmp(f.pixels + y * (f.stride / 4), image + y * W, W * 4), 0);
        }
    }
    shmfb_consumer_close(c);
    shmfb_producer_destroy(p);
}
END_TEST

/* Frames of full damage: a consumer that skipped some is told the whole
 * frame once, not once per frame; a back buffer's repair is one rectangle. */
START_TEST(full_damage_once)
{
    enum { W = 16, H = 8 };
    char name[96];
    tu_name(name, sizeof(name), "full");
    struct shmfb_producer *p = make(name, W, H, 3, SHMFB_OWN_IMAGE, 2000);
    struct shmfb_consumer *c = attach(name);
    struct shmfb_frame f;
    for (uint64_t s = 1; s <= 6; s++) {
        struct shmfb_back back;
        ck_assert_int_eq(shmfb_producer_acquire(p, &back), 0);
        ck_assert_uint_eq(back.nrepair, 1);
        ck_assert_int_eq(back.repair[0].w, W);
        ck_assert_int_eq(back.repair[0].h, H);
        fill(back.pixels, back.stride, W, H, s);
        ck_assert_int_eq(shmfb_producer_present(p), 0);
        if (s == 1) {
            ck_assert_int_eq(shmfb_consumer_wait(c, 1000, &f), 0);
            ck_assert_int_eq(shmfb_consumer_release(c), 0);
        }
    }
    ck_assert_int_eq(shmfb_consumer_wait(c, 1000, &f), 0);
    ck_assert_uint_eq(f.seq, 6);
    ck_assert_int_eq(whole(&f, 6), 0);
    ck_assert_uint_eq(f.ndamage, 1);
    ck_assert_int_eq(f.damage[0].w, W);
    ck_assert_int_eq(f.damage[0].h, H);
    shmfb_consumer_close(c);
    shmfb_producer_destroy(p);
}
END_TEST

/* FIFO and free pacing hand out their one buffer, with nothing to repair. */
START_TEST(acquire_single_buffer)
{
    char name[96];
    tu_name(name, sizeof(name), "acq1");
    struct shmfb_producer_desc d = {.max_width = 8, .max_height = 8};
    struct shmfb_producer *p;
    ck_assert_int_eq(shmfb_producer_create(name, &d, &p), 0);
    struct shmfb_back back;
    ck_assert_int_eq(shmfb_producer_acquire(p, &back), 0);
    ck_assert_ptr_eq(back.pixels, shmfb_producer_pixels(p));
    ck_assert_uint_eq(back.nrepair, 0);
    ck_assert_int_eq(back.stride, 32);
    ck_assert_int_eq(shmfb_producer_present(p), 0);
    shmfb_producer_destroy(p);
}
END_TEST

int main(void)
{
    hostile_runtime_dir();
    tu_sweep_stale();
    Suite *s = suite_create("mailbox");
    TCase *t = tcase_create("mailbox");
    tcase_add_checked_fixture(t, tu_setup, tu_teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, no_tearing);
    tcase_add_test(t, held_frame);
    tcase_add_test(t, skipped_damage);
    tcase_add_test(t, holder_killed);
    tcase_add_test(t, stuck_holders_dropped);
    tcase_add_test(t, acquire_repairs);
    tcase_add_test(t, acquire_single_buffer);
    tcase_add_test(t, full_damage_once);
    suite_add_tcase(s, t);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

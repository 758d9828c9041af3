/* The library itself: a producer here, a consumer in a forked process. */
#include "bench_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct fb_mode {
    uint32_t pacing;
    bool draw;   /* producer writes pixels (else an empty frame) */
    bool damage; /* only the damage square, and marks it */
    bool copy;   /* consumer copies every damaged pixel */
};

/* What the consumer process needs; fork gives it its own copy. */
struct fb_child {
    char name[96];
    int frames; /* frames to take; 0 means until the producer goes away */
    struct fb_mode mode;
    _Atomic uint32_t *taken; /* shared: frames the consumer took */
};

struct fb_bench {
    struct bench_run *run;
    struct fb_child fc;
    struct shmfb_producer *p;
    struct bench_peer child;
};

static void sleep_ms(int ms)
{
    struct timespec ts = {0, (long)ms * 1000000};
    nanosleep(&ts, NULL);
}

static int open_consumer(const char *name, struct shmfb_consumer **c)
{
    for (int tries = 0; tries < BENCH_WAIT_MS; tries++) {
        int rc = shmfb_consumer_open(name, NULL, c);
        if (rc != -EAGAIN)
            return rc;
        sleep_ms(1);
    }
    return -ETIMEDOUT;
}

static void copy_damage(uint32_t *copy, const struct shmfb_frame *f)
{
    for (uint32_t d = 0; d < f->ndamage; d++)
        bench_copy(copy, f->pixels, f->stride / 4, &f->damage[d]);
    bench_clobber(copy);
}

static int consume(struct shmfb_consumer *c, const struct fb_child *fc, uint32_t *copy)
{
    struct shmfb_frame f;
    for (int i = 0; fc->frames == 0 || i < fc->frames; i++) {
        int rc = shmfb_consumer_wait(c, BENCH_WAIT_MS, &f);
        if (rc == -EPIPE && fc->frames == 0)
            return 0;
        if (rc < 0)
            return rc;
        /* FIFO pacing shows a lockstep consumer every frame, in order. */
        if (fc->frames != 0 && f.seq != (uint64_t)i + 1) {
            fprintf(stderr, "shmfb bench: consumer got frame %llu, expected %d\n",
                    (unsigned long long)f.seq, i + 1);
            return -EPROTO;
        }
        if (fc->mode.copy)
            copy_damage(copy, &f);
        rc = shmfb_consumer_release(c);
        if (rc < 0)
            return rc;
        atomic_fetch_add_explicit(fc->taken, 1, memory_order_relaxed);
    }
    return 0;
}

static int consumer_child(void *arg, const struct bench_peer *parent)
{
    (void)parent;
    const struct fb_child *fc = arg;
    struct shmfb_consumer *c = NULL;
    int rc = open_consumer(fc->name, &c);
    if (rc == 0)
        rc = shmfb_consumer_attach(c);
    int32_t mw = 0, mh = 0;
    if (rc == 0)
        shmfb_consumer_capacity(c, &mw, &mh);
    size_t bytes = bench_frame_bytes(mw, mh);
    uint32_t *copy = rc == 0 ? bench_map(bytes, false) : NULL;
    if (rc == 0)
        rc = copy == NULL ? -ENOMEM : consume(c, fc, copy);
    if (rc < 0)
        fprintf(stderr, "shmfb bench: consumer: %s\n", shmfb_strerror(rc));
    bench_unmap(copy, bytes);
    shmfb_consumer_close(c);
    return rc;
}

static int wait_attached(struct fb_bench *b)
{
    for (int ms = 0; ms < BENCH_WAIT_MS; ms++) {
        if (shmfb_producer_consumers(b->p) >= 1)
            return 0;
        if (!bench_peer_alive(&b->child))
            return bench_fail(b->run, -EPIPE, "the consumer process died before attaching");
        sleep_ms(1);
    }
    return bench_fail(b->run, -ETIMEDOUT, "the consumer did not attach");
}

/* Creates the framebuffer (named in b->fc.name) and forks `child` as its
 * consumer, then waits until it has attached. */
static int fb_start_with(struct fb_bench *b, bench_child_fn child, void *arg)
{
    struct bench_run *run = b->run;
    bench_unique_name(b->fc.name, sizeof(b->fc.name), "fb");
    struct shmfb_producer_desc desc = {.max_width = run->width,
                                       .max_height = run->height,
                                       .pacing = b->fc.mode.pacing,
                                       .timeout_ms = BENCH_WAIT_MS};
    bench_track_name(b->fc.name);
    int rc = shmfb_producer_create(b->fc.name, &desc, &b->p);
    if (rc < 0)
        return bench_fail(run, rc, "create %s: %s", b->fc.name, shmfb_strerror(rc));
    rc = bench_spawn(child, arg, &b->child);
    if (rc < 0)
        return bench_fail(run, rc, "fork: %s", strerror(-rc));
    return wait_attached(b);
}

static int fb_start(struct fb_bench *b)
{
    return fb_start_with(b, consumer_child, &b->fc);
}

/* Destroying the producer first ends a FREE consumer's wait with EPIPE. */
static int fb_stop(struct fb_bench *b)
{
    shmfb_producer_destroy(b->p);
    b->p = NULL;
    bench_untrack_name(b->fc.name);
    int rc = bench_reap(&b->child, BENCH_WAIT_MS);
    return rc < 0 ? bench_fail(b->run, rc, "consumer process failed") : 0;
}

static int present_one(struct fb_bench *b, uint32_t *px, int32_t stride, const struct shmfb_rect *r,
                       int i)
{
    const struct fb_mode *m = &b->fc.mode;
    if (m->draw)
        bench_fill(px, stride, r, bench_pixel(i));
    if (m->damage)
        shmfb_producer_damage(b->p, r);
    return shmfb_producer_present(b->p);
}

static int produce(struct fb_bench *b)
{
    struct bench_run *run = b->run;
    uint32_t *px = shmfb_producer_pixels(b->p);
    int32_t stride = shmfb_producer_stride(b->p) / 4;
    struct shmfb_rect all = {0, 0, run->width, run->height};
    struct shmfb_rect sq = bench_damage_rect(run->width, run->height);
    const struct shmfb_rect *r = b->fc.mode.damage ? &sq : &all;
    for (int i = 1; i <= run->warmup + run->iters; i++) {
        /* The consumer has frames left to take, so it must be attached; after
         * the last one it may already have gone. */
        if (shmfb_producer_consumers(b->p) != 1)
            return bench_fail(run, -ECONNRESET, "the consumer was dropped before frame %d", i);
        int64_t t0 = bench_now_ns();
        int rc = present_one(b, px, stride, r, i);
        int64_t dt = bench_now_ns() - t0;
        if (rc < 0)
            return bench_fail(run, rc, "present: %s", shmfb_strerror(rc));
        if (i > run->warmup)
            run->ns[i - 1 - run->warmup] = dt;
    }
    return 0;
}

static int fb_bench(struct bench_run *run, const struct fb_mode *mode)
{
    struct fb_bench b = {.run = run, .child = {0, true}};
    b.fc.mode = *mode;
    b.fc.frames = mode->pacing == SHMFB_PACING_FIFO ? run->warmup + run->iters : 0;
    b.fc.taken = bench_map(4096, true);
    if (b.fc.taken == NULL)
        return bench_fail(run, -ENOMEM, "cannot map a shared page");
    *b.fc.taken = 0;
    int rc = fb_start(&b);
    if (rc == 0)
        rc = produce(&b);
    if (rc < 0)
        bench_kill(&b.child);
    int rc2 = fb_stop(&b);
    run->extra = (double)atomic_load(b.fc.taken) / (run->warmup + run->iters);
    bench_unmap((void *)b.fc.taken, 4096);
    return rc < 0 ? rc : rc2;
}

int bench_shmfb_empty(struct bench_run *run)
{
    const struct fb_mode m = {SHMFB_PACING_FIFO, false, false, false};
    return fb_bench(run, &m);
}

int bench_shmfb_fifo(struct bench_run *run)
{
    const struct fb_mode m = {SHMFB_PACING_FIFO, true, false, true};
    return fb_bench(run, &m);
}

int bench_shmfb_damage(struct bench_run *run)
{
    const struct fb_mode m = {SHMFB_PACING_FIFO, true, true, true};
    return fb_bench(run, &m);
}

int bench_shmfb_free(struct bench_run *run)
{
    const struct fb_mode m = {SHMFB_PACING_FREE, true, false, true};
    return fb_bench(run, &m);
}

/* Input latency: the consumer (a viewer) sends an event; the producer sleeps
 * in shmfb_producer_wait() as an idle VM would.  Measured one way, from just
 * before the send to the producer's return from the wait, on the shared
 * CLOCK_MONOTONIC.  The producer asks for each event in turn, so the queue
 * never holds more than one. */
struct in_shared {
    _Atomic uint32_t go;     /* event number the consumer may send next */
    _Atomic int64_t sent_ns; /* when it sent it */
};

struct in_child {
    const char *name; /* the framebuffer's, in struct fb_bench */
    int count;
    struct in_shared *sh;
};

static int input_child(void *arg, const struct bench_peer *parent)
{
    const struct in_child *ic = arg;
    struct shmfb_consumer *c = NULL;
    int rc = open_consumer(ic->name, &c);
    if (rc == 0)
        rc = shmfb_consumer_attach(c);
    for (int i = 1; rc == 0 && i <= ic->count; i++) {
        rc = bench_wait_eq(&ic->sh->go, (uint32_t)i, parent, false);
        struct shmfb_event ev = {.type = SHMFB_EVENT_MOTION, .x = i, .y = 1};
        atomic_store_explicit(&ic->sh->sent_ns, bench_now_ns(), memory_order_release);
        if (rc == 0)
            rc = shmfb_consumer_send(c, &ev);
    }
    if (rc < 0)
        fprintf(stderr, "shmfb bench: input consumer: %s\n", shmfb_strerror(rc));
    shmfb_consumer_close(c);
    return rc;
}

static int input_one(struct fb_bench *b, struct in_shared *sh, int i, int64_t *dt)
{
    atomic_store_explicit(&sh->go, (uint32_t)i, memory_order_release);
    bench_wake(&sh->go);
    int rc = shmfb_producer_wait(b->p, BENCH_WAIT_MS, SHMFB_WAIT_EVENT);
    int64_t woke = bench_now_ns();
    if (rc < 0)
        return bench_fail(b->run, rc, "wait for event %d: %s", i, shmfb_strerror(rc));
    *dt = woke - atomic_load_explicit(&sh->sent_ns, memory_order_acquire);
    struct shmfb_event ev;
    rc = shmfb_producer_poll_event(b->p, &ev);
    if (rc < 0 || ev.type != SHMFB_EVENT_MOTION || ev.x != i)
        return bench_fail(b->run, -EPROTO, "event %d did not arrive intact", i);
    return 0;
}

int bench_shmfb_input(struct bench_run *run)
{
    struct fb_bench b = {.run = run, .child = {0, true}};
    struct in_child ic = {.name = b.fc.name, .count = run->warmup + run->iters};
    ic.sh = bench_map(4096, true);
    if (ic.sh == NULL)
        return bench_fail(run, -ENOMEM, "cannot map a shared page");
    b.fc.mode.pacing = SHMFB_PACING_FREE;
    int rc = fb_start_with(&b, input_child, &ic);
    for (int i = 1; rc == 0 && i <= ic.count; i++) {
        int64_t dt = 0;
        rc = input_one(&b, ic.sh, i, &dt);
        if (rc == 0 && i > run->warmup)
            run->ns[i - 1 - run->warmup] = dt;
    }
    if (rc < 0)
        bench_kill(&b.child);
    int rc2 = fb_stop(&b);
    bench_unmap(ic.sh, 4096);
    return rc < 0 ? rc : rc2;
}

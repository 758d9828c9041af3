/* The library itself: a producer here, a consumer in a forked process. */
#include "bench_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* How long a consumer may hold one frame before the producer drops it as
 * stuck, when holding is what is measured. */
#define HOLD_MS (10 * 60 * 1000)

struct fb_mode {
    uint32_t pacing;
    bool draw;    /* producer writes pixels (else an empty frame) */
    bool damage;  /* only the damage square, and marks it */
    bool copy;    /* consumer copies every damaged pixel */
    bool acquire; /* producer draws into the buffer acquire hands out */
    bool hold;    /* consumer holds its first frame; only present is timed */
};

/* Words both processes see. */
struct fb_shared {
    _Atomic uint32_t taken;   /* frames the consumer took */
    _Atomic uint32_t holding; /* hold: the consumer holds its frame */
    _Atomic uint32_t done;    /* hold: the producer measured everything */
    _Atomic uint32_t changed; /* hold: the held frame's pixels changed */
};

/* What the consumer process needs; fork gives it its own copy. */
struct fb_child {
    char name[96];
    int frames; /* frames to take; 0 means until the producer goes away */
    struct fb_mode mode;
    struct fb_shared *sh;
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

/* FIFO pacing shows a lockstep consumer every frame, in order; the others
 * skip frames but never go back. */
static int check_seq(const struct fb_child *fc, const struct shmfb_frame *f, uint64_t last)
{
    bool ok = fc->frames != 0 ? f->seq == last + 1 : f->seq > last;
    if (!ok)
        fprintf(stderr, "shmfb bench: consumer got frame %llu after %llu\n",
                (unsigned long long)f->seq, (unsigned long long)last);
    return ok ? 0 : -EPROTO;
}

static int consume(struct shmfb_consumer *c, const struct fb_child *fc, uint32_t *copy)
{
    struct shmfb_frame f;
    uint64_t last = 0;
    for (int i = 0; fc->frames == 0 || i < fc->frames; i++) {
        int rc = shmfb_consumer_wait(c, BENCH_WAIT_MS, &f);
        if (rc == -EPIPE && fc->frames == 0)
            return 0;
        if (rc < 0)
            return rc;
        if ((rc = check_seq(fc, &f, last)) < 0)
            return rc;
        last = f.seq;
        if (fc->mode.copy)
            copy_damage(copy, &f);
        rc = shmfb_consumer_release(c);
        if (rc < 0)
            return rc;
        atomic_fetch_add_explicit(&fc->sh->taken, 1, memory_order_relaxed);
    }
    return 0;
}

/* Takes one frame and keeps it until the producer is done, checking that
 * the pixels the producer redraws every frame never change in it. */
static int hold(struct shmfb_consumer *c, const struct fb_child *fc,
                const struct bench_peer *parent)
{
    struct shmfb_frame f;
    int rc = shmfb_consumer_wait(c, BENCH_WAIT_MS, &f);
    if (rc < 0)
        return rc;
    struct shmfb_rect sq = bench_damage_rect(f.width, f.height);
    const uint32_t *px = f.pixels + (size_t)(sq.y + sq.h / 2) * (f.stride / 4) + sq.x + sq.w / 2;
    uint32_t seen = *px;
    atomic_store_explicit(&fc->sh->holding, 1, memory_order_release);
    bench_wake(&fc->sh->holding);
    rc = bench_wait_eq(&fc->sh->done, 1, parent, false);
    if (rc == 0 && *px != seen)
        atomic_store(&fc->sh->changed, 1);
    return rc; /* closing releases the frame */
}

static int consumer_child(void *arg, const struct bench_peer *parent)
{
    const struct fb_child *fc = arg;
    struct shmfb_consumer *c = NULL;
    int rc = open_consumer(fc->name, &c);
    if (rc == 0)
        rc = shmfb_consumer_attach(c);
    int32_t mw = 0, mh = 0;
    if (rc == 0)
        shmfb_consumer_capacity(c, &mw, &mh);
    size_t bytes = bench_frame_bytes(mw, mh);
    uint32_t *copy = rc == 0 && !fc->mode.hold ? bench_map(bytes, false) : NULL;
    if (rc == 0 && fc->mode.hold)
        rc = hold(c, fc, parent);
    else if (rc == 0)
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
                                       .timeout_ms = b->fc.mode.hold ? HOLD_MS : BENCH_WAIT_MS};
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

/* Draws frame i into the producer's image, or with acquire into the back
 * buffer (a whole frame always covers what acquire asks to repair), and
 * presents it.  *dt is the time of it all, or with hold of present alone. */
static int present_one(struct fb_bench *b, const struct shmfb_rect *r, int i, int64_t *dt)
{
    const struct fb_mode *m = &b->fc.mode;
    int64_t t0 = bench_now_ns();
    uint32_t *px = shmfb_producer_pixels(b->p);
    int32_t stride = shmfb_producer_stride(b->p) / 4;
    if (m->acquire) {
        struct shmfb_back back;
        int rc = shmfb_producer_acquire(b->p, &back);
        if (rc < 0)
            return bench_fail(b->run, rc, "acquire: %s", shmfb_strerror(rc));
        px = back.pixels;
        stride = back.stride / 4;
    }
    if (m->draw)
        bench_fill(px, stride, r, bench_pixel(i));
    if (m->damage)
        shmfb_producer_damage(b->p, r);
    int64_t t1 = bench_now_ns();
    int rc = shmfb_producer_present(b->p);
    *dt = bench_now_ns() - (m->hold ? t1 : t0);
    return rc < 0 ? bench_fail(b->run, rc, "present: %s", shmfb_strerror(rc)) : 0;
}

/* The consumer's own rate while the producer is measured. */
static void consumer_rate(struct bench_run *run, const struct fb_shared *sh, uint32_t taken0,
                          int64_t t0)
{
    double n = atomic_load(&sh->taken) - taken0;
    double s = (bench_now_ns() - t0) / 1e9;
    run->extra = n / run->iters;
    run->extra2 = s > 0 ? n / s : 0;
}

static int produce(struct fb_bench *b)
{
    struct bench_run *run = b->run;
    struct shmfb_rect all = {0, 0, run->width, run->height};
    struct shmfb_rect sq = bench_damage_rect(run->width, run->height);
    const struct shmfb_rect *r = b->fc.mode.damage ? &sq : &all;
    uint32_t taken0 = 0;
    int64_t t0 = 0;
    for (int i = 1; i <= run->warmup + run->iters; i++) {
        /* The consumer has frames left to take, so it must be attached; after
         * the last one it may already have gone. */
        if (shmfb_producer_consumers(b->p) != 1)
            return bench_fail(run, -ECONNRESET, "the consumer was dropped before frame %d", i);
        if (i == run->warmup + 1) {
            taken0 = atomic_load(&b->fc.sh->taken);
            t0 = bench_now_ns();
        }
        int64_t dt = 0;
        int rc = present_one(b, r, i, &dt);
        if (rc < 0)
            return rc;
        if (i > run->warmup)
            run->ns[i - 1 - run->warmup] = dt;
    }
    consumer_rate(run, b->fc.sh, taken0, t0);
    return 0;
}

/* Hold: one frame for the consumer to take and keep, then the measured
 * frames, then the check that the kept one never changed. */
static int produce_held(struct fb_bench *b)
{
    struct fb_shared *sh = b->fc.sh;
    int64_t dt;
    int rc = present_one(b, &(struct shmfb_rect){0, 0, b->run->width, b->run->height}, 0, &dt);
    if (rc == 0 && (rc = bench_wait_eq(&sh->holding, 1, &b->child, false)) < 0)
        bench_fail(b->run, rc, "the consumer did not take a frame: %s", strerror(-rc));
    if (rc == 0)
        rc = produce(b);
    atomic_store_explicit(&sh->done, 1, memory_order_release);
    bench_wake(&sh->done);
    if (rc == 0 && bench_reap(&b->child, BENCH_WAIT_MS) < 0)
        rc = bench_fail(b->run, -ECHILD, "the holding consumer failed");
    if (rc == 0 && atomic_load(&sh->changed))
        rc = bench_fail(b->run, -EPROTO, "the frame the consumer held was overwritten");
    return rc;
}

static int fb_bench(struct bench_run *run, const struct fb_mode *mode)
{
    struct fb_bench b = {.run = run, .child = {0, true}};
    b.fc.mode = *mode;
    b.fc.frames = mode->pacing == SHMFB_PACING_FIFO ? run->warmup + run->iters : 0;
    b.fc.sh = bench_map(4096, true);
    if (b.fc.sh == NULL)
        return bench_fail(run, -ENOMEM, "cannot map a shared page");
    memset(b.fc.sh, 0, sizeof(*b.fc.sh));
    int rc = fb_start(&b);
    if (rc == 0)
        rc = mode->hold ? produce_held(&b) : produce(&b);
    if (rc < 0)
        bench_kill(&b.child);
    int rc2 = fb_stop(&b);
    bench_unmap(b.fc.sh, 4096);
    return rc < 0 ? rc : rc2;
}

int bench_shmfb_empty(struct bench_run *run)
{
    const struct fb_mode m = {.pacing = SHMFB_PACING_FIFO};
    return fb_bench(run, &m);
}

int bench_shmfb_fifo(struct bench_run *run)
{
    const struct fb_mode m = {.pacing = SHMFB_PACING_FIFO, .draw = true, .copy = true};
    return fb_bench(run, &m);
}

int bench_shmfb_damage(struct bench_run *run)
{
    const struct fb_mode m = {
        .pacing = SHMFB_PACING_FIFO, .draw = true, .damage = true, .copy = true};
    return fb_bench(run, &m);
}

int bench_shmfb_free(struct bench_run *run)
{
    const struct fb_mode m = {.pacing = SHMFB_PACING_FREE, .draw = true, .copy = true};
    return fb_bench(run, &m);
}

int bench_shmfb_mailbox(struct bench_run *run)
{
    const struct fb_mode m = {.pacing = SHMFB_PACING_MAILBOX, .draw = true, .copy = true};
    return fb_bench(run, &m);
}

int bench_shmfb_mailbox_acquire(struct bench_run *run)
{
    const struct fb_mode m = {
        .pacing = SHMFB_PACING_MAILBOX, .draw = true, .copy = true, .acquire = true};
    return fb_bench(run, &m);
}

int bench_shmfb_present_held(struct bench_run *run)
{
    const struct fb_mode m = {
        .pacing = SHMFB_PACING_MAILBOX, .draw = true, .damage = true, .hold = true};
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

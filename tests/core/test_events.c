/* Input events (consumer -> producer). */
#include "hostile.h"
#include "testutil.h"

#include <shmfb/shmfb.h>

#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

/* The layout of an event is part of the wire format. */
_Static_assert(sizeof(struct shmfb_event) == 32, "event size");
_Static_assert(offsetof(struct shmfb_event, type) == 0, "event layout");
_Static_assert(offsetof(struct shmfb_event, time_ms) == 4, "event layout");
_Static_assert(offsetof(struct shmfb_event, x) == 8, "event layout");
_Static_assert(offsetof(struct shmfb_event, y) == 12, "event layout");
_Static_assert(offsetof(struct shmfb_event, code) == 16, "event layout");
_Static_assert(offsetof(struct shmfb_event, sym) == 20, "event layout");
_Static_assert(offsetof(struct shmfb_event, mods) == 24, "event layout");
_Static_assert(offsetof(struct shmfb_event, buttons) == 28, "event layout");

struct pair {
    char name[96];
    struct shmfb_producer *p;
    struct shmfb_consumer *c;
};

static void pair_open(struct pair *x, const char *tag, uint32_t pacing)
{
    tu_name(x->name, sizeof(x->name), tag);
    struct shmfb_producer_desc d = {.max_width = 320, .max_height = 200, .pacing = pacing};
    ck_assert_int_eq(shmfb_producer_create(x->name, &d, &x->p), 0);
    ck_assert_int_eq(shmfb_consumer_open(x->name, NULL, &x->c), 0);
    ck_assert_int_eq(shmfb_consumer_attach(x->c), 0);
}

static void pair_close(struct pair *x)
{
    shmfb_consumer_close(x->c);
    shmfb_producer_destroy(x->p);
}

static struct shmfb_event text(uint32_t cp, uint32_t t)
{
    return (struct shmfb_event){.type = SHMFB_EVENT_TEXT, .time_ms = t, .code = cp};
}

START_TEST(order_and_fields)
{
    struct pair x;
    pair_open(&x, "evorder", SHMFB_PACING_FREE);
    struct shmfb_event ev;
    ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), -EAGAIN);
    ck_assert_int_eq(shmfb_producer_poll_event(x.p, NULL), -EINVAL);

    struct shmfb_event sent[] = {
        {SHMFB_EVENT_MOTION, 10, 5, 6, 0, 0, SHMFB_MOD_SHIFT, 1},
        {SHMFB_EVENT_BUTTON_DOWN, 11, 5, 6, SHMFB_BUTTON_RIGHT, 0, 0, 4},
        {SHMFB_EVENT_WHEEL, 12, 0, -3, 0, 0, SHMFB_MOD_CTRL, 0},
        {SHMFB_EVENT_KEY_DOWN, 13, 0, 0, 4, 'a', SHMFB_MOD_META | SHMFB_MOD_CAPS, 0},
        {SHMFB_EVENT_FOCUS_OUT, 14, 0, 0, 0, 0, 0, 0},
        {SHMFB_EVENT_CLOSE, 15, 0, 0, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(sent) / sizeof(sent[0]); i++)
        ck_assert_int_eq(shmfb_consumer_send(x.c, &sent[i]), 0);
    for (size_t i = 0; i < sizeof(sent) / sizeof(sent[0]); i++) {
        ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), 0);
        ck_assert_mem_eq(&ev, &sent[i], sizeof(ev));
    }
    ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), -EAGAIN);

    /* A timestamp of 0 is filled in by the sender. */
    struct shmfb_event focus = {.type = SHMFB_EVENT_FOCUS_IN};
    ck_assert_int_eq(shmfb_consumer_send(x.c, &focus), 0);
    ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), 0);
    ck_assert_uint_ne(ev.time_ms, 0);
    pair_close(&x);
}
END_TEST

START_TEST(bad_events)
{
    struct pair x;
    pair_open(&x, "evbad", SHMFB_PACING_FREE);
    struct shmfb_event bad = {.type = 0}, bad2 = {.type = 99}, ok = text('x', 1);
    ck_assert_int_eq(shmfb_consumer_send(x.c, NULL), -EINVAL);
    ck_assert_int_eq(shmfb_consumer_send(x.c, &bad), -EINVAL);
    ck_assert_int_eq(shmfb_consumer_send(x.c, &bad2), -EINVAL);
    ck_assert_int_eq(shmfb_consumer_detach(x.c), 0);
    ck_assert_int_eq(shmfb_consumer_send(x.c, &ok), -ENOTCONN);
    ck_assert_int_eq(shmfb_producer_wait(x.p, 0, 0), -EINVAL);
    pair_close(&x);
}
END_TEST

/* Text beyond the Basic Multilingual Plane, several times around the ring. */
START_TEST(wrap_around_and_astral)
{
    struct pair x;
    pair_open(&x, "evwrap", SHMFB_PACING_FREE);
    const uint32_t cps[] = {'h', 0xE9, 0x20AC, 0x1F600, 0x10FFFF, 0x1D11E};
    struct shmfb_event ev;
    uint32_t n = 0;
    for (int round = 0; round < 5 * SHMFB_EVENT_QUEUE / 3; round++) {
        for (int k = 0; k < 3; k++) {
            struct shmfb_event e = text(cps[(n + (uint32_t)k) % 6], n + (uint32_t)k + 1);
            ck_assert_int_eq(shmfb_consumer_send(x.c, &e), 0);
        }
        for (int k = 0; k < 3; k++, n++) {
            ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), 0);
            ck_assert_uint_eq(ev.type, SHMFB_EVENT_TEXT);
            ck_assert_uint_eq(ev.code, cps[n % 6]);
            ck_assert_uint_eq(ev.time_ms, n + 1);
        }
    }
    ck_assert_uint_eq(shmfb_producer_events_dropped(x.p), 0);
    pair_close(&x);
}
END_TEST

/* A producer that stops reading never blocks the sender: the oldest events
 * go, the newest stay, and the loss is counted. */
START_TEST(full_ring_drops_oldest)
{
    struct pair x;
    pair_open(&x, "evfull", SHMFB_PACING_FREE);
    const int extra = 40;
    for (int i = 0; i < SHMFB_EVENT_QUEUE + extra; i++) {
        struct shmfb_event e = text((uint32_t)i, (uint32_t)i + 1);
        ck_assert_int_eq(shmfb_consumer_send(x.c, &e), 0);
    }
    ck_assert_uint_eq(shmfb_producer_events_dropped(x.p), extra);
    struct shmfb_event ev;
    for (int i = extra; i < SHMFB_EVENT_QUEUE + extra; i++) {
        ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), 0);
        ck_assert_uint_eq(ev.code, (uint32_t)i);
    }
    ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), -EAGAIN);
    pair_close(&x);
}
END_TEST

START_TEST(resize_clamped)
{
    struct pair x;
    pair_open(&x, "evresize", SHMFB_PACING_FREE);
    struct shmfb_event big = {.type = SHMFB_EVENT_RESIZE, .x = 5000, .y = 150};
    struct shmfb_event neg = {.type = SHMFB_EVENT_RESIZE, .x = -4, .y = 0};
    struct shmfb_event one = {.type = SHMFB_EVENT_RESIZE, .x = 1, .y = 1};
    struct shmfb_event ev;
    ck_assert_int_eq(shmfb_consumer_send(x.c, &big), 0);
    ck_assert_int_eq(shmfb_consumer_send(x.c, &neg), -EINVAL);
    ck_assert_int_eq(shmfb_consumer_send(x.c, &one), 0);
    ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), 0);
    ck_assert_int_eq(ev.x, 320);
    ck_assert_int_eq(ev.y, 150);
    ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), 0);
    ck_assert_int_eq(ev.x, 1);
    ck_assert_int_eq(ev.y, 1);
    pair_close(&x);
}
END_TEST

START_TEST(several_consumers_oldest_first)
{
    struct pair x;
    pair_open(&x, "evmulti", SHMFB_PACING_FREE);
    struct shmfb_consumer *c2;
    ck_assert_int_eq(shmfb_consumer_open(x.name, NULL, &c2), 0);
    ck_assert_int_eq(shmfb_consumer_attach(c2), 0);
    struct shmfb_event a1 = text('a', 100), b1 = text('b', 101), a2 = text('c', 102);
    ck_assert_int_eq(shmfb_consumer_send(x.c, &a1), 0);
    ck_assert_int_eq(shmfb_consumer_send(x.c, &a2), 0);
    ck_assert_int_eq(shmfb_consumer_send(c2, &b1), 0);
    struct shmfb_event ev;
    const uint32_t want[] = {'a', 'b', 'c'};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), 0);
        ck_assert_uint_eq(ev.code, want[i]);
    }
    shmfb_consumer_close(c2);
    pair_close(&x);
}
END_TEST

/* The producer's idle wait wakes for an event sent by another process, and
 * reports a taken frame. */
START_TEST(wait_wakes_across_processes)
{
    struct pair x;
    pair_open(&x, "evwait", SHMFB_PACING_FREE);
    ck_assert_int_eq(shmfb_producer_wait(x.p, 0, SHMFB_WAIT_EVENT), -ETIMEDOUT);
    ck_assert_int_eq(shmfb_producer_wait(x.p, 0, SHMFB_WAIT_TAKEN), SHMFB_WAIT_TAKEN);
    shmfb_producer_present(x.p);
    ck_assert_int_eq(shmfb_producer_wait(x.p, 50, SHMFB_WAIT_TAKEN), -ETIMEDOUT);

    pid_t pid = fork();
    if (pid == 0) {
        struct shmfb_consumer *c;
        struct shmfb_frame f;
        if (shmfb_consumer_open(x.name, NULL, &c) < 0 || shmfb_consumer_attach(c) < 0)
            _exit(1);
        usleep(100 * 1000);
        struct shmfb_event e = text(0x1F600, 7);
        if (shmfb_consumer_send(c, &e) < 0)
            _exit(2);
        usleep(100 * 1000);
        if (shmfb_consumer_wait(c, 2000, &f) < 0)
            _exit(3);
        shmfb_consumer_close(c);
        _exit(0);
    }
    /* Let the parent's own consumer take the frame so only the child holds. */
    struct shmfb_frame f;
    ck_assert_int_eq(shmfb_consumer_wait(x.c, 1000, &f), 0);
    ck_assert_int_eq(shmfb_consumer_release(x.c), 0);
    int64_t t0 = tu_now_ms();
    ck_assert_int_eq(shmfb_producer_wait(x.p, 5000, SHMFB_WAIT_EVENT), SHMFB_WAIT_EVENT);
    ck_assert_int_lt(tu_now_ms() - t0, 5000);
    struct shmfb_event ev;
    ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), 0);
    ck_assert_uint_eq(ev.code, 0x1F600);
    ck_assert_int_eq(shmfb_producer_wait(x.p, 5000, SHMFB_WAIT_TAKEN | SHMFB_WAIT_EVENT),
                     SHMFB_WAIT_TAKEN);
    ck_assert_int_eq(tu_wait_child(pid, 5000), 0);
    pair_close(&x);
}
END_TEST

/* One thread sends while another waits, releases, detaches and attaches
 * again on the same consumer (a viewer's UI thread and its frame waiter).
 * Every event whose send succeeded arrives exactly once or is counted as
 * dropped; nothing else arrives. */
enum { RACE_EVENTS = 3000 };

struct race {
    struct shmfb_consumer *c;
    _Atomic int stop;
    unsigned char sent[RACE_EVENTS];
    int waiter_errors;
};

static void *race_waiter(void *arg)
{
    struct race *r = arg;
    for (int i = 0; !atomic_load(&r->stop); i++) {
        struct shmfb_frame f;
        int rc = shmfb_consumer_wait(r->c, 5, &f);
        if (rc == 0)
            rc = shmfb_consumer_release(r->c);
        if (rc == 0 && i % 7 == 0)
            rc = shmfb_consumer_detach(r->c) || shmfb_consumer_attach(r->c);
        r->waiter_errors += rc != 0 && rc != -ETIMEDOUT;
    }
    return NULL;
}

static void *race_sender(void *arg)
{
    struct race *r = arg;
    for (uint32_t i = 0; i < RACE_EVENTS; i++) {
        struct shmfb_event e = text(i, i + 1);
        int rc = shmfb_consumer_send(r->c, &e);
        ck_assert_msg(rc == 0 || rc == -ENOTCONN || rc == -ECONNRESET, "send: %d", rc);
        r->sent[i] = rc == 0;
        if (i % 64 == 0)
            sched_yield();
    }
    return NULL;
}

static int race_drain(struct shmfb_producer *p, unsigned char *got)
{
    struct shmfb_event ev;
    int n = 0;
    while (shmfb_producer_poll_event(p, &ev) == 0) {
        ck_assert_uint_lt(ev.code, RACE_EVENTS);
        ck_assert_msg(!got[ev.code], "event %u arrived twice", ev.code);
        got[ev.code] = 1;
        n++;
    }
    return n;
}

START_TEST(send_beside_waiter)
{
    struct pair x;
    pair_open(&x, "evrace", SHMFB_PACING_FREE);
    static struct race r;
    static unsigned char got[RACE_EVENTS];
    memset(&r, 0, sizeof(r));
    memset(got, 0, sizeof(got));
    r.c = x.c;
    pthread_t tw, ts;
    ck_assert_int_eq(pthread_create(&tw, NULL, race_waiter, &r), 0);
    ck_assert_int_eq(pthread_create(&ts, NULL, race_sender, &r), 0);
    int received = 0;
    for (int i = 0; i < 2000; i++) {
        shmfb_producer_present(x.p);
        received += race_drain(x.p, got);
        usleep(200);
    }
    pthread_join(ts, NULL);
    atomic_store(&r.stop, 1);
    pthread_join(tw, NULL);
    received += race_drain(x.p, got);
    int sent = 0;
    for (int i = 0; i < RACE_EVENTS; i++) {
        sent += r.sent[i];
        ck_assert_msg(!got[i] || r.sent[i], "event %d arrived but its send failed", i);
    }
    ck_assert_int_eq(r.waiter_errors, 0);
    ck_assert_int_gt(sent, RACE_EVENTS / 2);
    ck_assert_int_eq(received + (int)shmfb_producer_events_dropped(x.p), sent);
    pair_close(&x);
}
END_TEST

/* Every field a sender may get wrong is refused by the sending side. */
START_TEST(send_validates_fields)
{
    struct pair x;
    pair_open(&x, "evfields", SHMFB_PACING_FREE);
    const struct shmfb_event bad[] = {
        {.type = SHMFB_EVENT_BUTTON_DOWN, .code = 0},
        {.type = SHMFB_EVENT_BUTTON_UP, .code = 6},
        {.type = SHMFB_EVENT_MOTION, .mods = 1u << 5},
        {.type = SHMFB_EVENT_MOTION, .buttons = 1u << 5},
        {.type = SHMFB_EVENT_MOTION, .x = (1 << 24) + 1},
        {.type = SHMFB_EVENT_MOTION, .y = -(1 << 24) - 1},
        {.type = SHMFB_EVENT_WHEEL, .y = (1 << 16) + 1},
        {.type = SHMFB_EVENT_TEXT, .code = 0xD800},
        {.type = SHMFB_EVENT_TEXT, .code = 0xDFFF},
        {.type = SHMFB_EVENT_TEXT, .code = 0x110000},
        {.type = SHMFB_EVENT_KEY_DOWN, .code = 0x10000, .sym = 'a'},
        {.type = SHMFB_EVENT_KEY_UP, .code = 4, .sym = 0xDABC},
        {.type = SHMFB_EVENT_KEY_UP, .code = 4, .sym = SHMFB_KEY_SPECIAL | 0x10000},
        {.type = SHMFB_EVENT_RESIZE, .x = 0, .y = 5},
        {.type = SHMFB_EVENT_FRAME_REQUEST + 1},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(shmfb_consumer_send(x.c, &bad[i]) == -EINVAL, "case %zu", i);
    const struct shmfb_event good[] = {
        {.type = SHMFB_EVENT_TEXT, .code = 0x10FFFF},
        {.type = SHMFB_EVENT_KEY_DOWN, .code = 0xFFFF, .sym = SHMFB_KEY_SPECIAL | 0xFFFF},
        {.type = SHMFB_EVENT_MOTION, .x = -(1 << 24), .y = 1 << 24, .buttons = 0x1F, .mods = 0x1F},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        ck_assert_msg(shmfb_consumer_send(x.c, &good[i]) == 0, "case %zu", i);
    struct shmfb_event ev;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), 0);
    ck_assert_uint_eq(shmfb_producer_events_invalid(x.p), 0);
    pair_close(&x);
}
END_TEST

/* A hostile consumer writes its ring directly: the producer drops and
 * counts every event with a bad field, and clears unused fields. */
static _Atomic uint32_t *ring_slot0(struct shmfb_consumer *c, struct wire_slot **slot)
{
    struct wire_header *h = hostile_header(c);
    int i = 0;
    while (WIRE_SLOT_STATE(atomic_load(&h->slots[i].word)) != WIRE_SLOT_ATTACHED)
        i++;
    *slot = &h->slots[i];
    return (_Atomic uint32_t *)((char *)h + h->rings_offset) +
           (size_t)i * WIRE_RING_CAPACITY * WIRE_EVENT_WORDS;
}

static void ring_put(_Atomic uint32_t *ring, struct wire_slot *s, const struct shmfb_event *e)
{
    uint32_t head = atomic_load(&s->ev_head);
    uint32_t w[WIRE_EVENT_WORDS];
    memcpy(w, e, sizeof(w));
    for (unsigned k = 0; k < WIRE_EVENT_WORDS; k++)
        atomic_store(&ring[(head % WIRE_RING_CAPACITY) * WIRE_EVENT_WORDS + k], w[k]);
    atomic_store(&s->ev_head, head + 1);
}

START_TEST(hostile_ring_events)
{
    struct pair x;
    pair_open(&x, "evhostile", SHMFB_PACING_FREE);
    struct wire_slot *s;
    _Atomic uint32_t *ring = ring_slot0(x.c, &s);
    const struct shmfb_event bad[] = {
        {.type = SHMFB_EVENT_BUTTON_DOWN, .code = 9},
        {.type = SHMFB_EVENT_TEXT, .code = 0x110000},
        {.type = SHMFB_EVENT_TEXT, .code = 0xD834},
        {.type = SHMFB_EVENT_MOTION, .mods = 0x80000000u},
        {.type = SHMFB_EVENT_KEY_DOWN, .code = 0x12345},
        {.type = 0},
        {.type = 4000},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ring_put(ring, s, &bad[i]);
    /* Valid, with garbage in the fields its type does not use. */
    struct shmfb_event close_ev = {.type = SHMFB_EVENT_CLOSE,
                                   .time_ms = 7,
                                   .x = 99,
                                   .code = 0xFFFFFFFF,
                                   .sym = 5,
                                   .buttons = 0xFF};
    ring_put(ring, s, &close_ev);
    struct shmfb_event ev;
    ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), 0);
    ck_assert_uint_eq(ev.type, SHMFB_EVENT_CLOSE);
    ck_assert_uint_eq(ev.time_ms, 7);
    ck_assert_int_eq(ev.x, 0);
    ck_assert_uint_eq(ev.code, 0);
    ck_assert_uint_eq(ev.sym, 0);
    ck_assert_uint_eq(ev.buttons, 0);
    ck_assert_uint_eq(shmfb_producer_events_invalid(x.p), sizeof(bad) / sizeof(bad[0]));
    /* Nothing queued, or only a bad event: -EAGAIN with the event zeroed,
     * as documented, never the fields of the one dropped. */
    const struct shmfb_event zero = {0};
    memset(&ev, 0xA5, sizeof(ev));
    ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), -EAGAIN);
    ck_assert_mem_eq(&ev, &zero, sizeof(ev));
    ring_put(ring, s, &bad[0]);
    ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), -EAGAIN);
    ck_assert_mem_eq(&ev, &zero, sizeof(ev));
    pair_close(&x);
}
END_TEST

/* A consumer that keeps its ring moving cannot hold a poll: each call
 * returns within a bounded amount of work. */
struct flood {
    _Atomic uint32_t *ring;
    struct wire_slot *slot;
    _Atomic int stop;
};

static void *flood_ring(void *arg)
{
    struct flood *f = arg;
    struct shmfb_event bad = {.type = SHMFB_EVENT_TEXT, .code = 0xDC00};
    while (!atomic_load(&f->stop))
        ring_put(f->ring, f->slot, &bad);
    return NULL;
}

/* Requests coalesce until the producer presents: one per frame however
 * many arrive; another after the present; other events are not held back. */
START_TEST(frame_requests_coalesce)
{
    struct pair x;
    pair_open(&x, "evreq", SHMFB_PACING_FREE);
    struct shmfb_event ev, z = text('z', 0);
    for (int i = 0; i < 50; i++)
        ck_assert_int_eq(shmfb_consumer_request_frame(x.c), 0);
    ck_assert_int_eq(shmfb_consumer_send(x.c, &z), 0);
    ck_assert_int_eq(shmfb_consumer_request_frame(x.c), 0);
    ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), 0);
    ck_assert_uint_eq(ev.type, SHMFB_EVENT_FRAME_REQUEST);
    ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), 0);
    ck_assert_uint_eq(ev.type, SHMFB_EVENT_TEXT);
    ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), -EAGAIN);
    ck_assert_int_eq(shmfb_producer_present(x.p), 0);
    ck_assert_int_eq(shmfb_consumer_request_frame(x.c), 0);
    ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), 0);
    ck_assert_uint_eq(ev.type, SHMFB_EVENT_FRAME_REQUEST);
    ck_assert_uint_eq(shmfb_producer_events_invalid(x.p), 0);
    shmfb_consumer_detach(x.c);
    ck_assert_int_eq(shmfb_consumer_request_frame(x.c), -ENOTCONN);
    pair_close(&x);
}
END_TEST

/* Frames carry the present time: the clock's, or one the producer set for
 * one present. */
START_TEST(present_time)
{
    struct pair x;
    pair_open(&x, "evtime", SHMFB_PACING_FREE);
    struct shmfb_frame f;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(shmfb_producer_present(x.p), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ck_assert_int_eq(shmfb_consumer_wait(x.c, 1000, &f), 0);
    ck_assert_uint_ge(f.time_ns, (uint64_t)t0.tv_sec * 1000000000u + (uint64_t)t0.tv_nsec);
    ck_assert_uint_le(f.time_ns, (uint64_t)t1.tv_sec * 1000000000u + (uint64_t)t1.tv_nsec);
    shmfb_producer_set_time(x.p, 42);
    ck_assert_int_eq(shmfb_producer_present(x.p), 0);
    ck_assert_int_eq(shmfb_consumer_wait(x.c, 1000, &f), 0);
    ck_assert_uint_eq(f.time_ns, 42);
    ck_assert_int_eq(shmfb_consumer_peek(x.c, &f), 0);
    ck_assert_uint_eq(f.time_ns, 42);
    ck_assert_int_eq(shmfb_producer_present(x.p), 0);
    ck_assert_int_eq(shmfb_consumer_wait(x.c, 1000, &f), 0);
    ck_assert_uint_gt(f.time_ns, 42);
    pair_close(&x);
}
END_TEST

START_TEST(poll_bounded)
{
    struct pair x;
    pair_open(&x, "evflood", SHMFB_PACING_FREE);
    static struct flood f;
    f.ring = ring_slot0(x.c, &f.slot);
    atomic_store(&f.stop, 0);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, flood_ring, &f), 0);
    int64_t longest = 0, until = tu_now_ms() + 1000;
    int calls = 0;
    while (tu_now_ms() < until) {
        struct shmfb_event ev;
        int64_t t0 = tu_now_ms();
        ck_assert_int_eq(shmfb_producer_poll_event(x.p, &ev), -EAGAIN);
        int64_t took = tu_now_ms() - t0;
        longest = took > longest ? took : longest;
        calls++;
    }
    atomic_store(&f.stop, 1);
    pthread_join(t, NULL);
    ck_assert_int_gt(calls, 10);
    ck_assert_msg(longest < 250, "one poll took %lld ms", (long long)longest);
    ck_assert_uint_gt(shmfb_producer_events_invalid(x.p), 0);
    pair_close(&x);
}
END_TEST

static Suite *events_suite(void)
{
    Suite *s = suite_create("events");
    TCase *ring = tcase_create("ring");
    tcase_add_checked_fixture(ring, tu_setup, tu_teardown);
    tcase_add_test(ring, order_and_fields);
    tcase_add_test(ring, bad_events);
    tcase_add_test(ring, wrap_around_and_astral);
    tcase_add_test(ring, full_ring_drops_oldest);
    tcase_add_test(ring, resize_clamped);
    tcase_add_test(ring, several_consumers_oldest_first);
    tcase_add_test(ring, wait_wakes_across_processes);
    tcase_add_test(ring, send_beside_waiter);
    tcase_add_test(ring, send_validates_fields);
    tcase_add_test(ring, hostile_ring_events);
    tcase_add_test(ring, poll_bounded);
    tcase_add_test(ring, frame_requests_coalesce);
    tcase_add_test(ring, present_time);
    suite_add_tcase(s, ring);
    return s;
}

int main(void)
{
    hostile_runtime_dir();
    tu_sweep_stale();
    SRunner *sr = srunner_create(events_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

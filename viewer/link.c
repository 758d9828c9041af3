/*
 * The waiter thread: sleeps in shmfb_consumer_wait_any() and hands each frame
 * (with the consumer) to the main thread through an SDL user event, then
 * blocks until the main thread gives the consumer back, which it may keep
 * for more frames (view_link_next()); each new cursor it copies for the main
 * thread.  What it does when a wait fails is target_recover()'s policy: a
 * dead producer's name is opened again until a new producer is there (not
 * for a spawned producer, whose framebuffer had no name).
 *
 * Input goes the other way without this thread: the library lets the main
 * thread call shmfb_consumer_send() while the waiter waits on the same
 * consumer.  The link's mutex only keeps the waiter from closing the consumer
 * in the middle of a send.
 */
#include "view.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* Bounded waits, so that a stop request is seen within this time. */
#define LINK_WAIT_MS 100
/* After a cursor that could not be read, wait for frames only this long:
 * the library reports a cursor as new until it was read. */
#define LINK_CURSOR_PAUSE_MS 100

static bool link_quitting(struct view_link *l)
{
    SDL_LockMutex(l->lock);
    bool q = l->quit;
    SDL_UnlockMutex(l->lock);
    return q;
}

static void link_post(struct view_link *l, int code, intptr_t arg)
{
    SDL_Event ev;
    SDL_zero(ev);
    ev.type = l->event_type;
    ev.user.code = code;
    ev.user.data1 = (void *)arg;
    SDL_PushEvent(&ev);
}

/* Sleeps up to ms, waking early on a stop request. */
static void link_nap(struct view_link *l, int ms)
{
    SDL_LockMutex(l->lock);
    if (!l->quit)
        SDL_CondWaitTimeout(l->cond, l->lock, (Uint32)ms);
    SDL_UnlockMutex(l->lock);
}

/* Gives the frame (and the consumer) to the main thread and waits until it
 * gives them back. */
static void link_hand_over(struct view_link *l)
{
    SDL_LockMutex(l->lock);
    l->pending = true;
    SDL_UnlockMutex(l->lock);
    link_post(l, VIEW_LINK_FRAME, 0);
    SDL_LockMutex(l->lock);
    while (l->pending && !l->quit)
        SDL_CondWait(l->cond, l->lock);
    SDL_UnlockMutex(l->lock);
}

static void link_set_consumer(struct view_link *l, struct shmfb_consumer *c)
{
    SDL_LockMutex(l->lock);
    l->consumer = c;
    l->input = c;
    SDL_UnlockMutex(l->lock);
}

/* Publishes l->read as the newest cursor for the main thread. */
static void link_publish_cursor(struct view_link *l)
{
    SDL_LockMutex(l->lock);
    memcpy(&l->cursor, &l->read, sizeof l->cursor);
    bool post = !l->cursor_posted;
    l->cursor_posted = true;
    SDL_UnlockMutex(l->lock);
    if (post)
        link_post(l, VIEW_LINK_CURSOR, 0);
}

static void link_take_cursor(struct view_link *l)
{
    if (shmfb_consumer_cursor(l->consumer, &l->read) < 0) {
        l->cursor_pause = SDL_GetTicks64() + LINK_CURSOR_PAUSE_MS;
        return;
    }
    link_publish_cursor(l);
}

/* Frames, and the cursor unless it could not be read a moment ago. */
static uint32_t link_wait_what(const struct view_link *l)
{
    return SHMFB_WAIT_FRAME | (SDL_GetTicks64() >= l->cursor_pause ? SHMFB_WAIT_CURSOR : 0);
}

void view_link_cursor(struct view_link *l, struct shmfb_cursor *out)
{
    SDL_LockMutex(l->lock);
    memcpy(out, &l->cursor, sizeof *out);
    l->cursor_posted = false;
    SDL_UnlockMutex(l->lock);
}

/* Closes the consumer; no send can be running on it by then. */
static void link_drop(struct view_link *l)
{
    struct shmfb_consumer *c = l->consumer;
    link_set_consumer(l, NULL);
    shmfb_consumer_close(c);
}

bool view_link_send(struct view_link *l, const struct shmfb_event *ev)
{
    SDL_LockMutex(l->lock);
    bool ok = l->input && shmfb_consumer_send(l->input, ev) == 0;
    SDL_UnlockMutex(l->lock);
    return ok;
}

int view_link_host(struct view_link *l, int (*fn)(struct shmfb_consumer *c, void *ctx), void *ctx)
{
    SDL_LockMutex(l->lock);
    int rc = l->input ? fn(l->input, ctx) : -ENOTCONN;
    SDL_UnlockMutex(l->lock);
    return rc;
}

static void link_reconnect(struct view_link *l)
{
    struct shmfb_consumer *c;
    if (l->name[0] && target_open(l->name, &c) == 0) {
        link_set_consumer(l, c);
        link_post(l, VIEW_LINK_LIVE, 0);
        return;
    }
    link_nap(l, TARGET_RETRY_MS);
}

/* A failed wait, by the policy of target_recover(). */
static void link_failed(struct view_link *l, int rc)
{
    switch (target_recover(l->consumer, &rc)) {
    case TARGET_GO_ON:
        return;
    case TARGET_GONE:
        link_drop(l);
        /* The producer's cursor goes with it. */
        memset(&l->read, 0, sizeof l->read);
        link_publish_cursor(l);
        link_post(l, VIEW_LINK_GONE, 0);
        return;
    case TARGET_LATER:
        link_post(l, VIEW_LINK_ERROR, rc);
        link_nap(l, TARGET_RETRY_MS);
        return;
    }
}

static int link_main(void *arg)
{
    struct view_link *l = arg;
    while (!link_quitting(l)) {
        if (!l->consumer) {
            link_reconnect(l);
            continue;
        }
        int rc = shmfb_consumer_wait_any(l->consumer, LINK_WAIT_MS, link_wait_what(l), &l->frame);
        if (rc > 0 && (rc & SHMFB_WAIT_CURSOR))
            link_take_cursor(l);
        if (rc > 0 && (rc & SHMFB_WAIT_FRAME))
            link_hand_over(l);
        else if (rc < 0 && rc != -ETIMEDOUT)
            link_failed(l, rc);
    }
    return 0;
}

int view_link_start(struct view_link *l, const char *name, struct shmfb_consumer *consumer,
                    uint32_t event_type)
{
    memset(l, 0, sizeof *l);
    snprintf(l->name, sizeof l->name, "%s", name);
    l->consumer = consumer;
    l->input = consumer;
    l->event_type = event_type;
    l->lock = SDL_CreateMutex();
    if (!l->lock)
        goto fail_lock;
    l->cond = SDL_CreateCond();
    if (!l->cond)
        goto fail_cond;
    l->thread = SDL_CreateThread(link_main, "shmfb-wait", l);
    if (!l->thread)
        goto fail_thread;
    return 0;

fail_thread:
    SDL_DestroyCond(l->cond);
fail_cond:
    SDL_DestroyMutex(l->lock);
fail_lock:
    l->consumer = NULL;
    return -ENOMEM;
}

int view_link_release(struct view_link *l)
{
    /* The waiter is blocked in link_hand_over(): the consumer is ours. */
    return shmfb_consumer_release(l->consumer);
}

bool view_link_next(struct view_link *l, int timeout_ms)
{
    int rc = shmfb_consumer_wait_any(l->consumer, timeout_ms, link_wait_what(l), &l->frame);
    if (rc > 0 && (rc & SHMFB_WAIT_CURSOR))
        link_take_cursor(l);
    return rc > 0 && (rc & SHMFB_WAIT_FRAME);
}

void view_link_resume(struct view_link *l)
{
    SDL_LockMutex(l->lock);
    l->pending = false;
    SDL_CondSignal(l->cond);
    SDL_UnlockMutex(l->lock);
}

void view_link_stop(struct view_link *l)
{
    if (!l->thread)
        return;
    SDL_LockMutex(l->lock);
    l->quit = true;
    SDL_CondSignal(l->cond);
    SDL_UnlockMutex(l->lock);
    SDL_WaitThread(l->thread, NULL);
    l->thread = NULL;
    link_drop(l);
    SDL_DestroyCond(l->cond);
    SDL_DestroyMutex(l->lock);
}

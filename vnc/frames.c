/*
 * The main thread: waits for the producer's frames, copies each frame's
 * damage into the shadow buffer and releases the frame at once, so a FIFO
 * producer waits for one memcpy of its damage and never for a client.
 * What happens when a wait fails is target_recover()'s policy: when a named
 * producer goes away the last frame stays served and the same name is tried
 * again; a spawned program's exit ends the bridge.
 */
#include "vnc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FRAMES_WAIT_MS 100

static void nap_ms(int ms)
{
    nanosleep(&(struct timespec){ms / 1000, (long)(ms % 1000) * 1000000L}, NULL);
}

/* The consumer input goes to; set under input_lock so that no client's
 * send runs on a handle being closed. */
static void set_input(struct vnc_bridge *b, struct shmfb_consumer *c)
{
    pthread_mutex_lock(&b->input_lock);
    b->input = c;
    pthread_mutex_unlock(&b->input_lock);
}

static void drop_consumer(struct vnc_bridge *b)
{
    set_input(b, NULL);
    shmfb_consumer_close(b->consumer);
    b->consumer = NULL;
}

/* A shadow at least as large as \p c's capacity: the current one, or a new
 * one (the old stays allocated until exit: clients may still read it). */
int vnc_frames_fit(struct vnc_bridge *b, const struct shmfb_consumer *c)
{
    int32_t w, h;
    shmfb_consumer_capacity(c, &w, &h);
    struct vnc_shadow *s = b->shadow;
    if (s && s->cap_w >= w && s->cap_h >= h)
        return 0;
    struct vnc_shadow *n = calloc(1, sizeof *n);
    if (!n)
        return -ENOMEM;
    if (s) { /* what is shown keeps being shown until the first frame */
        w = w > s->cap_w ? w : s->cap_w;
        h = h > s->cap_h ? h : s->cap_h;
    }
    n->pixels = calloc((size_t)w * (size_t)h, sizeof(uint32_t));
    if (!n->pixels) {
        free(n);
        return -ENOMEM;
    }
    n->cap_w = w;
    n->cap_h = h;
    n->retired = s;
    if (s)
        for (int32_t y = 0; y < s->cap_h; y++)
            memcpy(n->pixels + (size_t)y * (size_t)w, s->pixels + (size_t)y * (size_t)s->cap_w,
                   (size_t)s->cap_w * 4);
    b->shadow = n;
    return 0;
}

void vnc_frames_copy(struct vnc_bridge *b, const struct shmfb_frame *f)
{
    const struct vnc_shadow *s = b->shadow;
    size_t pitch = (size_t)f->stride / 4;
    for (uint32_t i = 0; i < f->ndamage; i++) {
        const struct shmfb_rect *r = &f->damage[i];
        for (int32_t y = r->y; y < r->y + r->h; y++)
            memcpy(s->pixels + (size_t)y * (size_t)s->cap_w + (size_t)r->x,
                   f->pixels + (size_t)y * pitch + (size_t)r->x, (size_t)r->w * 4);
    }
}

static void on_frame(struct vnc_bridge *b, const struct shmfb_frame *f)
{
    vnc_frames_copy(b, f);
    shmfb_consumer_release(b->consumer);
    vnc_server_damage(b, f);
}

static void on_cursor(struct vnc_bridge *b)
{
    static struct shmfb_cursor cur; /* 16 KiB: not on the stack */
    if (shmfb_consumer_cursor(b->consumer, &cur) >= 0)
        vnc_server_cursor(b, &cur);
}

static void say(const struct vnc_bridge *b, const char *what)
{
    fprintf(stderr, VNC_PROG ": %s: %s\n", b->opt.target.label, what);
}

/* Named: a new producer under the same name, once its capacity fits. */
static void reconnect(struct vnc_bridge *b)
{
    struct shmfb_consumer *c;
    if (target_open(b->opt.target.name, &c) == 0) {
        if (vnc_frames_fit(b, c) == 0) {
            b->consumer = c;
            set_input(b, c);
            say(b, "a new producer is here");
            on_cursor(b);
            return;
        }
        shmfb_consumer_close(c);
    }
    nap_ms(TARGET_RETRY_MS);
}

/* A failed wait, by the policy of target_recover(); each error is said
 * once while it repeats. */
static void on_error(struct vnc_bridge *b, int rc, int *last)
{
    if (rc != *last && (rc == -ECONNRESET || rc == -ENOTCONN))
        say(b, "dropped by the producer; attaching again");
    *last = rc;
    switch (target_recover(b->consumer, &rc)) {
    case TARGET_GO_ON:
        return;
    case TARGET_GONE:
        drop_consumer(b);
        if (!b->opt.target.program)
            say(b, "producer gone; keeping the last frame");
        *last = 0;
        return;
    case TARGET_LATER:
        if (rc != *last)
            say(b, shmfb_strerror(rc));
        *last = rc;
        nap_ms(TARGET_RETRY_MS);
        return;
    }
}

int vnc_frames_run(struct vnc_bridge *b, struct target_child *ch, volatile sig_atomic_t *stop)
{
    struct shmfb_frame f;
    int last = 0;
    while (!*stop) {
        if (ch && target_child_watch(ch))
            return ch->status;
        if (!b->consumer) {
            if (ch)
                nap_ms(FRAMES_WAIT_MS);
            else
                reconnect(b);
            continue;
        }
        int rc = shmfb_consumer_wait_any(b->consumer, FRAMES_WAIT_MS,
                                         SHMFB_WAIT_FRAME | SHMFB_WAIT_CURSOR, &f);
        if (rc > 0) {
            if (rc & SHMFB_WAIT_FRAME)
                on_frame(b, &f);
            if (rc & SHMFB_WAIT_CURSOR)
                on_cursor(b);
            last = 0;
        } else if (rc != -ETIMEDOUT) {
            on_error(b, rc, &last);
        }
        vnc_clip_pump(b); /* after the frame: never while holding one */
    }
    return 0;
}

void vnc_frames_close(struct vnc_bridge *b)
{
    drop_consumer(b);
    while (b->shadow) {
        struct vnc_shadow *s = b->shadow;
        b->shadow = s->retired;
        free(s->pixels);
        free(s);
    }
}

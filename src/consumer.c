/* The consumer: attaches, waits for frames, reads validated copies. */
#include "internal.h"
#include "rect.h"
#include "reserved.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RECORD_TRIES 64

#define OPEN_TIMEOUT_MS 5000

/* A new, unattached consumer of the framebuffer in `memfd`, whose producer
 * is at the other end of `peer` (taken over on success). */
int shmfb__consumer_from_peer(int memfd, const struct shmfb__peer *peer,
                              struct shmfb_consumer **out)
{
    struct shmfb_consumer *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    int rc = shmfb__region_open_fd(memfd, &c->r);
    if (rc < 0) {
        free(c);
        return rc;
    }
    c->producer = *peer;
    c->slot = -1;
    *out = c;
    return 0;
}

static bool producer_trusted(const struct shmfb_consumer_desc *d, uint32_t uid)
{
    if (uid == (uint32_t)geteuid())
        return true;
    return d && (d->flags & SHMFB_TRUST_UID) && uid == d->trust_uid;
}

/* The producer's memfd, reopened through its /proc entry without waiting
 * for it (nor for a lease on whatever the entry is); -1 where that does not
 * reach (another user, another pid namespace, no /proc, not a file). */
static int memfd_via_proc(int32_t pid, int memfd_no)
{
    if (pid <= 0 || memfd_no < 0)
        return -1;
    int fd = shmfb__os_open_proc_fd(pid, memfd_no);
    return fd < 0 ? -1 : fd;
}

/* Opens the framebuffer behind a connected name: through /proc when it can
 * reach it (a region there that fails validation is an error, one with
 * another nonce is not ours), else from the producer's handoff, which then
 * also vouches for its credentials. */
static int open_connected(const char *canon, const struct shmfb_consumer_desc *d,
                          struct shmfb__peer *peer, int32_t pid, int memfd_no, uint64_t nonce,
                          struct shmfb_consumer **out)
{
    int memfd = memfd_via_proc(pid, memfd_no);
    if (memfd >= 0) {
        shmfb__peer_watch(peer, pid);
        int rc = shmfb__consumer_from_peer(memfd, peer, out);
        close(memfd);
        if (rc < 0 || (*out)->r.nonce == nonce)
            return rc;
        shmfb__region_unmap(&(*out)->r);
        free(*out);
        *out = NULL;
    }
    int timeout = d && d->timeout_ms ? d->timeout_ms : OPEN_TIMEOUT_MS;
    uint64_t token = peer->token;
    int rc = shmfb__handoff_recv(peer->fd, timeout, canon, peer, &memfd);
    if (rc < 0)
        return rc;
    peer->token = token;
    rc = producer_trusted(d, peer->uid) ? shmfb__consumer_from_peer(memfd, peer, out) : -EACCES;
    shmfb__fd_dispose(memfd);
    return rc;
}

/* Connects to the name, checks who listens there, says hello, opens. */
static int open_named(const char *canon, const struct shmfb_consumer_desc *d,
                      struct shmfb_consumer **out)
{
    struct shmfb__peer peer = {.fd = -1, .pidfd = -1, .token = shmfb__random64()};
    int memfd_no;
    uint64_t nonce;
    int rc = shmfb__name_connect(canon, &peer.fd, &memfd_no, &nonce);
    if (rc < 0)
        return rc;
    int32_t pid;
    uint32_t uid;
    rc = shmfb__os_peer_cred(peer.fd, &pid, &uid);
    if (rc == 0 && !producer_trusted(d, uid))
        rc = -EACCES;
    if (rc == 0)
        rc = shmfb__hello_send(peer.fd, peer.token);
    if (rc == 0) {
        peer.uid = uid;
        rc = open_connected(canon, d, &peer, pid, memfd_no, nonce, out);
    }
    if (rc < 0)
        shmfb__peer_close(&peer);
    else
        memcpy((*out)->r.name, canon, sizeof((*out)->r.name));
    return rc;
}

int shmfb_consumer_open(const char *name, const struct shmfb_consumer_desc *desc,
                        struct shmfb_consumer **out)
{
    if (!out)
        return -EINVAL;
    *out = NULL;
    char canon[SHMFB_NAME_MAX + 2];
    int rc = shmfb_name_check(name, canon, sizeof(canon));
    if (rc < 0)
        return rc;
    if (desc &&
        ((desc->flags & ~SHMFB_TRUST_UID) || desc->timeout_ms < 0 || !SHMFB__RESERVED_ZERO(desc)))
        return -EINVAL;
    return open_named(canon, desc, out);
}

void shmfb_consumer_close(struct shmfb_consumer *c)
{
    if (!c)
        return;
    if (c->slot >= 0)
        shmfb_consumer_detach(c);
    shmfb__region_unmap(&c->r);
    shmfb__peer_close(&c->producer);
    shmfb__host_free(c->host);
    free(c);
}

int shmfb_consumer_producer_alive(const struct shmfb_consumer *c)
{
    /* Looking may note that the producer refused us: state of the
     * handle's own, not what the caller sees of it. */
    return !shmfb__producer_gone((struct shmfb_consumer *)c);
}

int shmfb_consumer_attach(struct shmfb_consumer *c)
{
    if (c->slot >= 0)
        return -EISCONN;
    if (shmfb__producer_gone(c))
        return -EPIPE;
    if (c->refused)
        return -ECONNREFUSED;
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        if (shmfb__slot_claim(c, i)) {
            shmfb__wake_producer(c->r.hdr);
            return 0;
        }
    }
    return -EUSERS;
}

int shmfb_consumer_detach(struct shmfb_consumer *c)
{
    int rc = shmfb__slot_free(c);
    if (rc == 0)
        shmfb__wake_producer(c->r.hdr);
    return rc;
}

/* One attempt at a consistent copy of a record; false if it changed. */
static bool record_copy(const struct wire_frame *wf, struct shmfb_frame *f, uint32_t *buffer)
{
    uint32_t lock = atomic_load_explicit(&wf->lock, memory_order_acquire);
    if (lock & 1u)
        return false;
    f->width = atomic_load_explicit(&wf->width, memory_order_relaxed);
    f->height = atomic_load_explicit(&wf->height, memory_order_relaxed);
    f->ndamage = atomic_load_explicit(&wf->ndamage, memory_order_relaxed);
    f->seq = atomic_load_explicit(&wf->seq, memory_order_relaxed);
    *buffer = atomic_load_explicit(&wf->buffer, memory_order_relaxed);
    f->time_ns = atomic_load_explicit(&wf->time_ns, memory_order_relaxed);
    uint32_t n = f->ndamage <= SHMFB_MAX_DAMAGE ? f->ndamage : 0;
    for (uint32_t i = 0; i < n; i++) {
        f->damage[i].x = atomic_load_explicit(&wf->damage[i][0], memory_order_relaxed);
        f->damage[i].y = atomic_load_explicit(&wf->damage[i][1], memory_order_relaxed);
        f->damage[i].w = atomic_load_explicit(&wf->damage[i][2], memory_order_relaxed);
        f->damage[i].h = atomic_load_explicit(&wf->damage[i][3], memory_order_relaxed);
    }
    atomic_thread_fence(memory_order_acquire);
    return atomic_load_explicit(&wf->lock, memory_order_relaxed) == lock;
}

/* Validates the private copy: geometry within capacity, damage clipped to
 * the frame (a frame with no usable damage is treated as fully damaged). */
static int frame_validate(const struct shmfb__region *r, struct shmfb_frame *f, uint32_t buffer)
{
    if (f->width < 1 || f->width > r->max_width || f->height < 1 || f->height > r->max_height ||
        buffer >= r->nbuffers)
        return -EBADMSG;
    uint32_t n = 0, in = f->ndamage <= SHMFB_MAX_DAMAGE ? f->ndamage : 0;
    for (uint32_t i = 0; i < in; i++) {
        struct shmfb_rect d = f->damage[i];
        if (shmfb__rect_clip(&d, f->width, f->height))
            f->damage[n++] = d;
    }
    if (n == 0) {
        f->damage[0] = (struct shmfb_rect){0, 0, f->width, f->height};
        n = 1;
    }
    f->ndamage = n;
    f->bounds = f->damage[0];
    for (uint32_t i = 1; i < n; i++)
        f->bounds = shmfb__rect_union(f->bounds, f->damage[i]);
    f->stride = r->stride;
    f->format = r->format;
    f->pixels = shmfb__region_buffer(r, buffer);
    return 0;
}

/* Reads and validates frame `seq`'s record.  -EAGAIN if the producer kept
 * rewriting it (or died mid-write) for RECORD_TRIES attempts, or if the
 * record already describes another frame. */
static int record_read(const struct shmfb__region *r, uint64_t seq, struct shmfb_frame *f,
                       uint32_t *buffer)
{
    memset(f, 0, sizeof(*f));
    int tries = 0;
    while (!record_copy(&r->records[seq % WIRE_RECORDS], f, buffer)) {
        if (++tries >= RECORD_TRIES)
            return -EAGAIN;
        sched_yield();
    }
    if (f->seq != seq)
        return -EAGAIN;
    return frame_validate(r, f, *buffer);
}

/* The newest frame (or, before the first, the initial size). */
int shmfb__frame_read(const struct shmfb__region *r, struct shmfb_frame *f)
{
    int rc = -EAGAIN;
    uint32_t buffer;
    for (int tries = 0; tries < RECORD_TRIES && rc == -EAGAIN; tries++)
        rc = record_read(r, atomic_load_explicit(&r->hdr->frame_seq, memory_order_acquire), f,
                         &buffer);
    return rc;
}

/* Adds the damage of the frames skipped since the last one taken, so that
 * the frame's damage covers everything that changed since then; full
 * damage when one of them is forgotten or has another size. */
static bool damage_skipped(struct shmfb_consumer *c, struct shmfb_frame *f)
{
    if (f->seq - c->last_seen >= WIRE_RECORDS)
        return false;
    for (uint64_t s = c->last_seen + 1; s < f->seq; s++) {
        struct shmfb_frame g;
        uint32_t buffer;
        if (record_read(&c->r, s, &g, &buffer) < 0 || g.width != f->width || g.height != f->height)
            return false;
        for (uint32_t i = 0; i < g.ndamage; i++)
            shmfb__rect_add(f->damage, &f->ndamage, g.damage[i]);
    }
    return true;
}

static void frame_mark(struct shmfb_consumer *c, struct shmfb_frame *f)
{
    bool resized = c->last_seen && (f->width != c->last_width || f->height != c->last_height);
    if (c->last_seen == 0 || resized || f->seq <= c->last_seen || !damage_skipped(c, f)) {
        f->flags |= SHMFB_FRAME_FULL;
        f->ndamage = 1;
        f->damage[0] = (struct shmfb_rect){0, 0, f->width, f->height};
    }
    f->bounds = f->damage[0];
    for (uint32_t i = 1; i < f->ndamage; i++)
        f->bounds = shmfb__rect_union(f->bounds, f->damage[i]);
    if (resized)
        f->flags |= SHMFB_FRAME_RESIZED;
    c->last_seen = f->seq;
    c->last_width = f->width;
    c->last_height = f->height;
    c->held = f->seq;
}

/* Takes frame `seq` unseen: its record stays unreadable, so a peer broke
 * its lock (the producer wrote it before publishing).  A FIFO producer
 * goes on; the next frame comes with full damage. */
static void frame_skip(struct shmfb_consumer *c, uint64_t seq)
{
    c->held = seq;
    shmfb_consumer_release(c);
}

/* Returns 1 and fills f if a frame newer than the last taken is out; in
 * mailbox pacing, with its buffer pinned. */
static int frame_poll(struct shmfb_consumer *c, struct shmfb_frame *f)
{
    for (int tries = 0; tries < RECORD_TRIES; tries++) {
        uint64_t seq = atomic_load_explicit(&c->r.hdr->frame_seq, memory_order_acquire);
        if (seq == c->taken)
            return 0;
        uint32_t buffer;
        int rc = record_read(&c->r, seq, f, &buffer);
        if (rc == -EAGAIN) {
            if (atomic_load_explicit(&c->r.hdr->frame_seq, memory_order_acquire) == seq)
                frame_skip(c, seq);
            return 0;
        }
        if (rc < 0)
            return rc;
        if (!shmfb__pin(c, f, buffer))
            continue; /* its buffer is being reused: a newer frame is out */
        frame_mark(c, f);
        return 1;
    }
    return 0;
}

struct wait_ctx {
    struct shmfb_consumer *c;
    uint32_t what;
    struct shmfb_frame *frame;
};

/* What of `what` holds now: 0, a set of SHMFB_WAIT_* bits, or an error. */
static int ready_now(void *ctx, bool check)
{
    struct wait_ctx *w = ctx;
    struct shmfb_consumer *c = w->c;
    bool frames = w->what & SHMFB_WAIT_FRAME;
    int rc = frames ? shmfb__slot_check(c) : 0;
    if (rc < 0)
        return rc;
    int r = (w->what & SHMFB_WAIT_CURSOR) && shmfb__cursor_changed(c) ? SHMFB_WAIT_CURSOR : 0;
    if (w->what & SHMFB_WAIT_HOST) {
        rc = shmfb__host_ready(c);
        if (rc < 0 && !r)
            return rc;
        r |= rc > 0 ? SHMFB_WAIT_HOST : 0;
    }
    if (frames) {
        rc = frame_poll(c, w->frame);
        if (rc < 0)
            return rc;
        r |= rc > 0 ? SHMFB_WAIT_FRAME : 0;
    }
    if (r)
        return r;
    if (check && shmfb__producer_gone(c))
        return -EPIPE;
    return 0;
}

/* Spins a little before the first sleep (not when polling), so that a
 * producer that presents quickly is caught without a wake-up. */
int shmfb_consumer_wait_any(struct shmfb_consumer *c, int timeout_ms, uint32_t what,
                            struct shmfb_frame *frame)
{
    what &= SHMFB_WAIT_FRAME | SHMFB_WAIT_CURSOR | SHMFB_WAIT_HOST;
    if (!what || ((what & SHMFB_WAIT_FRAME) && !frame))
        return -EINVAL;
    if ((what & SHMFB_WAIT_FRAME) && c->held)
        shmfb_consumer_release(c);
    struct wire_header *h = c->r.hdr;
    struct shmfb__spin *spin = shmfb__consumer_may_spin(c) ? &c->spin : NULL;
    const struct shmfb__wait w = {&h->cons_wake, &h->cons_waiters, &h->cons_wake_ns,
                                  spin,          &c->next_check,   timeout_ms};
    struct wait_ctx ctx = {c, what, frame};
    return shmfb__wait_until(&w, ready_now, &ctx);
}

int shmfb_consumer_wait(struct shmfb_consumer *c, int timeout_ms, struct shmfb_frame *frame)
{
    int rc = shmfb_consumer_wait_any(c, timeout_ms, SHMFB_WAIT_FRAME, frame);
    return rc < 0 ? rc : 0;
}

int shmfb_consumer_release(struct shmfb_consumer *c)
{
    int rc = shmfb__slot_check(c);
    if (rc < 0)
        return rc;
    if (!c->held)
        return -EINVAL;
    struct wire_slot *s = &c->r.hdr->slots[c->slot];
    atomic_store_explicit(&s->taken_seq, c->held, memory_order_release);
    shmfb__unpin(c);
    c->taken = c->held;
    c->held = 0;
    shmfb__wake_producer(c->r.hdr);
    return 0;
}

int shmfb_consumer_peek(struct shmfb_consumer *c, struct shmfb_frame *frame)
{
    if (!frame)
        return -EINVAL;
    if (atomic_load_explicit(&c->r.hdr->frame_seq, memory_order_acquire) == 0)
        return -EAGAIN;
    int rc = shmfb__frame_read(&c->r, frame);
    if (rc == 0) {
        frame->flags = SHMFB_FRAME_FULL;
        frame->ndamage = 1;
        frame->damage[0] = frame->bounds = (struct shmfb_rect){0, 0, frame->width, frame->height};
    }
    return rc;
}

void shmfb_consumer_capacity(const struct shmfb_consumer *c, int32_t *max_width,
                             int32_t *max_height)
{
    if (max_width)
        *max_width = c->r.max_width;
    if (max_height)
        *max_height = c->r.max_height;
}

uint32_t shmfb_consumer_format(const struct shmfb_consumer *c)
{
    return c->r.format;
}

const uint32_t *shmfb_consumer_pixels(const struct shmfb_consumer *c)
{
    return c->r.pixels;
}

int32_t shmfb_consumer_stride(const struct shmfb_consumer *c)
{
    return c->r.stride;
}

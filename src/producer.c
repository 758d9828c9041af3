/* The producer: draws, marks damage, presents, paces. */
#include "internal.h"
#include "rect.h"
#include "reserved.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 2000

static int desc_check(const struct shmfb_producer_desc *d)
{
    if (d->max_width <= 0 || d->max_height <= 0 || d->width < 0 || d->height < 0 ||
        d->timeout_ms < 0 || !SHMFB__RESERVED_ZERO(d))
        return -EINVAL;
    if (d->format > SHMFB_FORMAT_ARGB8888 || d->pacing > SHMFB_PACING_MAILBOX ||
        (d->flags & ~(SHMFB_SHARE_UID | SHMFB_SHARE_ANY | SHMFB_OWN_IMAGE)))
        return -EINVAL;
    if (d->pacing == SHMFB_PACING_MAILBOX
            ? d->buffers == 1 || d->buffers < 0 || d->buffers > SHMFB_MAX_BUFFERS
            : d->buffers != 0)
        return -EINVAL;
    if (d->max_width > SHMFB_DIM_MAX || d->max_height > SHMFB_DIM_MAX)
        return -EOVERFLOW;
    if (d->width > d->max_width || d->height > d->max_height)
        return -ERANGE;
    return 0;
}

/* Named: the name's socket; spawned: the socket of the consumer that
 * started us, which becomes our one connection. */
static int rendezvous(struct shmfb_producer *p, bool named)
{
    struct shmfb__server *s = &p->srv;
    if (named)
        return shmfb__name_listen(p->r.name, s->memfd, p->r.nonce, s);
    int sock = shmfb__spawned_socket();
    if (sock < 0)
        return sock;
    int rc = shmfb__handoff_send(sock, s->memfd, 0, ++s->next_token, "");
    if (rc < 0)
        return rc;
    int32_t pid = 0;
    uint32_t uid = 0;
    shmfb__os_peer_cred(sock, &pid, &uid);
    s->peers[0] = (struct shmfb__peer){.fd = sock, .pidfd = -1, .uid = uid, .token = s->next_token};
    shmfb__peer_watch(&s->peers[0], pid);
    s->npeers = 1;
    unsetenv(SHMFB_SOCKET_ENV); /* used: a second create must not take it */
    return 0;
}

static void producer_init(struct shmfb_producer *p, const struct shmfb_producer_desc *d)
{
    shmfb__server_init(p, d->flags, d->share_uid);
    p->width = d->width ? d->width : d->max_width;
    p->height = d->height ? d->height : d->max_height;
    p->timeout_ns = (int64_t)(d->timeout_ms ? d->timeout_ms : DEFAULT_TIMEOUT_MS) * 1000000;
}

int shmfb_producer_create(const char *name, const struct shmfb_producer_desc *desc,
                          struct shmfb_producer **out)
{
    if (!out)
        return -EINVAL;
    *out = NULL;
    if (!desc)
        return -EINVAL;
    struct shmfb_producer *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    int rc = name ? shmfb_name_check(name, p->r.name, sizeof(p->r.name)) : 0;
    if (rc == 0)
        rc = desc_check(desc);
    if (rc < 0)
        goto fail_free;
    producer_init(p, desc);
    uint32_t nbuffers = desc->pacing != SHMFB_PACING_MAILBOX ? 1
                        : desc->buffers                      ? (uint32_t)desc->buffers
                                                             : 3;
    struct shmfb__geometry geo = {desc->max_width, desc->max_height, desc->format, desc->pacing,
                                  nbuffers};
    rc = shmfb__region_create(&geo, &p->r, &p->srv.memfd);
    if (rc < 0)
        goto fail_free;
    rc = shmfb__mailbox_init(p, desc->flags & SHMFB_OWN_IMAGE);
    if (rc < 0)
        goto fail_region;
    /* Before the first present, probes see the initial size. */
    atomic_store_explicit(&p->r.records[0].width, p->width, memory_order_relaxed);
    atomic_store_explicit(&p->r.records[0].height, p->height, memory_order_relaxed);
    /* The name appears only now, with the framebuffer complete. */
    rc = rendezvous(p, name != NULL);
    if (rc < 0)
        goto fail_region;
    *out = p;
    return 0;

fail_region:
    shmfb__server_close(p);
    shmfb__mailbox_free(p);
    shmfb__region_unmap(&p->r);
fail_free:
    free(p);
    return rc;
}

void shmfb_producer_destroy(struct shmfb_producer *p)
{
    if (!p)
        return;
    /* Connections first: a consumer woken below finds its hung up. */
    shmfb__server_close(p);
    shmfb__wake_consumers(p->r.hdr);
    shmfb__os_futex_wake(&p->r.hdr->cons_wake);
    shmfb__mailbox_free(p);
    shmfb__region_unmap(&p->r);
    shmfb__host_free(p->host);
    free(p);
}

int shmfb_producer_fd(const struct shmfb_producer *p)
{
    return p->srv.listen_fd;
}

int shmfb_producer_dispatch(struct shmfb_producer *p)
{
    shmfb__peers_check(p);
    return 0;
}

uint32_t *shmfb_producer_pixels(const struct shmfb_producer *p)
{
    return p->pixels;
}

int shmfb_producer_acquire(struct shmfb_producer *p, struct shmfb_back *back)
{
    if (!back)
        return -EINVAL;
    int b = shmfb__back_acquire(p, back->repair, &back->nrepair, false);
    back->pixels = shmfb__region_buffer(&p->r, (uint32_t)b);
    back->stride = p->r.stride;
    memset(back->reserved, 0, sizeof(back->reserved));
    return 0;
}

int32_t shmfb_producer_stride(const struct shmfb_producer *p)
{
    return p->r.stride;
}

void shmfb_producer_size(const struct shmfb_producer *p, int32_t *width, int32_t *height,
                         int32_t *max_width, int32_t *max_height)
{
    if (width)
        *width = p->width;
    if (height)
        *height = p->height;
    if (max_width)
        *max_width = p->r.max_width;
    if (max_height)
        *max_height = p->r.max_height;
}

const char *shmfb_producer_name(const struct shmfb_producer *p)
{
    return p->r.name;
}

void shmfb_producer_set_time(struct shmfb_producer *p, uint64_t time_ns)
{
    p->time_next = time_ns;
}

uint64_t shmfb_producer_frame(const struct shmfb_producer *p)
{
    return p->seq;
}

int shmfb_producer_damage(struct shmfb_producer *p, const struct shmfb_rect *r)
{
    if (!r)
        return -EINVAL;
    struct shmfb_rect c = *r;
    if (shmfb__rect_clip(&c, p->width, p->height))
        shmfb__rect_add(p->damage, &p->ndamage, c);
    return 0;
}

int shmfb_producer_resize(struct shmfb_producer *p, int32_t width, int32_t height)
{
    if (width <= 0 || height <= 0)
        return -EINVAL;
    if (width > p->r.max_width || height > p->r.max_height)
        return -ERANGE;
    p->width = width;
    p->height = height;
    return 0;
}

/* Writes frame seq's record under its sequence lock. */
static void record_write(struct shmfb_producer *p, uint32_t buffer, uint64_t time_ns)
{
    assert(p->ndamage >= 1 && p->ndamage <= SHMFB_MAX_DAMAGE && buffer < p->r.nbuffers);
    uint32_t k = (uint32_t)(p->seq % WIRE_RECORDS);
    struct wire_frame *f = &p->r.records[k];
    uint32_t lock = p->frame_lock[k];
    p->frame_lock[k] += 2;
    atomic_store_explicit(&f->lock, lock + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&f->width, p->width, memory_order_relaxed);
    atomic_store_explicit(&f->height, p->height, memory_order_relaxed);
    atomic_store_explicit(&f->ndamage, p->ndamage, memory_order_relaxed);
    atomic_store_explicit(&f->seq, p->seq, memory_order_relaxed);
    atomic_store_explicit(&f->buffer, buffer, memory_order_relaxed);
    atomic_store_explicit(&f->time_ns, time_ns, memory_order_relaxed);
    for (uint32_t i = 0; i < p->ndamage; i++) {
        const int32_t v[4] = {p->damage[i].x, p->damage[i].y, p->damage[i].w, p->damage[i].h};
        for (int j = 0; j < 4; j++)
            atomic_store_explicit(&f->damage[i][j], v[j], memory_order_relaxed);
    }
    atomic_store_explicit(&f->lock, lock + 2, memory_order_release);
}

static int all_taken(void *ctx, bool check)
{
    struct shmfb_producer *p = ctx;
    if (check)
        shmfb__peers_check(p); /* drops those whose connection is gone */
    return shmfb__slots_pending(p, p->seq, false) == 0;
}

/* FIFO: waits until every attached consumer has taken the frame just
 * presented, dropping the dead at once and the stuck when the timeout runs
 * out.  Spins a little before the first sleep: a consumer that takes frames
 * quickly is then caught without paying a wake-up on either side. */
static void wait_taken(struct shmfb_producer *p)
{
    struct wire_header *h = p->r.hdr;
    struct shmfb__spin *spin = shmfb__producer_may_spin(p) ? &p->spin : NULL;
    const struct shmfb__wait w = {&h->prod_wake, &h->prod_waiters, &h->prod_wake_ns,
                                  spin,          &p->next_check,   (int)(p->timeout_ns / 1000000)};
    if (shmfb__wait_until(&w, all_taken, p) == -ETIMEDOUT)
        shmfb__slots_pending(p, p->seq, true);
}

/* Mailbox: the buffer this frame goes to, brought up to date from the
 * private image unless the producer drew into it itself (acquire). */
static int mailbox_back(struct shmfb_producer *p)
{
    if (p->mb.back >= 0)
        return p->mb.back;
    if (!p->mb.image)
        return -EINVAL;
    struct shmfb_rect repair[SHMFB_MAX_DAMAGE];
    uint32_t n;
    int b = shmfb__back_acquire(p, repair, &n, true);
    shmfb__image_copy(p, repair, n);
    return b;
}

/* Present answers connections at most once per SHMFB__SERVE_NS, and closes
 * those whose peers left once per liveness period, so that a producer that
 * only presents never fills its table; the waits and dispatch answer them
 * every time. */
static void serve_due(struct shmfb_producer *p)
{
    int64_t now = shmfb__now_ns();
    if (now < p->next_serve)
        return;
    p->next_serve = now + SHMFB__SERVE_NS;
    shmfb__serve(p);
    if (now >= p->next_check) {
        p->next_check = now + SHMFB__LIVENESS_NS;
        shmfb__peers_reap(p);
    }
}

int shmfb_producer_present(struct shmfb_producer *p)
{
    struct wire_header *h = p->r.hdr;
    if (p->ndamage == 0 || p->width != p->pub_width || p->height != p->pub_height) {
        p->damage[0] = (struct shmfb_rect){0, 0, p->width, p->height};
        p->ndamage = 1;
    }
    int b = p->r.pacing == SHMFB_PACING_MAILBOX ? mailbox_back(p) : 0;
    if (b < 0)
        return b;
    uint64_t time_ns = p->time_next ? p->time_next : (uint64_t)shmfb__now_ns();
    p->time_next = 0;
    p->seq++;
    record_write(p, (uint32_t)b, time_ns);
    shmfb__back_publish(p, b);
    atomic_store_explicit(&h->frame_seq, p->seq, memory_order_release);
    shmfb__wake_consumers(h);
    p->pub_width = p->width;
    p->pub_height = p->height;
    p->ndamage = 0;
    serve_due(p);
    if (p->r.pacing == SHMFB_PACING_FIFO)
        wait_taken(p);
    else
        shmfb__slots_drop_stuck(p);
    return 0;
}

int shmfb_producer_consumers(const struct shmfb_producer *p)
{
    return shmfb__slots_attached(p->r.hdr);
}

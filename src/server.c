/* The producer's connections.  A consumer that connects to the name opens
 * the framebuffer on its own (rendezvous.c); the producer accepts the
 * connection whenever it calls in (present, the waits, polling events,
 * shmfb_producer_dispatch()), learns the token of the slot the consumer
 * will use from its hello, answers with a handoff for consumers that could
 * not open the framebuffer themselves, and from then on watches the
 * connection: its hang-up frees the consumer's slot. */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void shmfb__server_init(struct shmfb_producer *p, uint32_t share_flags, uint32_t share_uid)
{
    p->srv = (struct shmfb__server){.listen_fd = -1,
                                    .lock_fd = -1,
                                    .memfd = -1,
                                    .share_flags = share_flags,
                                    .share_uid = share_uid};
}

static bool peer_allowed(const struct shmfb__server *s, uint32_t uid)
{
    if (uid == (uint32_t)geteuid() || (s->share_flags & SHMFB_SHARE_ANY))
        return true;
    return (s->share_flags & SHMFB_SHARE_UID) && uid == s->share_uid;
}

/* How long a consumer may take to send its hello after connecting, and to
 * finish claiming a slot (a few stores: longer means it died meanwhile).
 * A claim whose token names no live connection gets one liveness period:
 * its consumer died before storing the token or after hanging up. */
#define HELLO_NS (2000 * 1000000LL)
#define CLAIM_NS (1000 * 1000000LL)

/* How long a connection that said hello may go without a slot before a
 * newcomer may take its place in a full table: a consumer claims its slot
 * right after its hello, a snapshot or probe is done by then. */
#define IDLE_NS (250 * 1000000LL)

static bool token_live(const struct shmfb__server *s, uint64_t token);

/* Takes a connection's hello and answers it with the framebuffer: 0, or
 * -EAGAIN while the hello has not come, or why the peer is dropped. */
static int hello(struct shmfb_producer *p, struct shmfb__peer *peer)
{
    uint64_t token;
    int rc = shmfb__hello_recv(peer->fd, &token);
    if (rc == -EAGAIN && shmfb__now_ns() < peer->hello_by)
        return rc;
    if (rc < 0 || token_live(&p->srv, token))
        return -EPROTO; /* a second connection cannot speak for a slot */
    peer->token = token;
    peer->hello_by = 0;
    rc = shmfb__handoff_send(peer->fd, p->srv.memfd, 0, token, p->r.name);
    if (rc == 0)
        shmfb__chan_greet(p, peer);
    return rc;
}

/* Whether a slot names `token` (claimed or attached). */
static bool token_in_slot(const struct shmfb_producer *p, uint64_t token)
{
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        const struct wire_slot *sl = &p->r.hdr->slots[i];
        uint32_t w = atomic_load_explicit(&sl->word, memory_order_acquire);
        if (WIRE_SLOT_STATE(w) != WIRE_SLOT_FREE &&
            atomic_load_explicit(&sl->token, memory_order_acquire) == token)
            return true;
    }
    return false;
}

/* Makes room in a full table: the oldest connection that never said hello,
 * else the oldest that said it but holds no slot after IDLE_NS.  It is told
 * it was refused (not that the producer is gone) and closed.  False when
 * every connection is a consumer's: the newcomer is refused instead. */
static bool evict_one(struct shmfb_producer *p)
{
    struct shmfb__server *s = &p->srv;
    int64_t now = shmfb__now_ns();
    int victim = -1;
    for (int pass = 0; pass < 2 && victim < 0; pass++) {
        for (int i = 0; i < s->npeers; i++) {
            const struct shmfb__peer *peer = &s->peers[i];
            bool idle = pass == 0 ? peer->hello_by != 0
                                  : now - peer->since > IDLE_NS && !token_in_slot(p, peer->token);
            if (idle && (victim < 0 || peer->since < s->peers[victim].since))
                victim = i;
        }
    }
    if (victim < 0)
        return false;
    shmfb__handoff_send(s->peers[victim].fd, -1, ECONNREFUSED, 0, p->r.name);
    shmfb__peer_close(&s->peers[victim]);
    s->peers[victim] = s->peers[--s->npeers];
    return true;
}

/* Refuses a connection with `status`; what its peer queued (a hello, with
 * descriptors perhaps) is disposed of without blocking. */
static void refuse(struct shmfb_producer *p, int fd, int status)
{
    shmfb__handoff_send(fd, -1, status, 0, p->r.name);
    shmfb__sock_close(fd);
}

/* Takes one new connection if the consumer is welcome. */
static void answer(struct shmfb_producer *p, int fd)
{
    struct shmfb__server *s = &p->srv;
    int32_t pid;
    uint32_t uid;
    if (shmfb__os_peer_cred(fd, &pid, &uid) < 0 || !peer_allowed(s, uid)) {
        refuse(p, fd, EACCES);
        return;
    }
    if (s->npeers == SHMFB__MAX_PEERS)
        shmfb__peers_reap(p);
    if (s->npeers == SHMFB__MAX_PEERS && !evict_one(p)) {
        refuse(p, fd, ECONNREFUSED);
        return;
    }
    struct shmfb__peer *peer = &s->peers[s->npeers];
    int64_t now = shmfb__now_ns();
    *peer = (struct shmfb__peer){
        .fd = fd, .pidfd = -1, .uid = uid, .since = now, .hello_by = now + HELLO_NS};
    int rc = hello(p, peer);
    if (rc < 0 && rc != -EAGAIN) {
        shmfb__sock_close(fd);
        return;
    }
    shmfb__peer_watch(peer, pid);
    s->npeers++;
}

void shmfb__serve(struct shmfb_producer *p)
{
    if (p->srv.listen_fd < 0)
        return;
    /* Bounded: a flood of connections cannot hold the producer here. */
    for (int i = 0; i < SHMFB__MAX_PEERS; i++) {
        int fd = accept4(p->srv.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            return;
        answer(p, fd);
    }
}

static bool token_live(const struct shmfb__server *s, uint64_t token)
{
    for (int i = 0; i < s->npeers; i++)
        if (s->peers[i].token == token && !s->peers[i].hello_by)
            return true;
    return false;
}

static void catch_up(struct shmfb_producer *p, bool watch);

/* A slot is dead when the connection it names is gone: the only evidence
 * the producer trusts, since any word of the slot may be a peer's.  A
 * consumer connects and says hello before it claims a slot, so a token not
 * known yet belongs to a connection still waiting to be accepted: accept,
 * then judge.  A claim that stays half-done for a second was abandoned;
 * sooner when no live connection owns it (catch_up has run: a consumer says
 * hello before it claims). */
static void drop_unconnected(struct shmfb_producer *p)
{
    bool served = false;
    for (int i = 0; i < SHMFB_MAX_CONSUMERS; i++) {
        struct wire_slot *sl = &p->r.hdr->slots[i];
        uint32_t w = atomic_load_explicit(&sl->word, memory_order_acquire);
        uint64_t token = atomic_load_explicit(&sl->token, memory_order_acquire);
        if (WIRE_SLOT_STATE(w) == WIRE_SLOT_CLAIMING) {
            int64_t now = shmfb__now_ns();
            if (p->srv.claim_seen[i] != w) {
                p->srv.claim_seen[i] = w;
                p->srv.claim_since[i] = now;
            } else if (now - p->srv.claim_since[i] >
                       (token_live(&p->srv, token) ? CLAIM_NS : SHMFB__LIVENESS_NS)) {
                shmfb__slot_drop(sl, w);
            }
            continue;
        }
        if (WIRE_SLOT_STATE(w) != WIRE_SLOT_ATTACHED || token_live(&p->srv, token))
            continue;
        if (!served) {
            catch_up(p, false);
            served = true;
        }
        if (!token_live(&p->srv, token))
            shmfb__slot_drop(sl, w);
    }
}

/* Takes the hellos that came; with `watch`, also closes the connections
 * that are gone. */
static void reap(struct shmfb_producer *p, bool watch)
{
    struct shmfb__server *s = &p->srv;
    for (int i = 0; i < s->npeers;) {
        struct shmfb__peer *peer = &s->peers[i];
        int rc = peer->hello_by ? hello(p, peer) : 0;
        if (rc == -EAGAIN || (rc == 0 && (!watch || shmfb__chan_alive(p, peer)))) {
            i++;
            continue;
        }
        shmfb__peer_close(peer);
        s->peers[i] = s->peers[--s->npeers];
    }
}

/* Accepts newcomers and takes the hellos that came; with `watch`, also
 * closes the connections that are gone. */
static void catch_up(struct shmfb_producer *p, bool watch)
{
    shmfb__serve(p);
    reap(p, watch);
}

void shmfb__peers_reap(struct shmfb_producer *p)
{
    reap(p, true);
}

void shmfb__peers_check(struct shmfb_producer *p)
{
    catch_up(p, true);
    drop_unconnected(p);
}

void shmfb__server_close(struct shmfb_producer *p)
{
    struct shmfb__server *s = &p->srv;
    /* The name first: a consumer that finds its connection closed then
     * finds the name released too, and knows its producer is gone (not
     * that it was refused, see shmfb__producer_gone). */
    shmfb__name_unlisten(s);
    for (int i = 0; i < s->npeers; i++)
        shmfb__peer_close(&s->peers[i]);
    s->npeers = 0;
    if (s->memfd >= 0)
        close(s->memfd);
    s->memfd = -1;
}

/* The host channel: messages on a connection between producer and consumer
 * after its hello and handoff (struct wire_msg), for what is neither pixels
 * nor an input event: clipboard offers both ways, drops from consumers,
 * the producer's title and full-screen request.
 *
 * Sending never waits.  Each connection keeps a short queue of encoded
 * messages; a new message replaces a waiting one of its kind that has not
 * started (a peer that never reads holds at most one started message and
 * one per kind), and the queue moves on whenever the owner calls into the
 * library.  Receiving reassembles a message across calls, validates it
 * completely before anyone sees it, and stops reading a connection while
 * its owner has not taken what came (the socket then pushes back on the
 * sender).  Framing that is wrong ends the connection; a message that
 * breaks its kind's rules is dropped and counted.  Messages are encoded,
 * then checked by the same parser that checks received ones: one set of
 * rules for both directions. */
#include "internal.h"
#include "reserved.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define QUEUE_MAX 8 /* one started + one waiting per kind, with room */
#define INBOX_MAX 8 /* complete messages the owner has not taken */
#define COORD_MAX (1 << 24)

/* An encoded message (header and payload), shared by the queues of every
 * connection it goes to. */
struct msgbuf {
    unsigned refs;
    uint32_t type;
    size_t len;
    uint8_t bytes[];
};

struct outq {
    struct msgbuf *b;
    size_t off; /* bytes sent */
};

/* A received, validated message; msg points into body. */
struct inmsg {
    uint8_t *body;
    const char **paths;
    struct shmfb_host_msg msg;
};

struct shmfb__chan {
    struct outq out[QUEUE_MAX];
    int nout;
    struct wire_msg hdr; /* being received */
    size_t hdr_got;
    uint8_t *body; /* its payload, hdr.length + 1 bytes */
    size_t body_got;
    int error; /* 0, or why the connection is of no more use */
};

struct shmfb__host {
    struct inmsg inbox[INBOX_MAX];
    int head, nin;
    struct inmsg held;                 /* what the last host_recv returned */
    struct msgbuf *title, *fullscreen; /* producer: for newcomers */
    uint64_t serial;
    uint64_t dropped;
    int next_peer; /* producer: where reading starts, round robin */
};

/* ---- rules ----------------------------------------------------------------- */

/* Valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
static bool utf8_ok(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint8_t c = s[i];
        size_t k = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : 3;
        if ((c >= 0x80 && c < 0xC2) || c > 0xF4 || n - i <= k)
            return k == 0 && c < 0x80;
        uint32_t cp = k == 0 ? c : k == 1 ? c & 0x1Fu : k == 2 ? c & 0x0Fu : c & 0x07u;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + j] & 0x3Fu);
        }
        static const uint32_t least[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < least[k] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += k + 1;
    }
    return true;
}

static bool no_controls(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] == 0x7F)
            return false;
    return true;
}

static bool mime_ok(const uint8_t *s, uint32_t size)
{
    if (size < 2 || size > SHMFB_MIME_MAX + 1 || s[size - 1] != '\0')
        return false;
    for (uint32_t i = 0; i + 1 < size; i++)
        if (s[i] < 0x20 || s[i] > 0x7E)
            return false;
    return true;
}

static bool item_ok(const struct shmfb_host_msg *m, uint32_t i)
{
    for (uint32_t j = 0; j < i; j++)
        if (strcasecmp(m->items[j].mime, m->items[i].mime) == 0)
            return false;
    if (strcasecmp(m->items[i].mime, SHMFB_MIME_TEXT) != 0)
        return true;
    return utf8_ok(m->items[i].data, m->items[i].size);
}

/* Clipboard: the table, then each item's MIME type and data, exactly. */
static bool clip_parse(const uint8_t *b, size_t len, struct shmfb_host_msg *m)
{
    struct wire_clip h;
    if (len < sizeof(h))
        return false;
    memcpy(&h, b, sizeof(h));
    size_t pos = sizeof(h) + (size_t)h.count * sizeof(struct wire_clip_item);
    if (h.count > SHMFB_CLIP_TYPES_MAX || h.reserved || pos > len)
        return false;
    uint64_t total = 0;
    for (uint32_t i = 0; i < h.count; i++) {
        struct wire_clip_item it;
        memcpy(&it, b + sizeof(h) + i * sizeof(it), sizeof(it));
        if (it.reserved || it.mime_size > len - pos || !mime_ok(b + pos, it.mime_size))
            return false;
        m->items[i].mime = (const char *)b + pos;
        pos += it.mime_size;
        if (it.data_size > len - pos || (total += it.data_size) > SHMFB_HOST_DATA_MAX)
            return false;
        m->items[i].data = b + pos;
        m->items[i].size = (size_t)it.data_size;
        pos += (size_t)it.data_size;
        if (!item_ok(m, i))
            return false;
    }
    m->count = h.count;
    return pos == len;
}

static bool title_parse(const uint8_t *b, size_t len, struct shmfb_host_msg *m)
{
    if (len < 1 || len > SHMFB_TITLE_MAX + 1 || b[len - 1] != '\0')
        return false;
    m->title = (const char *)b;
    return no_controls(b, len - 1) && utf8_ok(b, len - 1);
}

static bool fullscreen_parse(const uint8_t *b, size_t len, struct shmfb_host_msg *m)
{
    struct wire_fullscreen f;
    if (len != sizeof(f))
        return false;
    memcpy(&f, b, sizeof(f));
    m->fullscreen = f.on == 1;
    return f.on <= 1 && f.reserved == 0;
}

/* Drop: the position and count, then the NUL-terminated paths, exactly. */
static bool drop_parse(const uint8_t *b, size_t len, struct shmfb_host_msg *m, const char ***paths)
{
    struct wire_drop d;
    if (len < sizeof(d))
        return false;
    memcpy(&d, b, sizeof(d));
    if (d.count < 1 || d.count > SHMFB_DROP_MAX || d.reserved || d.x < -COORD_MAX ||
        d.x > COORD_MAX || d.y < -COORD_MAX || d.y > COORD_MAX)
        return false;
    const char **v = calloc(d.count, sizeof(*v));
    if (!v)
        return false;
    size_t pos = sizeof(d);
    for (uint32_t i = 0; i < d.count; i++) {
        const uint8_t *end = pos < len ? memchr(b + pos, '\0', len - pos) : NULL;
        size_t n = end ? (size_t)(end - (b + pos)) : 0;
        if (n < 1 || n > SHMFB_PATH_MAX || !utf8_ok(b + pos, n)) {
            free(v);
            return false;
        }
        v[i] = (const char *)b + pos;
        pos += n + 1;
    }
    *m = (struct shmfb_host_msg){.type = SHMFB_HOST_DROP, .count = d.count, .x = d.x, .y = d.y};
    m->paths = v;
    *paths = v;
    if (pos != len) {
        free(v);
        *paths = NULL;
        return false;
    }
    return true;
}

/* Checks a payload of a kind that may come this way and describes it. */
static bool msg_parse(uint32_t type, const uint8_t *b, size_t len, bool to_consumer,
                      struct inmsg *in)
{
    struct shmfb_host_msg *m = &in->msg;
    *m = (struct shmfb_host_msg){.type = type};
    in->paths = NULL;
    switch (type) {
    case WIRE_MSG_CLIPBOARD:
        return clip_parse(b, len, m);
    case WIRE_MSG_TITLE:
        return to_consumer && title_parse(b, len, m);
    case WIRE_MSG_FULLSCREEN:
        return to_consumer && fullscreen_parse(b, len, m);
    case WIRE_MSG_DROP:
        return !to_consumer && drop_parse(b, len, m, &in->paths);
    default:
        return false; /* a kind this version does not know */
    }
}

/* ---- encoding -------------------------------------------------------------- */

static void msgbuf_unref(struct msgbuf *b)
{
    if (b && --b->refs == 0)
        free(b);
}

static struct msgbuf *msgbuf_new(struct shmfb__host *h, uint32_t type, size_t payload)
{
    struct msgbuf *b = malloc(sizeof(*b) + sizeof(struct wire_msg) + payload + 1);
    if (!b)
        return NULL;
    b->refs = 1;
    b->type = type;
    b->len = sizeof(struct wire_msg) + payload;
    struct wire_msg w = {.type = type, .length = (uint32_t)payload, .serial = ++h->serial};
    memcpy(w.tag, WIRE_MSG_TAG, sizeof(w.tag));
    memcpy(b->bytes, &w, sizeof(w));
    return b;
}

static uint8_t *payload_of(struct msgbuf *b)
{
    return b->bytes + sizeof(struct wire_msg);
}

/* Checks an encoded message with the receiver's rules: 0 or -EINVAL. */
static int msgbuf_check(struct msgbuf *b, bool to_consumer)
{
    struct inmsg in;
    size_t len = b->len - sizeof(struct wire_msg);
    bool ok = msg_parse(b->type, payload_of(b), len, to_consumer, &in);
    free(in.paths);
    return ok ? 0 : -EINVAL;
}

static int clip_size(const struct shmfb_clip_item *items, uint32_t n, size_t *payload)
{
    if ((n && !items) || n > SHMFB_CLIP_TYPES_MAX)
        return -EINVAL;
    size_t data = 0, size = sizeof(struct wire_clip) + n * sizeof(struct wire_clip_item);
    for (uint32_t i = 0; i < n; i++) {
        if (!items[i].mime || (!items[i].data && items[i].size) ||
            !SHMFB__RESERVED_ZERO(&items[i]) ||
            strnlen(items[i].mime, SHMFB_MIME_MAX + 1) > SHMFB_MIME_MAX)
            return -EINVAL;
        if (items[i].size > SHMFB_HOST_DATA_MAX - data)
            return -EFBIG;
        data += items[i].size;
        size += strlen(items[i].mime) + 1;
    }
    *payload = size + data;
    return 0;
}

static int clip_encode(struct shmfb__host *h, const struct shmfb_clip_item *items, uint32_t n,
                       bool to_consumer, struct msgbuf **out)
{
    size_t payload;
    int rc = clip_size(items, n, &payload);
    if (rc < 0)
        return rc;
    struct msgbuf *b = msgbuf_new(h, WIRE_MSG_CLIPBOARD, payload);
    if (!b)
        return -ENOMEM;
    uint8_t *p = payload_of(b);
    struct wire_clip c = {.count = n};
    memcpy(p, &c, sizeof(c));
    size_t pos = sizeof(c) + n * sizeof(struct wire_clip_item);
    for (uint32_t i = 0; i < n; i++) {
        size_t ms = strlen(items[i].mime) + 1;
        struct wire_clip_item it = {.mime_size = (uint32_t)ms, .data_size = items[i].size};
        memcpy(p + sizeof(c) + i * sizeof(it), &it, sizeof(it));
        memcpy(p + pos, items[i].mime, ms);
        if (items[i].size)
            memcpy(p + pos + ms, items[i].data, items[i].size);
        pos += ms + items[i].size;
    }
    *out = b;
    rc = msgbuf_check(b, to_consumer);
    if (rc < 0)
        msgbuf_unref(b);
    return rc;
}

/* ---- connections ------------------------------------------------------------- */

/* The socket's send buffer, where the system allows it: a megabyte moves
 * in one write instead of a wake-up per default-sized buffer. */
#define CHAN_SNDBUF (1 << 20)

static struct shmfb__chan *chan_of(struct shmfb__peer *peer)
{
    if (!peer->chan) {
        peer->chan = calloc(1, sizeof(*peer->chan));
        setsockopt(peer->fd, SOL_SOCKET, SO_SNDBUF, &(int){CHAN_SNDBUF}, sizeof(int));
    }
    return peer->chan;
}

void shmfb__chan_free(struct shmfb__chan *ch)
{
    if (!ch)
        return;
    for (int i = 0; i < ch->nout; i++)
        msgbuf_unref(ch->out[i].b);
    free(ch->body);
    free(ch);
}

/* Sends what the socket takes now: 1 if bytes went, 0 if none, or why the
 * connection is of no more use. */
static int flush(int fd, struct shmfb__chan *ch)
{
    int moved = 0;
    while (ch->nout) {
        struct outq *q = &ch->out[0];
        ssize_t n = send(fd, q->b->bytes + q->off, q->b->len - q->off, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK ? moved : -EPIPE;
        moved = 1;
        q->off += (size_t)n;
        if (q->off < q->b->len)
            continue;
        msgbuf_unref(q->b);
        memmove(ch->out, ch->out + 1, sizeof(ch->out[0]) * (size_t)--ch->nout);
    }
    return moved;
}

/* Queues b (taking a reference) and sends what goes now: a waiting message
 * of the same kind that has not started is replaced. */
static void enqueue(struct shmfb__host *h, struct shmfb__peer *peer, struct msgbuf *b)
{
    struct shmfb__chan *ch = chan_of(peer);
    if (!ch || ch->error) {
        h->dropped++;
        return;
    }
    int i = 0;
    while (i < ch->nout && !(ch->out[i].b->type == b->type && ch->out[i].off == 0))
        i++;
    if (i == QUEUE_MAX) {
        h->dropped++;
        return;
    }
    if (i < ch->nout) {
        msgbuf_unref(ch->out[i].b);
        h->dropped++;
    } else {
        ch->nout++;
    }
    b->refs++;
    ch->out[i] = (struct outq){b, 0};
    int rc = flush(peer->fd, ch);
    if (rc < 0)
        ch->error = rc;
}

/* The start of a consumer's stream may be a late handoff (it opened the
 * framebuffer itself): 1 consumed one, 0 not one, -EAGAIN too early to
 * tell, -ECONNREFUSED a refusal (the producer's table was full), -EPROTO
 * a bad one. */
static int handoff_first(int fd)
{
    char tag[8];
    ssize_t n = recv(fd, tag, sizeof(tag), MSG_PEEK | MSG_DONTWAIT);
    /* Nothing yet: not read on, since a handoff arriving between this look
     * and the read would be taken for a message's header. */
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return -EAGAIN;
    if (n <= 0)
        return 0;      /* EOF or an error: the read below says which */
    size_t common = 6; /* "SHMFB-" */
    if ((size_t)n <= common && memcmp(tag, WIRE_HANDOFF_TAG, (size_t)n) == 0)
        return -EAGAIN;
    if ((size_t)n < sizeof(tag) || memcmp(tag, WIRE_HANDOFF_TAG, sizeof(tag)) != 0)
        return 0;
    int rc = shmfb__late_handoff(fd);
    return rc > 0 ? 1 : rc < 0 ? -ECONNREFUSED : -EPROTO;
}

/* A finished header: checked, and its payload's room made. */
static int header_done(struct shmfb__chan *ch)
{
    if (memcmp(ch->hdr.tag, WIRE_MSG_TAG, sizeof(ch->hdr.tag)) != 0 ||
        ch->hdr.length > WIRE_MSG_MAX)
        return -EPROTO;
    ch->body = malloc((size_t)ch->hdr.length + 1);
    if (!ch->body)
        return -ENOMEM;
    ch->body[ch->hdr.length] = '\0';
    ch->body_got = 0;
    return 0;
}

/* A finished message: into the inbox if it keeps its kind's rules. */
static void message_done(struct shmfb__host *h, struct shmfb__chan *ch, bool to_consumer)
{
    struct inmsg *in = &h->inbox[(h->head + h->nin) % INBOX_MAX];
    if (msg_parse(ch->hdr.type, ch->body, ch->hdr.length, to_consumer, in)) {
        in->body = ch->body;
        h->nin++;
    } else {
        free(ch->body);
        h->dropped++;
    }
    ch->body = NULL;
    ch->hdr_got = 0;
}

/* Reads what came; descriptors have no place on the channel: a peer that
 * attaches any is broken, and they are disposed of where closing them
 * cannot block (dispose.c). */
static ssize_t recv_some(int fd, void *buf, size_t n)
{
    struct shmfb__os_msg m;
    long r = shmfb__os_recv(fd, buf, n, &m);
    if (r < 0)
        return r == -EAGAIN ? 0 : -EPIPE;
    if (shmfb__dispose_fds(&m, 0) > 0)
        return -EPROTO;
    return r == 0 ? -EPIPE : r; /* end of stream: gone, a partial message lost */
}

/* One step of reading: > 0 bytes taken, 0 nothing there, < 0 broken. */
static ssize_t read_step(struct shmfb__host *h, struct shmfb__chan *ch, int fd, bool to_consumer,
                         size_t budget)
{
    if (ch->hdr_got == 0 && to_consumer) {
        int rc = handoff_first(fd);
        if (rc != 0)
            return rc == -EAGAIN ? 0 : rc;
    }
    if (ch->hdr_got < sizeof(ch->hdr)) {
        ssize_t n = recv_some(fd, (uint8_t *)&ch->hdr + ch->hdr_got, sizeof(ch->hdr) - ch->hdr_got);
        if (n <= 0)
            return n;
        ch->hdr_got += (size_t)n;
        int rc = ch->hdr_got == sizeof(ch->hdr) ? header_done(ch) : 0;
        if (rc < 0)
            return rc;
        if (ch->hdr_got == sizeof(ch->hdr) && ch->hdr.length == 0)
            message_done(h, ch, to_consumer);
        return n;
    }
    size_t want = ch->hdr.length - ch->body_got;
    ssize_t n = recv_some(fd, ch->body + ch->body_got, want < budget ? want : budget);
    if (n <= 0)
        return n;
    ch->body_got += (size_t)n;
    if (ch->body_got == ch->hdr.length)
        message_done(h, ch, to_consumer);
    return n;
}

/* Sends what waits and reads what came, as far as the inbox has room and
 * *budget lasts: 1 if bytes moved, 0 if not, or why the connection is of
 * no more use. */
static int pump(struct shmfb__host *h, struct shmfb__peer *peer, bool to_consumer, size_t *budget)
{
    struct shmfb__chan *ch = chan_of(peer);
    if (!ch)
        return -ENOMEM;
    if (ch->error)
        return ch->error;
    int moved = flush(peer->fd, ch);
    while (moved >= 0 && h->nin<INBOX_MAX && * budget> 0) {
        ssize_t n = read_step(h, ch, peer->fd, to_consumer, *budget);
        if (n <= 0) {
            moved = n < 0 ? (int)n : moved;
            break;
        }
        *budget -= (size_t)n < *budget ? (size_t)n : *budget;
        moved = 1;
    }
    if (moved < 0)
        ch->error = moved;
    return moved;
}

/* ---- delivery ---------------------------------------------------------------- */

static struct shmfb__host *host_of(struct shmfb__host **h)
{
    if (!*h)
        *h = calloc(1, sizeof(**h));
    return *h;
}

static void inmsg_free(struct inmsg *in)
{
    free(in->body);
    free(in->paths);
    in->body = NULL;
    in->paths = NULL;
}

void shmfb__host_free(struct shmfb__host *h)
{
    if (!h)
        return;
    for (int i = 0; i < h->nin; i++)
        inmsg_free(&h->inbox[(h->head + i) % INBOX_MAX]);
    inmsg_free(&h->held);
    msgbuf_unref(h->title);
    msgbuf_unref(h->fullscreen);
    free(h);
}

/* Hands out the oldest message; the one handed out before is freed. */
static int deliver(struct shmfb__host *h, struct shmfb_host_msg *msg)
{
    inmsg_free(&h->held);
    if (!h->nin)
        return -EAGAIN;
    h->held = h->inbox[h->head];
    h->head = (h->head + 1) % INBOX_MAX;
    h->nin--;
    *msg = h->held.msg;
    return 0;
}

/* ---- producer ---------------------------------------------------------------- */

/* Reads every connection past its hello, in turn from where the last
 * round stopped, within one message's worth of bytes. */
static void pump_all(struct shmfb_producer *p, struct shmfb__host *h)
{
    struct shmfb__server *s = &p->srv;
    size_t budget = WIRE_MSG_MAX + sizeof(struct wire_msg);
    bool moved = false;
    for (int k = 0; k < s->npeers && h->nin < INBOX_MAX && budget; k++) {
        int i = (h->next_peer + k) % s->npeers;
        if (!s->peers[i].hello_by && pump(h, &s->peers[i], false, &budget) > 0)
            moved = true;
    }
    h->next_peer = s->npeers ? (h->next_peer + 1) % s->npeers : 0;
    if (moved)
        shmfb__wake_consumers(p->r.hdr); /* room for senders that wait to send */
}

/* To every consumer past its hello, those still waiting to be answered
 * included (a consumer may attach before its producer accepted it). */
static void broadcast(struct shmfb_producer *p, struct shmfb__host *h, struct msgbuf *b)
{
    shmfb__peers_check(p);
    for (int i = 0; i < p->srv.npeers; i++)
        if (!p->srv.peers[i].hello_by)
            enqueue(h, &p->srv.peers[i], b);
    shmfb__wake_consumers(p->r.hdr);
}

void shmfb__chan_greet(struct shmfb_producer *p, struct shmfb__peer *peer)
{
    struct shmfb__host *h = p->host;
    if (h && h->title)
        enqueue(h, peer, h->title);
    if (h && h->fullscreen)
        enqueue(h, peer, h->fullscreen);
}

bool shmfb__chan_alive(struct shmfb_producer *p, struct shmfb__peer *peer)
{
    struct shmfb__host *h = host_of(&p->host);
    size_t budget = WIRE_MSG_MAX + sizeof(struct wire_msg);
    int rc = h ? pump(h, peer, false, &budget) : 0;
    if (rc < 0)
        return false;
    if (rc > 0)
        shmfb__wake_consumers(p->r.hdr); /* it may wait for the rest */
    return !shmfb__peer_gone(peer, true);
}

bool shmfb__host_pending(struct shmfb_producer *p)
{
    struct shmfb__host *h = host_of(&p->host);
    if (!h)
        return false;
    pump_all(p, h);
    return h->nin > 0;
}

int shmfb_producer_offer_clipboard(struct shmfb_producer *p, const struct shmfb_clip_item *items,
                                   uint32_t n)
{
    struct shmfb__host *h = host_of(&p->host);
    struct msgbuf *b;
    int rc = h ? clip_encode(h, items, n, true, &b) : -ENOMEM;
    if (rc < 0)
        return rc;
    broadcast(p, h, b);
    msgbuf_unref(b);
    return 0;
}

/* Keeps b as the state newcomers get (in *keep) and sends it to all. */
static int producer_state(struct shmfb_producer *p, struct shmfb__host *h, struct msgbuf *b,
                          struct msgbuf **keep)
{
    int rc = msgbuf_check(b, true);
    if (rc < 0) {
        msgbuf_unref(b);
        return rc;
    }
    msgbuf_unref(*keep);
    *keep = b;
    broadcast(p, h, b);
    return 0;
}

int shmfb_producer_set_title(struct shmfb_producer *p, const char *title)
{
    if (!title)
        return -EINVAL;
    size_t n = strnlen(title, SHMFB_TITLE_MAX + 1);
    if (n > SHMFB_TITLE_MAX)
        return -EFBIG;
    struct shmfb__host *h = host_of(&p->host);
    struct msgbuf *b = h ? msgbuf_new(h, WIRE_MSG_TITLE, n + 1) : NULL;
    if (!b)
        return -ENOMEM;
    memcpy(payload_of(b), title, n + 1);
    return producer_state(p, h, b, &h->title);
}

int shmfb_producer_set_fullscreen(struct shmfb_producer *p, bool on)
{
    struct shmfb__host *h = host_of(&p->host);
    struct msgbuf *b =
        h ? msgbuf_new(h, WIRE_MSG_FULLSCREEN, sizeof(struct wire_fullscreen)) : NULL;
    if (!b)
        return -ENOMEM;
    struct wire_fullscreen f = {.on = on};
    memcpy(payload_of(b), &f, sizeof(f));
    return producer_state(p, h, b, &h->fullscreen);
}

int shmfb_producer_host_recv(struct shmfb_producer *p, struct shmfb_host_msg *msg)
{
    if (!msg)
        return -EINVAL;
    struct shmfb__host *h = host_of(&p->host);
    if (!h)
        return -ENOMEM;
    if (!h->nin) {
        shmfb__serve(p); /* newcomers get the title and full-screen state */
        pump_all(p, h);
    }
    return deliver(h, msg);
}

uint64_t shmfb_producer_host_dropped(const struct shmfb_producer *p)
{
    return p->host ? p->host->dropped : 0;
}

/* ---- consumer ---------------------------------------------------------------- */

/* Moves the consumer's connection along: 0, or why it is of no more use. */
static int consumer_pump(struct shmfb_consumer *c, struct shmfb__host *h)
{
    if (c->producer.fd < 0)
        return -EPIPE;
    size_t budget = WIRE_MSG_MAX + sizeof(struct wire_msg);
    int rc = pump(h, &c->producer, true, &budget);
    if (rc > 0)
        shmfb__wake_producer(c->r.hdr); /* it may wait to send the rest */
    return rc < 0 ? rc : 0;
}

int shmfb__host_ready(struct shmfb_consumer *c)
{
    struct shmfb__host *h = host_of(&c->host);
    if (!h)
        return -ENOMEM;
    int rc = consumer_pump(c, h);
    if (h->nin)
        return 1;
    return rc == -ENOMEM ? rc : rc < 0 ? -EPIPE : 0;
}

static int consumer_send(struct shmfb_consumer *c, struct shmfb__host *h, struct msgbuf *b)
{
    int rc = consumer_pump(c, h);
    if (rc == 0) {
        enqueue(h, &c->producer, b);
        rc = c->producer.chan && c->producer.chan->error ? -EPIPE : 0;
        shmfb__wake_producer(c->r.hdr);
    }
    msgbuf_unref(b);
    return rc == -ENOMEM ? rc : rc < 0 ? -EPIPE : 0;
}

int shmfb_consumer_offer_clipboard(struct shmfb_consumer *c, const struct shmfb_clip_item *items,
                                   uint32_t n)
{
    struct shmfb__host *h = host_of(&c->host);
    struct msgbuf *b;
    int rc = h ? clip_encode(h, items, n, false, &b) : -ENOMEM;
    return rc < 0 ? rc : consumer_send(c, h, b);
}

static int drop_size(const char *const *paths, uint32_t n, size_t *payload)
{
    if (!paths || n < 1 || n > SHMFB_DROP_MAX)
        return -EINVAL;
    size_t size = sizeof(struct wire_drop);
    for (uint32_t i = 0; i < n; i++) {
        if (!paths[i])
            return -EINVAL;
        size_t len = strnlen(paths[i], SHMFB_PATH_MAX + 1);
        if (len > SHMFB_PATH_MAX)
            return -EINVAL;
        size += len + 1;
    }
    if (size - sizeof(struct wire_drop) > SHMFB_HOST_DATA_MAX)
        return -EFBIG;
    *payload = size;
    return 0;
}

int shmfb_consumer_drop(struct shmfb_consumer *c, int32_t x, int32_t y, const char *const *paths,
                        uint32_t n)
{
    size_t payload = 0;
    int rc = drop_size(paths, n, &payload);
    struct shmfb__host *h = host_of(&c->host);
    if (rc < 0 || !h)
        return rc < 0 ? rc : -ENOMEM;
    struct msgbuf *b = msgbuf_new(h, WIRE_MSG_DROP, payload);
    if (!b)
        return -ENOMEM;
    struct wire_drop d = {.x = x, .y = y, .count = n};
    uint8_t *p = payload_of(b);
    memcpy(p, &d, sizeof(d));
    size_t pos = sizeof(d);
    for (uint32_t i = 0; i < n; i++) {
        size_t len = strlen(paths[i]) + 1;
        memcpy(p + pos, paths[i], len);
        pos += len;
    }
    rc = msgbuf_check(b, false);
    if (rc < 0) {
        msgbuf_unref(b);
        return rc;
    }
    return consumer_send(c, h, b);
}

int shmfb_consumer_host_recv(struct shmfb_consumer *c, struct shmfb_host_msg *msg)
{
    if (!msg)
        return -EINVAL;
    int rc = shmfb__host_ready(c);
    if (rc < 0) {
        if (c->host)
            inmsg_free(&c->host->held);
        return rc;
    }
    return deliver(c->host, msg);
}

int shmfb_consumer_fd(const struct shmfb_consumer *c)
{
    return c->producer.fd;
}

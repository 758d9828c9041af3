/*
 * Fuzzing everything a peer can make the library read.
 *
 * An input is one of two programs, chosen by bit 0 of its first byte.
 *
 * Region program (bit 0 clear): a real producer and up to two consumers in
 * this process on one sealed memfd, driven by operations read from the
 * input: overwrite bytes of the shared header, consumer slots, frame
 * records, event rings or cursor record at input-chosen offsets, and call
 * what each side calls (consumer attach, wait, peek, cursor, send, release;
 * producer present, poll, wait, consumers, cursor; validating the memfd
 * again; raw hellos and junk on the connections; the host channel's calls
 * on both sides and framed host messages with the input's payload).
 *
 *   byte 0      bit 1 named (else the spawned handshake over a socket pair),
 *               bit 2 free pacing (else fifo), bit 3 ARGB
 *   bytes 1, 2  capacity - 1, modulo 64
 *   then        operations: one byte (its low 5 bits the operation, bit 7
 *               which consumer), then the operation's operands
 *
 * Handoff program (bit 0 set): bytes sent to shmfb_consumer_open_socket()
 * as a producer's handoff message, with the descriptors (a valid or
 * corrupted framebuffer, an unsealed one, pipes, too many) and credentials
 * the input chooses.
 *
 * A short input reads as zeros.  Every result is checked against what the
 * public header promises (return codes, validated fields), every call must
 * return within a second, and every run must leave no descriptor, mapping
 * or file behind.
 */
#include "../../src/internal.h"
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define FUZZ_NAME "/fuzz"
/* The longest any one call may take: every wait here polls or is bounded
 * by a millisecond. */
#define CALL_BOUND_NS (1000 * 1000000LL)

#define need(cond) ((cond) ? (void)0 : fail(__LINE__, #cond))
#define RC_IN(rc, ...)                                                                             \
    one_of((rc), (const int[]){__VA_ARGS__}, sizeof((const int[]){__VA_ARGS__}) / sizeof(int))

static char runtime_dir[64];

static void fail(int line, const char *what)
{
    fprintf(stderr, "fuzz_shmfb.c:%d: expectation failed: %s\n", line, what);
    abort();
}

static bool one_of(int rc, const int *codes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rc == codes[i])
            return true;
    return false;
}

/* ---- reading the input -------------------------------------------------- */

struct input {
    const uint8_t *p;
    size_t n;
};

static uint8_t u8(struct input *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

static uint32_t u16(struct input *in)
{
    uint32_t lo = u8(in);
    return lo | (uint32_t)u8(in) << 8;
}

static uint32_t u32(struct input *in)
{
    uint32_t lo = u16(in);
    return lo | u16(in) << 16;
}

static uint64_t u64(struct input *in)
{
    uint64_t lo = u32(in);
    return lo | (uint64_t)u32(in) << 32;
}

/* Copies up to `max` bytes; returns how many there were. */
static size_t take(struct input *in, void *dst, size_t max)
{
    size_t n = in->n < max ? in->n : max;
    memcpy(dst, in->p, n);
    in->p += n;
    in->n -= n;
    return n;
}

/* ---- what a run must leave behind: nothing ------------------------------- */

static int count_entries(const char *path, const char *skip_prefix)
{
    DIR *d = opendir(path);
    need(d != NULL);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.' && strncmp(e->d_name, skip_prefix, strlen(skip_prefix)) != 0;
    closedir(d);
    return n;
}

static int open_fds(void)
{
    return count_entries("/proc/self/fd", "");
}

/* Mappings of framebuffers (the library's memfds are named "shmfb", this
 * harness's "fuzz"). */
static int memfd_mappings(void)
{
    FILE *f = fopen("/proc/self/maps", "re");
    need(f != NULL);
    char line[512];
    int n = 0;
    while (fgets(line, sizeof(line), f))
        n += strstr(line, "/memfd:shmfb") != NULL || strstr(line, "/memfd:fuzz") != NULL;
    fclose(f);
    return n;
}

static void remove_runtime_dir(void)
{
    rmdir(runtime_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(runtime_dir, sizeof(runtime_dir), "/tmp/shmfb-fuzz-XXXXXX");
    need(mkdtemp(runtime_dir) != NULL);
    setenv(SHMFB_RUNTIME_DIR_ENV, runtime_dir, 1);
    atexit(remove_runtime_dir);
    return 0;
}

/* ---- the shared region, as bytes ------------------------------------------ */

struct area {
    size_t offset, size;
};

/* One of the parts of a region a peer can write. */
static struct area area_of(const struct shmfb__region *r, uint8_t which)
{
    const char *base = (const char *)r->hdr;
    switch (which % 5) {
    case 0:
        return (struct area){0, sizeof(struct wire_header)};
    case 1:
        return (struct area){offsetof(struct wire_header, slots), sizeof(r->hdr->slots)};
    case 2:
        return (struct area){(size_t)((const char *)r->records - base),
                             WIRE_RECORDS * sizeof(struct wire_frame)};
    case 3:
        return (struct area){(size_t)((const char *)r->rings - base),
                             SHMFB_MAX_CONSUMERS * WIRE_RING_CAPACITY * WIRE_EVENT_WORDS * 4};
    default:
        return (struct area){(size_t)((const char *)r->cursor - base), sizeof(struct wire_cursor)};
    }
}

/* Writes `len` bytes (4 or 8 from the input, or one byte repeated) at an
 * input-chosen offset of an input-chosen area, as a hostile peer would. */
static void poke(const struct shmfb__region *r, struct input *in, int kind)
{
    struct area a = area_of(r, u8(in));
    size_t off = u16(in) % a.size;
    uint8_t buf[256];
    size_t len;
    if (kind == 2) {
        len = (size_t)u8(in) + 1;
        memset(buf, u8(in), len);
    } else {
        uint64_t v = kind == 1 ? u64(in) : u32(in);
        len = kind == 1 ? 8 : 4;
        memcpy(buf, &v, len);
    }
    if (len > a.size - off)
        off = a.size - len;
    memcpy((char *)r->hdr + a.offset + off, buf, len);
}

/* ---- what the API promises ---------------------------------------------- */

static void frame_check(const struct shmfb_consumer *c, const struct shmfb_frame *f)
{
    int32_t mw, mh;
    shmfb_consumer_capacity(c, &mw, &mh);
    need(f->width >= 1 && f->width <= mw && f->height >= 1 && f->height <= mh);
    need(f->ndamage >= 1 && f->ndamage <= SHMFB_MAX_DAMAGE);
    need(f->stride == shmfb_consumer_stride(c) && f->pixels == shmfb_consumer_pixels(c));
    uint32_t sum = 0;
    for (uint32_t i = 0; i < f->ndamage; i++) {
        const struct shmfb_rect *d = &f->damage[i];
        need(d->x >= 0 && d->y >= 0 && d->w >= 1 && d->h >= 1);
        need(d->x + d->w <= f->width && d->y + d->h <= f->height);
        need(d->x >= f->bounds.x && d->y >= f->bounds.y);
        need(d->x + d->w <= f->bounds.x + f->bounds.w && d->y + d->h <= f->bounds.y + f->bounds.h);
        for (int32_t y = d->y; y < d->y + d->h; y++)
            for (int32_t x = d->x; x < d->x + d->w; x++)
                sum += f->pixels[(size_t)y * (size_t)f->stride / 4 + (size_t)x];
    }
    need(f->bounds.x + f->bounds.w <= f->width && f->bounds.y + f->bounds.h <= f->height);
    (void)sum;
}

static bool scalar(uint32_t c)
{
    return c <= 0x10FFFFu && (c < 0xD800u || c > 0xDFFFu);
}

static bool within(int32_t v, int32_t limit)
{
    return v >= -limit && v <= limit;
}

/* An event as shmfb_producer_poll_event() documents it: every field in
 * range, the fields its type does not use zero. */
static void event_check(const struct shmfb_producer *p, const struct shmfb_event *e)
{
    int32_t mw, mh;
    shmfb_producer_size(p, NULL, NULL, &mw, &mh);
    need(!(e->mods & ~0x1Fu) && !(e->buttons & ~0x1Fu));
    switch (e->type) {
    case SHMFB_EVENT_BUTTON_DOWN:
    case SHMFB_EVENT_BUTTON_UP:
        need(e->code >= SHMFB_BUTTON_LEFT && e->code <= SHMFB_BUTTON_X2);
        /* fall through */
    case SHMFB_EVENT_MOTION:
        need(within(e->x, 1 << 24) && within(e->y, 1 << 24) && e->sym == 0);
        need(e->type != SHMFB_EVENT_MOTION || e->code == 0);
        break;
    case SHMFB_EVENT_WHEEL:
        need(within(e->x, 1 << 16) && within(e->y, 1 << 16) && !e->code && !e->sym);
        break;
    case SHMFB_EVENT_KEY_DOWN:
    case SHMFB_EVENT_KEY_UP:
        need(e->code <= 0xFFFF && !e->x && !e->y && !e->buttons);
        need((e->sym & SHMFB_KEY_SPECIAL) ? (e->sym & ~SHMFB_KEY_SPECIAL) <= 0xFFFF
                                          : scalar(e->sym));
        break;
    case SHMFB_EVENT_TEXT:
        need(scalar(e->code) && !e->x && !e->y && !e->sym && !e->buttons);
        break;
    case SHMFB_EVENT_RESIZE:
        need(e->x >= 1 && e->x <= mw && e->y >= 1 && e->y <= mh);
        need(!e->code && !e->sym && !e->buttons);
        break;
    case SHMFB_EVENT_FOCUS_IN:
    case SHMFB_EVENT_FOCUS_OUT:
    case SHMFB_EVENT_CLOSE:
    case SHMFB_EVENT_FRAME_REQUEST:
        need(!e->x && !e->y && !e->code && !e->sym && !e->buttons);
        break;
    default:
        need(!"an event of no known type");
    }
}

static void cursor_check(const struct shmfb_cursor *k)
{
    if (k->state == SHMFB_CURSOR_SHAPE) {
        need(k->width >= 1 && k->width <= SHMFB_CURSOR_MAX);
        need(k->height >= 1 && k->height <= SHMFB_CURSOR_MAX);
        need(k->hot_x >= 0 && k->hot_x < k->width && k->hot_y >= 0 && k->hot_y < k->height);
        return;
    }
    need(k->state == SHMFB_CURSOR_DEFAULT || k->state == SHMFB_CURSOR_HIDDEN);
    need(!k->width && !k->height && !k->hot_x && !k->hot_y);
}

/* ---- the region program ---------------------------------------------------- */

struct world {
    struct shmfb_producer *p;
    struct shmfb_consumer *c[2];
    bool named;
    int raw[4]; /* raw connections to the name */
    int nraw;
};

static void setup_spawned(struct world *w, const struct shmfb_producer_desc *d)
{
    int sv[2];
    char fd[16];
    need(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &(int){1}, sizeof(int));
    snprintf(fd, sizeof(fd), "%d", sv[1]);
    setenv(SHMFB_SOCKET_ENV, fd, 1);
    need(shmfb_producer_create(NULL, d, &w->p) == 0); /* sv[1] is its now */
    need(shmfb_consumer_open_socket(sv[0], 0, NULL, &w->c[0]) == 0);
    close(sv[0]);
}

static void setup_named(struct world *w, const struct shmfb_producer_desc *d)
{
    const struct shmfb_consumer_desc cd = {.timeout_ms = 1};
    need(shmfb_producer_create(FUZZ_NAME, d, &w->p) == 0);
    need(shmfb_consumer_open(FUZZ_NAME, &cd, &w->c[0]) == 0);
}

/* A second consumer: by name, or, when spawned, one on the same connection
 * that names a connection the producer does not know. */
static void open_second(struct world *w, int i)
{
    if (!w->named && i == 0)
        return; /* the one the producer handed its framebuffer to */
    shmfb_consumer_close(w->c[i]);
    w->c[i] = NULL;
    if (w->named) {
        const struct shmfb_consumer_desc cd = {.timeout_ms = 1};
        int rc = shmfb_consumer_open(FUZZ_NAME, &cd, &w->c[i]);
        need(RC_IN(rc, 0, -EPROTO, -EPROTONOSUPPORT, -EBADMSG, -EMSGSIZE, -ETIMEDOUT, -EUSERS,
                   -EPIPE, -ECONNREFUSED, -EREMOTEIO));
        return;
    }
    struct shmfb__peer peer = {.fd = fcntl(w->c[0]->producer.fd, F_DUPFD_CLOEXEC, 3),
                               .pidfd = -1,
                               .token = shmfb__random64()};
    need(peer.fd >= 0);
    shmfb__peer_watch(&peer, (int32_t)getpid());
    int rc = shmfb__consumer_from_peer(w->p->srv.memfd, &peer, &w->c[1]);
    if (rc < 0)
        shmfb__peer_close(&peer);
    need(RC_IN(rc, 0, -EPROTO, -EPROTONOSUPPORT, -EBADMSG, -EMSGSIZE));
}

static void c_wait(struct shmfb_consumer *c, struct input *in)
{
    uint8_t how = u8(in);
    uint32_t what = how & (SHMFB_WAIT_FRAME | SHMFB_WAIT_CURSOR);
    struct shmfb_frame f;
    if (!what)
        what = SHMFB_WAIT_FRAME;
    int rc;
    if (how & 1) {
        what = SHMFB_WAIT_FRAME;
        rc = shmfb_consumer_wait(c, 0, &f);
        rc = rc == 0 ? (int)what : rc;
    } else {
        rc = shmfb_consumer_wait_any(c, 0, what, &f);
    }
    need(rc > 0 ? !(rc & ~(int)what)
                : RC_IN(rc, -ETIMEDOUT, -EPIPE, -ECONNRESET, -ENOTCONN, -EBADMSG));
    if (rc > 0 && (rc & SHMFB_WAIT_FRAME))
        frame_check(c, &f);
}

static void c_peek(struct shmfb_consumer *c)
{
    struct shmfb_frame f;
    int rc = shmfb_consumer_peek(c, &f);
    need(RC_IN(rc, 0, -EAGAIN, -EBADMSG));
    if (rc == 0) {
        need(f.ndamage == 1 && f.damage[0].w == f.width && f.damage[0].h == f.height);
        frame_check(c, &f);
    }
}

static void c_cursor(struct shmfb_consumer *c)
{
    static struct shmfb_cursor k;
    int rc = shmfb_consumer_cursor(c, &k);
    need(RC_IN(rc, 0, 1, -EAGAIN, -EBADMSG));
    if (rc >= 0)
        cursor_check(&k);
}

/* An event from the input; with bit 0 of its first byte, folded into the
 * documented ranges so that valid events reach the rings too. */
static void c_send(struct shmfb_consumer *c, struct input *in)
{
    struct shmfb_event e = {0};
    uint8_t fold = u8(in);
    take(in, &e, sizeof(e));
    if (fold & 1) {
        e.type = e.type % SHMFB_EVENT_RESIZE + 1;
        e.mods &= 0x1Fu;
        e.buttons &= 0x1Fu;
        e.x %= 4096;
        e.y %= 4096;
        e.code = e.type <= SHMFB_EVENT_BUTTON_UP ? e.code % 5 + 1 : e.code % 0xD800u;
        e.sym %= 0xD800u;
        if (e.type == SHMFB_EVENT_RESIZE)
            e.x = abs(e.x) + 1, e.y = abs(e.y) + 1;
    }
    int rc = shmfb_consumer_send(c, &e);
    need(RC_IN(rc, 0, -EINVAL, -ENOTCONN, -ECONNRESET));
}

static void consumer_op(struct world *w, int op, int i, struct input *in)
{
    struct shmfb_consumer *c = w->c[i];
    int rc = 0;
    if (op == 6 || !c) {
        if (op == 6)
            open_second(w, i);
        return;
    }
    switch (op) {
    case 0:
        rc = shmfb_consumer_attach(c);
        need(RC_IN(rc, 0, -EISCONN, -EPIPE, -EUSERS, -ECONNREFUSED));
        break;
    case 1:
        rc = shmfb_consumer_detach(c);
        need(RC_IN(rc, 0, -ENOTCONN));
        break;
    case 2:
        c_wait(c, in);
        break;
    case 3:
        rc = shmfb_consumer_release(c);
        need(RC_IN(rc, 0, -EINVAL, -ENOTCONN, -ECONNRESET));
        break;
    case 4:
        c_peek(c);
        c_cursor(c);
        break;
    case 5:
        c_send(c, in);
        break;
    default:
        rc = shmfb_consumer_producer_alive(c);
        need(rc == 0 || rc == 1);
    }
}

static void p_present(struct shmfb_producer *p, struct input *in)
{
    int32_t mw, mh, width, height;
    shmfb_producer_size(p, NULL, NULL, &mw, &mh);
    uint8_t how = u8(in);
    int32_t rw = u8(in) % mw + 1, rh = u8(in) % mh + 1;
    if (how & 1)
        need(shmfb_producer_resize(p, rw, rh) == 0);
    struct shmfb_rect r;
    r.x = (int8_t)u8(in);
    r.y = (int8_t)u8(in);
    r.w = u8(in);
    r.h = u8(in);
    need(shmfb_producer_damage(p, &r) == 0);
    shmfb_producer_size(p, &width, &height, NULL, NULL);
    uint32_t *px = shmfb_producer_pixels(p);
    for (int32_t y = 0; y < height; y++)
        px[(size_t)y * (size_t)shmfb_producer_stride(p) / 4] = (uint32_t)shmfb_producer_frame(p);
    need(shmfb_producer_present(p) == 0);
}

static void p_poll(struct shmfb_producer *p, struct input *in)
{
    int n = u8(in) % 16 + 1;
    for (int i = 0; i < n; i++) {
        struct shmfb_event e;
        memset(&e, 0xA5, sizeof(e));
        int rc = shmfb_producer_poll_event(p, &e);
        need(RC_IN(rc, 0, -EAGAIN));
        if (rc < 0) {
            static const struct shmfb_event zero;
            need(memcmp(&e, &zero, sizeof(e)) == 0); /* documented: zeroed */
            return;
        }
        event_check(p, &e);
    }
}

static void p_cursor(struct shmfb_producer *p, struct input *in)
{
    static uint32_t argb[SHMFB_CURSOR_MAX * SHMFB_CURSOR_MAX];
    uint32_t state = u8(in) % 4;
    int32_t cw = u8(in) % 66, ch = u8(in) % 66, hx = u8(in) % 66, hy = u8(in) % 66;
    bool ok = state == SHMFB_CURSOR_DEFAULT || state == SHMFB_CURSOR_HIDDEN ||
              (state == SHMFB_CURSOR_SHAPE && cw >= 1 && ch >= 1 && cw <= SHMFB_CURSOR_MAX &&
               ch <= SHMFB_CURSOR_MAX && hx < cw && hy < ch);
    argb[0]++;
    int rc = shmfb_producer_set_cursor(p, state, argb, cw, ch, hx, hy);
    need(rc == (ok ? 0 : -EINVAL));
}

/* Validates the memfd again, as a new consumer would, and reads its newest
 * frame. */
static void p_reopen(struct shmfb_producer *p)
{
    struct shmfb__region r = {0};
    int rc = shmfb__region_open_fd(p->srv.memfd, &r);
    need(RC_IN(rc, 0, -EPROTO, -EPROTONOSUPPORT, -EBADMSG, -EMSGSIZE));
    if (rc < 0)
        return;
    need(r.max_width >= 1 && r.max_width <= SHMFB_DIM_MAX && r.max_height >= 1 &&
         r.max_height <= SHMFB_DIM_MAX && r.stride == r.max_width * 4);
    struct shmfb_frame f;
    rc = shmfb__frame_read(&r, &f);
    need(RC_IN(rc, 0, -EAGAIN, -EBADMSG));
    if (rc == 0) {
        need(f.width >= 1 && f.width <= r.max_width && f.height >= 1 && f.height <= r.max_height);
        volatile uint32_t last =
            f.pixels[(size_t)(f.height - 1) * (size_t)r.max_width + (size_t)(f.width - 1)];
        (void)last;
    }
    shmfb__region_unmap(&r);
}

/* Takes whatever a socket holds, closing descriptors that came with it. */
static void drain(int fd)
{
    char buf[512];
    union {
        char b[CMSG_SPACE(sizeof(int) * 8)];
        struct cmsghdr align;
    } ctl;
    for (int i = 0; i < 8; i++) {
        struct iovec iov = {buf, sizeof(buf)};
        struct msghdr m = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl)};
        if (recvmsg(fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) <= 0)
            return;
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
            if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
                continue;
            for (size_t k = 0; k < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); k++) {
                int got;
                memcpy(&got, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
                close(got);
            }
        }
    }
}

/* A connection to the name that says what the input says instead of (or
 * as) a hello; with bit 1, a well-formed hello, with bit 2 one that claims
 * the token of consumer `i`. */
static void raw_hello(struct world *w, int i, struct input *in)
{
    uint8_t how = u8(in), msg[48] = {0};
    size_t n = take(in, msg, u8(in) % sizeof(msg));
    if (how & 2) {
        struct wire_hello h = {.version = WIRE_VERSION, .token = u64(in)};
        memcpy(h.tag, WIRE_HELLO_TAG, sizeof(h.tag));
        if ((how & 4) && w->c[i])
            h.token = w->c[i]->producer.token;
        memcpy(msg, &h, sizeof(h));
        n = n > sizeof(h) ? n : sizeof(h);
    }
    if (!w->named || w->nraw == 4)
        return;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    /* The fuzz runtime directory is short: the path fits an address. */
    memcpy(a.sun_path, w->p->srv.sock_path, sizeof(a.sun_path) - 1);
    need(fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
    if (n)
        send(fd, msg, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    need(shmfb_producer_dispatch(w->p) == 0);
    drain(fd);
    if (how & 8)
        close(fd);
    else
        w->raw[w->nraw++] = fd;
}

/* The producer's end of consumer i's connection, or -1. */
static int producer_end(const struct world *w, int i)
{
    const struct shmfb__server *s = &w->p->srv;
    for (int k = 0; w->c[i] && k < s->npeers; k++)
        if (s->peers[k].token == w->c[i]->producer.token && !s->peers[k].hello_by)
            return s->peers[k].fd;
    return -1;
}

/* Bytes (and with bit 0 the framebuffer's descriptor) on a connection:
 * from the producer to consumer i, or (bit 1) from consumer i to the
 * producer. */
static void junk(struct world *w, int i, struct input *in)
{
    uint8_t how = u8(in), msg[256];
    size_t n = take(in, msg, u8(in));
    int fd = (how & 2) ? (w->c[i] ? w->c[i]->producer.fd : -1) : producer_end(w, i);
    if (fd < 0)
        return;
    union {
        char b[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {msg, n};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    if ((how & 1) && n) {
        memset(&ctl, 0, sizeof(ctl));
        m.msg_control = ctl.b;
        m.msg_controllen = sizeof(ctl.b);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &w->p->srv.memfd, sizeof(int));
    }
    if (n)
        sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* ---- the host channel --------------------------------------------------------- */

static bool printable(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    for (size_t i = 0; i < n; i++)
        if ((uint8_t)s[i] < 0x20 || s[i] == 0x7F)
            return false;
    return n >= 1 && n <= max;
}

/* What the header promises of a received host message. */
static void host_check(const struct shmfb_host_msg *m, bool at_consumer)
{
    switch (m->type) {
    case SHMFB_HOST_CLIPBOARD:
        need(m->count <= SHMFB_CLIP_TYPES_MAX);
        for (uint32_t i = 0; i < m->count; i++) {
            need(printable(m->items[i].mime, SHMFB_MIME_MAX));
            need(m->items[i].size <= SHMFB_HOST_DATA_MAX);
            need(m->items[i].size == 0 || m->items[i].data);
        }
        break;
    case SHMFB_HOST_TITLE:
        need(at_consumer && (m->title[0] == '\0' || printable(m->title, SHMFB_TITLE_MAX)));
        break;
    case SHMFB_HOST_FULLSCREEN:
        need(at_consumer);
        break;
    case SHMFB_HOST_DROP:
        need(!at_consumer && m->count >= 1 && m->count <= SHMFB_DROP_MAX);
        need(within(m->x, 1 << 24) && within(m->y, 1 << 24));
        for (uint32_t i = 0; i < m->count; i++)
            need(strnlen(m->paths[i], SHMFB_PATH_MAX + 1) - 1 < SHMFB_PATH_MAX);
        break;
    default:
        need(!"an unknown host message type");
    }
}

/* Up to 64 input bytes as a NUL-terminated string. */
static size_t host_bytes(struct input *in, char *buf, size_t size)
{
    size_t n = take(in, buf, u8(in) % (size - 1));
    buf[n] = '\0';
    return n;
}

/* The producer's host calls, as the input picks them. */
static void p_host(struct shmfb_producer *p, struct input *in)
{
    uint8_t how = u8(in);
    char data[65];
    size_t n = host_bytes(in, data, sizeof(data));
    struct shmfb_clip_item it[2] = {{.mime = SHMFB_MIME_TEXT, .data = data, .size = n},
                                    {.mime = "image/png", .data = data, .size = n}};
    struct shmfb_host_msg m;
    int rc;
    switch (how % 4) {
    case 0:
        rc = shmfb_producer_offer_clipboard(p, it + ((how >> 2) % 3 < 2 ? how >> 7 : 0),
                                            (how >> 2) % 3);
        need(RC_IN(rc, 0, -EINVAL));
        break;
    case 1:
        rc = shmfb_producer_set_title(p, data);
        need(RC_IN(rc, 0, -EINVAL));
        break;
    case 2:
        need(shmfb_producer_set_fullscreen(p, how & 4) == 0);
        break;
    default:
        rc = shmfb_producer_host_recv(p, &m);
        need(RC_IN(rc, 0, -EAGAIN));
        if (rc == 0)
            host_check(&m, false);
    }
}

/* A consumer's host calls. */
static void c_host(struct shmfb_consumer *c, struct input *in)
{
    uint8_t how = u8(in);
    char data[65];
    size_t n = host_bytes(in, data, sizeof(data));
    struct shmfb_clip_item it = {.mime = SHMFB_MIME_TEXT, .data = data, .size = n};
    const char *paths[2] = {data, "/tmp/x"};
    struct shmfb_host_msg m;
    int rc;
    switch (how % 4) {
    case 0:
        rc = shmfb_consumer_offer_clipboard(c, &it, how >> 7);
        need(RC_IN(rc, 0, -EINVAL, -EPIPE));
        break;
    case 1:
        rc = shmfb_consumer_drop(c, (int8_t)u8(in), (int8_t)u8(in), paths, (how >> 2) % 3);
        need(RC_IN(rc, 0, -EINVAL, -EPIPE));
        break;
    case 2:
        rc = shmfb_consumer_wait_any(c, 0, SHMFB_WAIT_HOST, NULL);
        need(RC_IN(rc, SHMFB_WAIT_HOST, -ETIMEDOUT, -EPIPE));
        break;
    default:
        rc = shmfb_consumer_host_recv(c, &m);
        need(RC_IN(rc, 0, -EAGAIN, -EPIPE));
        if (rc == 0)
            host_check(&m, true);
    }
}

/* A framed host message with the input's type and payload (and, with bit
 * 2, a length that lies) on a connection: from the producer to consumer i,
 * or (bit 1) from consumer i to the producer. */
static void host_msg(struct world *w, int i, struct input *in)
{
    uint8_t how = u8(in), payload[200];
    struct wire_msg m = {.type = u8(in) % 6, .serial = 1};
    memcpy(m.tag, WIRE_MSG_TAG, sizeof(m.tag));
    size_t n = take(in, payload, u8(in) % sizeof(payload));
    m.length = (how & 4) ? u32(in) : (uint32_t)n;
    int fd = (how & 2) ? (w->c[i] ? w->c[i]->producer.fd : -1) : producer_end(w, i);
    if (fd < 0)
        return;
    send(fd, &m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n)
        send(fd, payload, n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Makes the next wait of each side look at its peers. */
static void checks(struct world *w)
{
    w->p->next_check = 0;
    for (int i = 0; i < 2; i++)
        if (w->c[i])
            w->c[i]->next_check = 0;
    shmfb__peers_check(w->p);
}

enum {
    OP_POKE32,
    OP_POKE64,
    OP_FILL,
    OP_C_FIRST, /* consumer_op() 0..7 */
    OP_C_LAST = OP_C_FIRST + 7,
    OP_PRESENT,
    OP_POLL,
    OP_P_WAIT,
    OP_CONSUMERS,
    OP_SET_CURSOR,
    OP_REOPEN,
    OP_HELLO,
    OP_JUNK,
    OP_CHECKS,
    OP_P_HOST,
    OP_C_HOST,
    OP_HOST_MSG,
    OP_COUNT
};

static void producer_op(struct world *w, int op, int i, struct input *in)
{
    int rc;
    uint32_t what;
    switch (op) {
    case OP_PRESENT:
        p_present(w->p, in);
        break;
    case OP_POLL:
        p_poll(w->p, in);
        break;
    case OP_P_WAIT:
        what = u8(in) & (SHMFB_WAIT_EVENT | SHMFB_WAIT_TAKEN);
        what = what ? what : SHMFB_WAIT_EVENT;
        rc = shmfb_producer_wait(w->p, 0, what);
        need(rc > 0 ? !(rc & ~(int)what) : rc == -ETIMEDOUT);
        break;
    case OP_CONSUMERS:
        rc = shmfb_producer_consumers(w->p);
        need(rc >= 0 && rc <= SHMFB_MAX_CONSUMERS);
        break;
    case OP_SET_CURSOR:
        p_cursor(w->p, in);
        break;
    case OP_REOPEN:
        p_reopen(w->p);
        break;
    case OP_HELLO:
        raw_hello(w, i, in);
        break;
    case OP_JUNK:
        junk(w, i, in);
        break;
    case OP_P_HOST:
        p_host(w->p, in);
        break;
    case OP_C_HOST:
        if (w->c[i])
            c_host(w->c[i], in);
        break;
    case OP_HOST_MSG:
        host_msg(w, i, in);
        break;
    default:
        checks(w);
    }
}

static void run_op(struct world *w, struct input *in)
{
    uint8_t b = u8(in);
    int op = (b & 0x1F) % OP_COUNT, i = b >> 7;
    int64_t t0 = shmfb__now_ns();
    if (op <= OP_FILL)
        poke(&w->p->r, in, op);
    else if (op <= OP_C_LAST)
        consumer_op(w, op - OP_C_FIRST, i, in);
    else
        producer_op(w, op, i, in);
    need(shmfb__now_ns() - t0 < CALL_BOUND_NS);
}

static void run_region(struct input *in, uint8_t flags)
{
    struct world w = {.named = flags & 2};
    struct shmfb_producer_desc d = {
        .format = flags & 8 ? SHMFB_FORMAT_ARGB8888 : SHMFB_FORMAT_XRGB8888,
        .pacing = flags & 4 ? SHMFB_PACING_FREE : SHMFB_PACING_FIFO,
        .timeout_ms = 1, /* a stuck consumer costs a present a millisecond */
    };
    d.max_width = u8(in) % 64 + 1;
    d.max_height = u8(in) % 64 + 1;
    if (w.named)
        setup_named(&w, &d);
    else
        setup_spawned(&w, &d);
    while (in->n)
        run_op(&w, in);
    for (int i = 0; i < w.nraw; i++)
        close(w.raw[i]);
    shmfb_consumer_close(w.c[0]);
    shmfb_consumer_close(w.c[1]);
    shmfb_producer_destroy(w.p);
}

/* ---- the handoff program ----------------------------------------------------- */

struct handoff_fds {
    struct shmfb__region r; /* the framebuffer handed over, if any */
    int fd[8];
    int n;
};

static int add_fd(struct handoff_fds *h, int fd)
{
    need(fd >= 0 && h->n < 8);
    h->fd[h->n++] = fd;
    return fd;
}

static int pipe_end(struct handoff_fds *h)
{
    int p[2];
    need(pipe2(p, O_CLOEXEC) == 0);
    close(p[1]);
    return add_fd(h, p[0]);
}

/* A valid framebuffer with the input's overwrites. */
static int region_fd(struct handoff_fds *h, struct input *in)
{
    struct shmfb__geometry g = {.nbuffers = 1};
    g.max_width = u8(in) % 64 + 1;
    g.max_height = u8(in) % 64 + 1;
    g.format = u8(in) & 1;
    g.pacing = u8(in) & 1;
    int fd;
    need(shmfb__region_create(&g, &h->r, &fd) == 0);
    for (int k = u8(in) % 8; k > 0; k--)
        poke(&h->r, in, 0);
    return add_fd(h, fd);
}

/* A memfd holding the input's bytes as a header; sealed, or not. */
static int header_fd(struct handoff_fds *h, struct input *in, bool seal)
{
    uint8_t head[sizeof(struct wire_header)] = {0};
    size_t size = (size_t)u8(in) * 4096 + u16(in) % 4096;
    take(in, head, u16(in) % sizeof(head));
    int fd = memfd_create("fuzz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    need(fd >= 0 && ftruncate(fd, (off_t)size) == 0);
    need(pwrite(fd, head, size < sizeof(head) ? size : sizeof(head), 0) >= 0);
    if (seal)
        need(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0);
    return add_fd(h, fd);
}

static void make_fds(struct handoff_fds *h, uint8_t kind, struct input *in)
{
    switch (kind % 7) {
    case 0:
        break;
    case 1:
        region_fd(h, in);
        break;
    case 2: /* a valid header, not sealed */
        region_fd(h, in);
        header_fd(h, in, false);
        need(pwrite(h->fd[1], h->r.hdr, sizeof(struct wire_header), 0) > 0);
        close(h->fd[0]);
        h->fd[0] = h->fd[--h->n];
        break;
    case 3:
        pipe_end(h);
        break;
    case 4:
        region_fd(h, in);
        pipe_end(h);
        break;
    case 5:
        header_fd(h, in, true);
        break;
    default: /* more than a handoff's room for descriptors */
        region_fd(h, in);
        for (int k = 0; k < 6; k++)
            pipe_end(h);
    }
}

static void send_handoff(int sock, const struct handoff_fds *h, const uint8_t *msg, size_t n,
                         const struct ucred *cred)
{
    union {
        char b[CMSG_SPACE(sizeof(int) * 8) + CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof(ctl));
    struct iovec iov = {(void *)msg, n};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b};
    size_t len = 0;
    struct cmsghdr *cm = (struct cmsghdr *)ctl.b;
    if (h->n) {
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)h->n);
        memcpy(CMSG_DATA(cm), h->fd, sizeof(int) * (size_t)h->n);
        len += CMSG_SPACE(sizeof(int) * (size_t)h->n);
        cm = (struct cmsghdr *)(ctl.b + len);
    }
    if (cred) {
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_CREDENTIALS;
        cm->cmsg_len = CMSG_LEN(sizeof(*cred));
        memcpy(CMSG_DATA(cm), cred, sizeof(*cred));
        len += CMSG_SPACE(sizeof(*cred));
    }
    m.msg_controllen = len;
    if (!len)
        m.msg_control = NULL;
    sendmsg(sock, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* What a consumer of a handed-over framebuffer does with it. */
static void use_consumer(struct shmfb_consumer *c)
{
    struct shmfb_frame f;
    int rc = shmfb_consumer_attach(c);
    need(RC_IN(rc, 0, -EUSERS, -EPIPE, -ECONNREFUSED));
    rc = shmfb_consumer_wait(c, 0, &f);
    need(RC_IN(rc, 0, -ETIMEDOUT, -ENOTCONN, -ECONNRESET, -EPIPE, -EBADMSG));
    if (rc == 0)
        frame_check(c, &f);
    c_peek(c);
    c_cursor(c);
    const struct shmfb_event e = {.type = SHMFB_EVENT_CLOSE};
    rc = shmfb_consumer_send(c, &e);
    need(RC_IN(rc, 0, -ENOTCONN, -ECONNRESET));
    shmfb_consumer_close(c);
}

/*   byte 1  which descriptors: none, a framebuffer, an unsealed one, a pipe,
 *           a framebuffer and a pipe, a sealed memfd with the input's header,
 *           a framebuffer and six pipes
 *   byte 2  bit 0 SO_PASSCRED, bit 1 credentials sent (bit 7: pid 1, else
 *           ours), bit 2 tag and version made right, bit 3 hang up after
 *           sending, bit 4 a seqpacket socket, bit 5 trust another uid,
 *           bit 6 send in two parts
 *   then    what the descriptors need, the uid trusted, the split point,
 *           and the message (the rest of the input). */
static void run_handoff(struct input *in)
{
    struct handoff_fds h = {.n = 0};
    uint8_t kind = u8(in), opts = u8(in);
    make_fds(&h, kind, in);
    const struct shmfb_consumer_desc d = {.flags = opts & 0x20 ? SHMFB_TRUST_UID : 0,
                                          .trust_uid = u32(in)};
    size_t split = u8(in);
    uint8_t msg[512] = {0};
    size_t n = take(in, msg, sizeof(msg));
    if (opts & 4) {
        const uint32_t version = WIRE_VERSION;
        memcpy(msg, WIRE_HANDOFF_TAG, 8);
        memcpy(msg + 8, &version, sizeof(version));
        n = n > sizeof(struct wire_handoff) ? n : sizeof(struct wire_handoff);
    }
    int sv[2];
    need(socketpair(AF_UNIX, (opts & 0x10 ? SOCK_SEQPACKET : SOCK_STREAM) | SOCK_CLOEXEC, 0, sv) ==
         0);
    if (opts & 1)
        setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &(int){1}, sizeof(int));
    const struct ucred cred = {opts & 0x80 ? 1 : getpid(), getuid(), getgid()};
    split = (opts & 0x40) && split < n ? split : n;
    send_handoff(sv[1], &h, msg, split, (opts & 2) ? &cred : NULL);
    if (split < n)
        send(sv[1], msg + split, n - split, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (opts & 8)
        close(sv[1]);
    struct shmfb_consumer *c;
    int rc = shmfb_consumer_open_socket(sv[0], 0, &d, &c);
    need(RC_IN(rc, 0, -EPROTO, -EPROTONOSUPPORT, -EACCES, -ECONNREFUSED, -EREMOTEIO, -ENOENT,
               -EPIPE, -ETIMEDOUT, -EPERM, -EBADMSG, -EMSGSIZE));
    need(rc == 0 ? c != NULL : c == NULL);
    if (rc == 0)
        use_consumer(c);
    close(sv[0]);
    if (!(opts & 8))
        close(sv[1]);
    for (int k = 0; k < h.n; k++)
        close(h.fd[k]);
    shmfb__region_unmap(&h.r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    int fds = open_fds();
    uint8_t flags = u8(&in);
    if (flags & 1)
        run_handoff(&in);
    else
        run_region(&in, flags);
    need(open_fds() == fds);
    need(memfd_mappings() == 0);
    need(count_entries(runtime_dir, "") == 0);
    return 0;
}

/*
 * vnc-fuzz: hostile and broken VNC clients for the bridge's robustness
 * tests.  It speaks just enough RFB by hand to get past the handshake, then
 * misbehaves in the way a mode asks for.  Every byte comes from a seeded
 * generator, so a failure can be replayed with the same seed.
 *
 *   vnc-fuzz HOST:PORT MODE [SEED [COUNT]]
 *
 * Modes (COUNT connections each, one after the other):
 *   garbage    random bytes from the first byte on
 *   messages   handshake, then random messages of every client type with
 *              random fields (bad pixel formats, huge rectangles, odd
 *              encodings, scale and file-transfer requests, unknown types)
 *   truncated  handshake, then the first part of a message, then close
 *   hugecut    handshake, cut text announced as 2 GiB (the server must hang
 *              up), then a 1 MiB cut text on a new connection (must be read
 *              and the connection must go on answering update requests)
 *   midupdate  handshake, ask for the whole frame, close after a few bytes
 *   scale      handshake, zlib, then server-side scaling by large factors
 *              (SetScale, PalmVNC's) between update requests
 *   empty      handshake, zlib, tight or ultra, then update requests for
 *              rectangles 0 wide or high
 *   cycles     handshake and clean close
 *   silent     connect, say nothing, stay until killed
 *   stall      handshake, keep asking for updates, never read; until killed
 *
 * Exits 1 when the server stops accepting connections (it died), 0
 * otherwise.
 */
#include "args.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng_state = 88172645463325252ull;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static uint32_t below(uint32_t n)
{
    return n ? rnd() % n : 0;
}

static const char *host, *port;

static int dial(void)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static bool put(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* Reads exactly len bytes within 5 s. */
static bool get(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 5000) <= 0)
            return false;
        ssize_t n = recv(fd, p, len, 0);
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* Reads whatever arrived, without waiting.  \returns false once closed. */
static bool drain(int fd)
{
    char buf[65536];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0)
            continue;
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
}

/* Whether the server closes the connection within 5 s (data before the
 * close is read and dropped). */
static bool closed_by_peer(int fd)
{
    char buf[4096];
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 5000) <= 0)
            return false;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            return true;
    }
}

/* Version 3.8, security "None", shared ClientInit, ServerInit read. */
static bool handshake(int fd, uint16_t *w, uint16_t *h)
{
    char version[12];
    uint8_t n, types[256], init[24];
    uint32_t result, namelen;
    if (!get(fd, version, 12) || !put(fd, "RFB 003.008\n", 12) || !get(fd, &n, 1) || n == 0 ||
        !get(fd, types, n) || memchr(types, 1, n) == NULL || !put(fd, "\x01", 1) ||
        !get(fd, &result, 4) || result != 0 || !put(fd, "\x01", 1) || !get(fd, init, 24))
        return false;
    memcpy(&namelen, init + 20, 4);
    namelen = ntohl(namelen);
    char name[256];
    while (namelen > 0) {
        uint32_t k = namelen < sizeof name ? namelen : sizeof name;
        if (!get(fd, name, k))
            return false;
        namelen -= k;
    }
    *w = (uint16_t)(init[0] << 8 | init[1]);
    *h = (uint16_t)(init[2] << 8 | init[3]);
    return true;
}

static size_t be16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return 2;
}

static size_t be32(uint8_t *p, uint32_t v)
{
    be16(p, v >> 16);
    be16(p + 2, v);
    return 4;
}

/* A value that is often at an edge: 0, 1, the frame's size, its maximum. */
static uint32_t edgy(uint32_t max, uint32_t size)
{
    switch (below(6)) {
    case 0:
        return 0;
    case 1:
        return 1;
    case 2:
        return size;
    case 3:
        return max;
    case 4:
        return size + 1;
    default:
        return below(max + 1);
    }
}

static size_t msg_pixel_format(uint8_t *m)
{
    static const uint8_t bpps[] = {8, 16, 24, 32, 0, 1, 7, 64};
    m[0] = 0;
    memset(m + 1, 0, 3);
    m[4] = bpps[below(sizeof bpps)];
    m[5] = (uint8_t)below(33);
    m[6] = (uint8_t)below(2); /* big endian */
    m[7] = (uint8_t)below(3); /* true colour (2: not a boolean) */
    for (int i = 0; i < 3; i++)
        be16(m + 8 + 2 * i, edgy(65535, 255));
    for (int i = 0; i < 3; i++)
        m[14 + i] = (uint8_t)edgy(255, 16);
    return 20;
}

static size_t msg_encodings(uint8_t *m)
{
    static const int32_t known[] = {0,    1,    2,    4,    5,    6,    7,          8,
                                    9,    10,   15,   16,   -223, -224, -232,       -239,
                                    -240, -257, -258, -305, -307, -308, 0x574d5664, -260};
    uint32_t n = below(40);
    m[0] = 2;
    m[1] = 0;
    be16(m + 2, n);
    for (uint32_t i = 0; i < n; i++)
        be32(m + 4 + 4 * i,
             below(4) ? (uint32_t)known[below(sizeof known / sizeof known[0])] : rnd());
    return 4 + 4 * n;
}

static size_t msg_update(uint8_t *m, uint16_t w, uint16_t h)
{
    m[0] = 3;
    m[1] = (uint8_t)below(2);
    be16(m + 2, edgy(65535, w));
    be16(m + 4, edgy(65535, h));
    be16(m + 6, edgy(65535, w));
    be16(m + 8, edgy(65535, h));
    return 10;
}

static size_t msg_key(uint8_t *m)
{
    m[0] = 4;
    m[1] = (uint8_t)below(3);
    m[2] = m[3] = 0;
    be32(m + 4, below(2) ? 0xff00 | below(256) : rnd());
    return 8;
}

static size_t msg_pointer(uint8_t *m, uint16_t w, uint16_t h)
{
    m[0] = 5;
    m[1] = (uint8_t)rnd();
    be16(m + 2, edgy(65535, w));
    be16(m + 4, edgy(65535, h));
    return 6;
}

static size_t msg_cut(uint8_t *m)
{
    uint32_t n = below(2000);
    m[0] = 6;
    memset(m + 1, 0, 3);
    be32(m + 4, below(8) ? n : 0x80000000u | n); /* also the "extended" form */
    for (uint32_t i = 0; i < n; i++)
        m[8 + i] = (uint8_t)rnd();
    return 8 + n;
}

static size_t msg_desktop_size(uint8_t *m, uint16_t w, uint16_t h)
{
    uint32_t n = below(4) ? 1 : below(256);
    m[0] = 251;
    m[1] = 0;
    be16(m + 2, edgy(65535, w));
    be16(m + 4, edgy(65535, h));
    m[6] = (uint8_t)n;
    m[7] = 0;
    for (uint32_t i = 0; i < n * 16; i++)
        m[8 + i] = (uint8_t)rnd();
    return 8 + 16 * n;
}

/* Message types with no generator above: scale (8, 15), file transfer
 * (7), text chat (11), xvp (250), QEMU (255), and some unknown ones. */
static size_t msg_other(uint8_t *m)
{
    static const uint8_t types[] = {7, 8, 9, 11, 12, 15, 250, 252, 255, 1, 100, 200};
    size_t n = 1 + below(64);
    m[0] = types[below(sizeof types)];
    for (size_t i = 1; i < n; i++)
        m[i] = below(3) ? (uint8_t)below(4) : (uint8_t)rnd();
    return n;
}

static size_t random_message(uint8_t *m, uint16_t w, uint16_t h)
{
    switch (below(9)) {
    case 0:
        return msg_pixel_format(m);
    case 1:
        return msg_encodings(m);
    case 2:
    case 3:
        return msg_update(m, w, h);
    case 4:
        return msg_key(m);
    case 5:
        return msg_pointer(m, w, h);
    case 6:
        return msg_cut(m);
    case 7:
        return msg_desktop_size(m, w, h);
    default:
        return msg_other(m);
    }
}

static uint8_t msgbuf[8 + 16 * 256 + 8192];

static void one_garbage(int fd)
{
    size_t n = below(4096);
    for (size_t i = 0; i < n; i++)
        msgbuf[i] = (uint8_t)rnd();
    if (below(2))
        get(fd, msgbuf + n, 12); /* sometimes after the server's version */
    put(fd, msgbuf, n);
    drain(fd);
}

static void one_messages(int fd)
{
    uint16_t w, h;
    if (!handshake(fd, &w, &h))
        return;
    for (int k = 1 + (int)below(60); k > 0; k--) {
        size_t n = random_message(msgbuf, w, h);
        if (!put(fd, msgbuf, n) || !drain(fd))
            return;
    }
    if (below(2)) /* end on half a message */
        put(fd, msgbuf, below((uint32_t)random_message(msgbuf, w, h)));
}

static void one_truncated(int fd)
{
    uint16_t w, h;
    if (!handshake(fd, &w, &h))
        return;
    size_t n = random_message(msgbuf, w, h);
    put(fd, msgbuf, n > 1 ? 1 + below((uint32_t)n - 1) : 0);
    drain(fd);
}

static void one_midupdate(int fd)
{
    uint16_t w, h;
    uint8_t m[16];
    if (!handshake(fd, &w, &h))
        return;
    m[0] = 2; /* SetEncodings: raw */
    m[1] = 0;
    be16(m + 2, 1);
    be32(m + 4, 0);
    put(fd, m, 8);
    msg_update(m, w, h);
    m[1] = 0;
    be16(m + 2, 0);
    be16(m + 4, 0);
    be16(m + 6, w);
    be16(m + 8, h);
    put(fd, m, 10);
    get(fd, msgbuf, 1 + below(2000));
}

/* An update request and, in the same segment, a scale request: the output
 * thread (which waits a millisecond before sending) then sends the
 * requested region through the scaled screen. */
static void one_scale(int fd)
{
    uint16_t w, h;
    uint8_t m[20];
    if (!handshake(fd, &w, &h))
        return;
    m[0] = 2; /* SetEncodings: zlib, raw */
    m[1] = 0;
    be16(m + 2, 2);
    be32(m + 4, 6);
    be32(m + 8, 0);
    put(fd, m, 12);
    for (int k = 0; k < 20; k++) {
        msg_update(m, w, h);
        m[1] = 0;
        be16(m + 2, 0);
        be16(m + 4, 0);
        be16(m + 6, w);
        be16(m + 8, h);
        m[10] = below(2) ? 8 : 15;
        m[11] = below(2) ? 255 : (uint8_t)(1 + below(255));
        m[12] = m[13] = 0;
        if (!put(fd, m, 14) || !drain(fd))
            return;
        usleep(20000);
    }
}

static void one_empty(int fd)
{
    static const uint32_t encodings[] = {6, 7, 9, 16};
    uint16_t w, h;
    uint8_t m[12];
    if (!handshake(fd, &w, &h))
        return;
    m[0] = 2;
    m[1] = 0;
    be16(m + 2, 1);
    be32(m + 4, encodings[below(4)]);
    put(fd, m, 8);
    for (int k = 0; k < 20; k++) {
        msg_update(m, w, h);
        m[1] = (uint8_t)below(2);
        be16(m + 2, below(w));
        be16(m + 4, below(h));
        be16(m + 6, below(2) ? 0 : below(w));
        be16(m + 8, below(2) ? 0 : below(h));
        if (!put(fd, m, 10) || !drain(fd))
            return;
        usleep(2000);
    }
}

static bool one_hugecut(void)
{
    uint16_t w, h;
    uint8_t m[16] = {6, 0, 0, 0};
    int fd = dial();
    if (fd < 0 || !handshake(fd, &w, &h))
        return false;
    be32(m + 4, 0x7FFFFFFFu);
    put(fd, m, 8);
    put(fd, "abc", 3);
    bool hung_up = closed_by_peer(fd);
    close(fd);
    if (!hung_up) {
        fprintf(stderr, "vnc-fuzz: a 2 GiB cut text did not end the connection\n");
        return false;
    }
    fd = dial();
    if (fd < 0 || !handshake(fd, &w, &h))
        return false;
    size_t big = 1u << 20;
    char *text = malloc(big);
    if (!text)
        return false;
    memset(text, 'y', big);
    be32(m + 4, (uint32_t)big);
    bool ok = put(fd, m, 8) && put(fd, text, big);
    free(text);
    msg_update(m, w, h); /* then an update request must be answered */
    m[1] = 0;
    be16(m + 2, 0);
    be16(m + 4, 0);
    be16(m + 6, 1);
    be16(m + 8, 1);
    ok = ok && put(fd, m, 10) && get(fd, m, 4) && m[0] == 0;
    close(fd);
    if (!ok)
        fprintf(stderr, "vnc-fuzz: no update after a 1 MiB cut text\n");
    return ok;
}

static void hold(int fd, bool requests)
{
    uint16_t w = 0, h = 0;
    if (requests && !handshake(fd, &w, &h))
        return;
    for (;;) {
        uint8_t m[10];
        msg_update(m, w, h);
        m[1] = 1;
        be16(m + 2, 0);
        be16(m + 4, 0);
        be16(m + 6, w);
        be16(m + 8, h);
        if (requests && !put(fd, m, 10))
            return;
        sleep(1);
    }
}

static int run(const char *mode, long count)
{
    if (strcmp(mode, "hugecut") == 0)
        return one_hugecut() ? 0 : 1;
    for (long i = 0; i < count; i++) {
        int fd = dial();
        if (fd < 0) {
            fprintf(stderr, "vnc-fuzz: connection %ld of %s refused: %s\n", i + 1, mode,
                    strerror(errno));
            return 1;
        }
        if (strcmp(mode, "garbage") == 0)
            one_garbage(fd);
        else if (strcmp(mode, "messages") == 0)
            one_messages(fd);
        else if (strcmp(mode, "truncated") == 0)
            one_truncated(fd);
        else if (strcmp(mode, "midupdate") == 0)
            one_midupdate(fd);
        else if (strcmp(mode, "scale") == 0)
            one_scale(fd);
        else if (strcmp(mode, "empty") == 0)
            one_empty(fd);
        else if (strcmp(mode, "cycles") == 0) {
            uint16_t w, h;
            if (!handshake(fd, &w, &h)) {
                fprintf(stderr, "vnc-fuzz: handshake %ld failed\n", i + 1);
                return 1;
            }
        } else if (strcmp(mode, "silent") == 0 || strcmp(mode, "stall") == 0)
            hold(fd, mode[1] == 't');
        else {
            fprintf(stderr, "vnc-fuzz: unknown mode '%s'\n", mode);
            return 2;
        }
        close(fd);
    }
    /* The server must still be there. */
    int fd = dial();
    if (fd < 0) {
        fprintf(stderr, "vnc-fuzz: the server is gone after %s\n", mode);
        return 1;
    }
    close(fd);
    return 0;
}

static const char usage[] =
    "usage: vnc-fuzz HOST:PORT MODE [SEED [COUNT]]\n"
    "Hostile and broken VNC clients; MODE is garbage, messages, truncated,\n"
    "hugecut, midupdate, scale, empty, cycles, silent or stall.\n";

int main(int argc, char **argv)
{
    struct args a = {.prog = "vnc-fuzz", .usage_text = usage};
    long seed = 0, count = 1;
    int opt;
    args_start(&a, argc, argv);
    while ((opt = args_next(&a)) > 0)
        ;
    if (opt == ARGS_STOP)
        return a.status;
    if (a.nrest < 2 || a.nrest > 4 ||
        (a.nrest > 2 && args_parse_long(a.rest[2], 0, 1000000000L, &seed) < 0) ||
        (a.nrest > 3 && args_parse_long(a.rest[3], 1, 1000000L, &count) < 0))
        return args_usage_error(&a, "expected HOST:PORT MODE [SEED [COUNT]]");
    static char hostbuf[256];
    snprintf(hostbuf, sizeof hostbuf, "%s", a.rest[0]);
    char *colon = strrchr(hostbuf, ':');
    if (!colon)
        return args_usage_error(&a, "expected HOST:PORT, got '%s'", a.rest[0]);
    *colon = '\0';
    host = hostbuf;
    port = colon + 1;
    rng_state ^= (uint64_t)seed * 0x9E3779B97F4A7C15ull;
    signal(SIGPIPE, SIG_IGN);
    return run(a.rest[1], count);
}

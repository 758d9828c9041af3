/* The host channel: clipboard offers both ways, drops, title, full screen,
 * on the connection between producer and consumer. */
#include "hostile.h"
#include "testutil.h"

#include <shmfb/shmfb.h>

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define BIG SHMFB_HOST_DATA_MAX

struct pair {
    char name[96];
    struct shmfb_producer *p;
    struct shmfb_consumer *c;
};

static void pair_open(struct pair *x, const char *tag)
{
    tu_name(x->name, sizeof(x->name), tag);
    struct shmfb_producer_desc d = {.max_width = 64, .max_height = 48, .pacing = SHMFB_PACING_FREE};
    ck_assert_int_eq(shmfb_producer_create(x->name, &d, &x->p), 0);
    ck_assert_int_eq(shmfb_consumer_open(x->name, NULL, &x->c), 0);
    ck_assert_int_eq(shmfb_producer_dispatch(x->p), 0); /* accepts it */
}

static void pair_close(struct pair *x)
{
    shmfb_consumer_close(x->c);
    shmfb_producer_destroy(x->p);
}

/* Takes the consumer's next message, moving the producer's queue along
 * meanwhile (both ends live in this thread). */
static int c_recv(struct pair *x, struct shmfb_host_msg *m, int timeout_ms)
{
    int64_t end = tu_now_ms() + timeout_ms;
    for (;;) {
        int rc = shmfb_consumer_host_recv(x->c, m);
        if (rc != -EAGAIN || tu_now_ms() > end)
            return rc;
        if (x->p)
            shmfb_producer_dispatch(x->p);
        shmfb_consumer_wait_any(x->c, 1, SHMFB_WAIT_HOST, NULL);
    }
}

static int p_recv(struct pair *x, struct shmfb_host_msg *m, int timeout_ms)
{
    int64_t end = tu_now_ms() + timeout_ms;
    for (;;) {
        int rc = shmfb_producer_host_recv(x->p, m);
        if (rc != -EAGAIN || tu_now_ms() > end)
            return rc;
        struct shmfb_host_msg none;
        shmfb_consumer_host_recv(x->c, &none); /* sends what waits */
        shmfb_producer_wait(x->p, 1, SHMFB_WAIT_HOST);
    }
}

static void item_eq(const struct shmfb_clip_item *got, const char *mime, const void *data,
                    size_t size)
{
    ck_assert_str_eq(got->mime, mime);
    ck_assert_uint_eq(got->size, size);
    ck_assert(size == 0 || memcmp(got->data, data, size) == 0);
}

static const uint8_t png_bytes[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};

START_TEST(clipboard_both_ways)
{
    struct pair x;
    pair_open(&x, "hclip");
    const char *text = "H\xc3\xbcndchen \xe2\x82\xac \xf0\x9f\x98\x80";
    struct shmfb_clip_item items[] = {
        {.mime = SHMFB_MIME_TEXT, .data = text, .size = strlen(text)},
        {.mime = "image/png", .data = png_bytes, .size = sizeof(png_bytes)},
        {.mime = "text/html", .data = "<b>x</b>", .size = 8}};
    ck_assert_int_eq(shmfb_producer_offer_clipboard(x.p, items, 3), 0);
    struct shmfb_host_msg m;
    ck_assert_int_eq(c_recv(&x, &m, 2000), 0);
    ck_assert_uint_eq(m.type, SHMFB_HOST_CLIPBOARD);
    ck_assert_uint_eq(m.count, 3);
    for (int i = 0; i < 3; i++)
        item_eq(&m.items[i], items[i].mime, items[i].data, items[i].size);
    ck_assert_int_eq(shmfb_consumer_host_recv(x.c, &m), -EAGAIN);

    /* ... and back, two types. */
    ck_assert_int_eq(shmfb_consumer_offer_clipboard(x.c, items + 1, 2), 0);
    ck_assert_int_eq(p_recv(&x, &m, 2000), 0);
    ck_assert_uint_eq(m.type, SHMFB_HOST_CLIPBOARD);
    ck_assert_uint_eq(m.count, 2);
    item_eq(&m.items[0], "image/png", png_bytes, sizeof(png_bytes));
    item_eq(&m.items[1], "text/html", "<b>x</b>", 8);
    ck_assert_int_eq(shmfb_producer_host_recv(x.p, &m), -EAGAIN);
    ck_assert_uint_eq(shmfb_producer_host_dropped(x.p), 0);
    pair_close(&x);
}
END_TEST

START_TEST(zero_bytes)
{
    struct pair x;
    pair_open(&x, "hzero");
    struct shmfb_clip_item empty = {.mime = SHMFB_MIME_TEXT, .data = NULL, .size = 0};
    ck_assert_int_eq(shmfb_producer_offer_clipboard(x.p, &empty, 1), 0);
    ck_assert_int_eq(shmfb_producer_offer_clipboard(x.p, NULL, 0), 0);
    struct shmfb_host_msg m;
    /* The second replaced nothing: the first had gone out already. */
    ck_assert_int_eq(c_recv(&x, &m, 2000), 0);
    ck_assert_uint_eq(m.count, 1);
    item_eq(&m.items[0], SHMFB_MIME_TEXT, "", 0);
    ck_assert_int_eq(c_recv(&x, &m, 2000), 0);
    ck_assert_uint_eq(m.type, SHMFB_HOST_CLIPBOARD);
    ck_assert_uint_eq(m.count, 0);
    ck_assert_int_eq(shmfb_consumer_offer_clipboard(x.c, NULL, 0), 0);
    ck_assert_int_eq(p_recv(&x, &m, 2000), 0);
    ck_assert_uint_eq(m.count, 0);
    pair_close(&x);
}
END_TEST

static uint8_t *pattern(size_t n, uint32_t seed)
{
    uint8_t *b = malloc(n);
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        b[i] = (uint8_t)(seed >> 16);
    }
    return b;
}

START_TEST(sixteen_mib_both_ways)
{
    struct pair x;
    pair_open(&x, "hbig");
    uint8_t *data = pattern(BIG, 7);
    struct shmfb_clip_item it = {.mime = "application/octet-stream", .data = data, .size = BIG};
    ck_assert_int_eq(shmfb_producer_offer_clipboard(x.p, &it, 1), 0);
    struct shmfb_host_msg m;
    ck_assert_int_eq(c_recv(&x, &m, 20000), 0);
    ck_assert_uint_eq(m.count, 1);
    item_eq(&m.items[0], it.mime, data, BIG);
    ck_assert_int_eq(shmfb_consumer_offer_clipboard(x.c, &it, 1), 0);
    ck_assert_int_eq(p_recv(&x, &m, 20000), 0);
    item_eq(&m.items[0], it.mime, data, BIG);
    free(data);
    pair_close(&x);
}
END_TEST

START_TEST(refused_offers)
{
    struct pair x;
    pair_open(&x, "hrefuse");
    uint8_t *data = calloc(1, BIG + 1);
    ck_assert_ptr_nonnull(data);
    struct shmfb_clip_item it = {.mime = "application/octet-stream", .data = data, .size = BIG + 1};
    ck_assert_int_eq(shmfb_producer_offer_clipboard(x.p, &it, 1), -EFBIG);
    ck_assert_int_eq(shmfb_consumer_offer_clipboard(x.c, &it, 1), -EFBIG);
    ck_assert_ptr_nonnull(strstr(shmfb_strerror(-EFBIG), "16 MiB"));
    struct shmfb_clip_item two[] = {{.mime = "a/b", .data = data, .size = BIG / 2 + 1},
                                    {.mime = "c/d", .data = data, .size = BIG / 2}};
    ck_assert_int_eq(shmfb_producer_offer_clipboard(x.p, two, 2), -EFBIG);
    free(data);
    struct shmfb_clip_item bad[][2] = {
        {{.mime = SHMFB_MIME_TEXT, .data = "\xc3(", .size = 2}},        /* not UTF-8 */
        {{.mime = SHMFB_MIME_TEXT, .data = "\xed\xa0\x80", .size = 3}}, /* a surrogate */
        {{.mime = SHMFB_MIME_TEXT, .data = "\xc0\xaf", .size = 2}},     /* overlong */
        {{.mime = "", .data = "x", .size = 1}},                         /* empty type */
        {{.mime = "text/\x01", .data = "x", .size = 1}},                /* control character */
        {{.mime = "a/b", .data = "x", .size = 1},
         {.mime = "A/B", .data = "y", .size = 1}}, /* the same type twice */
        {{.mime = NULL, .data = "x", .size = 1}},
        {{.mime = "a/b", .data = NULL, .size = 1}},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint32_t n = bad[i][1].mime ? 2 : 1;
        ck_assert_int_eq(shmfb_producer_offer_clipboard(x.p, bad[i], n), -EINVAL);
        ck_assert_int_eq(shmfb_consumer_offer_clipboard(x.c, bad[i], n), -EINVAL);
    }
    char mime[SHMFB_MIME_MAX + 2];
    memset(mime, 'a', sizeof(mime) - 1);
    mime[sizeof(mime) - 1] = '\0';
    struct shmfb_clip_item longmime = {.mime = mime, .data = "x", .size = 1};
    ck_assert_int_eq(shmfb_producer_offer_clipboard(x.p, &longmime, 1), -EINVAL);
    struct shmfb_clip_item nine[9];
    ck_assert_int_eq(shmfb_producer_offer_clipboard(x.p, nine, SHMFB_CLIP_TYPES_MAX + 1), -EINVAL);
    ck_assert_int_eq(shmfb_producer_offer_clipboard(x.p, NULL, 1), -EINVAL);

    char title[SHMFB_TITLE_MAX + 2];
    memset(title, 't', sizeof(title) - 1);
    title[sizeof(title) - 1] = '\0';
    ck_assert_int_eq(shmfb_producer_set_title(x.p, title), -EFBIG);
    ck_assert_int_eq(shmfb_producer_set_title(x.p, "tab\there"), -EINVAL);
    ck_assert_int_eq(shmfb_producer_set_title(x.p, "\xff"), -EINVAL);
    ck_assert_int_eq(shmfb_producer_set_title(x.p, NULL), -EINVAL);

    const char *paths[] = {"/tmp/a", ""};
    ck_assert_int_eq(shmfb_consumer_drop(x.c, 0, 0, paths, 0), -EINVAL);
    ck_assert_int_eq(shmfb_consumer_drop(x.c, 0, 0, paths, 2), -EINVAL); /* empty path */
    ck_assert_int_eq(shmfb_consumer_drop(x.c, 1 << 25, 0, paths, 1), -EINVAL);
    ck_assert_int_eq(shmfb_consumer_drop(x.c, 0, 0, NULL, 1), -EINVAL);
    ck_assert_int_eq(shmfb_producer_host_recv(x.p, NULL), -EINVAL);
    ck_assert_int_eq(shmfb_consumer_host_recv(x.c, NULL), -EINVAL);
    /* Nothing of it went anywhere. */
    struct shmfb_host_msg m;
    ck_assert_int_eq(c_recv(&x, &m, 100), -EAGAIN);
    ck_assert_int_eq(p_recv(&x, &m, 100), -EAGAIN);
    pair_close(&x);
}
END_TEST

START_TEST(drop_title_fullscreen)
{
    struct pair x;
    pair_open(&x, "hdrop");
    const char *paths[] = {"/tmp/sprite.png", "file:///tmp/caf%C3%A9.txt",
                           "/tmp/\xc3\xa9t\xc3\xa9"};
    ck_assert_int_eq(shmfb_consumer_drop(x.c, 12, -3, paths, 3), 0);
    struct shmfb_host_msg m;
    ck_assert_int_eq(p_recv(&x, &m, 2000), 0);
    ck_assert_uint_eq(m.type, SHMFB_HOST_DROP);
    ck_assert_int_eq(m.x, 12);
    ck_assert_int_eq(m.y, -3);
    ck_assert_uint_eq(m.count, 3);
    for (int i = 0; i < 3; i++)
        ck_assert_str_eq(m.paths[i], paths[i]);

    ck_assert_int_eq(shmfb_producer_set_title(x.p, "Scratch \xe2\x80\x94 Projekt"), 0);
    ck_assert_int_eq(shmfb_producer_set_fullscreen(x.p, true), 0);
    ck_assert_int_eq(c_recv(&x, &m, 2000), 0);
    ck_assert_uint_eq(m.type, SHMFB_HOST_TITLE);
    ck_assert_str_eq(m.title, "Scratch \xe2\x80\x94 Projekt");
    ck_assert_int_eq(c_recv(&x, &m, 2000), 0);
    ck_assert_uint_eq(m.type, SHMFB_HOST_FULLSCREEN);
    ck_assert(m.fullscreen);

    /* A consumer that comes later learns the state, not the past offers. */
    struct shmfb_clip_item it = {.mime = SHMFB_MIME_TEXT, .data = "old", .size = 3};
    ck_assert_int_eq(shmfb_producer_offer_clipboard(x.p, &it, 1), 0);
    ck_assert_int_eq(shmfb_producer_set_fullscreen(x.p, false), 0);
    struct pair y = {.p = x.p};
    ck_assert_int_eq(shmfb_consumer_open(x.name, NULL, &y.c), 0);
    ck_assert_int_eq(c_recv(&y, &m, 2000), 0);
    ck_assert_uint_eq(m.type, SHMFB_HOST_TITLE);
    ck_assert_str_eq(m.title, "Scratch \xe2\x80\x94 Projekt");
    ck_assert_int_eq(c_recv(&y, &m, 2000), 0);
    ck_assert_uint_eq(m.type, SHMFB_HOST_FULLSCREEN);
    ck_assert(!m.fullscreen);
    ck_assert_int_eq(c_recv(&y, &m, 200), -EAGAIN);
    shmfb_consumer_close(y.c);
    pair_close(&x);
}
END_TEST

/* A consumer that never reads: every call of the producer stays short, and
 * what finally arrives is the message that had started and the newest. */
START_TEST(consumer_never_reads)
{
    struct pair x;
    pair_open(&x, "hidle");
    uint8_t *data[4];
    for (uint32_t k = 0; k < 4; k++) {
        data[k] = pattern(BIG, k + 1);
        struct shmfb_clip_item it = {.mime = "application/x-test", .data = data[k], .size = BIG};
        int64_t t0 = tu_now_ms();
        ck_assert_int_eq(shmfb_producer_offer_clipboard(x.p, &it, 1), 0);
        ck_assert_int_eq(shmfb_producer_set_title(x.p, k % 2 ? "odd" : "even"), 0);
        ck_assert_int_eq(shmfb_producer_present(x.p), 0);
        ck_assert_int_eq(shmfb_producer_wait(x.p, 20, SHMFB_WAIT_HOST), -ETIMEDOUT);
        ck_assert_int_eq(shmfb_producer_dispatch(x.p), 0);
        ck_assert_int_lt(tu_now_ms() - t0, 1500);
    }
    ck_assert_uint_ge(shmfb_producer_host_dropped(x.p), 4);
    struct shmfb_host_msg m;
    ck_assert_int_eq(c_recv(&x, &m, 20000), 0);
    ck_assert_uint_eq(m.type, SHMFB_HOST_CLIPBOARD);
    item_eq(&m.items[0], "application/x-test", data[0], BIG);
    bool clip_last = false, title_last = false;
    while (c_recv(&x, &m, 500) == 0) {
        if (m.type == SHMFB_HOST_CLIPBOARD) {
            ck_assert(!clip_last);
            item_eq(&m.items[0], "application/x-test", data[3], BIG);
            clip_last = true;
        } else {
            ck_assert_uint_eq(m.type, SHMFB_HOST_TITLE);
            ck_assert_str_eq(m.title, "odd");
            title_last = true;
        }
    }
    ck_assert(clip_last && title_last);
    for (int k = 0; k < 4; k++)
        free(data[k]);
    pair_close(&x);
}
END_TEST

/* A producer killed while its 16 MiB offer is under way: the consumer gets
 * what had arrived whole, then -EPIPE, never the partial offer. */
START_TEST(producer_killed_mid_transfer)
{
    char name[96];
    tu_name(name, sizeof(name), "hkill");
    int ready[2];
    ck_assert_int_eq(pipe(ready), 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct shmfb_producer *p;
        struct shmfb_producer_desc d = {.max_width = 8, .max_height = 8};
        if (shmfb_producer_create(name, &d, &p) < 0)
            _exit(1);
        while (shmfb_producer_consumers(p) == 0)
            shmfb_producer_wait(p, 10, SHMFB_WAIT_EVENT);
        shmfb_producer_dispatch(p); /* its hello is in: the offer goes to it */
        uint8_t *data = calloc(1, BIG);
        struct shmfb_clip_item it = {.mime = "application/x-test", .data = data, .size = BIG};
        shmfb_producer_set_title(p, "before");
        shmfb_producer_offer_clipboard(p, &it, 1);
        if (write(ready[1], "x", 1) != 1)
            _exit(1);
        for (;;)
            shmfb_producer_wait(p, 1000, SHMFB_WAIT_HOST);
    }
    struct shmfb_consumer *c = NULL;
    for (int i = 0; i < 500 && shmfb_consumer_open(name, NULL, &c) < 0; i++)
        usleep(10000);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(shmfb_consumer_attach(c), 0);
    char b;
    ck_assert_int_eq(read(ready[0], &b, 1), 1);
    kill(pid, SIGKILL);
    ck_assert_int_eq(tu_wait_child(pid, 5000), 128 + SIGKILL);
    struct pair x = {.c = c};
    struct shmfb_host_msg m;
    ck_assert_int_eq(c_recv(&x, &m, 2000), 0);
    ck_assert_uint_eq(m.type, SHMFB_HOST_TITLE);
    ck_assert_str_eq(m.title, "before");
    ck_assert_int_eq(c_recv(&x, &m, 2000), -EPIPE);
    ck_assert_int_eq(shmfb_consumer_host_recv(c, &m), -EPIPE);
    ck_assert_int_eq(shmfb_consumer_offer_clipboard(c, NULL, 0), -EPIPE);
    shmfb_consumer_close(c);
    close(ready[0]);
    close(ready[1]);
}
END_TEST

/* A consumer of the same user opens the framebuffer through /proc and does
 * not wait for the producer's handoff, which comes later on the same
 * connection: asked for host messages meanwhile, as fast as it can, it
 * must skip the handoff, not take it for a message's header (the handoff
 * used to be read as one when it arrived between the consumer's look at
 * the stream and its read, and the connection was dropped: -EPIPE).  The
 * producer, in another process, answers hellos at random moments and
 * gives every newcomer its title. */
START_TEST(late_handoff_race)
{
    char name[96];
    tu_name(name, sizeof(name), "hlate");
    int ready[2];
    ck_assert_int_eq(pipe(ready), 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct shmfb_producer *p;
        struct shmfb_producer_desc d = {.max_width = 8, .max_height = 8};
        if (shmfb_producer_create(name, &d, &p) < 0 || shmfb_producer_set_title(p, "late") < 0 ||
            write(ready[1], "x", 1) != 1)
            _exit(1);
        for (unsigned r = 1;; r = r * 1103515245u + 12345u) {
            shmfb_producer_dispatch(p);
            usleep(r >> 16 & 511);
        }
    }
    char b;
    ck_assert_int_eq(read(ready[0], &b, 1), 1);
    int rounds = 300;
    for (int i = 0; i < rounds; i++) {
        struct shmfb_consumer *c;
        ck_assert_int_eq(shmfb_consumer_open(name, NULL, &c), 0);
        struct shmfb_host_msg m;
        int rc;
        int64_t end = tu_now_ms() + 5000;
        while ((rc = shmfb_consumer_host_recv(c, &m)) == -EAGAIN && tu_now_ms() < end)
            ;
        ck_assert_msg(rc == 0, "round %d: %s", i, shmfb_strerror(rc));
        ck_assert_uint_eq(m.type, SHMFB_HOST_TITLE);
        ck_assert_str_eq(m.title, "late");
        shmfb_consumer_close(c);
    }
    kill(pid, SIGKILL);
    ck_assert_int_eq(tu_wait_child(pid, 5000), 128 + SIGKILL);
    close(ready[0]);
    close(ready[1]);
}
END_TEST

/* A raw connection to the name that said its hello and took the handoff. */
static int raw_connect(struct pair *x)
{
    char path[108];
    hostile_path(path, sizeof(path), x->name, "sock");
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    memcpy(a.sun_path, path, strlen(path) + 1);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    struct wire_hello h = {.version = WIRE_VERSION, .token = 0x1234};
    memcpy(h.tag, WIRE_HELLO_TAG, sizeof(h.tag));
    ck_assert_int_eq(send(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
    ck_assert_int_eq(shmfb_producer_dispatch(x->p), 0);
    char buf[sizeof(struct wire_handoff)];
    char ctl[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {buf, sizeof(buf)};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
    ck_assert_int_eq(recvmsg(fd, &msg, MSG_CMSG_CLOEXEC), (ssize_t)sizeof(buf));
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    ck_assert_ptr_nonnull(cm);
    int memfd;
    memcpy(&memfd, CMSG_DATA(cm), sizeof(int));
    close(memfd);
    return fd;
}

static void raw_send(int fd, uint32_t type, const void *payload, uint32_t len, uint32_t claim)
{
    struct wire_msg w = {.type = type, .length = claim, .serial = 1};
    memcpy(w.tag, WIRE_MSG_TAG, sizeof(w.tag));
    ck_assert_int_eq(send(fd, &w, sizeof(w), MSG_NOSIGNAL), (ssize_t)sizeof(w));
    if (len)
        ck_assert_int_eq(send(fd, payload, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Whether the producer closed its end within a second. */
static bool closed_by_producer(struct pair *x, int fd)
{
    for (int i = 0; i < 100; i++) {
        shmfb_producer_dispatch(x->p);
        char b;
        ssize_t n = recv(fd, &b, 1, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return true;
        usleep(10000);
    }
    return false;
}

START_TEST(hostile_consumer_framing)
{
    struct pair x;
    pair_open(&x, "hhostile");
    int fd = raw_connect(&x);
    /* Messages that break their kind's rules: dropped, the connection stays. */
    uint8_t clip[64] = {0};
    struct wire_clip wc = {.count = 1};
    struct wire_clip_item wi = {.mime_size = sizeof(SHMFB_MIME_TEXT), .data_size = 2};
    memcpy(clip, &wc, sizeof(wc));
    memcpy(clip + sizeof(wc), &wi, sizeof(wi));
    memcpy(clip + sizeof(wc) + sizeof(wi), SHMFB_MIME_TEXT, sizeof(SHMFB_MIME_TEXT));
    size_t clen = sizeof(wc) + sizeof(wi) + sizeof(SHMFB_MIME_TEXT) + 2;
    memcpy(clip + clen - 2, "\xc3(", 2);
    raw_send(fd, WIRE_MSG_CLIPBOARD, clip, (uint32_t)clen, (uint32_t)clen); /* bad UTF-8 */
    wi.data_size = 1000;
    memcpy(clip + sizeof(wc), &wi, sizeof(wi));
    raw_send(fd, WIRE_MSG_CLIPBOARD, clip, (uint32_t)clen, (uint32_t)clen); /* sizes lie */
    raw_send(fd, WIRE_MSG_TITLE, "t", 2, 2);                                /* wrong way */
    raw_send(fd, 99, "zz", 2, 2);                                           /* unknown kind */
    struct wire_drop d = {.x = 1, .y = 2, .count = 2};
    uint8_t drop[64];
    memcpy(drop, &d, sizeof(d));
    memcpy(drop + sizeof(d), "/a\0/b", 6); /* second path unterminated */
    raw_send(fd, WIRE_MSG_DROP, drop, sizeof(d) + 5, sizeof(d) + 5);
    memcpy(drop + sizeof(d), "/a\0/b\0", 6);
    raw_send(fd, WIRE_MSG_DROP, drop, sizeof(d) + 6, sizeof(d) + 6); /* a good one */
    struct shmfb_host_msg m;
    ck_assert_int_eq(p_recv(&x, &m, 2000), 0);
    ck_assert_uint_eq(m.type, SHMFB_HOST_DROP);
    ck_assert_uint_eq(m.count, 2);
    ck_assert_str_eq(m.paths[1], "/b");
    ck_assert_uint_eq(shmfb_producer_host_dropped(x.p), 5);
    ck_assert(!closed_by_producer(&x, fd) || !"closed for a bad message");

    /* Framing that is wrong ends the connection. */
    raw_send(fd, WIRE_MSG_DROP, NULL, 0, WIRE_MSG_MAX + 1);
    ck_assert(closed_by_producer(&x, fd));
    close(fd);
    fd = raw_connect(&x);
    ck_assert_int_eq(send(fd, "SHMFB-XXjunkjunkjunkjunk", 24, MSG_NOSIGNAL), 24);
    ck_assert(closed_by_producer(&x, fd));
    close(fd);
    /* A half message, then the peer leaves: nothing arrives. */
    fd = raw_connect(&x);
    raw_send(fd, WIRE_MSG_DROP, drop, 4, sizeof(d) + 6);
    close(fd);
    ck_assert_int_eq(p_recv(&x, &m, 300), -EAGAIN);
    /* The well-behaved consumer still works. */
    struct shmfb_clip_item it = {.mime = SHMFB_MIME_TEXT, .data = "ok", .size = 2};
    ck_assert_int_eq(shmfb_consumer_offer_clipboard(x.c, &it, 1), 0);
    ck_assert_int_eq(p_recv(&x, &m, 2000), 0);
    item_eq(&m.items[0], SHMFB_MIME_TEXT, "ok", 2);
    pair_close(&x);
}
END_TEST

/* The spawned handshake in this process: the test holds the producer's
 * end of the socket pair and can write what a hostile producer would. */
START_TEST(spawned_and_hostile_producer)
{
    int sv[2];
    char fdtext[16];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &(int){1}, sizeof(int));
    snprintf(fdtext, sizeof(fdtext), "%d", sv[1]);
    setenv(SHMFB_SOCKET_ENV, fdtext, 1);
    struct pair x = {0};
    struct shmfb_producer_desc d = {.max_width = 8, .max_height = 8};
    ck_assert_int_eq(shmfb_producer_create(NULL, &d, &x.p), 0);
    ck_assert_int_eq(shmfb_consumer_open_socket(sv[0], 1000, NULL, &x.c), 0);
    close(sv[0]);
    ck_assert_int_eq(shmfb_producer_set_title(x.p, "spawned"), 0);
    struct shmfb_host_msg m;
    ck_assert_int_eq(c_recv(&x, &m, 2000), 0);
    ck_assert_str_eq(m.title, "spawned");
    const char *paths[] = {"/x"};
    ck_assert_int_eq(shmfb_consumer_drop(x.c, 3, 4, paths, 1), 0);
    ck_assert_int_eq(p_recv(&x, &m, 2000), 0);
    ck_assert_uint_eq(m.type, SHMFB_HOST_DROP);
    /* Now the producer's end says what no producer says: a drop, then junk. */
    struct wire_drop wd = {.count = 1};
    uint8_t drop[32];
    memcpy(drop, &wd, sizeof(wd));
    memcpy(drop + sizeof(wd), "/y", 3);
    raw_send(sv[1], WIRE_MSG_DROP, drop, sizeof(wd) + 3, sizeof(wd) + 3);
    raw_send(sv[1], WIRE_MSG_TITLE, "fine", 5, 5);
    ck_assert_int_eq(c_recv(&x, &m, 2000), 0);
    ck_assert_str_eq(m.title, "fine");
    ck_assert_int_eq(send(sv[1], "garbage!garbage!garbage!", 24, MSG_NOSIGNAL), 24);
    ck_assert_int_eq(c_recv(&x, &m, 2000), -EPIPE);
    struct shmfb_clip_item it = {.mime = SHMFB_MIME_TEXT, .data = "x", .size = 1};
    ck_assert_int_eq(shmfb_consumer_offer_clipboard(x.c, &it, 1), -EPIPE);
    pair_close(&x);
}
END_TEST

static void *wait_host(void *arg)
{
    struct shmfb_consumer *c = arg;
    return (void *)(intptr_t)shmfb_consumer_wait_any(c, 5000, SHMFB_WAIT_HOST, NULL);
}

/* The waits wake for host messages: a consumer's for the producer's, the
 * producer's for a consumer in another process. */
START_TEST(waits_wake)
{
    struct pair x;
    pair_open(&x, "hwake");
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, wait_host, x.c), 0);
    usleep(100000);
    int64_t t0 = tu_now_ms();
    ck_assert_int_eq(shmfb_producer_set_title(x.p, "wake"), 0);
    void *rc;
    pthread_join(t, &rc);
    ck_assert_int_eq((int)(intptr_t)rc, SHMFB_WAIT_HOST);
    ck_assert_int_lt(tu_now_ms() - t0, 1000);

    pid_t pid = fork();
    if (pid == 0) {
        struct shmfb_consumer *c;
        if (shmfb_consumer_open(x.name, NULL, &c) < 0)
            _exit(1);
        usleep(200000);
        const char *paths[] = {"/from/child"};
        _exit(shmfb_consumer_drop(c, 5, 6, paths, 1) < 0 ? 2 : 0);
    }
    t0 = tu_now_ms();
    int r = 0;
    while (r != SHMFB_WAIT_HOST && tu_now_ms() - t0 < 5000)
        r = shmfb_producer_wait(x.p, 5000, SHMFB_WAIT_HOST);
    ck_assert_int_eq(r, SHMFB_WAIT_HOST);
    struct shmfb_host_msg m;
    ck_assert_int_eq(shmfb_producer_host_recv(x.p, &m), 0);
    ck_assert_str_eq(m.paths[0], "/from/child");
    ck_assert_int_eq(m.x, 5);
    ck_assert_int_eq(tu_wait_child(pid, 5000), 0);
    pair_close(&x);
}
END_TEST

static Suite *host_suite(void)
{
    Suite *s = suite_create("host");
    TCase *tc = tcase_create("channel");
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, clipboard_both_ways);
    tcase_add_test(tc, zero_bytes);
    tcase_add_test(tc, sixteen_mib_both_ways);
    tcase_add_test(tc, refused_offers);
    tcase_add_test(tc, drop_title_fullscreen);
    tcase_add_test(tc, consumer_never_reads);
    tcase_add_test(tc, producer_killed_mid_transfer);
    tcase_add_test(tc, late_handoff_race);
    tcase_add_test(tc, hostile_consumer_framing);
    tcase_add_test(tc, spawned_and_hostile_producer);
    tcase_add_test(tc, waits_wake);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    hostile_runtime_dir();
    tu_sweep_stale();
    SRunner *sr = srunner_create(host_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* The growth rule's promises (shmfb.h's opening comment): a nonzero byte
 * anywhere in an input's reserved tail is refused with -EINVAL, the same
 * input with the tail zeroed is accepted, and every output's tail comes back
 * zeroed however the caller left it. */
#include <shmfb/png.h>
#include <shmfb/shmfb.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int failures;

#define EXPECT(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "reserved: " __VA_ARGS__);                                             \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static bool zeroed(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

/* Each byte of the tail set in turn: the call must say -EINVAL every time. */
#define EACH_BYTE(s, call, what)                                                                   \
    for (size_t i_ = 0; i_ < sizeof((s).reserved); i_++) {                                         \
        memset((s).reserved, 0, sizeof((s).reserved));                                             \
        ((unsigned char *)(s).reserved)[i_] = 0x01;                                                \
        int rc_ = (call);                                                                          \
        EXPECT(rc_ == -EINVAL, "%s: reserved byte %zu set: %d, not -EINVAL", what, i_, rc_);       \
    }                                                                                              \
    memset((s).reserved, 0, sizeof((s).reserved))

static struct shmfb_producer *producer(const char *name)
{
    struct shmfb_producer_desc d = {.max_width = 16, .max_height = 8, .pacing = SHMFB_PACING_FREE};
    struct shmfb_producer *p = NULL;

    EACH_BYTE(d, shmfb_producer_create(name, &d, &p), "shmfb_producer_create");
    int rc = shmfb_producer_create(name, &d, &p);
    EXPECT(rc == 0, "shmfb_producer_create with a zero tail: %s", shmfb_strerror(rc));
    return p;
}

static struct shmfb_consumer *consumer(const char *name)
{
    struct shmfb_consumer_desc d = {0};
    struct shmfb_consumer *c = NULL;
    int sv[2];

    EACH_BYTE(d, shmfb_consumer_open(name, &d, &c), "shmfb_consumer_open");
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
        EACH_BYTE(d, shmfb_consumer_open_socket(sv[0], 0, &d, &c), "shmfb_consumer_open_socket");
        int rc = shmfb_consumer_open_socket(sv[0], 0, &d, &c);
        EXPECT(rc == -ETIMEDOUT, "open_socket with a zero tail: %s", shmfb_strerror(rc));
        close(sv[0]);
        close(sv[1]);
    }
    int rc = shmfb_consumer_open(name, &d, &c);
    EXPECT(rc == 0, "shmfb_consumer_open with a zero tail: %s", shmfb_strerror(rc));
    return c;
}

static void clipboard(struct shmfb_producer *p, struct shmfb_consumer *c)
{
    struct shmfb_clip_item it[2] = {{.mime = SHMFB_MIME_TEXT, .data = "a", .size = 1},
                                    {.mime = "text/html", .data = "<b>", .size = 3}};

    EACH_BYTE(it[1], shmfb_producer_offer_clipboard(p, it, 2), "shmfb_producer_offer_clipboard");
    EACH_BYTE(it[1], shmfb_consumer_offer_clipboard(c, it, 2), "shmfb_consumer_offer_clipboard");
    EXPECT(shmfb_producer_offer_clipboard(p, it, 2) == 0, "producer offer with zero tails");
    EXPECT(shmfb_consumer_offer_clipboard(c, it, 2) == 0, "consumer offer with zero tails");
}

/* The consumer's offer reaches the producer: its message and items come
 * back with zeroed tails. */
static void host_msg(struct shmfb_producer *p)
{
    struct shmfb_host_msg m;
    int rc = -EAGAIN;

    for (int i = 0; i < 500 && rc == -EAGAIN; i++) {
        memset(&m, 0xAA, sizeof(m));
        rc = shmfb_producer_host_recv(p, &m);
        if (rc == -EAGAIN)
            poll(NULL, 0, 10);
    }
    EXPECT(rc == 0, "shmfb_producer_host_recv: %s", shmfb_strerror(rc));
    if (rc == 0) {
        EXPECT(m.type == SHMFB_HOST_CLIPBOARD && m.count == 2, "host message: wrong offer");
        EXPECT(zeroed(m.reserved, sizeof(m.reserved)), "host message tail not zeroed");
        for (uint32_t i = 0; i < SHMFB_CLIP_TYPES_MAX; i++)
            EXPECT(zeroed(m.items[i].reserved, sizeof(m.items[i].reserved)),
                   "clip item %u tail not zeroed", i);
    }
}

static void outputs(struct shmfb_producer *p, struct shmfb_consumer *c, const char *name)
{
    struct shmfb_back back;
    struct shmfb_frame f;
    struct shmfb_cursor cur;
    struct shmfb_info info;
    int rc;

    memset(&back, 0xAA, sizeof(back));
    EXPECT(shmfb_producer_acquire(p, &back) == 0, "shmfb_producer_acquire");
    EXPECT(zeroed(back.reserved, sizeof(back.reserved)), "struct shmfb_back tail not zeroed");
    EXPECT(shmfb_producer_present(p) == 0, "present");
    EXPECT(shmfb_consumer_attach(c) == 0, "attach");
    memset(&f, 0xAA, sizeof(f));
    rc = shmfb_consumer_wait(c, 5000, &f);
    EXPECT(rc == 0 && zeroed(f.reserved, sizeof(f.reserved)), "wait: %d or tail not zeroed", rc);
    memset(&f, 0xAA, sizeof(f));
    rc = shmfb_consumer_peek(c, &f);
    EXPECT(rc == 0 && zeroed(f.reserved, sizeof(f.reserved)), "peek: %d or tail not zeroed", rc);
    memset(&cur, 0xAA, sizeof(cur));
    rc = shmfb_consumer_cursor(c, &cur);
    EXPECT(rc >= 0 && zeroed(cur.reserved, sizeof(cur.reserved)), "cursor: %d or tail", rc);
    memset(&info, 0xAA, sizeof(info));
    rc = shmfb_probe(name, &info);
    EXPECT(rc == 0 && zeroed(info.reserved, sizeof(info.reserved)), "probe: %d or tail", rc);
}

static void images(void)
{
    struct shmfb_image a, b;
    struct shmfb_diff d;

    memset(&a, 0xAA, sizeof(a));
    memset(&b, 0xAA, sizeof(b));
    if (shmfb_image_alloc(&a, 4, 4) != 0 || shmfb_image_alloc(&b, 4, 4) != 0) {
        EXPECT(0, "shmfb_image_alloc failed");
        return;
    }
    EXPECT(zeroed(a.reserved, sizeof(a.reserved)), "shmfb_image_alloc: tail not zeroed");
    EACH_BYTE(a, shmfb_image_compare(&a, &b, 0, true, NULL, NULL), "shmfb_image_compare a");
    EACH_BYTE(b, shmfb_image_compare(&a, &b, 0, true, NULL, NULL), "shmfb_image_compare b");
    memset(&d, 0xAA, sizeof(d));
    b.pixels[5] = 0xFFFFFFFFu;
    int rc = shmfb_image_compare(&a, &b, 0, true, &d, NULL);
    EXPECT(rc == 1 && d.differing == 1, "compare with zero tails: %d", rc);
    EXPECT(zeroed(d.reserved, sizeof(d.reserved)), "struct shmfb_diff tail not zeroed");
    shmfb_image_free(&a);
    shmfb_image_free(&b);
}

int main(void)
{
    char name[64];

    snprintf(name, sizeof(name), "release-reserved-%d", (int)getpid());
    struct shmfb_producer *p = producer(name);
    struct shmfb_consumer *c = p ? consumer(name) : NULL;
    if (p && c) {
        shmfb_producer_dispatch(p); /* accepts the consumer */
        clipboard(p, c);
        host_msg(p);
        outputs(p, c, name);
    }
    shmfb_consumer_close(c);
    shmfb_producer_destroy(p);
    images();
    if (failures)
        return 1;
    printf("reserved: every input tail checked, every output tail zeroed\n");
    return 0;
}

/*
 * qemu-watch: a consumer of shmfb-qemu's framebuffer for the tests.
 *
 *   qemu-watch cursor NAME        prints the published cursor:
 *                                 "shape WxH hot X,Y pixel 0xAARRGGBB" (its
 *                                 first pixel), "default" or "hidden"
 *   qemu-watch gone NAME MS READY attaches, touches READY, takes frames until
 *                                 the producer is gone: prints "gone after
 *                                 N ms" (exit 0); exit 1 if it is not within
 *                                 MS of READY
 *   qemu-watch count NAME SECONDS takes frames for SECONDS, copying what
 *                                 changed as a viewer uploads it; prints
 *                                 "frames N screens S cpu_ms C" (S: the
 *                                 damaged area in whole screens)
 *   qemu-watch clip NAME MS READY OFFER UNTIL
 *                                 connects, touches READY, offers the text
 *                                 OFFER as the viewers' clipboard, prints
 *                                 each clipboard offer from the producer as
 *                                 "clipboard MIME: TEXT" or "clipboard empty";
 *                                 exit 0 once TEXT is UNTIL, 1 if not within
 *                                 MS of READY; UNTIL "-": exit 0 after MS
 */
#include <shmfb/shmfb.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void touch(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0)
        close(fd);
}

static int cursor(struct shmfb_consumer *c)
{
    static struct shmfb_cursor cur;
    int rc = shmfb_consumer_cursor(c, &cur);
    if (rc < 0) {
        fprintf(stderr, "qemu-watch: cursor: %s\n", shmfb_strerror(rc));
        return 1;
    }
    if (cur.state == SHMFB_CURSOR_SHAPE)
        printf("shape %dx%d hot %d,%d pixel 0x%08x\n", cur.width, cur.height, cur.hot_x, cur.hot_y,
               cur.pixels[0]);
    else
        printf("%s\n", cur.state == SHMFB_CURSOR_HIDDEN ? "hidden" : "default");
    return 0;
}

static int gone(struct shmfb_consumer *c, long ms, const char *ready)
{
    struct shmfb_frame f;
    int rc = shmfb_consumer_attach(c);
    if (rc < 0) {
        fprintf(stderr, "qemu-watch: attach: %s\n", shmfb_strerror(rc));
        return 1;
    }
    touch(ready);
    long long start = now_ms();
    while (now_ms() - start < ms) {
        rc = shmfb_consumer_wait(c, 200, &f);
        if (rc == -EPIPE) {
            printf("gone after %lld ms\n", now_ms() - start);
            return 0;
        }
        if (rc == 0)
            shmfb_consumer_release(c);
        else if (rc != -ETIMEDOUT) {
            fprintf(stderr, "qemu-watch: wait: %s\n", shmfb_strerror(rc));
            return 1;
        }
    }
    fprintf(stderr, "qemu-watch: the producer was still there after %ld ms\n", ms);
    return 1;
}

static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void upload(uint8_t *dst, const struct shmfb_frame *f)
{
    for (uint32_t i = 0; i < f->ndamage; i++) {
        const struct shmfb_rect *r = &f->damage[i];
        for (int32_t y = r->y; y < r->y + r->h; y++) {
            size_t off = (size_t)y * (size_t)f->stride + (size_t)r->x * 4;
            memcpy(dst + off, (const uint8_t *)f->pixels + off, (size_t)r->w * 4);
        }
    }
}

static int count(struct shmfb_consumer *c, double seconds)
{
    struct shmfb_frame f;
    int32_t mw, mh;
    long frames = 0;
    double screens = 0;
    shmfb_consumer_capacity(c, &mw, &mh);
    uint8_t *copy = malloc((size_t)shmfb_consumer_stride(c) * (size_t)mh);
    if (!copy || shmfb_consumer_attach(c) < 0) {
        free(copy);
        fprintf(stderr, "qemu-watch: cannot attach\n");
        return 1;
    }
    double cpu0 = cpu_ms();
    long long end = now_ms() + (long long)(seconds * 1000);
    while (now_ms() < end) {
        int rc = shmfb_consumer_wait(c, 100, &f);
        if (rc == -ETIMEDOUT)
            continue;
        if (rc < 0)
            break;
        upload(copy, &f);
        frames++;
        for (uint32_t i = 0; i < f.ndamage; i++)
            screens += (double)f.damage[i].w * f.damage[i].h / ((double)f.width * f.height);
        shmfb_consumer_release(c);
    }
    printf("frames %ld screens %.1f cpu_ms %.1f\n", frames, screens, cpu_ms() - cpu0);
    free(copy);
    return 0;
}

/* Prints a clipboard offer; whether it holds the text \p until. */
static bool print_offer(const struct shmfb_host_msg *m, const char *until)
{
    bool found = false;
    if (m->count == 0)
        printf("clipboard empty\n");
    for (uint32_t i = 0; i < m->count; i++) {
        const struct shmfb_clip_item *it = &m->items[i];
        printf("clipboard %s: %.*s\n", it->mime, (int)it->size, (const char *)it->data);
        found |= strcmp(it->mime, SHMFB_MIME_TEXT) == 0 && it->size == strlen(until) &&
                 memcmp(it->data, until, it->size) == 0;
    }
    fflush(stdout);
    return found;
}

static int clip(struct shmfb_consumer *c, long ms, const char *ready, const char *offer,
                const char *until)
{
    struct shmfb_clip_item item = {.mime = SHMFB_MIME_TEXT, .data = offer, .size = strlen(offer)};
    struct shmfb_host_msg m;
    touch(ready);
    int rc = shmfb_consumer_offer_clipboard(c, &item, 1);
    if (rc < 0) {
        fprintf(stderr, "qemu-watch: offer: %s\n", shmfb_strerror(rc));
        return 1;
    }
    long long end = now_ms() + ms;
    while (now_ms() < end) {
        rc = shmfb_consumer_wait_any(c, 200, SHMFB_WAIT_HOST, NULL);
        if (rc < 0 && rc != -ETIMEDOUT) {
            fprintf(stderr, "qemu-watch: wait: %s\n", shmfb_strerror(rc));
            return 1;
        }
        while (shmfb_consumer_host_recv(c, &m) == 0)
            if (m.type == SHMFB_HOST_CLIPBOARD && print_offer(&m, until))
                return 0;
    }
    if (strcmp(until, "-") == 0)
        return 0;
    fprintf(stderr, "qemu-watch: no clipboard text '%s' within %ld ms\n", until, ms);
    return 1;
}

int main(int argc, char **argv)
{
    struct shmfb_consumer *c;
    bool is_gone = argc == 5 && strcmp(argv[1], "gone") == 0;
    bool is_count = argc == 4 && strcmp(argv[1], "count") == 0;
    bool is_clip = argc == 7 && strcmp(argv[1], "clip") == 0;
    if (!(argc == 3 && strcmp(argv[1], "cursor") == 0) && !is_gone && !is_count && !is_clip) {
        fprintf(stderr, "usage: qemu-watch cursor NAME | gone NAME MS READY | count NAME SECONDS "
                        "| clip NAME MS READY OFFER UNTIL\n");
        return 2;
    }
    int rc = shmfb_consumer_open(argv[2], NULL, &c);
    if (rc < 0) {
        fprintf(stderr, "qemu-watch: %s: %s\n", argv[2], shmfb_strerror(rc));
        return 1;
    }
    if (is_count)
        rc = count(c, strtod(argv[3], NULL));
    else if (is_clip)
        rc = clip(c, strtol(argv[3], NULL, 10), argv[4], argv[5], argv[6]);
    else
        rc = is_gone ? gone(c, strtol(argv[3], NULL, 10), argv[4]) : cursor(c);
    shmfb_consumer_close(c);
    return rc;
}

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
 */
#include <shmfb/shmfb.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
    int fd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0)
        close(fd);
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

int main(int argc, char **argv)
{
    struct shmfb_consumer *c;
    bool is_gone = argc == 5 && strcmp(argv[1], "gone") == 0;
    if (!(argc == 3 && strcmp(argv[1], "cursor") == 0) && !is_gone) {
        fprintf(stderr, "usage: qemu-watch cursor NAME | gone NAME MS READY\n");
        return 2;
    }
    int rc = shmfb_consumer_open(argv[2], NULL, &c);
    if (rc < 0) {
        fprintf(stderr, "qemu-watch: %s: %s\n", argv[2], shmfb_strerror(rc));
        return 1;
    }
    rc = is_gone ? gone(c, strtol(argv[3], NULL, 10), argv[4]) : cursor(c);
    shmfb_consumer_close(c);
    return rc;
}

/*
 * squeak-cursor: waits until the producer of framebuffer NAME publishes a
 * cursor shape, prints "WxH hot X,Y" and writes the shape to OUT.png (RGBA).
 *
 *   squeak-cursor NAME OUT.png
 *
 * Exit status 0, 1 (no framebuffer or no shape within 15 s), 2 usage.
 */
#include <shmfb/png.h>
#include <shmfb/shmfb.h>

#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 15000

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct shmfb_cursor cur;

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: squeak-cursor NAME OUT.png\n");
        return 2;
    }
    struct shmfb_consumer *c = NULL;
    long long end = now_ms() + WAIT_MS;
    int rc;
    while ((rc = shmfb_consumer_open(argv[1], NULL, &c)) < 0 && now_ms() < end)
        usleep(20 * 1000);
    if (rc < 0) {
        fprintf(stderr, "squeak-cursor: %s: %s\n", argv[1], shmfb_strerror(rc));
        return 1;
    }
    while ((rc = shmfb_consumer_cursor(c, &cur)) >= 0 && cur.state != SHMFB_CURSOR_SHAPE &&
           now_ms() < end)
        usleep(20 * 1000);
    shmfb_consumer_close(c);
    if (rc < 0 || cur.state != SHMFB_CURSOR_SHAPE) {
        fprintf(stderr, "squeak-cursor: %s: no cursor shape (%s)\n", argv[1],
                rc < 0 ? shmfb_strerror(rc) : "state not SHAPE");
        return 1;
    }
    char err[256] = "";
    if (shmfb_png_write(argv[2], cur.pixels, cur.width, cur.height, cur.width * 4, true, err,
                        sizeof(err)) < 0) {
        fprintf(stderr, "squeak-cursor: %s: %s\n", argv[2], err);
        return 1;
    }
    printf("%dx%d hot %d,%d\n", cur.width, cur.height, cur.hot_x, cur.hot_y);
    return 0;
}

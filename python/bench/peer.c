/*
 * The C side of python/bench_consumer.py: the producer every consumer is
 * measured against, and the C consumer the Python one is compared with.
 *
 *   shmfb-py-bench-peer produce NAME WxH
 *       creates NAME (fifo), prints "ready", then presents frames as fast as
 *       they are taken (writing only the first pixel of each) until SIGTERM
 *   shmfb-py-bench-peer consume NAME view|copy SECONDS
 *       attaches and takes frames for SECONDS; view reads one pixel of each,
 *       copy copies each whole frame into its own buffer; prints
 *       "frames N seconds S"
 */
#include <shmfb/shmfb.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "shmfb-py-bench-peer: %s: %s\n", what, shmfb_strerror(rc));
    return 1;
}

static int produce(const char *name, int32_t w, int32_t h)
{
    struct shmfb_producer_desc d = {.max_width = w, .max_height = h};
    struct shmfb_producer *p;
    int rc = shmfb_producer_create(name, &d, &p);
    if (rc < 0)
        return fail(name, rc);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    printf("ready\n");
    fflush(stdout);
    uint32_t *px = shmfb_producer_pixels(p);
    for (uint32_t n = 1; !stop; n++) {
        px[0] = 0xFF000000u | n;
        shmfb_producer_present(p);
    }
    shmfb_producer_destroy(p);
    return 0;
}

/* One frame: read a pixel in its middle, or copy all its rows. */
static uint32_t take(const struct shmfb_frame *f, uint32_t *copy)
{
    size_t pitch = (size_t)f->stride / 4;
    if (!copy)
        return f->pixels[(size_t)(f->height / 2) * pitch + (size_t)(f->width / 2)];
    for (int32_t y = 0; y < f->height; y++)
        memcpy(copy + (size_t)y * (size_t)f->width, f->pixels + (size_t)y * pitch,
               (size_t)f->width * 4);
    return copy[0];
}

static int consume(const char *name, int copy, double seconds)
{
    struct shmfb_consumer *c;
    int rc = shmfb_consumer_open(name, NULL, &c);
    if (rc < 0 || (rc = shmfb_consumer_attach(c)) < 0)
        return fail(name, rc);
    int32_t mw, mh;
    shmfb_consumer_capacity(c, &mw, &mh);
    uint32_t *buf = copy ? malloc((size_t)mw * (size_t)mh * 4) : NULL;
    struct shmfb_frame f;
    uint64_t frames = 0, sum = 0;
    double t0 = now_s(), t = t0;
    while (rc == 0 && t - t0 < seconds && (!copy || buf)) {
        rc = shmfb_consumer_wait(c, 1000, &f);
        if (rc == 0) {
            sum += take(&f, buf);
            rc = shmfb_consumer_release(c);
            frames++;
        }
        t = now_s();
    }
    free(buf);
    shmfb_consumer_close(c);
    if (rc < 0)
        return fail(name, rc);
    printf("frames %llu seconds %.6f checksum %llu\n", (unsigned long long)frames, t - t0,
           (unsigned long long)sum);
    return 0;
}

int main(int argc, char **argv)
{
    int32_t w, h;
    if (argc == 4 && strcmp(argv[1], "produce") == 0 && sscanf(argv[3], "%dx%d", &w, &h) == 2)
        return produce(argv[2], w, h);
    if (argc == 5 && strcmp(argv[1], "consume") == 0 &&
        (strcmp(argv[3], "view") == 0 || strcmp(argv[3], "copy") == 0))
        return consume(argv[2], strcmp(argv[3], "copy") == 0, atof(argv[4]));
    fprintf(stderr, "usage: shmfb-py-bench-peer produce NAME WxH\n"
                    "       shmfb-py-bench-peer consume NAME view|copy SECONDS\n");
    return 2;
}

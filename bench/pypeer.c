/* The C side of bench/python_consumer.py: the producer every consumer is
 * measured against, and the C consumer the Python one is compared with. */
#include "args.h"

#include <shmfb/shmfb.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: shmfb-py-bench-peer produce NAME WxH\n"
    "       shmfb-py-bench-peer consume NAME view|copy SECONDS\n"
    "\n"
    "produce: creates NAME (fifo), prints \"ready\", then presents frames as fast\n"
    "as they are taken (writing only the first pixel of each) until SIGTERM.\n"
    "consume: attaches and takes frames for SECONDS; view reads one pixel of\n"
    "each, copy copies each whole frame into its own buffer; prints\n"
    "\"frames N seconds S checksum C\".\n";

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

static int consume(const char *name, bool copy, double seconds)
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

static int run(const struct args *a, char **op, int n)
{
    int32_t w, h;
    if (n == 3 && strcmp(op[0], "produce") == 0) {
        if (args_parse_size(op[2], &w, &h) < 0)
            return args_usage_error(a, "'%s' is not a size WxH", op[2]);
        return produce(op[1], w, h);
    }
    if (n == 4 && strcmp(op[0], "consume") == 0) {
        bool copy = strcmp(op[2], "copy") == 0;
        if (!copy && strcmp(op[2], "view") != 0)
            return args_usage_error(a, "'%s' is neither view nor copy", op[2]);
        char *end;
        double seconds = strtod(op[3], &end);
        if (*end || !(seconds > 0 && seconds <= 3600))
            return args_usage_error(a, "'%s' is not a number of seconds", op[3]);
        return consume(op[1], copy, seconds);
    }
    return args_usage_error(a, "expected 'produce NAME WxH' or 'consume NAME view|copy SECONDS'");
}

int main(int argc, char **argv)
{
    struct args a = {.prog = "shmfb-py-bench-peer", .usage_text = usage, .shortopts = ""};
    args_start(&a, argc, argv);
    int opt;
    while ((opt = args_next(&a)) > 0)
        ;
    if (opt == ARGS_STOP)
        return a.status;
    return run(&a, a.rest, a.nrest);
}

/*
 * The consumer of the access tests, with the trust option of the library
 * (which the shmfb tool does not expose); test-producer --scene tag is the
 * producer whose frames it checks.
 *
 *   access_helper consume NAME [--tag N] [--frames N] [--trust-uid UID]
 *                              [--until-gone] [--timeout MS]
 *       attaches, checks every pixel of N frames (default 3) against the
 *       tag's pattern; with --until-gone then waits until the producer is
 *       gone and says so
 *
 * Errors are one line, "access_helper: NAME: why", and exit status 1.
 */
#include "args.h"
#include "pattern.h"

#include <shmfb/shmfb.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The size access_test.sh gives test-producer. */
#define WIDTH  64
#define HEIGHT 48

static int fail(const char *name, int rc)
{
    fprintf(stderr, "access_helper: %s: %s\n", name, shmfb_strerror(rc));
    return ARGS_EXIT_FAIL;
}

struct opts {
    const char *name;
    long tag, frames, timeout_ms, uid;
    bool trust_uid, until_gone;
};

static int check_frame(const struct opts *o, const struct shmfb_frame *f)
{
    if (f->width != WIDTH || f->height != HEIGHT) {
        fprintf(stderr, "access_helper: %s: frame of %dx%d\n", o->name, f->width, f->height);
        return -1;
    }
    for (int32_t y = 0; y < HEIGHT; y++)
        for (int32_t x = 0; x < WIDTH; x++)
            if (f->pixels[y * f->stride / 4 + x] != test_tag_pattern(o->tag, f->seq, x, y)) {
                fprintf(stderr, "access_helper: %s: frame %llu is not tag %ld's at %d,%d\n",
                        o->name, (unsigned long long)f->seq, o->tag, x, y);
                return -1;
            }
    return 0;
}

static int wait_gone(const struct opts *o, struct shmfb_consumer *c)
{
    for (;;) {
        struct shmfb_frame f;
        int rc = shmfb_consumer_wait(c, (int)o->timeout_ms, &f);
        if (rc == -EPIPE) {
            printf("%s: producer gone\n", o->name);
            return 0;
        }
        if (rc < 0)
            return fail(o->name, rc);
    }
}

static int consume(const struct opts *o)
{
    struct shmfb_consumer_desc d = {.timeout_ms = (int32_t)o->timeout_ms};
    struct shmfb_consumer *c;
    struct shmfb_frame f;
    d.flags = o->trust_uid ? SHMFB_TRUST_UID : 0;
    d.trust_uid = (uint32_t)o->uid;
    int rc = shmfb_consumer_open(o->name, &d, &c);
    if (rc == 0)
        rc = shmfb_consumer_attach(c);
    /* The frame already out when we attached may be under the producer's
     * brush (FIFO holds still only for frames presented to us): skip it. */
    if (rc == 0)
        rc = shmfb_consumer_wait(c, (int)o->timeout_ms, &f);
    for (long n = 0; rc == 0 && n < o->frames; n++) {
        rc = shmfb_consumer_wait(c, (int)o->timeout_ms, &f);
        if (rc == 0 && check_frame(o, &f) < 0) {
            shmfb_consumer_close(c);
            return ARGS_EXIT_FAIL;
        }
    }
    if (rc == 0) {
        printf("%s: %ld frames of tag %ld\n", o->name, o->frames, o->tag);
        fflush(stdout);
        rc = o->until_gone ? wait_gone(o, c) : 0;
    } else {
        rc = fail(o->name, rc);
    }
    shmfb_consumer_close(c);
    return rc;
}

static const char usage[] =
    "usage: access_helper consume NAME [--tag N] [--frames N] [--trust-uid UID]\n"
    "                                  [--until-gone] [--timeout MS]\n";

enum { OPT_TAG = 256, OPT_FRAMES, OPT_TRUST, OPT_GONE, OPT_TIMEOUT };

static int parse_one(struct args *a, int opt, struct opts *o)
{
    switch (opt) {
    case OPT_TAG:
        return args_long(a, 0, 255, &o->tag);
    case OPT_FRAMES:
        return args_long(a, 0, 1000, &o->frames);
    case OPT_TIMEOUT:
        return args_long(a, 1, 60000, &o->timeout_ms);
    case OPT_TRUST:
        o->trust_uid = true;
        return args_long(a, 0, UINT32_MAX, &o->uid);
    default:
        o->until_gone = true;
        return 0;
    }
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"tag", required_argument, NULL, OPT_TAG},
        {"frames", required_argument, NULL, OPT_FRAMES},
        {"trust-uid", required_argument, NULL, OPT_TRUST},
        {"until-gone", no_argument, NULL, OPT_GONE},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {NULL, 0, NULL, 0},
    };
    struct args a = {.prog = "access_helper", .usage_text = usage, .longopts = longopts};
    struct opts o = {.frames = 3, .timeout_ms = 5000};
    int opt;
    args_start(&a, argc, argv);
    while ((opt = args_next(&a)) > 0)
        if (parse_one(&a, opt, &o) < 0)
            return ARGS_EXIT_USAGE;
    if (opt == ARGS_STOP)
        return a.status;
    if (a.nrest != 2 || strcmp(a.rest[0], "consume") != 0)
        return args_usage_error(&a, "expected consume NAME");
    o.name = a.rest[1];
    return consume(&o);
}

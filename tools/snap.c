/* shmfb snap: one frame of a framebuffer to a PNG file. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <shmfb/png.h>

static const char snap_usage[] =
    "usage: shmfb snap NAME OUT.png [OPTIONS]\n"
    "\n"
    "Attaches to framebuffer NAME, asks it for a frame, waits for the next frame it\n"
    "presents, writes that frame (its width x height) to OUT.png, releases it and\n"
    "detaches.  The producer cannot draw over a frame while it is held.  A producer\n"
    "that answers frame requests presents at once; if the producer presents\n"
    "nothing within the timeout, its last frame is written instead; if it never\n"
    "presented one, that is an error.  Prints \"OUT.png: frame SEQ, WxH\".\n"
    "\n"
    "Options:\n"
    "  --now           take the last presented frame at once, without attaching\n"
    "                  (may tear if the producer draws meanwhile)\n"
    "  --timeout MS    longest wait for a frame (default 2000; -1: no limit)\n"
    "  --alpha         write an RGBA file with the pixels' alpha bytes as stored\n"
    "                  (meaningful for ARGB framebuffers; default: RGB)\n"
    "  -h, --help      show this help\n";

struct snap_opts {
    const char *name, *out;
    bool now, alpha;
    long timeout_ms;
};

enum { OPT_NOW = 256, OPT_ALPHA, OPT_TIMEOUT };

static int parse_args(int argc, char **argv, struct snap_opts *o)
{
    static const struct option longopts[] = {
        {"now", no_argument, NULL, OPT_NOW},
        {"alpha", no_argument, NULL, OPT_ALPHA},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {NULL, 0, NULL, 0},
    };
    struct args a = {.prog = "shmfb",
                     .help = "shmfb snap --help",
                     .usage_text = snap_usage,
                     .longopts = longopts};
    int opt;

    *o = (struct snap_opts){NULL, NULL, false, false, 2000};
    args_start(&a, argc, argv);
    while ((opt = args_next(&a)) > 0) {
        if (opt == OPT_NOW)
            o->now = true;
        else if (opt == OPT_ALPHA)
            o->alpha = true;
        else if (args_long(&a, -1, 86400000, &o->timeout_ms) < 0)
            return CLI_USAGE;
    }
    if (opt == ARGS_STOP)
        return a.status;
    if (a.nrest < 2)
        return args_usage_error(&a, "%s", a.nrest ? "missing OUT.png" : "missing NAME");
    if (a.nrest > 2)
        return args_usage_error(&a, "unexpected argument '%s'", a.rest[2]);
    o->name = a.rest[0];
    o->out = a.rest[1];
    return CLI_RUN;
}

static int write_frame(const struct snap_opts *o, const struct shmfb_frame *f)
{
    char err[256];
    int rc = shmfb_png_write(o->out, f->pixels, f->width, f->height, f->stride, o->alpha, err,
                             sizeof(err));

    if (rc < 0) {
        /* The library's reason already names the file. */
        if (!err[0])
            return cli_fail(o->out, shmfb_png_strerror(rc));
        fprintf(stderr, "shmfb: %s\n", err);
        return CLI_FAIL;
    }
    printf("%s: frame %llu, %dx%d\n", o->out, (unsigned long long)f->seq, (int)f->width,
           (int)f->height);
    return CLI_OK;
}

static int snap_now(const struct snap_opts *o, struct shmfb_consumer *c)
{
    struct shmfb_frame f;
    int rc = shmfb_consumer_peek(c, &f);

    if (rc < 0)
        return cli_fail(o->name, shmfb_strerror(rc));
    return write_frame(o, &f);
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining_ms(int64_t deadline)
{
    int64_t left = deadline - now_ms();

    return deadline < 0 ? -1 : left > 0 ? (int)left : 0;
}

/*
 * A FIFO producer holds still for a frame only when it presented that frame
 * while we were attached; the frame already there when we attached may be
 * under its brush right now.  So wait for a newer one, and fall back to the
 * older frame only if the producer stays idle for the whole timeout.
 */
static int wait_fresh(const struct snap_opts *o, struct shmfb_consumer *c, struct shmfb_frame *f)
{
    int64_t deadline = o->timeout_ms < 0 ? -1 : now_ms() + o->timeout_ms;
    uint64_t seen = 0;
    int rc;

    if (shmfb_consumer_peek(c, f) == 0)
        seen = f->seq;
    shmfb_consumer_request_frame(c); /* an idle producer that answers presents now */
    for (;;) {
        rc = shmfb_consumer_wait(c, remaining_ms(deadline), f);
        if (rc < 0 || f->seq > seen)
            break;
        shmfb_consumer_release(c);
    }
    if (rc == -ETIMEDOUT && seen > 0)
        rc = shmfb_consumer_peek(c, f) == 0 ? 1 : rc;
    return rc;
}

static int snap_next(const struct snap_opts *o, struct shmfb_consumer *c)
{
    struct shmfb_frame f;
    bool held;
    int rc = shmfb_consumer_attach(c);

    if (rc < 0)
        return cli_fail(o->name, shmfb_strerror(rc));
    rc = wait_fresh(o, c, &f);
    if (rc < 0) {
        rc = cli_fail(o->name, shmfb_strerror(rc));
        goto fail_wait;
    }
    held = rc == 0;
    rc = write_frame(o, &f);
    if (held)
        shmfb_consumer_release(c);
fail_wait:
    shmfb_consumer_detach(c);
    return rc;
}

int cli_snap(int argc, char **argv)
{
    struct snap_opts o;
    struct shmfb_consumer *c;
    int rc;

    if ((rc = parse_args(argc, argv, &o)) != CLI_RUN)
        return rc;
    rc = shmfb_consumer_open(o.name, NULL, &c);
    if (rc < 0)
        return cli_fail(o.name, shmfb_strerror(rc));
    rc = o.now ? snap_now(&o, c) : snap_next(&o, c);
    shmfb_consumer_close(c);
    return rc;
}

/* Draws the demo's sprite, a shaded ball with soft edges: mksprite OUT.png [SIZE]. */
#include "args.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <shmfb/png.h>

static uint32_t channel(double v)
{
    if (v <= 0)
        return 0;
    return v >= 1 ? 255 : (uint32_t)lround(v * 255);
}

static uint32_t ball_pixel(int x, int y, int size)
{
    double c = size / 2.0, r = c - 0.5;
    double dx = x + 0.5 - c, dy = y + 0.5 - c;
    double d = sqrt(dx * dx + dy * dy);
    double cover = r + 0.5 - d; /* one pixel of anti-aliased edge */
    double lx = dx + r * 0.35, ly = dy + r * 0.35;
    double light = 1.0 - sqrt(lx * lx + ly * ly) / (2 * r);
    double shade = 0.35 + 0.65 * light;

    if (cover <= 0)
        return 0;
    return channel(cover) << 24 | channel(shade * 1.00) << 16 | channel(shade * 0.85) << 8 |
           channel(shade * 0.30 + light * light * 0.5);
}

static const char usage[] = "usage: shmfb_mksprite OUT.png [SIZE]\n"
                            "Draws the demo's sprite, SIZE x SIZE pixels (2..1024, default 32),\n"
                            "into OUT.png (assets/sprite.png is the default size).\n";

/* Returns -1 to run, or the exit status. */
static int parse(int argc, char **argv, const char **out, long *size)
{
    struct args a = {.prog = "shmfb_mksprite", .usage_text = usage};
    int opt;

    args_start(&a, argc, argv);
    while ((opt = args_next(&a)) > 0)
        ; /* only --help and --version */
    if (opt == ARGS_STOP)
        return a.status;
    if (a.nrest < 1 || a.nrest > 2)
        return args_usage_error(&a, a.nrest ? "too many arguments" : "missing OUT.png");
    *out = a.rest[0];
    *size = 32;
    if (a.nrest == 2 && args_parse_long(a.rest[1], 2, 1024, size) < 0)
        return args_usage_error(&a, "invalid SIZE '%s': expected 2 to 1024", a.rest[1]);
    return -1;
}

int main(int argc, char **argv)
{
    const char *out = NULL;
    long lsize = 0;
    struct shmfb_image img;
    char err[256];
    int rc = parse(argc, argv, &out, &lsize);

    if (rc >= 0)
        return rc;
    int size = (int)lsize;
    if (shmfb_image_alloc(&img, size, size) < 0)
        return 1;
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
            img.pixels[y * size + x] = ball_pixel(x, y, size);
    rc = shmfb_png_write(out, img.pixels, size, size, img.stride, true, err, sizeof(err));
    shmfb_image_free(&img);
    if (rc < 0) {
        fprintf(stderr, "shmfb_mksprite: %s\n", err);
        return 1;
    }
    return 0;
}

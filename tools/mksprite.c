/* Draws the demo's sprite, a shaded ball with soft edges: mksprite OUT.png [SIZE]. */
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

int main(int argc, char **argv)
{
    int size = argc > 2 ? atoi(argv[2]) : 32;
    struct shmfb_image img;
    char err[256];
    int rc;

    if (argc < 2 || size < 2 || size > 1024) {
        fprintf(stderr, "usage: mksprite OUT.png [SIZE]\n");
        return 2;
    }
    if (shmfb_image_alloc(&img, size, size) < 0)
        return 1;
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
            img.pixels[y * size + x] = ball_pixel(x, y, size);
    rc = shmfb_png_write(argv[1], img.pixels, size, size, img.stride, true, err, sizeof(err));
    shmfb_image_free(&img);
    if (rc < 0) {
        fprintf(stderr, "mksprite: %s\n", err);
        return 1;
    }
    return 0;
}

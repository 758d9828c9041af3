#include "png_internal.h"
#include "../rect.h"
#include "../reserved.h"

#include <errno.h>
#include <string.h>

static const uint32_t *row_of(const struct shmfb_image *img, int32_t y)
{
    return (const uint32_t *)((const unsigned char *)img->pixels + (size_t)y * img->stride);
}

static int channel_delta(uint32_t p, uint32_t q, int shift)
{
    int a = (int)((p >> shift) & 0xff);
    int b = (int)((q >> shift) & 0xff);

    return a > b ? a - b : b - a;
}

/* The largest difference over the channels being compared. */
static int pixel_delta(uint32_t p, uint32_t q, bool alpha)
{
    int d = channel_delta(p, q, 16);
    int g = channel_delta(p, q, 8);
    int b = channel_delta(p, q, 0);

    if (g > d)
        d = g;
    if (b > d)
        d = b;
    if (alpha && channel_delta(p, q, 24) > d)
        d = channel_delta(p, q, 24);
    return d;
}

static void bbox_add(struct shmfb_rect *r, int32_t x, int32_t y, bool first)
{
    struct shmfb_rect px = {x, y, 1, 1};
    *r = first ? px : shmfb__rect_union(*r, px);
}

static void compare_pixels(const struct shmfb_image *a, const struct shmfb_image *b, int tolerance,
                           bool alpha, struct shmfb_diff *d)
{
    for (int32_t y = 0; y < a->height; y++) {
        const uint32_t *ra = row_of(a, y), *rb = row_of(b, y);

        for (int32_t x = 0; x < a->width; x++) {
            int delta = pixel_delta(ra[x], rb[x], alpha);

            if (delta > d->max_delta)
                d->max_delta = delta;
            if (delta > tolerance) {
                bbox_add(&d->bbox, x, y, d->differing == 0);
                d->differing++;
            }
        }
    }
}

/* Differing pixels red, the rest a quarter-bright opaque copy of \p a. */
static int write_diff(const struct shmfb_image *a, const struct shmfb_image *b, int tolerance,
                      bool alpha, const char *path)
{
    struct shmfb_image img;
    int rc = shmfb_image_alloc(&img, a->width, a->height);

    if (rc < 0)
        return rc;
    for (int32_t y = 0; y < a->height; y++) {
        const uint32_t *ra = row_of(a, y), *rb = row_of(b, y);
        uint32_t *out = img.pixels + (size_t)y * (size_t)a->width;

        for (int32_t x = 0; x < a->width; x++) {
            if (pixel_delta(ra[x], rb[x], alpha) > tolerance)
                out[x] = 0xffff0000u;
            else
                out[x] = 0xff000000u | ((ra[x] >> 2) & 0x003f3f3fu);
        }
    }
    rc = shmfb_png_write(path, img.pixels, img.width, img.height, img.stride, false, NULL, 0);
    shmfb_image_free(&img);
    return rc;
}

/* Any size can be compared; only writing a diff image has a limit. */
static int check_image(const struct shmfb_image *img)
{
    int rc;

    if (!img || !img->pixels || !SHMFB__RESERVED_ZERO(img))
        return -EINVAL;
    rc = shmfb_png_check_geometry(img->width, img->height, img->stride);
    return rc == -EOVERFLOW ? 0 : rc;
}

int shmfb_image_compare(const struct shmfb_image *a, const struct shmfb_image *b, int tolerance,
                        bool alpha, struct shmfb_diff *out, const char *diff_path)
{
    struct shmfb_diff d;
    int rc;

    memset(&d, 0, sizeof(d));
    if (out)
        *out = d;
    if ((rc = check_image(a)) < 0 || (rc = check_image(b)) < 0)
        return rc;
    if (tolerance < 0)
        return -EINVAL;
    if (a->width != b->width || a->height != b->height)
        return -EDOM;
    compare_pixels(a, b, tolerance, alpha, &d);
    if (out)
        *out = d;
    if (d.differing == 0)
        return 0;
    if (diff_path && (rc = write_diff(a, b, tolerance, alpha, diff_path)) < 0)
        return rc;
    return 1;
}

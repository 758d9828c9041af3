/*
 * squeak-compare: compares two PNG files pixel by pixel (RGB), leaving out
 * masked rectangles (a clock, a mouse-position readout).
 *
 *   squeak-compare [--quiet] [--alpha] [--mask X,Y,W,H]... [--diff OUT.png] A.png B.png
 *
 * --alpha compares the alpha channels too.  Exit status 0 equal, 1 different (one line says where;
 * --diff writes an image of the differences), 2 an error.
 */
#include <shmfb/png.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MASKS_MAX 8

struct options {
    bool quiet, alpha;
    const char *diff, *a, *b;
    int nmasks;
    int32_t masks[MASKS_MAX][4];
};

static int usage(void)
{
    fprintf(stderr, "usage: squeak-compare [--quiet] [--alpha] [--mask X,Y,W,H]... "
                    "[--diff OUT.png] A.png B.png\n");
    return 2;
}

static int parse(int argc, char **argv, struct options *o)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--quiet")) {
            o->quiet = true;
        } else if (!strcmp(argv[i], "--alpha")) {
            o->alpha = true;
        } else if (!strcmp(argv[i], "--diff") && i + 1 < argc) {
            o->diff = argv[++i];
        } else if (!strcmp(argv[i], "--mask") && i + 1 < argc && o->nmasks < MASKS_MAX) {
            int32_t *m = o->masks[o->nmasks++];
            char tail;
            if (sscanf(argv[++i], "%d,%d,%d,%d%c", &m[0], &m[1], &m[2], &m[3], &tail) != 4)
                return usage();
        } else {
            return usage();
        }
    }
    if (argc - i != 2)
        return usage();
    o->a = argv[i];
    o->b = argv[i + 1];
    return 0;
}

static int load(const char *path, struct shmfb_image *img)
{
    char err[256] = "";
    int rc = shmfb_png_read(path, img, err, sizeof(err));
    if (rc < 0)
        fprintf(stderr, "squeak-compare: %s: %s\n", path, err[0] ? err : shmfb_png_strerror(rc));
    return rc;
}

static void blank(struct shmfb_image *img, const int32_t *m)
{
    for (int32_t y = m[1] < 0 ? 0 : m[1]; y < m[1] + m[3] && y < img->height; y++)
        for (int32_t x = m[0] < 0 ? 0 : m[0]; x < m[0] + m[2] && x < img->width; x++)
            img->pixels[(size_t)y * (size_t)(img->stride / 4) + (size_t)x] = 0;
}

int main(int argc, char **argv)
{
    struct options o = {0};
    if (parse(argc, argv, &o))
        return 2;
    struct shmfb_image a, b;
    if (load(o.a, &a) < 0)
        return 2;
    if (load(o.b, &b) < 0) {
        shmfb_image_free(&a);
        return 2;
    }
    for (int i = 0; i < o.nmasks; i++) {
        blank(&a, o.masks[i]);
        blank(&b, o.masks[i]);
    }
    struct shmfb_diff d;
    int rc = shmfb_image_compare(&a, &b, 0, o.alpha, &d, o.diff);
    if (rc == -EDOM && !o.quiet)
        fprintf(stderr, "squeak-compare: %s is %dx%d, %s is %dx%d\n", o.a, a.width, a.height, o.b,
                b.width, b.height);
    else if (rc == 1 && !o.quiet)
        fprintf(stderr, "squeak-compare: %s and %s differ in %llu pixels within %d,%d %dx%d%s%s\n",
                o.a, o.b, (unsigned long long)d.differing, d.bbox.x, d.bbox.y, d.bbox.w, d.bbox.h,
                o.diff ? "; diff image: " : "", o.diff ? o.diff : "");
    else if (rc < 0 && rc != -EDOM)
        fprintf(stderr, "squeak-compare: %s\n", shmfb_png_strerror(rc));
    shmfb_image_free(&a);
    shmfb_image_free(&b);
    return rc == 0 ? 0 : rc == 1 || rc == -EDOM ? 1 : 2;
}

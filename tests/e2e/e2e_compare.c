/*
 * e2e-compare: compares two PNG files pixel by pixel (RGB).
 * Exit status 0 equal, 1 different (a diff image is written with --diff),
 * 2 an error.
 */
#include <shmfb/png.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int load(const char *path, struct shmfb_image *img)
{
    char err[256] = "";
    int rc = shmfb_png_read(path, img, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "e2e-compare: %s: %s\n", path, err[0] ? err : shmfb_png_strerror(rc));
    return rc;
}

static int compare(const char *pa, const char *pb, int tol, const char *diff, bool quiet)
{
    struct shmfb_image a, b;
    if (load(pa, &a) < 0)
        return 2;
    if (load(pb, &b) < 0) {
        shmfb_image_free(&a);
        return 2;
    }
    struct shmfb_diff d;
    int rc = shmfb_image_compare(&a, &b, tol, false, &d, diff);
    if (rc == -EDOM && !quiet)
        fprintf(stderr, "e2e-compare: %s is %dx%d, %s is %dx%d\n", pa, a.width, a.height, pb,
                b.width, b.height);
    else if (rc == 1 && !quiet)
        fprintf(stderr,
                "e2e-compare: %s and %s differ in %llu pixels within %d,%d %dx%d "
                "(largest channel delta %d)%s%s\n",
                pa, pb, (unsigned long long)d.differing, d.bbox.x, d.bbox.y, d.bbox.w, d.bbox.h,
                d.max_delta, diff ? "; diff image: " : "", diff ? diff : "");
    else if (rc < 0 && rc != -EDOM)
        fprintf(stderr, "e2e-compare: %s\n", shmfb_png_strerror(rc));
    shmfb_image_free(&a);
    shmfb_image_free(&b);
    return rc == 0 ? 0 : rc == 1 || rc == -EDOM ? 1 : 2;
}

int main(int argc, char **argv)
{
    int tol = 0, i = 1;
    const char *diff = NULL;
    bool quiet = false;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--quiet"))
            quiet = true;
        else if (!strcmp(argv[i], "--tolerance") && i + 1 < argc)
            tol = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--diff") && i + 1 < argc)
            diff = argv[++i];
        else
            break;
    }
    if (argc - i != 2) {
        fprintf(stderr, "usage: e2e-compare [--tolerance N] [--diff OUT.png] [--quiet] A.png "
                        "B.png\n");
        return 2;
    }
    return compare(argv[i], argv[i + 1], tol, diff, quiet);
}

#include "png_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* An open output file and whether this call created it. */
struct out_file {
    FILE *fp;
    bool created;
};

static int open_output(const char *path, struct out_file *of)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);

    of->created = fd >= 0;
    if (fd < 0 && errno == EEXIST)
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    of->fp = fdopen(fd, "wb");
    if (!of->fp) {
        int rc = -errno;

        close(fd);
        return rc;
    }
    return 0;
}

/* Packs the colour bytes of each pixel, dropping alpha, for an RGB file. */
static int pack_rgb(const uint32_t *pixels, int32_t width, int32_t height, int32_t stride,
                    unsigned char **out)
{
    unsigned char *buf = malloc((size_t)width * (size_t)height * 3);

    *out = buf;
    if (!buf)
        return -ENOMEM;
    for (int32_t y = 0; y < height; y++) {
        const uint32_t *row =
            (const uint32_t *)((const unsigned char *)pixels + (size_t)y * (size_t)stride);
        unsigned char *dst = buf + (size_t)y * (size_t)width * 3;

        for (int32_t x = 0; x < width; x++) {
            dst[3 * x + 0] = (unsigned char)(row[x] >> 16);
            dst[3 * x + 1] = (unsigned char)(row[x] >> 8);
            dst[3 * x + 2] = (unsigned char)row[x];
        }
    }
    return 0;
}

/* Runs libpng on an open file; the buffer is either native words (alpha)
 * or packed RGB bytes. */
static int encode(FILE *fp, const char *path, const void *buf, int32_t width, int32_t height,
                  int32_t row_stride, bool alpha, char *err, size_t errsize)
{
    png_image image;

    memset(&image, 0, sizeof(image));
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = alpha ? SHMFB_PNG_NATIVE_FORMAT : PNG_FORMAT_RGB;
    errno = 0;
    if (png_image_write_to_stdio(&image, fp, 0, buf, row_stride, NULL))
        return 0;
    if (ferror(fp) && errno != 0)
        return -errno;
    shmfb_png_set_err(err, errsize, "%s: %s", path, image.message);
    return shmfb_png_errno_from_message(image.message, -EIO);
}

static int finish_output(struct out_file *of, const char *path, int rc)
{
    /* stdio may hold the last block until fclose, so its result counts. */
    errno = 0;
    if (fclose(of->fp) != 0 && rc == 0)
        rc = errno ? -errno : -EIO;
    if (rc < 0 && of->created)
        unlink(path);
    return rc;
}

static int write_file(const char *path, const void *buf, int32_t width, int32_t height,
                      int32_t row_stride, bool alpha, char *err, size_t errsize)
{
    struct out_file of = {NULL, false};
    int rc = open_output(path, &of);

    if (rc < 0) {
        shmfb_png_set_err(err, errsize, "%s: %s", path, shmfb_png_strerror(rc));
        return rc;
    }
    rc = encode(of.fp, path, buf, width, height, row_stride, alpha, err, errsize);
    rc = finish_output(&of, path, rc);
    if (rc < 0 && err && errsize && err[0] == '\0')
        shmfb_png_set_err(err, errsize, "%s: %s", path, shmfb_png_strerror(rc));
    return rc;
}

int shmfb_png_write(const char *path, const uint32_t *pixels, int32_t width, int32_t height,
                    int32_t stride, bool alpha, char *err, size_t errsize)
{
    unsigned char *rgb = NULL;
    int rc;

    shmfb_png_set_err(err, errsize, "%s", "");
    if (!path || !pixels) {
        shmfb_png_set_err(err, errsize, "%s", "NULL path or pixels");
        return -EINVAL;
    }
    rc = shmfb_png_check_geometry(width, height, stride);
    /* libpng addresses the whole buffer with 32-bit offsets. */
    if (rc == 0 && (uint64_t)height * (uint64_t)stride > UINT32_MAX)
        rc = -EOVERFLOW;
    if (rc < 0) {
        shmfb_png_set_err(err, errsize, "bad geometry %dx%d stride %d: %s", (int)width, (int)height,
                          (int)stride, shmfb_png_strerror(rc));
        return rc;
    }
    if (alpha)
        return write_file(path, pixels, width, height, stride, true, err, errsize);
    rc = pack_rgb(pixels, width, height, stride, &rgb);
    if (rc == 0)
        rc = write_file(path, rgb, width, height, width * 3, false, err, errsize);
    else
        shmfb_png_set_err(err, errsize, "%s", shmfb_png_strerror(rc));
    free(rgb);
    return rc;
}

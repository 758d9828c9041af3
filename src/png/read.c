#include "png_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Tells "not a PNG at all" apart from "a damaged PNG" before libpng runs. */
static int check_signature(int fd)
{
    unsigned char sig[8];
    ssize_t n;

    do
        n = pread(fd, sig, sizeof(sig), 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if (n < (ssize_t)sizeof(sig) || png_sig_cmp(sig, 0, sizeof(sig)) != 0)
        return -EILSEQ;
    return 0;
}

/* libpng stops reading after the last row, so a file cut short just before
 * or inside its IEND chunk would pass; a PNG always ends with that chunk. */
static int check_trailer(FILE *fp)
{
    static const unsigned char iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
    unsigned char tail[sizeof(iend)];
    struct stat st;
    ssize_t n;

    if (fstat(fileno(fp), &st) != 0)
        return -errno;
    if (st.st_size < (off_t)(8 + sizeof(iend)))
        return -EBADMSG;
    do
        n = pread(fileno(fp), tail, sizeof(tail), st.st_size - (off_t)sizeof(tail));
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if (n != (ssize_t)sizeof(tail) || memcmp(tail, iend, sizeof(iend)) != 0)
        return -EBADMSG;
    return 0;
}

static int open_input(const char *path, FILE **fp, char *err, size_t errsize)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    int rc = fd < 0 ? -errno : check_signature(fd);

    *fp = NULL;
    if (rc == 0) {
        *fp = fdopen(fd, "rb");
        if (!*fp)
            rc = -errno;
    }
    if (rc < 0) {
        if (fd >= 0)
            close(fd);
        shmfb_png_set_err(err, errsize, "%s: %s", path, shmfb_png_strerror(rc));
    }
    return rc;
}

/* Reads the header and picks the in-memory format; checks the size. */
static int begin(png_image *image, FILE *fp, const char *path, char *err, size_t errsize)
{
    memset(image, 0, sizeof(*image));
    image->version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_stdio(image, fp)) {
        shmfb_png_set_err(err, errsize, "%s: %s", path, image->message);
        return shmfb_png_errno_from_message(image->message, -EBADMSG);
    }
    if ((int64_t)image->width * image->height > SHMFB_IMAGE_PIXELS_MAX) {
        shmfb_png_set_err(err, errsize, "%s: %lux%lu pixels: %s", path, (unsigned long)image->width,
                          (unsigned long)image->height, shmfb_png_strerror(-EOVERFLOW));
        png_image_free(image);
        return -EOVERFLOW;
    }
    image->format = SHMFB_PNG_NATIVE_FORMAT;
    return 0;
}

static int decode(FILE *fp, const char *path, struct shmfb_image *out, char *err, size_t errsize)
{
    png_image image;
    int rc = begin(&image, fp, path, err, errsize);

    if (rc < 0)
        return rc;
    rc = shmfb_image_alloc(out, (int32_t)image.width, (int32_t)image.height);
    if (rc < 0) {
        shmfb_png_set_err(err, errsize, "%s: %s", path, shmfb_png_strerror(rc));
        goto fail_alloc;
    }
    if (!png_image_finish_read(&image, NULL, out->pixels, out->stride, NULL)) {
        shmfb_png_set_err(err, errsize, "%s: %s", path, image.message);
        rc = shmfb_png_errno_from_message(image.message, -EBADMSG);
        goto fail_read;
    }
    rc = check_trailer(fp);
    if (rc < 0) {
        shmfb_png_set_err(err, errsize, "%s: no IEND chunk at the end: %s", path,
                          shmfb_png_strerror(rc));
        shmfb_image_free(out);
    }
    return rc;

fail_read:
    shmfb_image_free(out);
fail_alloc:
    png_image_free(&image);
    return rc;
}

int shmfb_png_read(const char *path, struct shmfb_image *out, char *err, size_t errsize)
{
    FILE *fp;
    int rc;

    shmfb_png_set_err(err, errsize, "%s", "");
    if (out)
        memset(out, 0, sizeof(*out));
    if (!path || !out) {
        shmfb_png_set_err(err, errsize, "%s", "NULL path or image");
        return -EINVAL;
    }
    rc = open_input(path, &fp, err, errsize);
    if (rc < 0)
        return rc;
    rc = decode(fp, path, out, err, errsize);
    fclose(fp);
    return rc;
}

#include "png_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int shmfb_image_alloc(struct shmfb_image *out, int32_t width, int32_t height)
{
    int rc;

    if (!out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    if (width <= 0 || height <= 0)
        return -EINVAL;
    if ((int64_t)width * height > SHMFB_IMAGE_PIXELS_MAX)
        return -EOVERFLOW;
    rc = shmfb_png_check_geometry(width, height, width * 4);
    if (rc < 0)
        return rc;
    out->pixels = calloc((size_t)width * (size_t)height, sizeof(uint32_t));
    if (!out->pixels)
        return -ENOMEM;
    out->width = width;
    out->height = height;
    out->stride = width * 4;
    return 0;
}

void shmfb_image_free(struct shmfb_image *img)
{
    if (!img)
        return;
    free(img->pixels);
    memset(img, 0, sizeof(*img));
}

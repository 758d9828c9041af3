#include "png_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void shmfb_png_set_err(char *err, size_t errsize, const char *fmt, ...)
{
    va_list ap;

    if (!err || errsize == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errsize, fmt, ap);
    va_end(ap);
}

int shmfb_png_check_geometry(int32_t width, int32_t height, int32_t stride)
{
    if (width <= 0 || height <= 0 || stride <= 0 || stride % 4 != 0)
        return -EINVAL;
    if ((int64_t)width * height > SHMFB_IMAGE_PIXELS_MAX)
        return -EOVERFLOW;
    if (stride / 4 < width)
        return -EINVAL;
    return 0;
}

int shmfb_png_errno_from_message(const char *message, int fallback)
{
    /* The simplified API reports only a message; libpng's allocation
     * failures all say "out of memory" in some capitalisation. */
    if (message && strcasestr(message, "out of memory"))
        return -ENOMEM;
    return fallback;
}

const char *shmfb_png_strerror(int code)
{
    switch (code) {
    case -EILSEQ:
        return "not a PNG file";
    case -ENOENT:
        return "no such file or directory";
    case -ENOSPC:
        return "no space left on device";
    case -EBADMSG:
        return "truncated or corrupt PNG file";
    case -EDOM:
        return "images differ in size";
    case -EOVERFLOW:
        return "image too large";
    default:
        return shmfb_strerror(code);
    }
}

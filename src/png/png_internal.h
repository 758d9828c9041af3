/* Helpers shared by the parts of libshmfb-png.  Not installed. */
#ifndef SHMFB_PNG_INTERNAL_H
#define SHMFB_PNG_INTERNAL_H

#include <shmfb/png.h>

#include <png.h>

/* libpng's simplified API names byte orders; a native 0xAARRGGBB word is
 * B,G,R,A in memory on little-endian machines and A,R,G,B on big-endian. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define SHMFB_PNG_NATIVE_FORMAT PNG_FORMAT_ARGB
#else
#define SHMFB_PNG_NATIVE_FORMAT PNG_FORMAT_BGRA
#endif

/* Copies a formatted reason into a caller's buffer, which may be NULL. */
void shmfb_png_set_err(char *err, size_t errsize, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 0 when width x height pixels with this stride describe a usable image,
 * -EINVAL or -EOVERFLOW otherwise. */
int shmfb_png_check_geometry(int32_t width, int32_t height, int32_t stride);

/* Maps a libpng failure message to an errno for the given phase:
 * memory exhaustion becomes -ENOMEM, anything else \p fallback. */
int shmfb_png_errno_from_message(const char *message, int fallback);

#endif /* SHMFB_PNG_INTERNAL_H */

/*
 * libshmfb-png — PNG files for shmfb framebuffers, through libpng.
 *
 * Pixels are native-endian 32-bit 0xAARRGGBB words (enum shmfb_format) with
 * an explicit stride in bytes, exactly as in a shmfb framebuffer.
 * Same conventions as <shmfb/shmfb.h>: 0 or a negative errno, no printing,
 * and the same ABI growth rule (struct shmfb_image is an input of
 * shmfb_image_compare() and an output of the functions that fill it;
 * struct shmfb_diff is an output).
 */
#ifndef SHMFB_PNG_H
#define SHMFB_PNG_H

#include <shmfb/shmfb.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most pixels in an image this library reads or allocates (1 GiB of pixels;
 *  the largest framebuffer, SHMFB_DIM_MAX squared, fits). */
#define SHMFB_IMAGE_PIXELS_MAX ((int64_t)1 << 28)

/** An image in memory: height rows of stride bytes, width pixels used. */
struct shmfb_image {
    int32_t width;
    int32_t height;
    int32_t stride;   /**< bytes from one row to the next, >= width * 4 */
    uint32_t *pixels; /**< 0xAARRGGBB words */
    /** Zeroed by the functions that fill an image; must be zero in an image
     *  given to shmfb_image_compare(), else -EINVAL. */
    uint64_t reserved[8];
};

/** The outcome of shmfb_image_compare(). */
struct shmfb_diff {
    uint64_t differing;     /**< pixels with a channel beyond the tolerance */
    struct shmfb_rect bbox; /**< bounding box of those pixels (0s if none) */
    int32_t max_delta;      /**< largest channel difference seen */
    /** Zeroed by the library; 60 bytes, not 64, so that the struct ends
     *  without padding. */
    uint32_t reserved[15];
};

/**
 * Writes \p width × \p height pixels to a PNG file.
 *
 * The file is created (mode 0666 less the umask) or truncated.  If writing
 * fails, a file this call created is removed again; an existing file that
 * was truncated is left as it is.
 *
 * \param path    file to write
 * \param pixels  the first pixel of the top row
 * \param stride  bytes from one row to the next: a multiple of 4, >= width*4
 * \param alpha   true: RGBA with the pixels' alpha; false: RGB, alpha ignored
 * \param err     buffer for a human-readable reason on failure; may be NULL
 * \param errsize size of \p err in bytes
 * \returns 0; -EINVAL (NULL pointers, non-positive size, bad stride),
 *          -EOVERFLOW (more than SHMFB_IMAGE_PIXELS_MAX pixels, or height ×
 *          stride beyond 4 GiB), -EACCES, -ENOENT (directory missing),
 *          -EISDIR, -ENOSPC, -EIO, -ENOMEM, or
 *          another negative errno from opening or writing the file.
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_png_write(const char *path, const uint32_t *pixels, int32_t width,
                                 int32_t height, int32_t stride, bool alpha, char *err,
                                 size_t errsize);

/**
 * Reads a PNG file into a newly allocated image (stride = width * 4); any
 * PNG colour type is converted to 0xAARRGGBB (opaque where it had no alpha).
 * The file must end with its IEND chunk; one cut short anywhere is -EBADMSG.
 *
 * \param path    file to read
 * \param out     receives the image; zeroed first; free with shmfb_image_free()
 * \param err     buffer for a human-readable reason on failure; may be NULL
 * \param errsize size of \p err in bytes
 * \returns 0; -EINVAL (NULL pointers), -ENOENT (missing), -EACCES, -EISDIR,
 *          -EILSEQ (not a PNG file), -EBADMSG (truncated or corrupt PNG),
 *          -EOVERFLOW (more than SHMFB_IMAGE_PIXELS_MAX pixels), -ENOMEM.
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_png_read(const char *path, struct shmfb_image *out, char *err,
                                size_t errsize);

/**
 * Allocates a zeroed (transparent black) image with stride = width * 4.
 *
 * \param out  receives the image; zeroed first; free with shmfb_image_free()
 * \returns 0; -EINVAL (NULL or non-positive size), -EOVERFLOW (more than
 *          SHMFB_IMAGE_PIXELS_MAX pixels), -ENOMEM.
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_image_alloc(struct shmfb_image *out, int32_t width, int32_t height);

/** Frees the pixels of an image from shmfb_png_read() or shmfb_image_alloc()
 *  and zeroes it.  NULL is a no-op.
 *  \since 0.1 */
SHMFB_EXPORT void shmfb_image_free(struct shmfb_image *img);

/**
 * Compares two images pixel by pixel.
 *
 * A pixel differs when any of R, G, B (and A if \p alpha) differs by more than
 * \p tolerance.  When they differ and \p diff_path is not NULL, a diff image is
 * written there (differing pixels red over a dimmed, opaque copy of \p a).
 *
 * \param a, b       the images; each needs stride >= width*4, a multiple of 4
 * \param tolerance  largest channel difference still counted as equal, >= 0
 * \param alpha      whether the alpha channels are compared
 * \param out        receives the counts (filled even when a diff image fails
 *                   to be written); may be NULL
 * \param diff_path  where to write the diff image; may be NULL
 * \returns 0 (equal within tolerance), 1 (they differ; see \p out),
 *          -EDOM (sizes differ), -EINVAL (NULL images, bad geometry, a nonzero
 *          reserved byte, negative tolerance), or the errors of
 *          shmfb_png_write() for the diff image.
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_image_compare(const struct shmfb_image *a, const struct shmfb_image *b,
                                     int tolerance, bool alpha, struct shmfb_diff *out,
                                     const char *diff_path);

/** Like shmfb_strerror(), with this library's meanings (e.g. -EILSEQ: not a PNG file).
 *  \since 0.1 */
SHMFB_EXPORT const char *shmfb_png_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif /* SHMFB_PNG_H */

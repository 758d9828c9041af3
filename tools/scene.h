/*
 * The demo's scene: a background and bouncing sprites, as a pure function of
 * the frame number, so that the picture of any frame can be predicted.
 */
#ifndef SHMFB_TOOLS_SCENE_H
#define SHMFB_TOOLS_SCENE_H

#include <shmfb/png.h>

/** Sprites in the scene. */
#define SCENE_SPRITES 4
/** Frames between size changes. */
#define SCENE_RESIZE_PERIOD 120

struct scene {
    int32_t width, height;         /**< the usual size */
    int32_t max_width, max_height; /**< capacity; the alternate size uses it */
    const struct shmfb_image *sprite;
};

/** The frame size for frame \p n (1 for the first): the usual size, and in
 *  every other period of SCENE_RESIZE_PERIOD frames an alternate one. */
void scene_size(const struct scene *s, uint64_t n, int32_t *w, int32_t *h);

/** Where sprite \p i is in frame \p n of size \p w x \p h, clipped to it
 *  (possibly empty). */
struct shmfb_rect scene_sprite_rect(const struct scene *s, int i, uint64_t n, int32_t w, int32_t h);

/** The background pixel at (x, y); opaque, independent of the size. */
uint32_t scene_background(int32_t x, int32_t y);

/** Draws the part \p clip of frame \p n (size \p w x \p h) into \p pixels. */
void scene_paint(const struct scene *s, uint64_t n, int32_t w, int32_t h, uint32_t *pixels,
                 int32_t stride, const struct shmfb_rect *clip);

/** Intersection of two rectangles (w or h 0 if they do not meet). */
struct shmfb_rect scene_intersect(struct shmfb_rect a, struct shmfb_rect b);

#endif /* SHMFB_TOOLS_SCENE_H */

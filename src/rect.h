/* Rectangles: clipping and union, shared by the library's modules and by
 * libshmfb-png.  Header-only, so nothing here becomes a symbol. */
#ifndef SHMFB_RECT_H
#define SHMFB_RECT_H

#include <shmfb/shmfb.h>

#include <stdbool.h>
#include <stdint.h>

/* Clips r to [0, w) × [0, h); false when nothing is left.  64-bit sums: r
 * may hold any int32 values (from a caller or a peer). */
static inline bool shmfb__rect_clip(struct shmfb_rect *r, int32_t w, int32_t h)
{
    int64_t x0 = r->x > 0 ? r->x : 0, y0 = r->y > 0 ? r->y : 0;
    int64_t x1 = (int64_t)r->x + r->w, y1 = (int64_t)r->y + r->h;
    x1 = x1 > w ? w : x1;
    y1 = y1 > h ? h : y1;
    if (r->w <= 0 || r->h <= 0 || x1 <= x0 || y1 <= y0)
        return false;
    *r = (struct shmfb_rect){(int32_t)x0, (int32_t)y0, (int32_t)(x1 - x0), (int32_t)(y1 - y0)};
    return true;
}

/* The bounding box of two non-empty rectangles that lie inside a frame. */
static inline struct shmfb_rect shmfb__rect_union(struct shmfb_rect a, struct shmfb_rect b)
{
    int32_t x0 = a.x < b.x ? a.x : b.x, y0 = a.y < b.y ? a.y : b.y;
    int32_t x1 = a.x + a.w > b.x + b.w ? a.x + a.w : b.x + b.w;
    int32_t y1 = a.y + a.h > b.y + b.h ? a.y + a.h : b.y + b.h;
    return (struct shmfb_rect){x0, y0, x1 - x0, y1 - y0};
}

/* Whether a covers all of b. */
static inline bool shmfb__rect_covers(struct shmfb_rect a, struct shmfb_rect b)
{
    return (int64_t)b.x >= a.x && (int64_t)b.y >= a.y && (int64_t)b.x + b.w <= (int64_t)a.x + a.w &&
           (int64_t)b.y + b.h <= (int64_t)a.y + a.h;
}

/* Adds r to a list of at most SHMFB_MAX_DAMAGE rectangles; when the list is
 * full, r is folded into the last one, keeping the others exact.  A
 * rectangle another one covers is left out: whoever copies the list (a
 * mailbox repair, a consumer that skipped frames of full damage) would copy
 * those pixels once per rectangle. */
static inline void shmfb__rect_add(struct shmfb_rect *list, uint32_t *n, struct shmfb_rect r)
{
    for (uint32_t i = 0; i < *n; i++)
        if (shmfb__rect_covers(list[i], r))
            return;
    uint32_t k = 0;
    for (uint32_t i = 0; i < *n; i++)
        if (!shmfb__rect_covers(r, list[i]))
            list[k++] = list[i];
    *n = k;
    if (*n < SHMFB_MAX_DAMAGE)
        list[(*n)++] = r;
    else
        list[SHMFB_MAX_DAMAGE - 1] = shmfb__rect_union(list[SHMFB_MAX_DAMAGE - 1], r);
}

#endif /* SHMFB_RECT_H */

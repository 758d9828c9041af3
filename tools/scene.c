#include "scene.h"

static const uint32_t tints[SCENE_SPRITES] = {0xffffff, 0xff9090, 0x90ff90, 0x9090ff};

void scene_size(const struct scene *s, uint64_t n, int32_t *w, int32_t *h)
{
    bool alternate = n > 0 && ((n - 1) / SCENE_RESIZE_PERIOD) % 2 == 1;

    *w = s->width;
    *h = s->height;
    if (!alternate)
        return;
    if (s->max_width > s->width || s->max_height > s->height) {
        *w = s->max_width;
        *h = s->max_height;
    } else {
        *w = s->width * 3 / 4 > 0 ? s->width * 3 / 4 : 1;
        *h = s->height * 3 / 4 > 0 ? s->height * 3 / 4 : 1;
    }
}

/* Bounces between 0 and range: a triangle wave of t. */
static int32_t bounce(int64_t t, int32_t range)
{
    int64_t m;

    if (range <= 0)
        return 0;
    m = t % (2 * (int64_t)range);
    return (int32_t)(m <= range ? m : 2 * (int64_t)range - m);
}

struct shmfb_rect scene_intersect(struct shmfb_rect a, struct shmfb_rect b)
{
    int32_t x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
    int32_t x1 = a.x + a.w < b.x + b.w ? a.x + a.w : b.x + b.w;
    int32_t y1 = a.y + a.h < b.y + b.h ? a.y + a.h : b.y + b.h;

    if (x1 <= x0 || y1 <= y0)
        return (struct shmfb_rect){x0, y0, 0, 0};
    return (struct shmfb_rect){x0, y0, x1 - x0, y1 - y0};
}

struct shmfb_rect scene_sprite_rect(const struct scene *s, int i, uint64_t n, int32_t w, int32_t h)
{
    int32_t sw = s->sprite->width, sh = s->sprite->height;
    int64_t t = (int64_t)(n % 1000000007u);
    struct shmfb_rect r = {
        bounce(37 * i + 5 + (3 + i) * t, w - sw),
        bounce(23 * i + 11 + (2 + (2 * i) % 5) * t, h - sh),
        sw,
        sh,
    };

    return scene_intersect(r, (struct shmfb_rect){0, 0, w, h});
}

uint32_t scene_background(int32_t x, int32_t y)
{
    uint32_t base = (((x >> 5) ^ (y >> 5)) & 1) ? 0x30 : 0x18;
    uint32_t r = base + (uint32_t)(x & 0x3f);
    uint32_t g = base + (uint32_t)(((x + y) >> 3) & 0x1f);
    uint32_t b = base + (uint32_t)(y & 0x3f);

    return 0xff000000u | r << 16 | g << 8 | b;
}

static uint32_t *row(uint32_t *pixels, int32_t stride, int32_t y)
{
    return (uint32_t *)((unsigned char *)pixels + (size_t)y * (size_t)stride);
}

/* Straight-alpha "over" of a tinted sprite pixel onto an opaque pixel. */
static uint32_t blend(uint32_t src, uint32_t tint, uint32_t dst)
{
    uint32_t a = src >> 24, out = 0xff000000u;

    for (int shift = 0; shift < 24; shift += 8) {
        uint32_t sc = ((src >> shift) & 0xff) * ((tint >> shift) & 0xff) / 255;
        uint32_t dc = (dst >> shift) & 0xff;

        out |= ((sc * a + dc * (255 - a) + 127) / 255) << shift;
    }
    return out;
}

static void paint_sprite(const struct scene *s, int i, struct shmfb_rect at, struct shmfb_rect area,
                         uint32_t *pixels, int32_t stride)
{
    const struct shmfb_image *sp = s->sprite;

    /* at is clipped at the frame's right and bottom edges only, so its
     * origin is the sprite's origin. */
    for (int32_t y = area.y; y < area.y + area.h; y++) {
        const uint32_t *src = (const uint32_t *)((const unsigned char *)sp->pixels +
                                                 (size_t)(y - at.y) * (size_t)sp->stride);
        uint32_t *dst = row(pixels, stride, y);

        for (int32_t x = area.x; x < area.x + area.w; x++)
            dst[x] = blend(src[x - at.x], tints[i], dst[x]);
    }
}

void scene_paint(const struct scene *s, uint64_t n, int32_t w, int32_t h, uint32_t *pixels,
                 int32_t stride, const struct shmfb_rect *clip)
{
    struct shmfb_rect area = scene_intersect(*clip, (struct shmfb_rect){0, 0, w, h});

    for (int32_t y = area.y; y < area.y + area.h; y++) {
        uint32_t *dst = row(pixels, stride, y);

        for (int32_t x = area.x; x < area.x + area.w; x++)
            dst[x] = scene_background(x, y);
    }
    for (int i = 0; i < SCENE_SPRITES; i++) {
        struct shmfb_rect at = scene_sprite_rect(s, i, n, w, h);
        struct shmfb_rect part = scene_intersect(at, area);

        if (part.w > 0 && part.h > 0)
            paint_sprite(s, i, at, part, pixels, stride);
    }
}

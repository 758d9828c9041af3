/*
 * e2e-mksprite: writes the end-to-end tests' sprite (24x24 RGBA): an opaque
 * disc with a colour ramp, a half-transparent rim and a see-through centre,
 * so that blending shows in the golden images.
 *
 * With --cursor, the pointer shape of the cursor tests instead (23x19, not
 * premultiplied): an opaque arrow with a dark outline, and beside it pixels
 * of every sixteenth alpha in many colours and fully transparent pixels
 * that still carry a colour, so that premultiplying shows.  With
 * --big-cursor a 64x64 one (the largest a producer may publish).
 */
#include <shmfb/png.h>

#include <stdio.h>
#include <string.h>

enum { SPRITE = 24 };

static uint32_t sprite_px(int x, int y)
{
    int dx = 2 * x - (SPRITE - 1), dy = 2 * y - (SPRITE - 1);
    int d2 = dx * dx + dy * dy;
    uint32_t a = d2 > 529 ? 0 : d2 > 400 ? 0x80 : d2 < 50 ? 0 : d2 < 120 ? 0x60 : 0xff;
    uint32_t r = 0xff, g = (uint32_t)(x * 10), b = (uint32_t)(y * 10);
    return a << 24 | r << 16 | g << 8 | b;
}

static uint32_t cursor_px(int x, int y)
{
    if (x == 0 || x == y)
        return 0xff101010u;
    if (x < y)
        return 0xff000000u | (uint32_t)(40 + x * 9) << 16 | (uint32_t)(200 - y * 7) << 8 |
               (uint32_t)((x * y * 5) & 0xff);
    if ((x + 2 * y) % 7 == 0)
        return 0x00ff00ffu;
    uint32_t a = 0x11u * (uint32_t)((x + y) % 15 + 1);
    return a << 24 | 0xff0000u | (uint32_t)(x * 11) << 8 | (uint32_t)(y * 13);
}

static uint32_t big_cursor_px(int x, int y)
{
    uint32_t a = ((x >> 3) ^ (y >> 3)) & 1 ? 0xffu : (uint32_t)(x * 4);
    return a << 24 | (uint32_t)(y * 4) << 16 | (uint32_t)(255 - x * 4) << 8 | 0x80u;
}

int main(int argc, char **argv)
{
    uint32_t (*fn)(int, int) = sprite_px;
    int w = SPRITE, h = SPRITE;
    if (argc == 3 && !strcmp(argv[1], "--cursor")) {
        fn = cursor_px;
        w = 23;
        h = 19;
    } else if (argc == 3 && !strcmp(argv[1], "--big-cursor")) {
        fn = big_cursor_px;
        w = h = 64;
    } else if (argc != 2) {
        fprintf(stderr, "usage: e2e-mksprite [--cursor | --big-cursor] OUT.png\n");
        return 2;
    }
    const char *out = argv[argc - 1];
    uint32_t px[64 * 64];
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            px[y * w + x] = fn(x, y);
    char err[256] = "";
    int rc = shmfb_png_write(out, px, w, h, w * 4, true, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "e2e-mksprite: %s: %s\n", out, err[0] ? err : shmfb_png_strerror(rc));
        return 1;
    }
    return 0;
}

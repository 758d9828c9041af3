/*
 * e2e-mksprite: writes the end-to-end tests' sprite (24x24 RGBA): an opaque
 * disc with a colour ramp, a half-transparent rim and a see-through centre,
 * so that blending shows in the golden images.
 */
#include <shmfb/png.h>

#include <stdio.h>

enum { SPRITE = 24 };

static uint32_t sprite_px(int x, int y)
{
    int dx = 2 * x - (SPRITE - 1), dy = 2 * y - (SPRITE - 1);
    int d2 = dx * dx + dy * dy;
    uint32_t a = d2 > 529 ? 0 : d2 > 400 ? 0x80 : d2 < 50 ? 0 : d2 < 120 ? 0x60 : 0xff;
    uint32_t r = 0xff, g = (uint32_t)(x * 10), b = (uint32_t)(y * 10);
    return a << 24 | r << 16 | g << 8 | b;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: e2e-mksprite OUT.png\n");
        return 2;
    }
    uint32_t px[SPRITE * SPRITE];
    for (int y = 0; y < SPRITE; y++)
        for (int x = 0; x < SPRITE; x++)
            px[y * SPRITE + x] = sprite_px(x, y);
    char err[256] = "";
    int rc = shmfb_png_write(argv[1], px, SPRITE, SPRITE, SPRITE * 4, true, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "e2e-mksprite: %s: %s\n", argv[1], err[0] ? err : shmfb_png_strerror(rc));
        return 1;
    }
    return 0;
}

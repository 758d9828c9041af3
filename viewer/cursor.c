/*
 * The producer's cursor (struct shmfb_cursor) as the window's cursor: its
 * image scaled with --scale and handed to SDL_CreateColorCursor(), hidden
 * with SDL_ShowCursor(), or the system arrow by default.
 *
 * shmfb cursors are not premultiplied.  SDL 2 passes a colour cursor's
 * pixels unchanged to X11 (Xcursor) and Wayland (wl_shm ARGB8888), which
 * both take premultiplied alpha, so for those the viewer premultiplies.
 */
#include "view.h"

#include <stdlib.h>
#include <string.h>

int view_cursor_scale(int w, int h, int scale)
{
    int k = scale > 1 ? scale : 1;
    int side = w > h ? w : h;
    if (side < 1)
        return 1;
    while (k > 1 && side * k > VIEW_CURSOR_MAX)
        k--;
    return k;
}

uint32_t view_premultiply(uint32_t argb)
{
    uint32_t a = argb >> 24, out = argb & 0xff000000u;
    for (int sh = 0; sh < 24; sh += 8) {
        uint32_t c = (argb >> sh) & 0xffu;
        /* c * a / 255 rounded: never a tie, as c * a is an integer. */
        out |= ((c * a + 127u) / 255u) << sh;
    }
    return out;
}

void view_cursor_image(const struct shmfb_cursor *c, int k, bool premultiply, uint32_t *out,
                       int *hot_x, int *hot_y)
{
    size_t ow = (size_t)c->width * (size_t)k;
    for (int y = 0; y < c->height; y++) {
        uint32_t *row = out + (size_t)y * (size_t)k * ow;
        for (int x = 0; x < c->width; x++) {
            uint32_t px = c->pixels[(size_t)y * (size_t)c->width + (size_t)x];
            if (premultiply)
                px = view_premultiply(px);
            for (int i = 0; i < k; i++)
                row[(size_t)x * (size_t)k + (size_t)i] = px;
        }
        for (int i = 1; i < k; i++)
            memcpy(row + (size_t)i * ow, row, ow * 4u);
    }
    *hot_x = c->hot_x * k + k / 2;
    *hot_y = c->hot_y * k + k / 2;
}

static bool cursor_wants_premultiplied(void)
{
    const char *drv = SDL_GetCurrentVideoDriver();
    return drv && (strcmp(drv, "x11") == 0 || strcmp(drv, "wayland") == 0);
}

/* A window cursor of the producer's shape, or NULL (SDL says why). */
static SDL_Cursor *cursor_make(const struct view_screen *s, const struct shmfb_cursor *c)
{
    int k = view_cursor_scale(c->width, c->height, s->scale);
    int w = c->width * k, h = c->height * k, hx, hy;
    uint32_t *px = malloc((size_t)w * (size_t)h * 4u);
    if (!px)
        return NULL;
    view_cursor_image(c, k, cursor_wants_premultiplied(), px, &hx, &hy);
    SDL_Cursor *cur = NULL;
    SDL_Surface *img =
        SDL_CreateRGBSurfaceWithFormatFrom(px, w, h, 32, w * 4, SDL_PIXELFORMAT_ARGB8888);
    if (img) {
        cur = SDL_CreateColorCursor(img, hx, hy);
        SDL_FreeSurface(img);
    }
    free(px);
    return cur;
}

void view_screen_cursor(struct view_screen *s, const struct shmfb_cursor *c)
{
    if (c->state == SHMFB_CURSOR_HIDDEN) {
        SDL_ShowCursor(SDL_DISABLE);
        return;
    }
    SDL_Cursor *next = c->state == SHMFB_CURSOR_SHAPE ? cursor_make(s, c) : NULL;
    if (c->state == SHMFB_CURSOR_SHAPE && !next && !s->cursor_failed) {
        fprintf(stderr, VIEW_PROG ": cannot make a %dx%d cursor (showing the arrow): %s\n",
                c->width, c->height, SDL_GetError());
        s->cursor_failed = true;
    }
    SDL_SetCursor(next ? next : s->arrow ? s->arrow : SDL_GetDefaultCursor());
    SDL_ShowCursor(SDL_ENABLE);
    if (s->shape)
        SDL_FreeCursor(s->shape);
    s->shape = next;
}

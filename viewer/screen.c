/* The SDL side of shmfb-view: window, renderer, streaming texture. */
#include "view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifdef SHMFB_VIEW_PNG
#include <shmfb/png.h>
#endif

#define VIEW_IDLE_W 320
#define VIEW_IDLE_H 240

int view_screen_open(struct view_screen *s, const struct view_options *o)
{
    SDL_zerop(s);
    s->scale = o->scale;
    s->visible = true;
    s->window = SDL_CreateWindow(VIEW_PROG, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
                                 VIEW_IDLE_W, VIEW_IDLE_H, SDL_WINDOW_RESIZABLE);
    if (!s->window)
        goto fail_window;
    Uint32 flags = o->software ? SDL_RENDERER_SOFTWARE : SDL_RENDERER_ACCELERATED;
    if (o->vsync)
        flags |= SDL_RENDERER_PRESENTVSYNC;
    s->renderer = SDL_CreateRenderer(s->window, -1, flags);
    if (!s->renderer)
        goto fail_renderer;
    SDL_SetRenderDrawColor(s->renderer, 0, 0, 0, 255);
    return 0;

fail_renderer:
    SDL_DestroyWindow(s->window);
    s->window = NULL;
fail_window:
    return -ENODEV;
}

void view_screen_close(struct view_screen *s)
{
    if (s->texture)
        SDL_DestroyTexture(s->texture);
    if (s->renderer)
        SDL_DestroyRenderer(s->renderer);
    if (s->window)
        SDL_DestroyWindow(s->window);
    SDL_zerop(s);
}

/* Resizes the window, remembering the size for a while: X delivers the
 * size-changed events of the viewer's own resizes later, and those must not
 * be taken for the user's. */
static void screen_ask_size(struct view_screen *s, int w, int h)
{
    int n = (int)(sizeof s->asked / sizeof s->asked[0]);
    if (s->nasked == n) {
        memmove(s->asked[0], s->asked[1], sizeof s->asked - sizeof s->asked[0]);
        s->nasked--;
    }
    s->asked[s->nasked][0] = w;
    s->asked[s->nasked][1] = h;
    s->asked[s->nasked][2] = (int)SDL_GetTicks();
    s->nasked++;
    SDL_SetWindowSize(s->window, w, h);
}

bool view_screen_own_size(struct view_screen *s, int w, int h)
{
    int now = (int)SDL_GetTicks();
    for (int i = 0; i < s->nasked; i++) {
        if (s->asked[i][0] == w && s->asked[i][1] == h && now - s->asked[i][2] < VIEW_ASKED_MS) {
            /* Older requests were overtaken by this one. */
            int left = s->nasked - i - 1;
            memmove(s->asked[0], s->asked[i + 1], (size_t)left * sizeof s->asked[0]);
            s->nasked = left;
            return true;
        }
    }
    int k = s->scale > 0 ? s->scale : 1;
    /* A size the current frame fills needs no request either. */
    return s->texture && w == s->tex_w * k && h == s->tex_h * k;
}

struct view_map view_screen_map(const struct view_screen *s)
{
    struct view_map m = {.fb_w = s->tex_w, .fb_h = s->tex_h};
    SDL_GetWindowSize(s->window, &m.win_w, &m.win_h);
    SDL_GetRendererOutputSize(s->renderer, &m.out_w, &m.out_h);
    return m;
}

/* Makes a texture of the frame's size and format; sizes the window to it. */
static int screen_retexture(struct view_screen *s, const struct shmfb_frame *f)
{
    /* XRGB matches the window surface, so the blit is a plain copy. */
    bool xrgb = f->format == SHMFB_FORMAT_XRGB8888;
    Uint32 fmt = xrgb ? SDL_PIXELFORMAT_RGB888 : SDL_PIXELFORMAT_ARGB8888;
    if (s->texture)
        SDL_DestroyTexture(s->texture);
    s->texture =
        SDL_CreateTexture(s->renderer, fmt, SDL_TEXTUREACCESS_STREAMING, f->width, f->height);
    if (!s->texture)
        return -ENOMEM;
    SDL_SetTextureBlendMode(s->texture, SDL_BLENDMODE_NONE);
    s->tex_w = f->width;
    s->tex_h = f->height;
    s->tex_format = f->format;
    int k = s->scale > 0 ? s->scale : 1;
    screen_ask_size(s, f->width * k, f->height * k);
    return 0;
}

static void screen_put(struct view_screen *s, const struct shmfb_frame *f,
                       const struct shmfb_rect *r)
{
    SDL_Rect dst = {r->x, r->y, r->w, r->h};
    const uint8_t *src =
        (const uint8_t *)f->pixels + (size_t)r->y * (size_t)f->stride + (size_t)r->x * 4u;
    SDL_UpdateTexture(s->texture, &dst, src, f->stride);
}

int view_screen_upload(struct view_screen *s, const struct shmfb_frame *f)
{
    if (!s->texture || f->width != s->tex_w || f->height != s->tex_h ||
        f->format != s->tex_format) {
        int rc = screen_retexture(s, f);
        if (rc < 0)
            return rc;
        struct shmfb_rect all = {0, 0, f->width, f->height};
        screen_put(s, f, &all);
        return 0;
    }
    for (uint32_t i = 0; i < f->ndamage && i < SHMFB_MAX_DAMAGE; i++)
        screen_put(s, f, &f->damage[i]);
    return 0;
}

void view_screen_draw(struct view_screen *s, bool present)
{
    int ow = 0, oh = 0;
    SDL_GetRendererOutputSize(s->renderer, &ow, &oh);
    SDL_Rect dst = view_fit(s->tex_w, s->tex_h, ow, oh);
    /* Clearing a window the frame covers whole would cost a full-size fill. */
    if (!s->texture || dst.w != ow || dst.h != oh)
        SDL_RenderClear(s->renderer);
    if (s->texture)
        SDL_RenderCopy(s->renderer, s->texture, NULL, &dst);
    if (present)
        SDL_RenderPresent(s->renderer);
}

#ifdef SHMFB_VIEW_PNG
int view_screen_snapshot(struct view_screen *s, const char *path)
{
    int w = 0, h = 0;
    SDL_GetRendererOutputSize(s->renderer, &w, &h);
    if (w <= 0 || h <= 0)
        return -EINVAL;
    uint32_t *px = malloc((size_t)w * (size_t)h * 4u);
    if (!px)
        return -ENOMEM;
    /* Read back before presenting: the back buffer holds exactly this scene. */
    view_screen_draw(s, false);
    int rc = -EIO;
    if (SDL_RenderReadPixels(s->renderer, NULL, SDL_PIXELFORMAT_ARGB8888, px, w * 4) == 0) {
        char err[256] = "";
        rc = shmfb_png_write(path, px, w, h, w * 4, false, err, sizeof err);
        if (rc < 0)
            fprintf(stderr, VIEW_PROG ": %s: %s\n", path, err[0] ? err : shmfb_png_strerror(rc));
    } else {
        fprintf(stderr, VIEW_PROG ": cannot read the window back: %s\n", SDL_GetError());
    }
    SDL_RenderPresent(s->renderer);
    free(px);
    return rc;
}
#else
int view_screen_snapshot(struct view_screen *s, const char *path)
{
    (void)s;
    fprintf(stderr, VIEW_PROG ": %s: built without PNG support\n", path);
    return -ENOTSUP;
}
#endif

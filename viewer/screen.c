/* The SDL side of shmfb-view: window, renderer, streaming texture. */
#include "view.h"

#include <errno.h>
#include <stdlib.h>

#ifdef SHMFB_VIEW_PNG
#include <shmfb/png.h>
#endif

#define VIEW_IDLE_W 320
#define VIEW_IDLE_H 240

SDL_Rect view_fit(int w, int h, int out_w, int out_h)
{
    SDL_Rect r = {0, 0, out_w, out_h};
    if (w <= 0 || h <= 0 || out_w <= 0 || out_h <= 0)
        return r;
    /* Compare aspect ratios without division: out_w/out_h vs w/h. */
    if ((int64_t)out_w * h > (int64_t)out_h * w)
        r.w = (int)((int64_t)out_h * w / h);
    else
        r.h = (int)((int64_t)out_w * h / w);
    r.x = (out_w - r.w) / 2;
    r.y = (out_h - r.h) / 2;
    return r;
}

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
    SDL_SetWindowSize(s->window, f->width * k, f->height * k);
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

/*
 * The SDL side of shmfb-view: the window, and the two paths a frame takes
 * into it (see struct view_screen).
 *
 * The surface path only ever runs with the software renderer, which draws
 * into the same window surface: so the renderer can take over at any moment
 * (it draws the texture over the whole window), and a frame that takes the
 * surface path after the renderer drew copies everything once.  What needs
 * care is the other way round between frames: the user resizes the window
 * away from 1:1 while the surface holds the only copy of the picture.  SDL
 * marks the window surface invalid when the size changes but frees it only
 * at the next SDL_GetWindowSurface() (also the renderer's, when it draws),
 * so every entry point first moves a surface that no longer fits the window
 * into the texture (screen_salvage()).
 */
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
    s->allow_surface = o->software && o->scale <= 1 && !o->vsync && !o->renderer_only;
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
    /* The default pointer; without it (no such cursor here) SDL's own. */
    s->arrow = SDL_CreateSystemCursor(SDL_SYSTEM_CURSOR_ARROW);
    if (s->arrow)
        SDL_SetCursor(s->arrow);
    return 0;

fail_renderer:
    SDL_DestroyWindow(s->window);
    s->window = NULL;
fail_window:
    return -ENODEV;
}

void view_screen_close(struct view_screen *s)
{
    if (s->arrow)
        SDL_SetCursor(SDL_GetDefaultCursor());
    if (s->shape)
        SDL_FreeCursor(s->shape);
    if (s->arrow)
        SDL_FreeCursor(s->arrow);
    if (s->texture)
        SDL_DestroyTexture(s->texture);
    if (s->renderer)
        SDL_DestroyRenderer(s->renderer);
    if (s->window)
        SDL_DestroyWindow(s->window);
    SDL_zerop(s);
}

/* A window the viewer grows itself stays on its display where it fits: a
 * part beyond the display's edge would show nothing (without a window
 * manager nobody else moves it). */
static void screen_keep_on_display(struct view_screen *s, int w, int h)
{
    SDL_Rect b;
    int x, y;
    int d = SDL_GetWindowDisplayIndex(s->window);
    if (d < 0 || SDL_GetDisplayUsableBounds(d, &b) != 0)
        return;
    SDL_GetWindowPosition(s->window, &x, &y);
    int nx = x + w > b.x + b.w ? b.x + b.w - w : x;
    int ny = y + h > b.y + b.h ? b.y + b.h - h : y;
    nx = nx < b.x ? b.x : nx;
    ny = ny < b.y ? b.y : ny;
    if (nx != x || ny != y)
        SDL_SetWindowPosition(s->window, nx, ny);
}

/* Resizes the window, remembering the size for a while: X delivers the
 * size-changed events of the viewer's own resizes later, and those must not
 * be taken for the user's. */
static void screen_ask_size(struct view_screen *s, int w, int h)
{
    if (view_screen_is_fullscreen(s))
        return; /* the screen's size it stays */
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
    screen_keep_on_display(s, w, h);
}

bool view_screen_is_fullscreen(const struct view_screen *s)
{
    return s->fullscreen;
}

/* Full screen the way the VM's X11 display does it, which needs no window
 * manager (a test's X server has none): the window, without a border,
 * covers its display; window managers take such a window for a full-screen
 * one. */
void view_screen_fullscreen(struct view_screen *s, bool on)
{
    SDL_Rect b;
    if (on == s->fullscreen ||
        (on && SDL_GetDisplayBounds(SDL_GetWindowDisplayIndex(s->window), &b) != 0))
        return;
    s->fullscreen = on;
    if (on) {
        SDL_GetWindowPosition(s->window, &s->fs_saved.x, &s->fs_saved.y);
        SDL_GetWindowSize(s->window, &s->fs_saved.w, &s->fs_saved.h);
    } else {
        b = s->fs_saved;
    }
    SDL_SetWindowBordered(s->window, on ? SDL_FALSE : SDL_TRUE);
    SDL_SetWindowSize(s->window, b.w, b.h);
    SDL_SetWindowPosition(s->window, b.x, b.y);
    SDL_RaiseWindow(s->window);
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
    return s->has_frame && w == s->fb_w * k && h == s->fb_h * k;
}

struct view_map view_screen_map(const struct view_screen *s)
{
    struct view_map m = {.fb_w = s->fb_w, .fb_h = s->fb_h};
    SDL_GetWindowSize(s->window, &m.win_w, &m.win_h);
    SDL_GetRendererOutputSize(s->renderer, &m.out_w, &m.out_h);
    return m;
}

/* XRGB matches the window surface, so the software renderer's blit is a
 * plain copy. */
static Uint32 screen_sdl_format(uint32_t format)
{
    return format == SHMFB_FORMAT_XRGB8888 ? SDL_PIXELFORMAT_RGB888 : SDL_PIXELFORMAT_ARGB8888;
}

/* The texture for the frame's size and format, made if missing. */
static int screen_texture(struct view_screen *s)
{
    if (s->texture)
        return 0;
    s->texture = SDL_CreateTexture(s->renderer, screen_sdl_format(s->fb_format),
                                   SDL_TEXTUREACCESS_STREAMING, s->fb_w, s->fb_h);
    if (!s->texture)
        return -ENOMEM;
    SDL_SetTextureBlendMode(s->texture, SDL_BLENDMODE_NONE);
    return 0;
}

/* The window surface holds the only copy of the picture but no longer fits
 * the window: move the picture into the texture before SDL frees it. */
static void screen_salvage(struct view_screen *s)
{
    int w = 0, h = 0;
    if (!s->surface)
        return;
    SDL_GetWindowSize(s->window, &w, &h);
    if (w == s->surface->w && h == s->surface->h)
        return;
    if (s->surf_fresh && !s->tex_fresh && screen_texture(s) == 0) {
        void *px;
        int pitch;
        if (SDL_LockTexture(s->texture, NULL, &px, &pitch) == 0) {
            s->tex_fresh = SDL_ConvertPixels(s->fb_w, s->fb_h, s->surface->format->format,
                                             s->surface->pixels, s->surface->pitch,
                                             screen_sdl_format(s->fb_format), px, pitch) == 0;
            SDL_UnlockTexture(s->texture);
        }
    }
    s->surface = NULL;
    s->surf_fresh = false;
}

/* The window surface when the window shows the frame 1:1, else NULL. */
static SDL_Surface *screen_surface(struct view_screen *s)
{
    int ow = 0, oh = 0;
    if (!s->allow_surface || !s->has_frame)
        return NULL;
    SDL_GetRendererOutputSize(s->renderer, &ow, &oh);
    if (ow != s->fb_w || oh != s->fb_h)
        return NULL;
    if (!s->surface) {
        SDL_Surface *surf = SDL_GetWindowSurface(s->window);
        if (!surf) {
            s->allow_surface = false; /* the renderer alone, from now on */
            return NULL;
        }
        if (surf->w != s->fb_w || surf->h != s->fb_h)
            return NULL;
        s->surface = surf;
        s->surf_fresh = false;
    }
    return s->surface;
}

/* A new size or format: nothing holds this frame yet. */
static void screen_new_frame(struct view_screen *s, const struct shmfb_frame *f)
{
    if (s->texture)
        SDL_DestroyTexture(s->texture);
    s->texture = NULL;
    s->surface = NULL;
    s->tex_fresh = s->surf_fresh = false;
    s->fb_w = f->width;
    s->fb_h = f->height;
    s->fb_format = f->format;
    s->has_frame = true;
    int k = s->scale > 0 ? s->scale : 1;
    screen_ask_size(s, f->width * k, f->height * k);
}

static const uint8_t *screen_src(const struct shmfb_frame *f, const struct shmfb_rect *r)
{
    return (const uint8_t *)f->pixels + (size_t)r->y * (size_t)f->stride + (size_t)r->x * 4u;
}

static void screen_put_surface(struct view_screen *s, const struct shmfb_frame *f,
                               const struct shmfb_rect *r)
{
    SDL_Surface *d = s->surface;
    uint8_t *dst = (uint8_t *)d->pixels + (size_t)r->y * (size_t)d->pitch +
                   (size_t)r->x * d->format->BytesPerPixel;
    const uint8_t *src = screen_src(f, r);
    /* A 32-bit surface without alpha ignores the top byte: ARGB pixels copy
     * as they are, unblended, as the renderer path shows them. */
    if (d->format->format != SDL_PIXELFORMAT_RGB888) {
        SDL_ConvertPixels(r->w, r->h, screen_sdl_format(f->format), src, f->stride,
                          d->format->format, dst, d->pitch);
        return;
    }
    for (int y = 0; y < r->h; y++)
        memcpy(dst + (size_t)y * (size_t)d->pitch, src + (size_t)y * (size_t)f->stride,
               (size_t)r->w * 4u);
}

static void screen_take_surface(struct view_screen *s, const struct shmfb_frame *f)
{
    if (!s->surf_fresh) {
        struct shmfb_rect all = {0, 0, f->width, f->height};
        screen_put_surface(s, f, &all);
        s->pending[0] = (SDL_Rect){0, 0, f->width, f->height};
        s->npending = 1;
    } else {
        s->npending = 0;
        for (uint32_t i = 0; i < f->ndamage && i < SHMFB_MAX_DAMAGE; i++) {
            const struct shmfb_rect *r = &f->damage[i];
            screen_put_surface(s, f, r);
            s->pending[s->npending++] = (SDL_Rect){r->x, r->y, r->w, r->h};
        }
    }
    s->surf_fresh = true;
    s->tex_fresh = false;
    s->path = VIEW_PATH_SURFACE;
}

static void screen_put_texture(struct view_screen *s, const struct shmfb_frame *f,
                               const struct shmfb_rect *r)
{
    SDL_Rect dst = {r->x, r->y, r->w, r->h};
    SDL_UpdateTexture(s->texture, &dst, screen_src(f, r), f->stride);
}

static int screen_take_texture(struct view_screen *s, const struct shmfb_frame *f)
{
    if (screen_texture(s) < 0)
        return -ENOMEM;
    if (!s->tex_fresh) {
        struct shmfb_rect all = {0, 0, f->width, f->height};
        screen_put_texture(s, f, &all);
    } else {
        for (uint32_t i = 0; i < f->ndamage && i < SHMFB_MAX_DAMAGE; i++)
            screen_put_texture(s, f, &f->damage[i]);
    }
    s->tex_fresh = true;
    s->surf_fresh = false;
    s->path = VIEW_PATH_RENDERER;
    return 0;
}

int view_screen_take(struct view_screen *s, const struct shmfb_frame *f)
{
    screen_salvage(s);
    if (!s->has_frame || f->width != s->fb_w || f->height != s->fb_h || f->format != s->fb_format)
        screen_new_frame(s, f);
    if (screen_surface(s)) {
        screen_take_surface(s, f);
        return 0;
    }
    return screen_take_texture(s, f);
}

/* The renderer path: the texture fitted into the window, black around. */
static void screen_render(struct view_screen *s, bool present)
{
    int ow = 0, oh = 0;
    SDL_GetRendererOutputSize(s->renderer, &ow, &oh);
    SDL_Rect dst = view_fit(s->fb_w, s->fb_h, ow, oh);
    /* Clearing a window the frame covers whole would cost a full-size fill. */
    if (!s->tex_fresh || dst.w != ow || dst.h != oh)
        SDL_RenderClear(s->renderer);
    if (s->tex_fresh)
        SDL_RenderCopy(s->renderer, s->texture, NULL, &dst);
    if (present)
        SDL_RenderPresent(s->renderer);
}

/* Whether the window surface shows the frame as it is. */
static bool screen_surface_shows(struct view_screen *s)
{
    screen_salvage(s);
    return s->surface && s->surf_fresh;
}

void view_screen_show(struct view_screen *s)
{
    if (s->path == VIEW_PATH_SURFACE && screen_surface_shows(s))
        SDL_UpdateWindowSurfaceRects(s->window, s->pending, s->npending);
    else
        view_screen_draw(s);
}

void view_screen_draw(struct view_screen *s)
{
    if (screen_surface_shows(s))
        SDL_UpdateWindowSurface(s->window);
    else
        screen_render(s, true);
}

#ifdef SHMFB_VIEW_PNG
/* Reads what the window shows: the surface as it is, or the renderer's
 * scene drawn again and read back before it is presented. */
static int screen_read(struct view_screen *s, uint32_t *px, int w, int h)
{
    if (screen_surface_shows(s))
        return SDL_ConvertPixels(w, h, s->surface->format->format, s->surface->pixels,
                                 s->surface->pitch, SDL_PIXELFORMAT_ARGB8888, px, w * 4);
    screen_render(s, false);
    int rc = SDL_RenderReadPixels(s->renderer, NULL, SDL_PIXELFORMAT_ARGB8888, px, w * 4);
    SDL_RenderPresent(s->renderer);
    return rc;
}

int view_screen_snapshot(struct view_screen *s, const char *path)
{
    int w = 0, h = 0;
    screen_salvage(s);
    SDL_GetRendererOutputSize(s->renderer, &w, &h);
    if (w <= 0 || h <= 0)
        return -EINVAL;
    uint32_t *px = malloc((size_t)w * (size_t)h * 4u);
    if (!px)
        return -ENOMEM;
    int rc = -EIO;
    if (screen_read(s, px, w, h) == 0) {
        char err[256] = "";
        rc = shmfb_png_write(path, px, w, h, w * 4, false, err, sizeof err);
        if (rc < 0)
            fprintf(stderr, VIEW_PROG ": %s: %s\n", path, err[0] ? err : shmfb_png_strerror(rc));
    } else {
        fprintf(stderr, VIEW_PROG ": cannot read the window back: %s\n", SDL_GetError());
    }
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

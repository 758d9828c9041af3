/*
 * shmfb-view internals: options, the waiter thread that owns the wait on the
 * framebuffer, and the SDL screen that shows it.
 */
#ifndef SHMFB_VIEW_H
#define SHMFB_VIEW_H

#include "target.h"

#include <shmfb/shmfb.h>

#include <SDL.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define VIEW_PROG "shmfb-view"

/** Command-line options; see shmfb-view --help (options.c). */
struct view_options {
    struct target target; /**< NAME or -- PROGRAM */
    int scale;            /**< 0: window follows the frame, content fitted */
    bool vsync;
    bool wait;            /**< keep trying while the name does not exist */
    bool software;        /**< software renderer (default) or accelerated */
    bool renderer_only;   /**< --present renderer: never the window surface path */
    long frames;          /**< exit after this many frames; 0: never */
    double timeout;       /**< exit after this many seconds; 0: never */
    const char *snapshot; /**< PNG written on exit, or NULL */
    bool no_input;        /**< don't forward input to the producer */
    bool keep;            /**< spawned: keep the window after the program exited */
    bool fullscreen;      /**< start full screen */
};

/** view_parse_args(): the options are good, run. */
#define VIEW_ARGS_RUN (-1)

/**
 * Parses the command line into \p o.  \returns VIEW_ARGS_RUN, or the exit
 * status after --help, --version or a usage error (said in one line).
 */
int view_parse_args(int argc, char **argv, struct view_options *o);

/* ------------------------------------------------------------------------ */
/* The waiter thread                                                        */
/* ------------------------------------------------------------------------ */

/** SDL user event codes posted by the waiter thread. */
enum view_link_code {
    VIEW_LINK_FRAME = 1, /**< link.frame is valid until view_link_release() */
    VIEW_LINK_LIVE,      /**< (re)attached to a producer */
    VIEW_LINK_GONE,      /**< the producer closed or died */
    VIEW_LINK_ERROR,     /**< data1 holds a negative errno (intptr_t) */
    VIEW_LINK_CURSOR,    /**< the cursor changed: view_link_cursor() */
};

/**
 * The connection to one framebuffer name.  The waiter thread owns the
 * consumer, except from a VIEW_LINK_FRAME event to view_link_resume(), when
 * the main thread reads the frame, releases it and may wait for the next
 * ones itself (view_link_next()): a handle is used by one thread at a time.  Input is the exception
 * the library allows: the main thread sends events on the same consumer while the waiter waits,
 * under \c lock so that the waiter never closes the handle during a send.
 *
 * The producer's cursor goes the same way as frames, but is copied: the
 * waiter reads it into \c cursor under \c lock and posts VIEW_LINK_CURSOR
 * unless one is still queued; the main thread takes the newest with
 * view_link_cursor().  A producer that goes away leaves the default cursor.
 */
struct view_link {
    char name[SHMFB_NAME_MAX + 2]; /* "" (spawned): never reopened */
    struct shmfb_consumer *consumer;
    struct shmfb_frame frame;
    uint32_t event_type;
    SDL_Thread *thread;
    SDL_mutex *lock;
    SDL_cond *cond;
    bool pending; /* a frame is with the main thread */
    bool quit;
    /* The consumer input may be sent on: set and cleared under \c lock by
     * the waiter, read under it by the main thread. */
    struct shmfb_consumer *input;
    struct shmfb_cursor cursor; /* newest cursor, under \c lock */
    bool cursor_posted;         /* a VIEW_LINK_CURSOR event is queued, under \c lock */
    struct shmfb_cursor read;   /* the waiter's own copy while reading */
    uint64_t cursor_pause;      /* waiter: SDL ticks until which the cursor is not waited for */
};

/** Starts the waiter on \p consumer (may be NULL: keep trying to open \p name). */
int view_link_start(struct view_link *l, const char *name, struct shmfb_consumer *consumer,
                    uint32_t event_type);
/** Main thread, after VIEW_LINK_FRAME: releases the frame in link.frame. */
int view_link_release(struct view_link *l);
/**
 * Main thread, after view_link_release(): waits up to \p timeout_ms for the
 * next frame itself (a new cursor is passed on as the waiter does).
 * \returns true with link.frame filled; release it again.
 */
bool view_link_next(struct view_link *l, int timeout_ms);
/** Main thread: hands the consumer back to the waiter. */
void view_link_resume(struct view_link *l);
/** Stops and joins the waiter, then detaches and closes. */
void view_link_stop(struct view_link *l);
/**
 * Main thread: sends an input event to the producer at once.  Returns false,
 * dropping the event, when no producer is attached.
 */
bool view_link_send(struct view_link *l, const struct shmfb_event *ev);
/** Main thread, on VIEW_LINK_CURSOR: copies the newest cursor into \p out. */
void view_link_cursor(struct view_link *l, struct shmfb_cursor *out);
/**
 * Main thread: calls \p fn with the consumer for a host call (the library
 * allows host calls beside the waiter's wait for frames), under \c lock like
 * view_link_send().  \returns what \p fn returned, or -ENOTCONN without a
 * consumer.
 */
int view_link_host(struct view_link *l, int (*fn)(struct shmfb_consumer *c, void *ctx), void *ctx);

/* ------------------------------------------------------------------------ */
/* The screen                                                               */
/* ------------------------------------------------------------------------ */

/** Where the frame is shown: its size, the window's size in points and in
 *  output pixels.  The frame is drawn at view_fit(fb_w, fb_h, out_w, out_h). */
struct view_map {
    int fb_w, fb_h;
    int win_w, win_h;
    int out_w, out_h;
};

/** How long a size the viewer asked for is expected back from the server. */
#define VIEW_ASKED_MS 1000

/** Which way the last frame reached the window. */
enum view_path {
    VIEW_PATH_NONE,     /**< no frame yet */
    VIEW_PATH_SURFACE,  /**< its damage was copied into the window surface */
    VIEW_PATH_RENDERER, /**< its damage went into the texture, drawn whole */
};

/**
 * The window and the two ways a frame gets into it.
 *
 * Surface path: when the window shows the frame 1:1 with the software
 * renderer, the damage is copied straight into the window surface and only
 * those rectangles are sent to the display server.  Renderer path: otherwise
 * (--scale N > 1, letterboxing, --renderer accelerated, --vsync, --present
 * renderer) the damage goes into a streaming texture and the renderer draws
 * the whole window.  Whichever path took the last frame holds the picture
 * ("fresh"); the other one is brought up to date when the path changes.
 */
struct view_screen {
    SDL_Window *window;
    SDL_Renderer *renderer;
    SDL_Texture *texture; /* renderer path: the frame, created when needed */
    SDL_Surface *surface; /* surface path: the window surface, frame-sized */
    int fb_w, fb_h;       /* the frame shown */
    uint32_t fb_format;   /* enum shmfb_format */
    bool has_frame;       /* fb_* describe a frame */
    bool tex_fresh;       /* the texture holds the frame shown */
    bool surf_fresh;      /* the window surface holds it, 1:1 */
    bool allow_surface;   /* software renderer, no scale, no vsync, not --present renderer */
    enum view_path path;  /* of the last frame taken */
    SDL_Rect pending[SHMFB_MAX_DAMAGE]; /* surface path: what view_screen_show() sends */
    int npending;
    int scale;
    bool visible;
    SDL_Cursor *arrow;  /* the default pointer */
    SDL_Cursor *shape;  /* the producer's pointer shape, or NULL */
    bool cursor_failed; /* a shape could not be made (said once) */
    /* Window sizes the viewer asked for, to tell its own resizes from the user's. */
    int asked[4][3]; /* w, h, SDL ticks */
    int nasked;
    bool fullscreen;   /* the window covers its display */
    SDL_Rect fs_saved; /* the window before full screen */
};

int view_screen_open(struct view_screen *s, const struct view_options *o);
void view_screen_close(struct view_screen *s);
/**
 * Copies what the frame changed out of the shared pixels, into the window
 * surface or the texture (everything when the path or the size changed).
 * The frame may be released afterwards.  \returns 0, or -ENOMEM when no
 * texture could be made.
 */
int view_screen_take(struct view_screen *s, const struct shmfb_frame *f);
/** Shows the frame last taken: its damage (surface path) or the whole window. */
void view_screen_show(struct view_screen *s);
/** Draws the whole window again (exposed, resized, shown). */
void view_screen_draw(struct view_screen *s);
/** Writes what the window shows into a PNG file. */
int view_screen_snapshot(struct view_screen *s, const char *path);
/** Shows the producer's cursor over the window (see cursor.c). */
void view_screen_cursor(struct view_screen *s, const struct shmfb_cursor *c);

/**
 * Whether a size-changed event for w × h comes from the viewer's own
 * SDL_SetWindowSize() (forgotten once seen) rather than from the user.
 */
bool view_screen_own_size(struct view_screen *s, int w, int h);
/** The current geometry, for mapping window points to framebuffer pixels. */
struct view_map view_screen_map(const struct view_screen *s);

/** Computes the largest rectangle of aspect w:h centred in out_w × out_h. */
SDL_Rect view_fit(int w, int h, int out_w, int out_h);

/** Shows the window full screen (on the desktop's resolution) or not. */
void view_screen_fullscreen(struct view_screen *s, bool on);
/** Whether the window is full screen now. */
bool view_screen_is_fullscreen(const struct view_screen *s);

/* ------------------------------------------------------------------------ */
/* The desktop around the picture (host.c)                                  */
/* ------------------------------------------------------------------------ */

/**
 * What the viewer keeps of the host channel: the producer's title, the
 * clipboard text last exchanged (so that what the viewer set is not offered
 * back), the files of a drop under way.  Main thread only.
 */
struct view_host {
    char title[SHMFB_TITLE_MAX + 1]; /**< the producer's, "" for none */
    char *clip;                      /**< text last set or offered, or NULL */
    char **drop;                     /**< paths of the drop under way */
    int ndrop;
    uint64_t next_poll; /**< SDL ticks: when to look for messages next */
};

/**
 * Takes the producer's messages (at most every few milliseconds): sets the
 * desktop's clipboard and the title; a full-screen request sets
 * \p *fullscreen to 0 or 1 (left alone otherwise).  \returns true when the
 * title changed.
 */
bool view_host_poll(struct view_host *h, struct view_link *l, int *fullscreen);
/** Offers the desktop's clipboard text to the producer if it changed. */
void view_host_offer(struct view_host *h, struct view_link *l);
/** SDL_DROPBEGIN, SDL_DROPFILE, SDL_DROPTEXT, SDL_DROPCOMPLETE: collects the
 *  paths and, when complete, sends them as one drop at the pointer. */
void view_host_drop(struct view_host *h, struct view_link *l, struct view_screen *s,
                    const SDL_Event *ev);
/** A new producer: its title goes, the clipboard is offered again. */
void view_host_reset(struct view_host *h);
void view_host_free(struct view_host *h);

/* ------------------------------------------------------------------------ */
/* Input translation (input.c): pure functions                              */
/* ------------------------------------------------------------------------ */

/** What translation remembers between events. */
struct view_input {
    uint32_t buttons; /**< held, bit (shmfb button - 1) */
    uint32_t mods;    /**< SDL_Keymod of the keyboard, set by the caller */
};

/** Stands for a malformed UTF-8 sequence. */
#define VIEW_UTF8_BAD 0xFFFDu

/** SDL_Keymod bits to enum shmfb_mod bits. */
uint32_t view_input_mods(uint32_t sdl_mod);
/** SDL button number to enum shmfb_button, 0 for others. */
uint32_t view_input_button(uint32_t sdl_button);
/** shmfb key symbol of an SDL keycode and scancode. */
uint32_t view_input_sym(int32_t keycode, uint32_t scancode);
/**
 * Decodes one code point of the first \p len bytes of \p s.  Malformed input
 * (bad lead byte, overlong form, surrogate, past U+10FFFF, cut short) yields
 * VIEW_UTF8_BAD for the bytes up to the first that does not fit.
 * \returns bytes used (0 only when len is 0).
 */
size_t view_utf8_next(const char *s, size_t len, uint32_t *cp);
/** Window point to framebuffer pixel (floor; outside the frame allowed). */
void view_map_point(const struct view_map *m, int wx, int wy, int32_t *fx, int32_t *fy);
/** The framebuffer size that fills out_w × out_h output pixels at \p scale (0: 1). */
void view_resize_request(int out_w, int out_h, int scale, int32_t *w, int32_t *h);
/**
 * Translates one SDL event into up to \p max shmfb events (text yields one per
 * code point).  time_ms is left 0.
 * \returns the number of events written.
 */
int view_input_translate(const SDL_Event *ev, struct view_input *in, const struct view_map *m,
                         struct shmfb_event *out, int max);

/* ------------------------------------------------------------------------ */
/* The producer's cursor as a window cursor (cursor.c)                      */
/* ------------------------------------------------------------------------ */

/** Largest window cursor the viewer makes, in pixels a side. */
#define VIEW_CURSOR_MAX 256

/** The factor a w × h cursor is scaled by at --scale \p scale (0: 1): the
 *  scale, made smaller where the result would exceed VIEW_CURSOR_MAX. */
int view_cursor_scale(int w, int h, int scale);
/** A non-premultiplied 0xAARRGGBB pixel premultiplied, each colour
 *  channel rounded to the nearest of c * a / 255. */
uint32_t view_premultiply(uint32_t argb);
/**
 * The image of a SHAPE cursor scaled \p k times (each pixel k × k), into
 * \p out (width * k × height * k pixels, rows packed), premultiplied if
 * asked; the hotspot becomes the centre of its scaled pixel.
 */
void view_cursor_image(const struct shmfb_cursor *c, int k, bool premultiply, uint32_t *out,
                       int *hot_x, int *hot_y);

#endif /* SHMFB_VIEW_H */

/*
 * shmfb-view internals: options, the waiter thread that owns the wait on the
 * framebuffer, and the SDL screen that shows it.
 */
#ifndef SHMFB_VIEW_H
#define SHMFB_VIEW_H

#include <shmfb/shmfb.h>

#include <SDL.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define VIEW_PROG "shmfb-view"

/** Command-line options; see view_usage(). */
struct view_options {
    char name[SHMFB_NAME_MAX + 2]; /**< canonical framebuffer name */
    int scale;                     /**< 0: window follows the frame, content fitted */
    bool vsync;
    bool wait;            /**< keep trying while the name does not exist */
    bool software;        /**< software renderer (default) or accelerated */
    long frames;          /**< exit after this many frames; 0: never */
    double timeout;       /**< exit after this many seconds; 0: never */
    const char *snapshot; /**< PNG written on exit, or NULL */
};

/** Outcome of view_parse_args() besides "run". */
enum { VIEW_ARGS_RUN = 0, VIEW_ARGS_EXIT_OK = 1, VIEW_ARGS_BAD = 2 };

int view_parse_args(int argc, char **argv, struct view_options *o);
void view_usage(FILE *out);

/* ------------------------------------------------------------------------ */
/* The waiter thread                                                        */
/* ------------------------------------------------------------------------ */

/** SDL user event codes posted by the waiter thread. */
enum view_link_code {
    VIEW_LINK_FRAME = 1, /**< link.frame is valid until view_link_release() */
    VIEW_LINK_LIVE,      /**< (re)attached to a producer */
    VIEW_LINK_GONE,      /**< the producer closed or died */
    VIEW_LINK_ERROR,     /**< data1 holds a negative errno (intptr_t) */
};

/**
 * The connection to one framebuffer name.  The waiter thread owns the
 * consumer, except between a VIEW_LINK_FRAME event and view_link_release(),
 * when the main thread reads the frame and releases it: a handle is used by
 * one thread at a time.
 */
struct view_link {
    char name[SHMFB_NAME_MAX + 2];
    struct shmfb_consumer *consumer;
    struct shmfb_frame frame;
    uint32_t event_type;
    SDL_Thread *thread;
    SDL_mutex *lock;
    SDL_cond *cond;
    bool pending; /* a frame is with the main thread */
    bool quit;
};

/** Starts the waiter on \p consumer (may be NULL: keep trying to open \p name). */
int view_link_start(struct view_link *l, const char *name, struct shmfb_consumer *consumer,
                    uint32_t event_type);
/** Main thread: releases the current frame and hands the consumer back. */
int view_link_release(struct view_link *l);
/** Stops and joins the waiter, then detaches and closes. */
void view_link_stop(struct view_link *l);

/* ------------------------------------------------------------------------ */
/* The screen                                                               */
/* ------------------------------------------------------------------------ */

struct view_screen {
    SDL_Window *window;
    SDL_Renderer *renderer;
    SDL_Texture *texture;
    int tex_w, tex_h;
    uint32_t tex_format; /* enum shmfb_format of the texture */
    int scale;
    bool visible;
};

int view_screen_open(struct view_screen *s, const struct view_options *o);
void view_screen_close(struct view_screen *s);
/** Uploads the frame's damage (everything after a new texture). */
int view_screen_upload(struct view_screen *s, const struct shmfb_frame *f);
/** Draws the texture fitted into the window; presents if \p present. */
void view_screen_draw(struct view_screen *s, bool present);
/** Draws and reads back what the window shows, into a PNG file. */
int view_screen_snapshot(struct view_screen *s, const char *path);

/** Computes the largest rectangle of aspect w:h centred in out_w × out_h. */
SDL_Rect view_fit(int w, int h, int out_w, int out_h);

#endif /* SHMFB_VIEW_H */

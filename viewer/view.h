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

/** Command-line options; see shmfb-view --help (options.c). */
struct view_options {
    char name[SHMFB_NAME_MAX + 2]; /**< canonical framebuffer name */
    int scale;                     /**< 0: window follows the frame, content fitted */
    bool vsync;
    bool wait;            /**< keep trying while the name does not exist */
    bool software;        /**< software renderer (default) or accelerated */
    long frames;          /**< exit after this many frames; 0: never */
    double timeout;       /**< exit after this many seconds; 0: never */
    const char *snapshot; /**< PNG written on exit, or NULL */
    bool no_input;        /**< don't forward input to the producer */
    bool keep;            /**< spawned: keep the window after the program exited */
    char **program;       /**< spawned: program and arguments (NULL-terminated), or NULL */
    const char *label;    /**< the name, or the program, for titles and messages */
};

/** Longest wait for a spawned program's framebuffer without --timeout. */
#define VIEW_SPAWN_WAIT_MS 10000

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
};

/**
 * The connection to one framebuffer name.  The waiter thread owns the
 * consumer, except between a VIEW_LINK_FRAME event and view_link_release(),
 * when the main thread reads the frame and releases it: a handle is used by
 * one thread at a time.  Input is the exception the library allows: the main
 * thread sends events on the same consumer while the waiter waits, under
 * \c lock so that the waiter never closes the handle during a send.
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
};

/** Starts the waiter on \p consumer (may be NULL: keep trying to open \p name). */
int view_link_start(struct view_link *l, const char *name, struct shmfb_consumer *consumer,
                    uint32_t event_type);
/** Main thread: releases the current frame and hands the consumer back. */
int view_link_release(struct view_link *l);
/** Stops and joins the waiter, then detaches and closes. */
void view_link_stop(struct view_link *l);
/**
 * Main thread: sends an input event to the producer at once.  Returns false,
 * dropping the event, when no producer is attached.
 */
bool view_link_send(struct view_link *l, const struct shmfb_event *ev);

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

struct view_screen {
    SDL_Window *window;
    SDL_Renderer *renderer;
    SDL_Texture *texture;
    int tex_w, tex_h;
    uint32_t tex_format; /* enum shmfb_format of the texture */
    int scale;
    bool visible;
    /* Window sizes the viewer asked for, to tell its own resizes from the user's. */
    int asked[4][3]; /* w, h, SDL ticks */
    int nasked;
};

int view_screen_open(struct view_screen *s, const struct view_options *o);
void view_screen_close(struct view_screen *s);
/** Uploads the frame's damage (everything after a new texture). */
int view_screen_upload(struct view_screen *s, const struct shmfb_frame *f);
/** Draws the texture fitted into the window; presents if \p present. */
void view_screen_draw(struct view_screen *s, bool present);
/** Draws and reads back what the window shows, into a PNG file. */
int view_screen_snapshot(struct view_screen *s, const char *path);

/**
 * Whether a size-changed event for w × h comes from the viewer's own
 * SDL_SetWindowSize() (forgotten once seen) rather than from the user.
 */
bool view_screen_own_size(struct view_screen *s, int w, int h);
/** The current geometry, for mapping window points to framebuffer pixels. */
struct view_map view_screen_map(const struct view_screen *s);

/** Computes the largest rectangle of aspect w:h centred in out_w × out_h. */
SDL_Rect view_fit(int w, int h, int out_w, int out_h);

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
/* A spawned producer (child.c)                                             */
/* ------------------------------------------------------------------------ */

struct view_child {
    int32_t pid; /**< 0 once reaped */
    int status;  /**< exit status to report: 0..255, 128 + signal */
    const char *prog;
    const char *note;  /**< said after the exit line; NULL: say nothing */
    uint64_t close_at; /**< when it was asked to close (ms); 0: not asked */
    int signals_sent;  /**< since close_at: 1 SIGTERM, 2 SIGKILL */
};

/**
 * Starts o->program and receives its framebuffer, attached.  Says why on
 * failure.  \returns 0, or an exit status.
 */
int view_child_start(struct view_child *ch, const struct view_options *o,
                     struct shmfb_consumer **out);
/**
 * The window was closed; \p told says whether the program got the close
 * request.  A program that cannot be asked, or is asked twice, gets SIGTERM
 * at once; otherwise view_child_watch() gives it 5 s to quit.
 * \returns false when no program is running (nothing to wait for).
 */
bool view_child_close(struct view_child *ch, bool told);
/**
 * Once per loop: reaps the program if it exited (saying how, once), and
 * after a close request sends SIGTERM, then SIGKILL, when it takes too long.
 * \returns true the one time it finds the program gone; ch->status is then
 * its exit status.
 */
bool view_child_watch(struct view_child *ch);
/**
 * Ends a program still running when the viewer ends (SIGTERM, then SIGKILL).
 * \returns true when there was one to end; ch->status is then its status.
 */
bool view_child_end(struct view_child *ch);

#endif /* SHMFB_VIEW_H */

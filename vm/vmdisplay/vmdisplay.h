/*
 * vmdisplay — a Smalltalk VM's Display and input on libshmfb.
 *
 * The VM's Display bitmap is copied into a shmfb framebuffer rectangle by
 * rectangle; shmfb input events come back as the VM's 8-word event records,
 * translated the way the classic Unix Squeak VM's X11 display module
 * translates X events.  A VM's display module (vm/squeak/) or a
 * stand-in interpreter (examples/toyvm/) calls these functions from its own
 * entry points.
 *
 * Every name carries the shmfb_vmd_ prefix, so nothing here can bind to a
 * VM's own io... functions, and the header needs no VM header.
 *
 * The VM's display API is global by nature (one Display, one event queue),
 * so this module keeps exactly one instance of state, private to
 * vmdisplay.c.  It is not thread-safe: call it from the VM's interpreter
 * thread only.
 */
#ifndef SHMFB_VMDISPLAY_H
#define SHMFB_VMDISPLAY_H

#include <shmfb/shmfb.h>

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the VM's event records -------------------------------------------- */

/** Event types (word 0 of a record). */
enum shmfb_vmd_event_type {
    SHMFB_VMD_EVENT_NONE = 0,
    SHMFB_VMD_EVENT_MOUSE = 1,
    SHMFB_VMD_EVENT_KEYBOARD = 2,
    SHMFB_VMD_EVENT_DRAG_DROP = 3,
    SHMFB_VMD_EVENT_MENU = 4,
    SHMFB_VMD_EVENT_WINDOW = 5,
    /* 6 is the complex event, whose words are object pointers: never made. */
    SHMFB_VMD_EVENT_MOUSE_WHEEL = 7, /**< only with SHMFB_VMD_WHEEL_EVENTS */
};

/** press_code of keyboard records. */
enum shmfb_vmd_press {
    SHMFB_VMD_KEY_CHAR = 0,
    SHMFB_VMD_KEY_DOWN = 1,
    SHMFB_VMD_KEY_UP = 2,
};

/** Mouse buttons, by Squeak's colour names. */
enum shmfb_vmd_button {
    SHMFB_VMD_BLUE = 1,
    SHMFB_VMD_YELLOW = 2,
    SHMFB_VMD_RED = 4,
};

/** Modifier keys. */
enum shmfb_vmd_modifier {
    SHMFB_VMD_SHIFT = 1,
    SHMFB_VMD_CTRL = 2,
    SHMFB_VMD_OPTION = 4,
    SHMFB_VMD_COMMAND = 8,
};

/** action of window records. */
enum shmfb_vmd_window_action {
    SHMFB_VMD_WINDOW_METRIC_CHANGE = 1,
    SHMFB_VMD_WINDOW_CLOSE = 2,
    SHMFB_VMD_WINDOW_ICONISE = 3,
    SHMFB_VMD_WINDOW_ACTIVATED = 4,
    SHMFB_VMD_WINDOW_PAINT = 5,
};

/** Mouse (and wheel) record. */
struct shmfb_vmd_mouse {
    int32_t type;        /**< SHMFB_VMD_EVENT_MOUSE or _MOUSE_WHEEL */
    uint32_t time_stamp; /**< the VM's millisecond clock, 29 bits */
    int32_t x, y;        /**< position; wheel: the scroll amounts */
    int32_t buttons;     /**< enum shmfb_vmd_button bits */
    int32_t modifiers;   /**< enum shmfb_vmd_modifier bits */
    int32_t reserved1;
    int32_t window_index;
};

/** Keyboard record. */
struct shmfb_vmd_key {
    int32_t type; /**< SHMFB_VMD_EVENT_KEYBOARD */
    uint32_t time_stamp;
    int32_t char_code;  /**< 8-bit character (ASCII; 0 for other characters) or key code */
    int32_t press_code; /**< enum shmfb_vmd_press */
    int32_t modifiers;
    int32_t utf32_code; /**< Unicode code point, 0 if none */
    int32_t reserved1;
    int32_t window_index;
};

/** Window record. */
struct shmfb_vmd_window {
    int32_t type; /**< SHMFB_VMD_EVENT_WINDOW */
    uint32_t time_stamp;
    int32_t action;                         /**< enum shmfb_vmd_window_action */
    int32_t value1, value2, value3, value4; /**< metric change: left, top, right, bottom */
    int32_t window_index;
};

/** Any record: eight 32-bit words. */
struct shmfb_vmd_generic {
    int32_t type;
    uint32_t time_stamp;
    int32_t words[5];
    int32_t window_index;
};

/**
 * One event record, laid out as the VMs with 32-bit words (Squeak 4.x and
 * older) read it.  VMs with pointer-sized words (64-bit Cog) widen each word.
 */
union shmfb_vmd_event {
    int32_t type;
    struct shmfb_vmd_generic any;
    struct shmfb_vmd_mouse mouse;
    struct shmfb_vmd_key key;
    struct shmfb_vmd_window window;
};

_Static_assert(sizeof(union shmfb_vmd_event) == 32, "an event record is eight 32-bit words");

/* ---- setup ------------------------------------------------------------- */

/** Options of shmfb_vmd_open(). */
enum shmfb_vmd_flags {
    /** Middle button = blue, right button = yellow (the Unix VM's -swapbtn). */
    SHMFB_VMD_SWAP_BUTTONS = 1u << 0,
    /** The wheel as SHMFB_VMD_EVENT_MOUSE_WHEEL records (x, y in 120ths of
     *  a notch) for images that know them, instead of the X11 module's
     *  arrow keystrokes. */
    SHMFB_VMD_WHEEL_EVENTS = 1u << 1,
    /** Also report resizes (metric change: 0, 0, w, h) and focus (activated),
     *  which the X11 module never sends: its images poll the screen size. */
    SHMFB_VMD_WINDOW_EVENTS = 1u << 2,
    /** The Delete key types Backspace (8), as the Unix VM's -mapdelbs. */
    SHMFB_VMD_MAP_DEL_BS = 1u << 3,
    /** shmfb_vmd_show() only copies and marks damage; shmfb_vmd_flush()
     *  presents it all as one frame. */
    SHMFB_VMD_DEFER_PRESENT = 1u << 4,
};

/** Functions of the VM the module calls; any may be NULL. */
struct shmfb_vmd_hooks {
    /** New records were queued: signal the image's input semaphore. */
    void (*input)(void *ctx);
    /** The VM's millisecond clock, for time stamps; NULL: milliseconds
     *  since shmfb_vmd_open(). */
    uint32_t (*msecs)(void *ctx);
    /** Files were dropped on the picture: called with their paths (UTF-8,
     *  borrowed for the call) just before the drop record (drag type 4,
     *  x, y, count) is queued, so that the VM can hold the names the
     *  record's count refers to. */
    void (*drop)(void *ctx, const char *const *paths, uint32_t n);
    void *ctx; /**< passed to all */
};

/** What shmfb_vmd_open() creates; zero fields mean defaults. */
struct shmfb_vmd_desc {
    int32_t max_width;  /**< capacity (required) */
    int32_t max_height; /**< capacity (required) */
    int32_t width;      /**< initial screen size; 0 means the capacity */
    int32_t height;
    uint32_t pacing;    /**< enum shmfb_pacing; default FIFO */
    int32_t timeout_ms; /**< the producer's consumer timeout; 0: default */
    uint32_t flags;     /**< enum shmfb_vmd_flags */
    struct shmfb_vmd_hooks hooks;
};

/**
 * Creates the framebuffer the VM's Display is shown in.
 *
 * \param name  framebuffer name; NULL when started by a viewer (spawned,
 *              SHMFB_SOCKET set)
 * \returns 0; -EINVAL (NULL desc, unknown flags); -EALREADY (already open);
 *          the errors of shmfb_producer_create().
 */
int shmfb_vmd_open(const char *name, const struct shmfb_vmd_desc *desc);

/** Destroys the framebuffer (its name goes with it) and forgets all state.
 *  Safe to call when not open. */
void shmfb_vmd_close(void);

/** The producer, for a VM that wants more of libshmfb; NULL when not open.
 *  Borrowed; valid until shmfb_vmd_close(). */
struct shmfb_producer *shmfb_vmd_producer(void);

/* ---- the desktop: clipboard, title, full screen ------------------------ */

/**
 * The clipboard text a viewer offered last (UTF-8, NUL-terminated, \p *len
 * bytes without the NUL), taking what the viewers sent first.  NULL when
 * there is none, or when the VM's own copy (shmfb_vmd_set_clipboard()) is
 * newer: the VM then keeps its own clipboard, as with the X11 module while
 * the image owns the selection.  Borrowed until the next call into this
 * module.
 */
const char *shmfb_vmd_clipboard(size_t *len);

/** Offers the VM's copy (UTF-8) to the viewers as their clipboard.
 *  \returns 0, or the errors of shmfb_producer_offer_clipboard(). */
int shmfb_vmd_set_clipboard(const char *utf8, size_t len);

/** The window title (UTF-8; see shmfb_producer_set_title()). */
int shmfb_vmd_set_title(const char *utf8);

/** Asks the viewers for full screen, or not. */
int shmfb_vmd_set_fullscreen(bool on);

/* ---- output ------------------------------------------------------------ */

/**
 * Shows the rectangle [left, right) × [top, bottom) of a 32-bit Display
 * (pitch width * 4) whose first pixel word is at \p bits: copies it into the
 * framebuffer, marks it as damage and presents (with
 * SHMFB_VMD_DEFER_PRESENT: leaves the present to shmfb_vmd_flush()).  Note
 * the order of the edges, as the VM passes them: left, right, top, bottom.
 *
 * The rectangle is clipped to the Display and to the capacity; an empty one
 * shows nothing.  A Display whose size differs from the frame resizes the
 * frame (clipped to the capacity) and is copied whole, because the resized
 * frame is published whole.
 *
 * \returns 0; -ENOTCONN (not open); -EINVAL (NULL bits, size < 1 or larger
 *          than 1 << 20); -ENOTSUP (depth other than 32).
 */
int shmfb_vmd_show(const uint32_t *bits, int32_t width, int32_t height, int32_t depth, int32_t left,
                   int32_t right, int32_t top, int32_t bottom);

/** Presents the damage that shmfb_vmd_show() collected, if any.
 *  \returns 1 (presented), 0 (nothing to present, or not open). */
int shmfb_vmd_flush(void);

/** Monotonic nanoseconds at which the oldest damage not yet presented was
 *  copied; 0 when there is none. */
int64_t shmfb_vmd_pending_since(void);

/** The screen size the image should use: (width << 16) | height.  Starts as
 *  the size given at open; a viewer's resize request changes it (clamped to
 *  1..capacity).  0 when not open. */
uint32_t shmfb_vmd_screen_size(void);

/** 1 for depth 32, the only depth shown; 0 for every other depth. */
int shmfb_vmd_has_depth(int32_t depth);

/* ---- input ------------------------------------------------------------- */

/** Translated records held for the VM; when full, the oldest is dropped. */
#define SHMFB_VMD_QUEUE 256
/** The VM's millisecond clock wraps at this mask. */
#define SHMFB_VMD_CLOCK_MASK 0x1FFFFFFFu

/**
 * Takes the next record (taking what the viewers sent when none is queued).
 * \returns 1 with \p e filled; 0 with e->type = SHMFB_VMD_EVENT_NONE.
 */
int shmfb_vmd_next_event(union shmfb_vmd_event *e);

/**
 * The VM's idle sleep: waits up to \p us microseconds (at least 1 ms when
 * \p us > 0) until input arrives, then takes it; \p us <= 0 only takes.
 * Calls the input hook when records were queued.  Taking input also
 * answers viewers' frame requests (SHMFB_EVENT_FRAME_REQUEST, e.g. shmfb
 * snap of an idle VM): the frame shown last is presented again at once (in
 * mailbox pacing, at the next shmfb_vmd_show()).
 * \returns the number of records queued by this call (0 when not open).
 */
int shmfb_vmd_idle(int64_t us);

/** Takes pending input without waiting; as shmfb_vmd_idle(0). */
int shmfb_vmd_process(void);

/** Buttons | modifiers << 3, as the VM's button-state primitive answers
 *  (red with exactly Ctrl reads as yellow, with exactly Command as blue). */
int32_t shmfb_vmd_button_state(void);

/** The last pointer position: (x << 16) | (y & 0xFFFF). */
int32_t shmfb_vmd_mouse_point(void);

/* ---- cursor -------------------------------------------------------------- */

/** Side of Squeak's one-bit cursor forms. */
#define SHMFB_VMD_CURSOR_SIDE 16

/**
 * Converts a 16 × 16 one-bit cursor as a Squeak VM gets it into ARGB: row y
 * in word y, pixel x in bit 31 - x (the low 16 bits unused).  Where the mask
 * is set, a set bit is black and a clear one white; where it is clear the
 * pixel is transparent.  Without a mask (NULL) the bits are their own mask.
 *
 * \param bits  16 words
 * \param mask  16 words, or NULL
 * \param out   receives 16 × 16 0xAARRGGBB pixels, rows packed
 */
void shmfb_vmd_cursor_from_1bit(const uint32_t *bits, const uint32_t *mask, uint32_t *out);

/**
 * Publishes a 16 × 16 one-bit cursor (see shmfb_vmd_cursor_from_1bit()) as
 * the pointer viewers show; the same cursor again publishes nothing.
 * \param hot_x, hot_y  the pixel that points, 0..15
 *
eturns 0; -ENOTCONN (not open); -EINVAL (NULL bits, hotspot outside).
 */
int shmfb_vmd_set_cursor_1bit(const uint32_t *bits, const uint32_t *mask, int32_t hot_x,
                              int32_t hot_y);

/**
 * Publishes a colour cursor given as a Squeak 32-bit form holds it: width ×
 * height 0xAARRGGBB pixels with premultiplied alpha, rows packed; the same
 * cursor again publishes nothing.
 *
eturns 0; -ENOTCONN; -EINVAL (NULL, a size outside 1..SHMFB_CURSOR_MAX,
 *          a hotspot outside the image).
 */
int shmfb_vmd_set_cursor_argb(const uint32_t *argb, int32_t width, int32_t height, int32_t hot_x,
                              int32_t hot_y);

#ifdef __cplusplus
}
#endif

#endif /* SHMFB_VMDISPLAY_H */

/*
 * vmdisplay — the display-driver entry points of an OpenSmalltalk (Squeak,
 * Cuis, Pharo) virtual machine, on top of libshmfb.
 *
 * The VM's Display bitmap is copied into a shmfb framebuffer by
 * ioShowDisplay(); shmfb input events come back as the VM's 8-word event
 * records through ioGetNextEvent().  See README.md for how a VM build links
 * this module and for the event mapping table.
 *
 * The VM's display API is global by nature (one Display, one event queue),
 * so this module keeps exactly one instance of state, private to
 * vmdisplay.c: the producer, the screen size the VM should see, the input
 * semaphore index, the last mouse position, the button and modifier state,
 * and a queue of translated events.  It is not thread-safe: call it from the
 * VM's interpreter thread only.
 */
#ifndef SHMFB_VMDISPLAY_H
#define SHMFB_VMDISPLAY_H

#include <shmfb/shmfb.h>

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* When the VM's own sq.h was included first (its guard is _SQ_H), its
 * definitions are used; otherwise these stand-ins, with the same layout and
 * values, let the module build without a VM. */
#ifndef _SQ_H
typedef intptr_t sqInt;

/* Event types. */
#define EventTypeNone          0
#define EventTypeMouse         1
#define EventTypeKeyboard      2
#define EventTypeDragDropFiles 3
#define EventTypeMenu          4
#define EventTypeWindow        5
#define EventTypeComplex       6
#define EventTypeMouseWheel    7

/* pressCode of keyboard events. */
#define EventKeyChar 0
#define EventKeyDown 1
#define EventKeyUp   2

/* Mouse buttons. */
#define RedButtonBit    4
#define YellowButtonBit 2
#define BlueButtonBit   1

/* Modifier keys. */
#define ShiftKeyBit   1
#define CtrlKeyBit    2
#define OptionKeyBit  4
#define CommandKeyBit 8

/* action of window events. */
#define WindowEventMetricChange 1
#define WindowEventClose        2
#define WindowEventIconise      3
#define WindowEventActivated    4
#define WindowEventPaint        5

/** Any event: eight pointer-sized words. */
typedef struct sqInputEvent {
    sqInt type;          /**< EventTypeXXX */
    uintptr_t timeStamp; /**< the VM's millisecond clock */
    sqInt unused1;       /**< the next five words depend on the type */
    sqInt unused2;
    sqInt unused3;
    sqInt unused4;
    sqInt unused5;
    sqInt windowIndex; /**< host window; 1 is the main window */
} sqInputEvent;

/** EventTypeMouse and EventTypeMouseWheel (x, y are then the wheel deltas). */
typedef struct sqMouseEvent {
    sqInt type;
    uintptr_t timeStamp;
    sqInt x;
    sqInt y;
    sqInt buttons;   /**< xxxButtonBit */
    sqInt modifiers; /**< xxxKeyBit */
    sqInt nrClicks;
    sqInt windowIndex;
} sqMouseEvent;

/** EventTypeKeyboard. */
typedef struct sqKeyboardEvent {
    sqInt type;
    uintptr_t timeStamp;
    sqInt charCode;
    sqInt pressCode; /**< EventKeyXXX */
    sqInt modifiers;
    sqInt utf32Code;
    sqInt reserved1;
    sqInt windowIndex;
} sqKeyboardEvent;

/** EventTypeWindow. */
typedef struct sqWindowEvent {
    sqInt type;
    uintptr_t timeStamp;
    sqInt action; /**< WindowEventXXX */
    sqInt value1; /**< left, top, right, bottom for WindowEventMetricChange */
    sqInt value2;
    sqInt value3;
    sqInt value4;
    sqInt windowIndex;
} sqWindowEvent;
#endif /* _SQ_H */

/** The window index every event carries: the VM's main window. */
#define SHMFB_VMDISPLAY_WINDOW 1
/** Wheel units per notch (the VMs' convention: 120 per detent). */
#define SHMFB_VMDISPLAY_WHEEL_UNIT 120
/** Translated events held for the VM; when full, the oldest is dropped. */
#define SHMFB_VMDISPLAY_QUEUE 256
/** The VM's millisecond clock wraps at this mask. */
#define SHMFB_VMDISPLAY_CLOCK_MASK 0x1FFFFFFF

/** Options of shmfb_vmdisplay_open_desc(). */
enum shmfb_vmdisplay_flags {
    /** Report the wheel as Ctrl+Option+Command+Shift arrow-up/down keystrokes
     *  (charCode 30/31), for images that predate EventTypeMouseWheel. */
    SHMFB_VMDISPLAY_WHEEL_AS_KEYS = 1u << 0,
    /** Middle button = blue, right button = yellow (the Unix VM's -swapbtn). */
    SHMFB_VMDISPLAY_SWAP_BUTTONS = 1u << 1,
};

/** What shmfb_vmdisplay_open_desc() creates; zero fields mean defaults. */
struct shmfb_vmdisplay_desc {
    int32_t max_width;  /**< capacity (required) */
    int32_t max_height; /**< capacity (required) */
    int32_t width;      /**< initial screen size; 0 means the capacity */
    int32_t height;
    uint32_t pacing;    /**< enum shmfb_pacing; default FIFO */
    int32_t timeout_ms; /**< the producer's consumer timeout; 0: default */
    uint32_t flags;     /**< enum shmfb_vmdisplay_flags */
};

/** Functions of the VM this module calls; any may be NULL. */
struct shmfb_vmdisplay_hooks {
    /** The VM's signalSemaphoreWithIndex(), called when input arrives and
     *  an input semaphore was set with ioSetInputSemaphore(). */
    sqInt (*signal_semaphore)(sqInt index);
    /** The VM's ioMSecs(), the clock of event time stamps; NULL: the
     *  milliseconds since shmfb_vmdisplay_open(). */
    sqInt (*msecs)(void);
};

/**
 * Creates the framebuffer the VM's Display is shown in.
 *
 * \param name   framebuffer name; NULL when started by shmfb-view (spawned,
 *               SHMFB_SOCKET set)
 * \param max_w, max_h  capacity: the largest Display shown unclipped
 * \param w, h   initial screen size reported by ioScreenSize()
 * \returns 0; -EALREADY (already open); the errors of shmfb_producer_create().
 * \sa shmfb_vmdisplay_open_desc()
 */
int shmfb_vmdisplay_open(const char *name, int max_w, int max_h, int w, int h);

/**
 * Like shmfb_vmdisplay_open(), with pacing and options.
 * \returns 0; -EINVAL (NULL desc, unknown flags); -EALREADY; the errors of
 *          shmfb_producer_create().
 */
int shmfb_vmdisplay_open_desc(const char *name, const struct shmfb_vmdisplay_desc *desc);

/** Destroys the framebuffer and forgets all state (hooks included).  Safe
 *  to call when not open. */
void shmfb_vmdisplay_close(void);

/** Sets the VM hooks (copied); NULL clears them.  May be called before
 *  shmfb_vmdisplay_open(). */
void shmfb_vmdisplay_set_hooks(const struct shmfb_vmdisplay_hooks *hooks);

/** The producer, for a VM that wants more of libshmfb; NULL when not open.
 *  Borrowed; valid until shmfb_vmdisplay_close(). */
struct shmfb_producer *shmfb_vmdisplay_producer(void);

/**
 * ioShowDisplay() with an error code: copies the affected rectangle
 * [left, right) × [top, bottom) of a 32-bit Display (pitch width * 4) into
 * the framebuffer, marks it as damage and presents.
 *
 * The rectangle is clipped to the Display and to the framebuffer's capacity;
 * when it is empty after clipping nothing is presented.  A Display whose size
 * differs from the frame resizes the frame (clipped to the capacity) and
 * copies all of it, because the resized frame is published whole.
 *
 * \returns 0; -ENOTCONN (not open); -EINVAL (NULL bits, size < 1 or larger
 *          than 1 << 20); -ENOTSUP (depth other than 32).
 */
int shmfb_vmdisplay_show(const uint32_t *bits, sqInt width, sqInt height, sqInt depth, sqInt left,
                         sqInt right, sqInt top, sqInt bottom);

/* ---- the VM's display-driver entry points ------------------------------ */

/** The screen size the image should use: (width << 16) | height.  Starts as
 *  the size given to shmfb_vmdisplay_open(); a viewer's resize request
 *  changes it (clamped to the capacity).  0 when not open. */
sqInt ioScreenSize(void);

/** Always 32: the only depth shown. */
sqInt ioScreenDepth(void);

/** 1 for depth 32, 0 for every other depth. */
sqInt ioHasDisplayDepth(sqInt depth);

/**
 * Shows the affected rectangle of the Display.  Note the order of the
 * rectangle's edges: left, right, top, bottom (right and bottom exclusive).
 * \p bits is the address of the Display's first pixel word.
 * \returns 1 (shown, or nothing to show), 0 (failed: not open, bad
 *          arguments, or a depth other than 32).
 * \sa shmfb_vmdisplay_show()
 */
sqInt ioShowDisplay(sqInt bits, sqInt width, sqInt height, sqInt depth, sqInt affectedL,
                    sqInt affectedR, sqInt affectedT, sqInt affectedB);

/** Every ioShowDisplay() presents at once, so there is nothing left to
 *  flush; returns 1 when open, 0 otherwise. */
sqInt ioForceDisplayUpdate(void);

/**
 * Takes the next input event.
 * \returns 1 with \p evt filled; 0 with evt->type = EventTypeNone (no event,
 *          or not open).
 */
sqInt ioGetNextEvent(sqInputEvent *evt);

/** Remembers the semaphore signalled when input arrives (0 turns it off).
 *  \returns 1. */
sqInt ioSetInputSemaphore(sqInt semaIndex);

/**
 * The VM's idle sleep: waits up to \p us microseconds (at least 1 ms when
 * \p us > 0) for input, takes what arrived and signals the input semaphore.
 * Returns early when input arrives; \p us <= 0 only polls.
 * \returns 0.
 */
sqInt ioRelinquishProcessorForMicroseconds(sqInt us);

/** Takes pending input without waiting and signals the input semaphore if
 *  any arrived.  \returns 0. */
sqInt ioProcessEvents(void);

/** Buttons (xxxButtonBit) | modifiers (xxxKeyBit) << 3, as last reported. */
sqInt ioGetButtonState(void);

/** The last mouse position: (x << 16) | (y & 0xFFFF). */
sqInt ioMousePoint(void);

#ifdef __cplusplus
}
#endif

#endif /* SHMFB_VMDISPLAY_H */

/* The VM display adapter (examples/vmdisplay): event records as the
 * OpenSmalltalk VM defines them, ioShowDisplay's rectangles, the idle wait. */
#include "testutil.h"
#include "vmdisplay.h"

#include <shmfb/shmfb.h>

#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The record layout the VM reads: eight pointer-sized words. */
_Static_assert(sizeof(sqInputEvent) == 8 * sizeof(sqInt), "event size");
_Static_assert(sizeof(sqMouseEvent) == sizeof(sqInputEvent), "mouse event size");
_Static_assert(sizeof(sqKeyboardEvent) == sizeof(sqInputEvent), "keyboard event size");
_Static_assert(sizeof(sqWindowEvent) == sizeof(sqInputEvent), "window event size");
_Static_assert(offsetof(sqMouseEvent, buttons) == 4 * sizeof(sqInt), "mouse layout");
_Static_assert(offsetof(sqMouseEvent, nrClicks) == 6 * sizeof(sqInt), "mouse layout");
_Static_assert(offsetof(sqKeyboardEvent, utf32Code) == 5 * sizeof(sqInt), "key layout");
_Static_assert(offsetof(sqInputEvent, windowIndex) == 7 * sizeof(sqInt), "window index");

/* The documented values of the OpenSmalltalk VM's sq.h. */
_Static_assert(EventTypeMouse == 1 && EventTypeKeyboard == 2 && EventTypeWindow == 5 &&
                   EventTypeMouseWheel == 7,
               "event types");
_Static_assert(RedButtonBit == 4 && YellowButtonBit == 2 && BlueButtonBit == 1, "buttons");
_Static_assert(ShiftKeyBit == 1 && CtrlKeyBit == 2 && OptionKeyBit == 4 && CommandKeyBit == 8,
               "modifiers");
_Static_assert(EventKeyChar == 0 && EventKeyDown == 1 && EventKeyUp == 2, "press codes");
_Static_assert(WindowEventMetricChange == 1 && WindowEventClose == 2 && WindowEventActivated == 4,
               "window actions");

#define CAP_W  320
#define CAP_H  200
#define INIT_W 200
#define INIT_H 100

static char fb_name[96];
static struct shmfb_consumer *con;
static int signals;
static sqInt signalled_index;

static sqInt count_signal(sqInt index)
{
    signals++;
    signalled_index = index;
    return 1;
}

static void open_pair_flags(uint32_t flags)
{
    tu_name(fb_name, sizeof(fb_name), "vmd");
    struct shmfb_vmdisplay_desc d = {.max_width = CAP_W,
                                     .max_height = CAP_H,
                                     .width = INIT_W,
                                     .height = INIT_H,
                                     .pacing = SHMFB_PACING_FREE,
                                     .flags = flags};
    ck_assert_int_eq(shmfb_vmdisplay_open_desc(fb_name, &d), 0);
    ck_assert_int_eq(shmfb_consumer_open(fb_name, NULL, &con), 0);
    ck_assert_int_eq(shmfb_consumer_attach(con), 0);
}

static void open_pair(void)
{
    open_pair_flags(0);
}

static void close_pair(void)
{
    shmfb_consumer_close(con);
    con = NULL;
    shmfb_vmdisplay_close();
}

static void send(uint32_t type, int32_t x, int32_t y, uint32_t code, uint32_t sym, uint32_t mods,
                 uint32_t buttons)
{
    struct shmfb_event ev = {type, 0, x, y, code, sym, mods, buttons};
    ck_assert_int_eq(shmfb_consumer_send(con, &ev), 0);
}

static void send_key(uint32_t type, uint32_t sym, uint32_t mods)
{
    send(type, 0, 0, 4, sym, mods, 0);
}

static void send_text(uint32_t cp)
{
    send(SHMFB_EVENT_TEXT, 0, 0, cp, 0, 0, 0);
}

/* Takes the next record and checks its type, words 2..6 and window index. */
static void expect(sqInt type, sqInt w2, sqInt w3, sqInt w4, sqInt w5, sqInt w6)
{
    sqInputEvent e;
    ck_assert_int_eq(ioGetNextEvent(&e), 1);
    ck_assert_int_eq(e.type, type);
    sqInt got[5] = {e.unused1, e.unused2, e.unused3, e.unused4, e.unused5};
    sqInt want[5] = {w2, w3, w4, w5, w6};
    for (int i = 0; i < 5; i++)
        ck_assert_msg(got[i] == want[i], "type %ld word %d: got %ld, want %ld", (long)type, i + 2,
                      (long)got[i], (long)want[i]);
    ck_assert_int_eq(e.windowIndex, SHMFB_VMDISPLAY_WINDOW);
}

static void expect_mouse(sqInt x, sqInt y, sqInt buttons, sqInt mods, sqInt clicks)
{
    expect(EventTypeMouse, x, y, buttons, mods, clicks);
}

static void expect_key(sqInt code, sqInt press, sqInt mods)
{
    expect(EventTypeKeyboard, code, press, mods, code, 0);
}

static void expect_none(void)
{
    sqInputEvent e;
    memset(&e, 0x55, sizeof(e));
    ck_assert_int_eq(ioGetNextEvent(&e), 0);
    ck_assert_int_eq(e.type, EventTypeNone);
}

/* ---- events ------------------------------------------------------------ */

START_TEST(mouse_buttons)
{
    open_pair();
    send(SHMFB_EVENT_MOTION, 5, 6, 0, 0, 0, 0);
    send(SHMFB_EVENT_BUTTON_DOWN, 7, 8, SHMFB_BUTTON_LEFT, 0, 0, 1);
    send(SHMFB_EVENT_BUTTON_DOWN, 9, 10, SHMFB_BUTTON_RIGHT, 0, 0, 1 | 4);
    send(SHMFB_EVENT_MOTION, -3, 300, 0, 0, 0, 1 | 4); /* dragging outside the frame */
    send(SHMFB_EVENT_BUTTON_UP, 11, 12, SHMFB_BUTTON_LEFT, 0, 0, 4);
    send(SHMFB_EVENT_BUTTON_UP, 13, 14, SHMFB_BUTTON_RIGHT, 0, 0, 0);
    send(SHMFB_EVENT_BUTTON_DOWN, 15, 16, SHMFB_BUTTON_MIDDLE, 0, 0, 2);
    /* The pressed button counts even when the sender left it out of .buttons. */
    send(SHMFB_EVENT_BUTTON_DOWN, 17, 18, SHMFB_BUTTON_LEFT, 0, 0, 2);
    send(SHMFB_EVENT_BUTTON_DOWN, 19, 20, SHMFB_BUTTON_X1, 0, 0, 2 | 1 | 8);
    expect_mouse(5, 6, 0, 0, 0);
    expect_mouse(7, 8, RedButtonBit, 0, 1);
    expect_mouse(9, 10, RedButtonBit | BlueButtonBit, 0, 1);
    expect_mouse(-3, 300, RedButtonBit | BlueButtonBit, 0, 0);
    expect_mouse(11, 12, BlueButtonBit, 0, 0);
    expect_mouse(13, 14, 0, 0, 0);
    expect_mouse(15, 16, YellowButtonBit, 0, 1);
    expect_mouse(17, 18, YellowButtonBit | RedButtonBit, 0, 1);
    expect_mouse(19, 20, YellowButtonBit | RedButtonBit, 0, 1); /* X1 has no Squeak bit */
    expect_none();
    ck_assert_int_eq(ioGetButtonState(), YellowButtonBit | RedButtonBit);
    ck_assert_int_eq(ioMousePoint(), (19 << 16) | 20);
    close_pair();
}
END_TEST

START_TEST(mouse_swapped_buttons)
{
    open_pair_flags(SHMFB_VMDISPLAY_SWAP_BUTTONS);
    send(SHMFB_EVENT_BUTTON_DOWN, 1, 2, SHMFB_BUTTON_MIDDLE, 0, 0, 2);
    send(SHMFB_EVENT_BUTTON_DOWN, 1, 2, SHMFB_BUTTON_RIGHT, 0, 0, 2 | 4);
    send(SHMFB_EVENT_BUTTON_DOWN, 1, 2, SHMFB_BUTTON_LEFT, 0, 0, 7);
    expect_mouse(1, 2, BlueButtonBit, 0, 1);
    expect_mouse(1, 2, BlueButtonBit | YellowButtonBit, 0, 1);
    expect_mouse(1, 2, 7, 0, 1);
    close_pair();
}
END_TEST

START_TEST(modifiers)
{
    open_pair();
    const uint32_t in[] = {SHMFB_MOD_SHIFT,
                           SHMFB_MOD_CTRL,
                           SHMFB_MOD_ALT,
                           SHMFB_MOD_META,
                           SHMFB_MOD_CAPS,
                           0x1F,
                           SHMFB_MOD_SHIFT | SHMFB_MOD_META};
    const sqInt out[] = {ShiftKeyBit,
                         CtrlKeyBit,
                         CommandKeyBit,
                         OptionKeyBit,
                         0,
                         ShiftKeyBit | CtrlKeyBit | OptionKeyBit | CommandKeyBit,
                         ShiftKeyBit | OptionKeyBit};
    for (int i = 0; i < 7; i++)
        send(SHMFB_EVENT_MOTION, i, 0, 0, 0, in[i], 1);
    for (int i = 0; i < 7; i++)
        expect_mouse(i, 0, RedButtonBit, out[i], 0);
    /* ioGetButtonState: buttons, then modifiers from bit 3 on. */
    ck_assert_int_eq(ioGetButtonState(), RedButtonBit | (ShiftKeyBit | OptionKeyBit) << 3);
    close_pair();
}
END_TEST

START_TEST(keys_and_text)
{
    open_pair();
    send_key(SHMFB_EVENT_KEY_DOWN, 'a', 0);
    send_text('a');
    send_key(SHMFB_EVENT_KEY_UP, 'a', 0);
    send_key(SHMFB_EVENT_KEY_DOWN, 'a', SHMFB_MOD_SHIFT);
    send_text('A');
    send_key(SHMFB_EVENT_KEY_UP, 'a', SHMFB_MOD_SHIFT);
    expect_key('a', EventKeyDown, 0);
    expect_key('a', EventKeyChar, 0);
    expect_key('a', EventKeyUp, 0);
    expect_key('a', EventKeyDown, ShiftKeyBit);
    expect_key('A', EventKeyChar, 0); /* the text event carried no modifiers */
    expect_key('a', EventKeyUp, ShiftKeyBit);
    expect_none();
    close_pair();
}
END_TEST

/* Keys that type no text still reach the image as keystrokes, once. */
START_TEST(keys_without_text)
{
    open_pair();
    send_key(SHMFB_EVENT_KEY_DOWN, 0x0D, 0);
    send_text('\r'); /* a viewer that also sends it as text: not twice */
    send_key(SHMFB_EVENT_KEY_UP, 0x0D, 0);
    send_key(SHMFB_EVENT_KEY_DOWN, 0x08, 0);
    send_key(SHMFB_EVENT_KEY_DOWN, SHMFB_KEY_SPECIAL | 0x50, 0); /* Left */
    send_key(SHMFB_EVENT_KEY_DOWN, SHMFB_KEY_SPECIAL | 0x52, 0); /* Up */
    send_key(SHMFB_EVENT_KEY_DOWN, SHMFB_KEY_SPECIAL | 0x4C, 0); /* Delete */
    send_key(SHMFB_EVENT_KEY_DOWN, SHMFB_KEY_SPECIAL | 0x3A, 0); /* F1: no Squeak code */
    send_key(SHMFB_EVENT_KEY_DOWN, SHMFB_KEY_SPECIAL | 0xE1, 0); /* Shift itself */
    expect_key(13, EventKeyDown, 0);
    expect_key(13, EventKeyChar, 0);
    expect_key(13, EventKeyUp, 0);
    expect_key(8, EventKeyDown, 0);
    expect_key(8, EventKeyChar, 0);
    expect_key(28, EventKeyDown, 0);
    expect_key(28, EventKeyChar, 0);
    expect_key(30, EventKeyDown, 0);
    expect_key(30, EventKeyChar, 0);
    expect_key(127, EventKeyDown, 0);
    expect_key(127, EventKeyChar, 0);
    expect_none();
    close_pair();
}
END_TEST

/* Shortcuts: Alt (Command) and Ctrl with a letter make a keystroke at key
 * down; the text some viewers send for them as well is not doubled. */
START_TEST(shortcut_keys)
{
    open_pair();
    send_key(SHMFB_EVENT_KEY_DOWN, 'c', SHMFB_MOD_ALT);
    send_text('c');
    send_key(SHMFB_EVENT_KEY_UP, 'c', SHMFB_MOD_ALT);
    send_key(SHMFB_EVENT_KEY_DOWN, 'c', SHMFB_MOD_CTRL | SHMFB_MOD_SHIFT);
    send_key(SHMFB_EVENT_KEY_DOWN, 'x', 0);
    send_text('y'); /* not the key's character: delivered */
    expect_key('c', EventKeyDown, CommandKeyBit);
    expect_key('c', EventKeyChar, CommandKeyBit);
    expect_key('c', EventKeyUp, CommandKeyBit);
    expect_key('c', EventKeyDown, CtrlKeyBit | ShiftKeyBit);
    expect_key('C', EventKeyChar, CtrlKeyBit | ShiftKeyBit);
    expect_key('x', EventKeyDown, 0);
    expect_key('y', EventKeyChar, 0);
    expect_none();
    close_pair();
}
END_TEST

START_TEST(text_beyond_bmp)
{
    open_pair();
    const uint32_t cps[] = {0xE9, 0x20AC, 0x1F600, 0x10FFFF, 0x1D11E};
    for (int i = 0; i < 5; i++)
        send_text(cps[i]);
    struct shmfb_event not_cp = {.type = SHMFB_EVENT_TEXT, .code = 0x110000};
    ck_assert_int_eq(shmfb_consumer_send(con, &not_cp), -EINVAL); /* not a code point */
    send(SHMFB_EVENT_TEXT, 0, 0, 0x1F600, 0, SHMFB_MOD_ALT, 0);
    for (int i = 0; i < 5; i++)
        expect(EventTypeKeyboard, (sqInt)cps[i], EventKeyChar, 0, (sqInt)cps[i], 0);
    expect(EventTypeKeyboard, 0x1F600, EventKeyChar, CommandKeyBit, 0x1F600, 0);
    expect_none();
    close_pair();
}
END_TEST

START_TEST(wheel)
{
    open_pair();
    send(SHMFB_EVENT_BUTTON_DOWN, 1, 1, SHMFB_BUTTON_LEFT, 0, 0, 1);
    send(SHMFB_EVENT_WHEEL, 0, 1, 0, 0, 0, 0);
    send(SHMFB_EVENT_WHEEL, 2, -3, 0, 0, SHMFB_MOD_CTRL, 0);
    expect_mouse(1, 1, RedButtonBit, 0, 1);
    expect(EventTypeMouseWheel, 0, 120, RedButtonBit, 0, 0);
    expect(EventTypeMouseWheel, 240, -360, RedButtonBit, CtrlKeyBit, 0);
    expect_none();
    close_pair();
}
END_TEST

START_TEST(wheel_as_keys)
{
    const sqInt all = ShiftKeyBit | CtrlKeyBit | OptionKeyBit | CommandKeyBit;
    open_pair_flags(SHMFB_VMDISPLAY_WHEEL_AS_KEYS);
    send(SHMFB_EVENT_WHEEL, 0, 1, 0, 0, 0, 0);
    send(SHMFB_EVENT_WHEEL, 0, -2, 0, 0, 0, 0);
    expect_key(30, EventKeyDown, all);
    expect_key(30, EventKeyChar, all);
    expect_key(30, EventKeyUp, all);
    for (int i = 0; i < 2; i++) {
        expect_key(31, EventKeyDown, all);
        expect_key(31, EventKeyChar, all);
        expect_key(31, EventKeyUp, all);
    }
    expect_none();
    close_pair();
}
END_TEST

START_TEST(window_events)
{
    open_pair();
    ck_assert_int_eq(ioScreenSize(), (INIT_W << 16) | INIT_H);
    send(SHMFB_EVENT_FOCUS_IN, 0, 0, 0, 0, 0, 0);
    send(SHMFB_EVENT_FOCUS_OUT, 0, 0, 0, 0, 0, 0); /* no Squeak equivalent */
    send(SHMFB_EVENT_RESIZE, 5000, 150, 0, 0, 0, 0);
    send(SHMFB_EVENT_CLOSE, 0, 0, 0, 0, 0, 0);
    expect(EventTypeWindow, WindowEventActivated, 0, 0, 0, 0);
    expect(EventTypeWindow, WindowEventMetricChange, 0, 0, CAP_W, 150);
    expect(EventTypeWindow, WindowEventClose, 0, 0, 0, 0);
    expect_none();
    ck_assert_int_eq(ioScreenSize(), (CAP_W << 16) | 150);
    close_pair();
}
END_TEST

static sqInt fixed_clock(void)
{
    return 100000;
}

START_TEST(time_stamps)
{
    open_pair();
    sqInputEvent e;
    send_text('t');
    ck_assert_int_eq(ioGetNextEvent(&e), 1);
    ck_assert_uint_lt(e.timeStamp, 60000); /* milliseconds since open */

    struct shmfb_vmdisplay_hooks h = {.msecs = fixed_clock};
    shmfb_vmdisplay_set_hooks(&h);
    send_text('u'); /* stamped "now" by the sender: the VM's clock, less its age */
    ck_assert_int_eq(ioGetNextEvent(&e), 1);
    ck_assert_uint_le(e.timeStamp, 100000);
    ck_assert_uint_gt(e.timeStamp, 100000 - 10000);
    send(SHMFB_EVENT_TEXT, 0, 0, 'v', 0, 0, 0);
    struct shmfb_event old = {.type = SHMFB_EVENT_TEXT, .time_ms = 1, .code = 'w'};
    ck_assert_int_eq(shmfb_consumer_send(con, &old), 0); /* another clock: now */
    ck_assert_int_eq(ioGetNextEvent(&e), 1);
    ck_assert_int_eq(ioGetNextEvent(&e), 1);
    ck_assert_uint_eq(e.timeStamp, 100000);
    close_pair();
}
END_TEST

START_TEST(input_semaphore)
{
    open_pair();
    struct shmfb_vmdisplay_hooks h = {.signal_semaphore = count_signal};
    shmfb_vmdisplay_set_hooks(&h);
    signals = 0;
    send_text('a'); /* no semaphore set yet */
    ioProcessEvents();
    ck_assert_int_eq(signals, 0);
    ck_assert_int_eq(ioSetInputSemaphore(3), 1);
    ioProcessEvents(); /* nothing new arrived */
    ck_assert_int_eq(signals, 0);
    send_text('b');
    ioProcessEvents();
    ck_assert_int_eq(signals, 1);
    ck_assert_int_eq(signalled_index, 3);
    send(SHMFB_EVENT_FOCUS_OUT, 0, 0, 0, 0, 0, 0); /* makes no event: no signal */
    ioProcessEvents();
    ck_assert_int_eq(signals, 1);
    expect_key('a', EventKeyChar, 0);
    expect_key('b', EventKeyChar, 0);
    expect_none();
    close_pair();
}
END_TEST

START_TEST(queue_overflow_drops_oldest)
{
    open_pair();
    for (uint32_t i = 0; i < 200; i++)
        send_text(0x100 + i);
    ioProcessEvents();
    for (uint32_t i = 200; i < 300; i++)
        send_text(0x100 + i);
    ioProcessEvents();
    for (uint32_t i = 300 - SHMFB_VMDISPLAY_QUEUE; i < 300; i++)
        expect_key((sqInt)(0x100 + i), EventKeyChar, 0);
    expect_none();
    close_pair();
}
END_TEST

START_TEST(not_open_and_errors)
{
    sqInputEvent e;
    uint32_t px[4] = {0};
    ck_assert_int_eq(ioGetNextEvent(&e), 0);
    ck_assert_int_eq(e.type, EventTypeNone);
    ck_assert_int_eq(ioScreenSize(), 0);
    ck_assert_int_eq(ioForceDisplayUpdate(), 0);
    ck_assert_int_eq(ioRelinquishProcessorForMicroseconds(1000), 0);
    ck_assert_int_eq(ioShowDisplay((sqInt)(uintptr_t)px, 2, 2, 32, 0, 2, 0, 2), 0);
    ck_assert_int_eq(shmfb_vmdisplay_show(px, 2, 2, 32, 0, 2, 0, 2), -ENOTCONN);
    ck_assert_ptr_null(shmfb_vmdisplay_producer());
    shmfb_vmdisplay_close(); /* closing when not open is harmless */

    struct shmfb_vmdisplay_desc bad = {.max_width = 8, .max_height = 8, .flags = 1u << 7};
    ck_assert_int_eq(shmfb_vmdisplay_open_desc(NULL, NULL), -EINVAL);
    ck_assert_int_eq(shmfb_vmdisplay_open_desc("x", &bad), -EINVAL);
    ck_assert_int_eq(shmfb_vmdisplay_open("bad/name", 8, 8, 8, 8), -EINVAL);
    ck_assert_int_eq(shmfb_vmdisplay_open("x", 8, 8, 9, 8), -ERANGE);
    open_pair();
    ck_assert_ptr_nonnull(shmfb_vmdisplay_producer());
    ck_assert_int_eq(shmfb_vmdisplay_open(fb_name, 8, 8, 8, 8), -EALREADY);
    close_pair();
}
END_TEST

/* ---- display ----------------------------------------------------------- */

static uint32_t pattern(int x, int y, uint32_t salt)
{
    return 0xFF000000u | ((uint32_t)x * 7919u + (uint32_t)y * 104729u + salt) % 0xFFFFFFu;
}

/* A Display of w x h words (pitch w * 4), filled with pattern(salt). */
static uint32_t *display_new(int w, int h, uint32_t salt)
{
    uint32_t *d = malloc((size_t)w * (size_t)h * 4);
    ck_assert_ptr_nonnull(d);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            d[(size_t)y * (size_t)w + (size_t)x] = pattern(x, y, salt);
    return d;
}

static sqInt addr(const uint32_t *bits)
{
    return (sqInt)(uintptr_t)bits;
}

static void take(struct shmfb_frame *f)
{
    ck_assert_int_eq(shmfb_consumer_wait(con, 2000, f), 0);
}

static uint32_t frame_px(const struct shmfb_frame *f, int x, int y)
{
    return f->pixels[(size_t)y * (size_t)(f->stride / 4) + (size_t)x];
}

/* The frame equals the Display in the top-left w x h (Display pitch). */
static void frame_matches(const struct shmfb_frame *f, const uint32_t *d, int pitch, int w, int h)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            ck_assert_msg(frame_px(f, x, y) == d[(size_t)y * (size_t)pitch + (size_t)x],
                          "pixel %d,%d", x, y);
}

static void rect_is(const struct shmfb_rect *r, int x, int y, int w, int h)
{
    ck_assert_msg(r->x == x && r->y == y && r->w == w && r->h == h,
                  "rect %d,%d %dx%d, want %d,%d %dx%d", r->x, r->y, r->w, r->h, x, y, w, h);
}

START_TEST(screen_size_and_depth)
{
    open_pair();
    ck_assert_int_eq(ioScreenSize(), (200 << 16) | 100);
    ck_assert_int_eq(ioScreenSize() >> 16, INIT_W);
    ck_assert_int_eq(ioScreenSize() & 0xFFFF, INIT_H);
    ck_assert_int_eq(ioScreenDepth(), 32);
    ck_assert_int_eq(ioHasDisplayDepth(32), 1);
    ck_assert_int_eq(ioHasDisplayDepth(16), 0);
    ck_assert_int_eq(ioForceDisplayUpdate(), 1);
    close_pair();
}
END_TEST

/* Left, right, top, bottom: the consumer sees exactly that damage, those
 * pixels, and nothing else changed. */
START_TEST(show_affected_rect)
{
    open_pair();
    struct shmfb_frame f;
    uint32_t *d = display_new(INIT_W, INIT_H, 1);
    ck_assert_int_eq(ioShowDisplay(addr(d), INIT_W, INIT_H, 32, 0, INIT_W, 0, INIT_H), 1);
    take(&f);
    frame_matches(&f, d, INIT_W, INIT_W, INIT_H);
    ck_assert_int_eq(shmfb_consumer_release(con), 0);

    uint32_t *d2 = display_new(INIT_W, INIT_H, 2); /* every pixel differs */
    ck_assert_int_eq(ioShowDisplay(addr(d2), INIT_W, INIT_H, 32, 10, 30, 20, 25), 1);
    take(&f);
    ck_assert_uint_eq(f.flags & (SHMFB_FRAME_FULL | SHMFB_FRAME_RESIZED), 0);
    ck_assert_int_eq(f.width, INIT_W);
    ck_assert_int_eq(f.height, INIT_H);
    ck_assert_uint_eq(f.ndamage, 1);
    rect_is(&f.damage[0], 10, 20, 20, 5);
    rect_is(&f.bounds, 10, 20, 20, 5);
    for (int y = 0; y < INIT_H; y++) {
        for (int x = 0; x < INIT_W; x++) {
            bool inside = x >= 10 && x < 30 && y >= 20 && y < 25;
            uint32_t want = (inside ? d2 : d)[(size_t)y * INIT_W + (size_t)x];
            ck_assert_msg(frame_px(&f, x, y) == want, "pixel %d,%d", x, y);
        }
    }
    free(d);
    free(d2);
    close_pair();
}
END_TEST

START_TEST(show_clipped)
{
    open_pair();
    struct shmfb_frame f;
    uint32_t *d = display_new(INIT_W, INIT_H, 3);
    ck_assert_int_eq(ioShowDisplay(addr(d), INIT_W, INIT_H, 32, -50, 1000, 90, 500), 1);
    take(&f);
    ck_assert_int_eq(shmfb_consumer_release(con), 0);
    /* The consumer's first frame is whole; the next one shows the clipping. */
    ck_assert_int_eq(ioShowDisplay(addr(d), INIT_W, INIT_H, 32, -50, 1000, 90, 500), 1);
    take(&f);
    ck_assert_uint_eq(f.ndamage, 1);
    rect_is(&f.damage[0], 0, 90, INIT_W, 10);
    ck_assert_int_eq(shmfb_consumer_release(con), 0);

    /* Outside, empty or inside out: nothing to show, no frame. */
    uint64_t seq = shmfb_producer_frame(shmfb_vmdisplay_producer());
    ck_assert_int_eq(ioShowDisplay(addr(d), INIT_W, INIT_H, 32, 300, 400, 0, 10), 1);
    ck_assert_int_eq(ioShowDisplay(addr(d), INIT_W, INIT_H, 32, 10, 10, 0, 10), 1);
    ck_assert_int_eq(ioShowDisplay(addr(d), INIT_W, INIT_H, 32, 30, 10, 20, 5), 1);
    ck_assert_int_eq(ioShowDisplay(addr(d), INIT_W, INIT_H, 32, 0, 10, -20, -5), 1);
    ck_assert_uint_eq(shmfb_producer_frame(shmfb_vmdisplay_producer()), seq);
    ck_assert_int_eq(shmfb_consumer_wait(con, 100, &f), -ETIMEDOUT);
    free(d);
    close_pair();
}
END_TEST

START_TEST(show_rejects_bad_depth)
{
    open_pair();
    struct shmfb_frame f;
    uint32_t *d = display_new(INIT_W, INIT_H, 4);
    const sqInt depths[] = {1, 8, 16, 24, -32, 64};
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(ioShowDisplay(addr(d), INIT_W, INIT_H, depths[i], 0, 10, 0, 10), 0);
        ck_assert_int_eq(shmfb_vmdisplay_show(d, INIT_W, INIT_H, depths[i], 0, 10, 0, 10),
                         -ENOTSUP);
    }
    ck_assert_int_eq(shmfb_vmdisplay_show(NULL, INIT_W, INIT_H, 32, 0, 10, 0, 10), -EINVAL);
    ck_assert_int_eq(shmfb_vmdisplay_show(d, 0, INIT_H, 32, 0, 10, 0, 10), -EINVAL);
    ck_assert_int_eq(shmfb_vmdisplay_show(d, INIT_W, -1, 32, 0, 10, 0, 10), -EINVAL);
    ck_assert_int_eq(shmfb_vmdisplay_show(d, (sqInt)1 << 30, 1, 32, 0, 10, 0, 10), -EINVAL);
    ck_assert_uint_eq(shmfb_producer_frame(shmfb_vmdisplay_producer()), 0);
    ck_assert_int_eq(shmfb_consumer_wait(con, 100, &f), -ETIMEDOUT);
    free(d);
    close_pair();
}
END_TEST

/* A Display of another size resizes the frame, and is shown whole. */
START_TEST(show_resized_display)
{
    open_pair();
    struct shmfb_frame f;
    uint32_t *d = display_new(300, 150, 5);
    ck_assert_int_eq(ioShowDisplay(addr(d), INIT_W, INIT_H, 32, 0, INIT_W, 0, INIT_H), 1);
    take(&f);
    ck_assert_int_eq(shmfb_consumer_release(con), 0);
    ck_assert_int_eq(ioShowDisplay(addr(d), 300, 150, 32, 5, 6, 5, 6), 1);
    take(&f);
    ck_assert_int_eq(f.width, 300);
    ck_assert_int_eq(f.height, 150);
    ck_assert_uint_ne(f.flags & SHMFB_FRAME_RESIZED, 0);
    rect_is(&f.bounds, 0, 0, 300, 150);
    frame_matches(&f, d, 300, 300, 150);
    ck_assert_int_eq(shmfb_consumer_release(con), 0);
    free(d);

    /* Larger than the capacity: the top-left part, at the Display's pitch. */
    d = display_new(400, 250, 6);
    ck_assert_int_eq(ioShowDisplay(addr(d), 400, 250, 32, 0, 400, 0, 250), 1);
    take(&f);
    ck_assert_int_eq(f.width, CAP_W);
    ck_assert_int_eq(f.height, CAP_H);
    frame_matches(&f, d, 400, CAP_W, CAP_H);
    ck_assert_int_eq(shmfb_consumer_release(con), 0);
    /* Same Display again: no resize, only the damage (clipped to the capacity). */
    ck_assert_int_eq(ioShowDisplay(addr(d), 400, 250, 32, 310, 390, 190, 240), 1);
    take(&f);
    ck_assert_uint_eq(f.flags & SHMFB_FRAME_RESIZED, 0);
    rect_is(&f.damage[0], 310, 190, 10, 10);
    free(d);
    close_pair();
}
END_TEST

/* FIFO pacing with the viewer in another process: ioShowDisplay returns
 * once the frame was taken. */
START_TEST(show_to_other_process)
{
    tu_name(fb_name, sizeof(fb_name), "vmdfifo");
    ck_assert_int_eq(shmfb_vmdisplay_open(fb_name, CAP_W, CAP_H, INIT_W, INIT_H), 0);
    uint32_t *d = display_new(INIT_W, INIT_H, 7);
    pid_t pid = fork();
    if (pid == 0) {
        struct shmfb_consumer *c;
        struct shmfb_frame f;
        if (shmfb_consumer_open(fb_name, NULL, &c) < 0 || shmfb_consumer_attach(c) < 0)
            _exit(1);
        if (shmfb_consumer_wait(c, 5000, &f) < 0)
            _exit(2);
        bool ok = f.ndamage == 1 && frame_px(&f, 12, 34) == d[34 * INIT_W + 12];
        shmfb_consumer_release(c);
        shmfb_consumer_close(c);
        _exit(ok ? 0 : 3);
    }
    int64_t t0 = tu_now_ms();
    while (shmfb_producer_consumers(shmfb_vmdisplay_producer()) == 0 && tu_now_ms() - t0 < 5000)
        usleep(1000);
    ck_assert_int_eq(ioShowDisplay(addr(d), INIT_W, INIT_H, 32, 10, 20, 30, 40), 1);
    ck_assert_int_eq(tu_wait_child(pid, 5000), 0);
    free(d);
    shmfb_vmdisplay_close();
}
END_TEST

/* ---- the idle wait ----------------------------------------------------- */

START_TEST(relinquish_wakes_for_input)
{
    tu_name(fb_name, sizeof(fb_name), "vmdwait");
    ck_assert_int_eq(shmfb_vmdisplay_open(fb_name, CAP_W, CAP_H, INIT_W, INIT_H), 0);
    struct shmfb_vmdisplay_hooks h = {.signal_semaphore = count_signal};
    shmfb_vmdisplay_set_hooks(&h);
    ioSetInputSemaphore(5);
    signals = 0;
    pid_t pid = fork();
    if (pid == 0) {
        struct shmfb_consumer *c;
        if (shmfb_consumer_open(fb_name, NULL, &c) < 0 || shmfb_consumer_attach(c) < 0)
            _exit(1);
        usleep(300 * 1000);
        struct shmfb_event ev = {.type = SHMFB_EVENT_TEXT, .code = 0x1F600};
        if (shmfb_consumer_send(c, &ev) < 0)
            _exit(2);
        usleep(1000 * 1000); /* stay attached until the event was read */
        shmfb_consumer_close(c);
        _exit(0);
    }
    int64_t t0 = tu_now_ms();
    ck_assert_int_eq(ioRelinquishProcessorForMicroseconds(20 * 1000 * 1000), 0);
    ck_assert_int_lt(tu_now_ms() - t0, 15000);
    ck_assert_int_eq(signals, 1);
    ck_assert_int_eq(signalled_index, 5);
    expect(EventTypeKeyboard, 0x1F600, EventKeyChar, 0, 0x1F600, 0);
    ck_assert_int_eq(tu_wait_child(pid, 5000), 0);
    shmfb_vmdisplay_close();
}
END_TEST

START_TEST(relinquish_sleeps_without_input)
{
    open_pair();
    struct shmfb_vmdisplay_hooks h = {.signal_semaphore = count_signal};
    shmfb_vmdisplay_set_hooks(&h);
    ioSetInputSemaphore(5);
    signals = 0;
    int64_t t0 = tu_now_ms();
    ioRelinquishProcessorForMicroseconds(300 * 1000);
    int64_t slept = tu_now_ms() - t0;
    ck_assert_int_ge(slept, 250);
    ck_assert_int_lt(slept, 10000);
    ck_assert_int_eq(signals, 0);
    /* Events already taken but not yet read do not cut the sleep short. */
    send_text('q');
    ioProcessEvents();
    ck_assert_int_eq(signals, 1);
    t0 = tu_now_ms();
    ioRelinquishProcessorForMicroseconds(300 * 1000);
    ck_assert_int_ge(tu_now_ms() - t0, 250);
    /* Zero only polls; a few microseconds sleep at least a millisecond. */
    t0 = tu_now_ms();
    ioRelinquishProcessorForMicroseconds(0);
    ioRelinquishProcessorForMicroseconds(5);
    ck_assert_int_lt(tu_now_ms() - t0, 5000);
    expect_key('q', EventKeyChar, 0);
    expect_none();
    close_pair();
}
END_TEST

static Suite *vmdisplay_suite(void)
{
    Suite *s = suite_create("vmdisplay");
    TCase *ev = tcase_create("events");
    tcase_add_checked_fixture(ev, tu_setup, tu_teardown);
    tcase_add_test(ev, mouse_buttons);
    tcase_add_test(ev, mouse_swapped_buttons);
    tcase_add_test(ev, modifiers);
    tcase_add_test(ev, keys_and_text);
    tcase_add_test(ev, keys_without_text);
    tcase_add_test(ev, shortcut_keys);
    tcase_add_test(ev, text_beyond_bmp);
    tcase_add_test(ev, wheel);
    tcase_add_test(ev, wheel_as_keys);
    tcase_add_test(ev, window_events);
    tcase_add_test(ev, time_stamps);
    tcase_add_test(ev, input_semaphore);
    tcase_add_test(ev, queue_overflow_drops_oldest);
    tcase_add_test(ev, not_open_and_errors);
    suite_add_tcase(s, ev);

    TCase *disp = tcase_create("display");
    tcase_add_checked_fixture(disp, tu_setup, tu_teardown);
    tcase_add_test(disp, screen_size_and_depth);
    tcase_add_test(disp, show_affected_rect);
    tcase_add_test(disp, show_clipped);
    tcase_add_test(disp, show_rejects_bad_depth);
    tcase_add_test(disp, show_resized_display);
    tcase_add_test(disp, show_to_other_process);
    suite_add_tcase(s, disp);

    TCase *wait = tcase_create("wait");
    tcase_add_checked_fixture(wait, tu_setup, tu_teardown);
    tcase_add_test(wait, relinquish_wakes_for_input);
    tcase_add_test(wait, relinquish_sleeps_without_input);
    suite_add_tcase(s, wait);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(vmdisplay_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

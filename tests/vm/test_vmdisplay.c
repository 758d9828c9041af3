/* The VM display adapter (vm/vmdisplay): event records as the classic
 * Unix Squeak VM's X11 module fills them, the Display's rectangles, the
 * deferred present, the idle wait. */
#include "testutil.h"
#include "vmdisplay.h"

#include <shmfb/shmfb.h>

#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The record layout the VM reads: eight 32-bit words. */
_Static_assert(sizeof(struct shmfb_vmd_mouse) == 32, "mouse record size");
_Static_assert(sizeof(struct shmfb_vmd_key) == 32, "keyboard record size");
_Static_assert(sizeof(struct shmfb_vmd_window) == 32, "window record size");
_Static_assert(offsetof(struct shmfb_vmd_mouse, buttons) == 16, "mouse layout");
_Static_assert(offsetof(struct shmfb_vmd_mouse, reserved1) == 24, "mouse layout");
_Static_assert(offsetof(struct shmfb_vmd_key, utf32_code) == 20, "key layout");
_Static_assert(offsetof(struct shmfb_vmd_window, value4) == 24, "window layout");
_Static_assert(offsetof(struct shmfb_vmd_generic, window_index) == 28, "window index");

/* The values the VM and its images use. */
_Static_assert(SHMFB_VMD_EVENT_MOUSE == 1 && SHMFB_VMD_EVENT_KEYBOARD == 2 &&
                   SHMFB_VMD_EVENT_WINDOW == 5 && SHMFB_VMD_EVENT_MOUSE_WHEEL == 7,
               "event types");
_Static_assert(SHMFB_VMD_RED == 4 && SHMFB_VMD_YELLOW == 2 && SHMFB_VMD_BLUE == 1, "buttons");
_Static_assert(SHMFB_VMD_SHIFT == 1 && SHMFB_VMD_CTRL == 2 && SHMFB_VMD_OPTION == 4 &&
                   SHMFB_VMD_COMMAND == 8,
               "modifiers");
_Static_assert(SHMFB_VMD_KEY_CHAR == 0 && SHMFB_VMD_KEY_DOWN == 1 && SHMFB_VMD_KEY_UP == 2,
               "press codes");
_Static_assert(SHMFB_VMD_WINDOW_METRIC_CHANGE == 1 && SHMFB_VMD_WINDOW_CLOSE == 2 &&
                   SHMFB_VMD_WINDOW_ACTIVATED == 4,
               "window actions");

#define CAP_W  320
#define CAP_H  200
#define INIT_W 200
#define INIT_H 100

/* USB HID usage ids of keys without a character, as a viewer sends them. */
#define KEY_F1       (SHMFB_KEY_SPECIAL | 0x3A)
#define KEY_INSERT   (SHMFB_KEY_SPECIAL | 0x49)
#define KEY_HOME     (SHMFB_KEY_SPECIAL | 0x4A)
#define KEY_PGUP     (SHMFB_KEY_SPECIAL | 0x4B)
#define KEY_END      (SHMFB_KEY_SPECIAL | 0x4D)
#define KEY_PGDN     (SHMFB_KEY_SPECIAL | 0x4E)
#define KEY_RIGHT    (SHMFB_KEY_SPECIAL | 0x4F)
#define KEY_LEFT     (SHMFB_KEY_SPECIAL | 0x50)
#define KEY_DOWN     (SHMFB_KEY_SPECIAL | 0x51)
#define KEY_UP       (SHMFB_KEY_SPECIAL | 0x52)
#define KEY_KP_ENTER (SHMFB_KEY_SPECIAL | 0x58)
#define KEY_LSHIFT   (SHMFB_KEY_SPECIAL | 0xE1)
#define KEY_UNNAMED  SHMFB_KEY_SPECIAL /* a key the viewer could not name */

static char fb_name[96];
static struct shmfb_consumer *con;
static int inputs;
static uint32_t clock_now;

static void count_input(void *ctx)
{
    ck_assert_ptr_eq(ctx, &inputs);
    inputs++;
}

static uint32_t fixed_clock(void *ctx)
{
    (void)ctx;
    return clock_now;
}

static uint32_t open_pacing = SHMFB_PACING_FREE;

static void open_flags_hooks(uint32_t flags, struct shmfb_vmd_hooks hooks)
{
    tu_name(fb_name, sizeof(fb_name), "vmd");
    struct shmfb_vmd_desc d = {.max_width = CAP_W,
                               .max_height = CAP_H,
                               .width = INIT_W,
                               .height = INIT_H,
                               .pacing = open_pacing,
                               .flags = flags,
                               .hooks = hooks};
    ck_assert_int_eq(shmfb_vmd_open(fb_name, &d), 0);
    ck_assert_int_eq(shmfb_consumer_open(fb_name, NULL, &con), 0);
    ck_assert_int_eq(shmfb_consumer_attach(con), 0);
}

static void open_pair_flags(uint32_t flags)
{
    open_flags_hooks(flags, (struct shmfb_vmd_hooks){0});
}

static void open_pair(void)
{
    open_pair_flags(0);
}

static void close_pair(void)
{
    shmfb_consumer_close(con);
    con = NULL;
    shmfb_vmd_close();
}

static void send(uint32_t type, int32_t x, int32_t y, uint32_t code, uint32_t sym, uint32_t mods,
                 uint32_t buttons)
{
    struct shmfb_event ev = {type, 0, x, y, code, sym, mods, buttons};
    ck_assert_int_eq(shmfb_consumer_send(con, &ev), 0);
}

/* A key as a viewer sends it: the key's code is its symbol's low bits. */
static void send_key(uint32_t type, uint32_t sym, uint32_t mods)
{
    send(type, 0, 0, sym & 0xFFFF, sym, mods, 0);
}

static void send_text(uint32_t cp, uint32_t mods)
{
    send(SHMFB_EVENT_TEXT, 0, 0, cp, 0, mods, 0);
}

/* Down, text (if any), up: one key stroke. */
static void stroke(uint32_t sym, uint32_t mods, uint32_t text)
{
    send_key(SHMFB_EVENT_KEY_DOWN, sym, mods);
    if (text)
        send_text(text, mods);
    send_key(SHMFB_EVENT_KEY_UP, sym, mods);
}

/* Takes the next record and checks its type, words 2..6 and window index. */
static void expect_in(int32_t type, int32_t w2, int32_t w3, int32_t w4, int32_t w5, int32_t w6,
                      int32_t window)
{
    union shmfb_vmd_event e;
    ck_assert_int_eq(shmfb_vmd_next_event(&e), 1);
    ck_assert_int_eq(e.type, type);
    int32_t want[5] = {w2, w3, w4, w5, w6};
    for (int i = 0; i < 5; i++)
        ck_assert_msg(e.any.words[i] == want[i], "type %d word %d: got %d, want %d", (int)type,
                      i + 2, (int)e.any.words[i], (int)want[i]);
    ck_assert_int_eq(e.any.window_index, window);
}

static void expect(int32_t type, int32_t w2, int32_t w3, int32_t w4, int32_t w5, int32_t w6)
{
    expect_in(type, w2, w3, w4, w5, w6, 0);
}

static void expect_mouse(int32_t x, int32_t y, int32_t buttons, int32_t mods)
{
    expect(SHMFB_VMD_EVENT_MOUSE, x, y, buttons, mods, 0);
}

static void expect_key(int32_t press, int32_t char_code, int32_t utf32, int32_t mods)
{
    expect(SHMFB_VMD_EVENT_KEYBOARD, char_code, press, mods, utf32, 0);
}

/* Down and char with the same fields, as the X11 module reports a press. */
static void expect_press(int32_t char_code, int32_t utf32, int32_t mods)
{
    expect_key(SHMFB_VMD_KEY_DOWN, char_code, utf32, mods);
    expect_key(SHMFB_VMD_KEY_CHAR, char_code, utf32, mods);
}

static void expect_release(int32_t char_code, int32_t utf32, int32_t mods)
{
    expect_key(SHMFB_VMD_KEY_UP, char_code, utf32, mods);
}

static void expect_none(void)
{
    union shmfb_vmd_event e;
    memset(&e, 0x55, sizeof(e));
    ck_assert_int_eq(shmfb_vmd_next_event(&e), 0);
    ck_assert_int_eq(e.type, SHMFB_VMD_EVENT_NONE);
}

/* ---- pointer ----------------------------------------------------------- */

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
    /* X1 has no Squeak button: no record, nothing changes. */
    send(SHMFB_EVENT_BUTTON_DOWN, 19, 20, SHMFB_BUTTON_X1, 0, 0, 2 | 1 | 8);
    expect_mouse(5, 6, 0, 0);
    expect_mouse(7, 8, SHMFB_VMD_RED, 0);
    expect_mouse(9, 10, SHMFB_VMD_RED | SHMFB_VMD_BLUE, 0);
    expect_mouse(-3, 300, SHMFB_VMD_RED | SHMFB_VMD_BLUE, 0);
    expect_mouse(11, 12, SHMFB_VMD_BLUE, 0);
    expect_mouse(13, 14, 0, 0);
    expect_mouse(15, 16, SHMFB_VMD_YELLOW, 0);
    expect_mouse(17, 18, SHMFB_VMD_YELLOW | SHMFB_VMD_RED, 0);
    expect_none();
    ck_assert_int_eq(shmfb_vmd_button_state(), SHMFB_VMD_YELLOW | SHMFB_VMD_RED);
    ck_assert_int_eq(shmfb_vmd_mouse_point(), (17 << 16) | 18);
    send(SHMFB_EVENT_MOTION, -3, -4, 0, 0, 0, 0);
    shmfb_vmd_process();
    ck_assert_int_eq(shmfb_vmd_mouse_point(), (int32_t)0xFFFDFFFCu);
    close_pair();
}
END_TEST

START_TEST(mouse_swapped_buttons)
{
    open_pair_flags(SHMFB_VMD_SWAP_BUTTONS);
    send(SHMFB_EVENT_BUTTON_DOWN, 1, 2, SHMFB_BUTTON_MIDDLE, 0, 0, 2);
    send(SHMFB_EVENT_BUTTON_DOWN, 1, 2, SHMFB_BUTTON_RIGHT, 0, 0, 2 | 4);
    send(SHMFB_EVENT_BUTTON_DOWN, 1, 2, SHMFB_BUTTON_LEFT, 0, 0, 7);
    expect_mouse(1, 2, SHMFB_VMD_BLUE, 0);
    expect_mouse(1, 2, SHMFB_VMD_BLUE | SHMFB_VMD_YELLOW, 0);
    expect_mouse(1, 2, 7, 0);
    close_pair();
}
END_TEST

/* Red alone with exactly Ctrl is yellow, with exactly Command (Alt) blue;
 * the modifier is consumed.  Any other combination stays as it is. */
START_TEST(one_button_mouse)
{
    open_pair();
    send(SHMFB_EVENT_BUTTON_DOWN, 1, 1, SHMFB_BUTTON_LEFT, 0, SHMFB_MOD_CTRL, 1);
    send(SHMFB_EVENT_BUTTON_DOWN, 1, 1, SHMFB_BUTTON_LEFT, 0, SHMFB_MOD_ALT, 1);
    send(SHMFB_EVENT_BUTTON_DOWN, 1, 1, SHMFB_BUTTON_LEFT, 0, SHMFB_MOD_CTRL | SHMFB_MOD_SHIFT, 1);
    send(SHMFB_EVENT_BUTTON_DOWN, 1, 1, SHMFB_BUTTON_RIGHT, 0, SHMFB_MOD_CTRL, 1 | 4);
    expect_mouse(1, 1, SHMFB_VMD_YELLOW, 0);
    expect_mouse(1, 1, SHMFB_VMD_BLUE, 0);
    expect_mouse(1, 1, SHMFB_VMD_RED, SHMFB_VMD_CTRL | SHMFB_VMD_SHIFT);
    expect_mouse(1, 1, SHMFB_VMD_RED | SHMFB_VMD_BLUE, SHMFB_VMD_CTRL);
    expect_none();
    ck_assert_int_eq(shmfb_vmd_button_state(),
                     (SHMFB_VMD_RED | SHMFB_VMD_BLUE) | SHMFB_VMD_CTRL << 3);
    close_pair();
    open_pair_flags(SHMFB_VMD_SWAP_BUTTONS);
    send(SHMFB_EVENT_BUTTON_DOWN, 1, 1, SHMFB_BUTTON_LEFT, 0, SHMFB_MOD_CTRL, 1);
    expect_mouse(1, 1, SHMFB_VMD_BLUE, 0);
    ck_assert_int_eq(shmfb_vmd_button_state(), SHMFB_VMD_BLUE);
    close_pair();
}
END_TEST

/* As the X11 module: Alt is Command, Ctrl+Alt is Option (Ctrl and Command
 * dropped), Super and Caps Lock are not reported. */
START_TEST(modifiers)
{
    open_pair();
    const uint32_t in[] = {SHMFB_MOD_SHIFT,
                           SHMFB_MOD_CTRL,
                           SHMFB_MOD_ALT,
                           SHMFB_MOD_META,
                           SHMFB_MOD_CAPS,
                           SHMFB_MOD_CTRL | SHMFB_MOD_ALT,
                           0x1F,
                           SHMFB_MOD_SHIFT | SHMFB_MOD_ALT};
    const int32_t out[] = {SHMFB_VMD_SHIFT,
                           SHMFB_VMD_CTRL,
                           SHMFB_VMD_COMMAND,
                           0,
                           0,
                           SHMFB_VMD_OPTION,
                           SHMFB_VMD_SHIFT | SHMFB_VMD_OPTION,
                           SHMFB_VMD_SHIFT | SHMFB_VMD_COMMAND};
    for (int i = 0; i < 8; i++)
        send(SHMFB_EVENT_MOTION, i, 0, 0, 0, in[i], 4);
    for (int i = 0; i < 8; i++)
        expect_mouse(i, 0, SHMFB_VMD_BLUE, out[i]);
    /* Button state: buttons, then modifiers from bit 3 on. */
    ck_assert_int_eq(shmfb_vmd_button_state(),
                     SHMFB_VMD_BLUE | (SHMFB_VMD_SHIFT | SHMFB_VMD_COMMAND) << 3);
    close_pair();
}
END_TEST

/* ---- keys -------------------------------------------------------------- */

/* Every press is a down and a char with identical fields, carrying the text
 * it typed; the release repeats them. */
START_TEST(keys_with_text)
{
    open_pair();
    stroke('a', 0, 'a');
    stroke('a', SHMFB_MOD_SHIFT, 'A');
    stroke('1', SHMFB_MOD_SHIFT, '!');
    stroke('c', SHMFB_MOD_ALT, 'c'); /* a shortcut that some viewers type as well */
    expect_press('a', 'a', 0);
    expect_release('a', 'a', 0);
    expect_press('A', 'A', SHMFB_VMD_SHIFT);
    expect_release('A', 'A', SHMFB_VMD_SHIFT);
    expect_press('!', '!', SHMFB_VMD_SHIFT);
    expect_release('!', '!', SHMFB_VMD_SHIFT);
    expect_press('c', 'c', SHMFB_VMD_COMMAND);
    expect_release('c', 'c', SHMFB_VMD_COMMAND);
    expect_none();
    close_pair();
}
END_TEST

/* The key's text may arrive in a later poll than the key itself. */
START_TEST(text_in_a_later_poll)
{
    open_pair();
    send_key(SHMFB_EVENT_KEY_DOWN, 'q', 0);
    ck_assert_int_eq(shmfb_vmd_process(), 0); /* held back for its text */
    send_text('q', 0);
    send_key(SHMFB_EVENT_KEY_UP, 'q', 0);
    ck_assert_int_eq(shmfb_vmd_process(), 3);
    expect_press('q', 'q', 0);
    expect_release('q', 'q', 0);
    expect_none();
    close_pair();
}
END_TEST

/* A press whose text never comes (Ctrl held, or a viewer that sends none)
 * is reported with its own symbol once the next event arrives, or after a
 * short wait. */
START_TEST(keys_without_text)
{
    open_pair();
    stroke('c', SHMFB_MOD_CTRL, 0);
    stroke('c', SHMFB_MOD_CTRL | SHMFB_MOD_SHIFT, 0);
    stroke('[', SHMFB_MOD_CTRL, 0);
    stroke('2', SHMFB_MOD_CTRL, 0);
    stroke('5', SHMFB_MOD_CTRL, 0);
    stroke('8', SHMFB_MOD_CTRL, 0);
    stroke('/', SHMFB_MOD_CTRL, 0);
    stroke('x', SHMFB_MOD_CTRL | SHMFB_MOD_ALT, 0);
    stroke('x', SHMFB_MOD_SHIFT, 0);
    expect_press(3, 'c', SHMFB_VMD_CTRL);
    expect_release(3, 'c', SHMFB_VMD_CTRL);
    expect_press(3, 'C', SHMFB_VMD_CTRL | SHMFB_VMD_SHIFT);
    expect_release(3, 'C', SHMFB_VMD_CTRL | SHMFB_VMD_SHIFT);
    expect_press(27, '[', SHMFB_VMD_CTRL);
    expect_release(27, '[', SHMFB_VMD_CTRL);
    expect_press(0, '2', SHMFB_VMD_CTRL);
    expect_release(0, '2', SHMFB_VMD_CTRL);
    expect_press(29, '5', SHMFB_VMD_CTRL);
    expect_release(29, '5', SHMFB_VMD_CTRL);
    expect_press(127, '8', SHMFB_VMD_CTRL);
    expect_release(127, '8', SHMFB_VMD_CTRL);
    expect_press(31, '/', SHMFB_VMD_CTRL);
    expect_release(31, '/', SHMFB_VMD_CTRL);
    expect_press(24, 'x', SHMFB_VMD_OPTION); /* Ctrl still makes the control character */
    expect_release(24, 'x', SHMFB_VMD_OPTION);
    expect_press('X', 'X', SHMFB_VMD_SHIFT);
    expect_release('X', 'X', SHMFB_VMD_SHIFT);
    expect_none();

    /* With Ctrl the press is reported at once, and text sent for it dropped. */
    send_key(SHMFB_EVENT_KEY_DOWN, '1', SHMFB_MOD_CTRL);
    ck_assert_int_eq(shmfb_vmd_process(), 2);
    send_text('1', SHMFB_MOD_CTRL);
    send_key(SHMFB_EVENT_KEY_UP, '1', SHMFB_MOD_CTRL);
    send_text('2', 0); /* not right after a Ctrl press: typed */
    expect_press('1', '1', SHMFB_VMD_CTRL);
    expect_release('1', '1', SHMFB_VMD_CTRL);
    expect_press('2', '2', 0);
    expect_release('2', '2', 0);
    expect_none();

    /* Nothing else arrives: the press is reported after a wait. */
    send_key(SHMFB_EVENT_KEY_DOWN, 'z', 0);
    ck_assert_int_eq(shmfb_vmd_process(), 0);
    int64_t t0 = tu_now_ms();
    ck_assert_int_eq(shmfb_vmd_idle(5 * 1000 * 1000), 2);
    ck_assert_int_ge(tu_now_ms() - t0, 200);
    ck_assert_int_lt(tu_now_ms() - t0, 3000);
    expect_press('z', 'z', 0);
    expect_none();
    close_pair();
}
END_TEST

/* Keys that type control characters or move the cursor have the X11
 * module's codes; keys without one make nothing. */
START_TEST(control_keys)
{
    open_pair();
    const struct {
        uint32_t sym;
        int32_t char_code, utf32;
    } keys[] = {{0x08, 8, 8},       {0x09, 9, 9},       {0x0D, 13, 13},       {0x1B, 27, 27},
                {0x7F, 127, 127},   {KEY_HOME, 1, 1},   {KEY_END, 4, 4},      {KEY_INSERT, 5, 0},
                {KEY_PGUP, 11, 11}, {KEY_PGDN, 12, 12}, {KEY_LEFT, 28, 28},   {KEY_RIGHT, 29, 29},
                {KEY_UP, 30, 30},   {KEY_DOWN, 31, 31}, {KEY_KP_ENTER, 13, 0}};
    const int n = (int)(sizeof(keys) / sizeof(keys[0]));
    for (int i = 0; i < n; i++)
        stroke(keys[i].sym, SHMFB_MOD_SHIFT, keys[i].sym == 0x0D ? '\r' : 0);
    stroke(KEY_F1, 0, 0);
    stroke(KEY_LSHIFT, SHMFB_MOD_SHIFT, 0);
    for (int i = 0; i < n; i++) {
        expect_press(keys[i].char_code, keys[i].utf32, SHMFB_VMD_SHIFT);
        expect_release(keys[i].char_code, keys[i].utf32, SHMFB_VMD_SHIFT);
    }
    expect_none();
    close_pair();

    open_pair_flags(SHMFB_VMD_MAP_DEL_BS);
    stroke(0x7F, 0, 0);
    expect_press(8, 127, 0);
    expect_release(8, 127, 0);
    close_pair();
}
END_TEST

/* Text beyond ASCII: the code point in utf32_code, 0 as the 8-bit code. */
START_TEST(text_beyond_ascii)
{
    open_pair();
    const uint32_t cps[] = {0xE9, 0x20AC, 0x1F600, 0x10FFFF, 0x1D11E};
    for (int i = 0; i < 5; i++)
        send_text(cps[i], 0); /* text without a key (an input method) */
    send_text(0x07, 0);       /* control characters come as keys: dropped */
    send_text(0x1F600, SHMFB_MOD_ALT);
    /* A key the viewer could not name, typing a character. */
    send_key(SHMFB_EVENT_KEY_DOWN, KEY_UNNAMED, 0);
    send_text(0xFC, 0);
    send_key(SHMFB_EVENT_KEY_UP, KEY_UNNAMED, 0);
    for (int i = 0; i < 5; i++) {
        expect_press(0, (int32_t)cps[i], 0);
        expect_release(0, (int32_t)cps[i], 0);
    }
    expect_press(0, 0x1F600, SHMFB_VMD_COMMAND);
    expect_release(0, 0x1F600, SHMFB_VMD_COMMAND);
    expect_press(0, 0xFC, 0);
    expect_release(0, 0xFC, 0);
    expect_none();
    close_pair();
}
END_TEST

/* A held key repeats as more presses, then one release. */
START_TEST(key_repeat)
{
    open_pair();
    send_key(SHMFB_EVENT_KEY_DOWN, 'r', 0);
    send_text('r', 0);
    send_key(SHMFB_EVENT_KEY_DOWN, 'r', 0);
    send_text('r', 0);
    send_key(SHMFB_EVENT_KEY_DOWN, 'e', 0); /* another key meanwhile */
    send_text('e', 0);
    send_key(SHMFB_EVENT_KEY_UP, 'r', 0);
    send_key(SHMFB_EVENT_KEY_UP, 'e', 0);
    send_key(SHMFB_EVENT_KEY_UP, 'e', 0); /* a release without a press: nothing */
    expect_press('r', 'r', 0);
    expect_press('r', 'r', 0);
    expect_press('e', 'e', 0);
    expect_release('r', 'r', 0);
    expect_release('e', 'e', 0);
    expect_none();
    close_pair();
}
END_TEST

/* ---- wheel and window --------------------------------------------------- */

/* As the X11 module: one arrow keystroke (up 30, down 31) per notch, the
 * modifiers with Ctrl toggled. */
START_TEST(wheel_as_arrow_keys)
{
    open_pair();
    send(SHMFB_EVENT_WHEEL, 0, 1, 0, 0, 0, 0);
    send(SHMFB_EVENT_WHEEL, 0, -2, 0, 0, SHMFB_MOD_SHIFT, 0);
    send(SHMFB_EVENT_WHEEL, 0, -1, 0, 0, SHMFB_MOD_CTRL, 0);
    send(SHMFB_EVENT_WHEEL, 3, 0, 0, 0, 0, 0); /* sideways: nothing */
    send(SHMFB_EVENT_WHEEL, 0, 100, 0, 0, 0, 0);
    expect_press(30, 30, SHMFB_VMD_CTRL);
    expect_release(30, 30, SHMFB_VMD_CTRL);
    for (int i = 0; i < 2; i++) {
        expect_press(31, 31, SHMFB_VMD_CTRL | SHMFB_VMD_SHIFT);
        expect_release(31, 31, SHMFB_VMD_CTRL | SHMFB_VMD_SHIFT);
    }
    expect_press(31, 31, 0);
    expect_release(31, 31, 0);
    for (int i = 0; i < 8; i++) { /* at most 8 notches per event */
        expect_press(30, 30, SHMFB_VMD_CTRL);
        expect_release(30, 30, SHMFB_VMD_CTRL);
    }
    expect_none();
    close_pair();
}
END_TEST

START_TEST(wheel_events)
{
    open_pair_flags(SHMFB_VMD_WHEEL_EVENTS);
    send(SHMFB_EVENT_BUTTON_DOWN, 1, 1, SHMFB_BUTTON_LEFT, 0, 0, 1);
    send(SHMFB_EVENT_WHEEL, 0, 1, 0, 0, 0, 0);
    send(SHMFB_EVENT_WHEEL, 2, -3, 0, 0, SHMFB_MOD_CTRL, 0);
    expect_mouse(1, 1, SHMFB_VMD_RED, 0);
    expect(SHMFB_VMD_EVENT_MOUSE_WHEEL, 0, 120, SHMFB_VMD_RED, 0, 0);
    expect(SHMFB_VMD_EVENT_MOUSE_WHEEL, 240, -360, SHMFB_VMD_RED, SHMFB_VMD_CTRL, 0);
    expect_none();
    close_pair();
}
END_TEST

/* Only the close request becomes a record (window 1); a resize changes the
 * screen size the image polls. */
START_TEST(window_requests)
{
    open_pair();
    ck_assert_uint_eq(shmfb_vmd_screen_size(), (INIT_W << 16) | INIT_H);
    send(SHMFB_EVENT_FOCUS_IN, 0, 0, 0, 0, 0, 0);
    send(SHMFB_EVENT_FOCUS_OUT, 0, 0, 0, 0, 0, 0);
    send(SHMFB_EVENT_RESIZE, 5000, 150, 0, 0, 0, 0);
    send(SHMFB_EVENT_CLOSE, 0, 0, 0, 0, 0, 0);
    expect_in(SHMFB_VMD_EVENT_WINDOW, SHMFB_VMD_WINDOW_CLOSE, 0, 0, 0, 0, 1);
    expect_none();
    ck_assert_uint_eq(shmfb_vmd_screen_size(), (CAP_W << 16) | 150);
    close_pair();
}
END_TEST

START_TEST(window_events)
{
    open_pair_flags(SHMFB_VMD_WINDOW_EVENTS);
    send(SHMFB_EVENT_FOCUS_IN, 0, 0, 0, 0, 0, 0);
    send(SHMFB_EVENT_FOCUS_OUT, 0, 0, 0, 0, 0, 0); /* no Squeak equivalent */
    send(SHMFB_EVENT_RESIZE, 5000, 150, 0, 0, 0, 0);
    send(SHMFB_EVENT_CLOSE, 0, 0, 0, 0, 0, 0);
    expect(SHMFB_VMD_EVENT_WINDOW, SHMFB_VMD_WINDOW_ACTIVATED, 0, 0, 0, 0);
    expect(SHMFB_VMD_EVENT_WINDOW, SHMFB_VMD_WINDOW_METRIC_CHANGE, 0, 0, CAP_W, 150);
    expect_in(SHMFB_VMD_EVENT_WINDOW, SHMFB_VMD_WINDOW_CLOSE, 0, 0, 0, 0, 1);
    expect_none();
    close_pair();
}
END_TEST

/* ---- clock, hooks, queue ------------------------------------------------- */

/* Takes records up to the down of \p cp's press. */
static void next_press_of(uint32_t cp, union shmfb_vmd_event *e)
{
    do
        ck_assert_int_eq(shmfb_vmd_next_event(e), 1);
    while (e->type != SHMFB_VMD_EVENT_KEYBOARD || e->key.utf32_code != (int32_t)cp ||
           e->key.press_code != SHMFB_VMD_KEY_DOWN);
}

START_TEST(time_stamps)
{
    open_pair();
    union shmfb_vmd_event e;
    send_text('t', 0);
    ck_assert_int_eq(shmfb_vmd_next_event(&e), 1);
    ck_assert_uint_lt(e.any.time_stamp, 60000); /* milliseconds since open */
    close_pair();

    clock_now = 100000;
    open_flags_hooks(0, (struct shmfb_vmd_hooks){.msecs = fixed_clock});
    send_text('u', 0); /* stamped "now" by the sender: the VM's clock, less its age */
    next_press_of('u', &e);
    ck_assert_uint_le(e.any.time_stamp, 100000);
    ck_assert_uint_gt(e.any.time_stamp, 100000 - 10000);
    struct shmfb_event old = {.type = SHMFB_EVENT_TEXT, .time_ms = 1, .code = 'w'};
    ck_assert_int_eq(shmfb_consumer_send(con, &old), 0); /* another clock: now */
    next_press_of('w', &e);
    ck_assert_uint_eq(e.any.time_stamp, 100000);
    clock_now = 0x20000000u + 1000; /* the VM's clock wraps at 29 bits */
    send_text('v', 0);
    next_press_of('v', &e);
    ck_assert_uint_le(e.any.time_stamp, 1000);
    close_pair();
}
END_TEST

START_TEST(input_hook)
{
    open_flags_hooks(0, (struct shmfb_vmd_hooks){.input = count_input, .ctx = &inputs});
    inputs = 0;
    ck_assert_int_eq(shmfb_vmd_process(), 0); /* nothing arrived */
    ck_assert_int_eq(inputs, 0);
    send_text('b', 0);
    ck_assert_int_eq(shmfb_vmd_process(), 3);
    ck_assert_int_eq(inputs, 1);
    send(SHMFB_EVENT_FOCUS_OUT, 0, 0, 0, 0, 0, 0); /* makes no record: no call */
    ck_assert_int_eq(shmfb_vmd_process(), 0);
    ck_assert_int_eq(inputs, 1);
    expect_press('b', 'b', 0);
    expect_release('b', 'b', 0);
    expect_none();
    close_pair();
}
END_TEST

START_TEST(queue_overflow_drops_oldest)
{
    open_pair_flags(SHMFB_VMD_WHEEL_EVENTS);
    for (int i = 0; i < 200; i++)
        send(SHMFB_EVENT_WHEEL, i, 1, 0, 0, 0, 0);
    shmfb_vmd_process();
    for (int i = 200; i < 300; i++)
        send(SHMFB_EVENT_WHEEL, i, 1, 0, 0, 0, 0);
    shmfb_vmd_process();
    for (int i = 300 - SHMFB_VMD_QUEUE; i < 300; i++)
        expect(SHMFB_VMD_EVENT_MOUSE_WHEEL, i * 120, 120, 0, 0, 0);
    expect_none();
    close_pair();
}
END_TEST

START_TEST(not_open_and_errors)
{
    union shmfb_vmd_event e;
    uint32_t px[4] = {0};
    ck_assert_int_eq(shmfb_vmd_next_event(&e), 0);
    ck_assert_int_eq(e.type, SHMFB_VMD_EVENT_NONE);
    ck_assert_uint_eq(shmfb_vmd_screen_size(), 0);
    ck_assert_int_eq(shmfb_vmd_flush(), 0);
    ck_assert_int_eq(shmfb_vmd_idle(1000), 0);
    ck_assert_int_eq(shmfb_vmd_process(), 0);
    ck_assert_int_eq(shmfb_vmd_show(px, 2, 2, 32, 0, 2, 0, 2), -ENOTCONN);
    ck_assert_ptr_null(shmfb_vmd_producer());
    shmfb_vmd_close(); /* closing when not open is harmless */

    struct shmfb_vmd_desc bad = {.max_width = 8, .max_height = 8, .flags = 1u << 7};
    ck_assert_int_eq(shmfb_vmd_open(NULL, NULL), -EINVAL);
    ck_assert_int_eq(shmfb_vmd_open("x", &bad), -EINVAL);
    struct shmfb_vmd_desc ok = {.max_width = 8, .max_height = 8};
    ck_assert_int_eq(shmfb_vmd_open("bad/name", &ok), -EINVAL);
    struct shmfb_vmd_desc big = {.max_width = 8, .max_height = 8, .width = 9};
    ck_assert_int_eq(shmfb_vmd_open("x", &big), -ERANGE);
    open_pair();
    ck_assert_ptr_nonnull(shmfb_vmd_producer());
    ck_assert_int_eq(shmfb_vmd_open(fb_name, &ok), -EALREADY);
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
    ck_assert_uint_eq(shmfb_vmd_screen_size(), (200 << 16) | 100);
    ck_assert_uint_eq(shmfb_vmd_screen_size() >> 16, INIT_W);
    ck_assert_uint_eq(shmfb_vmd_screen_size() & 0xFFFF, INIT_H);
    ck_assert_int_eq(shmfb_vmd_has_depth(32), 1);
    ck_assert_int_eq(shmfb_vmd_has_depth(16), 0);
    ck_assert_int_eq(shmfb_vmd_has_depth(0), 0);
    ck_assert_int_eq(shmfb_vmd_flush(), 0); /* every show presented: nothing left */
    close_pair();
}
END_TEST

/* Left, right, top, bottom: the consumer sees exactly that damage, those
 * pixels, and nothing else changed. */
/* A frame request is answered by taking input: nothing before the first
 * show; then the frame shown last, presented again whole. */
START_TEST(frame_request_answered)
{
    open_pair();
    struct shmfb_frame f;
    ck_assert_int_eq(shmfb_consumer_request_frame(con), 0);
    shmfb_vmd_process();
    ck_assert_int_eq(shmfb_consumer_wait(con, 0, &f), -ETIMEDOUT);
    uint32_t *d = display_new(INIT_W, INIT_H, 3);
    ck_assert_int_eq(shmfb_vmd_show(d, INIT_W, INIT_H, 32, 0, INIT_W, 0, INIT_H), 0);
    take(&f);
    uint64_t seq = f.seq;
    ck_assert_int_eq(shmfb_consumer_release(con), 0);
    ck_assert_int_eq(shmfb_consumer_request_frame(con), 0);
    ck_assert_int_eq(shmfb_vmd_idle(100000), 0); /* no record for the VM */
    take(&f);
    ck_assert_uint_eq(f.seq, seq + 1);
    rect_is(&f.bounds, 0, 0, INIT_W, INIT_H);
    frame_matches(&f, d, INIT_W, INIT_W, INIT_H);
    free(d);
    close_pair();
}
END_TEST

START_TEST(show_affected_rect)
{
    open_pair();
    struct shmfb_frame f;
    uint32_t *d = display_new(INIT_W, INIT_H, 1);
    ck_assert_int_eq(shmfb_vmd_show(d, INIT_W, INIT_H, 32, 0, INIT_W, 0, INIT_H), 0);
    take(&f);
    frame_matches(&f, d, INIT_W, INIT_W, INIT_H);
    ck_assert_int_eq(shmfb_consumer_release(con), 0);

    uint32_t *d2 = display_new(INIT_W, INIT_H, 2); /* every pixel differs */
    ck_assert_int_eq(shmfb_vmd_show(d2, INIT_W, INIT_H, 32, 10, 30, 20, 25), 0);
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

/* Mailbox pacing, zero copy: the adapter draws each frame into the buffer
 * the next present publishes, repairing it from the VM's Display, and keeps
 * no image of its own.  Whatever frames the viewer takes or skips (holding
 * some for a while), each equals the Display as it was shown. */
START_TEST(show_mailbox_zero_copy)
{
    open_pacing = SHMFB_PACING_MAILBOX;
    open_pair();
    open_pacing = SHMFB_PACING_FREE;
    ck_assert_ptr_null(shmfb_producer_pixels(shmfb_vmd_producer()));
    uint32_t *d = display_new(INIT_W, INIT_H, 1);
    struct shmfb_frame f;
    unsigned seed = 5;
    uint64_t taken = 0;
    for (uint32_t n = 2; n < 300; n++) {
        int x = (int)(rand_r(&seed) % INIT_W), y = (int)(rand_r(&seed) % INIT_H);
        int w = 1 + (int)(rand_r(&seed) % 12), h = 1 + (int)(rand_r(&seed) % 12);
        for (int j = y; j < y + h && j < INIT_H; j++)
            for (int i = x; i < x + w && i < INIT_W; i++)
                d[(size_t)j * INIT_W + (size_t)i] = pattern(i, j, n);
        ck_assert_int_eq(shmfb_vmd_show(d, INIT_W, INIT_H, 32, x, x + w, y, y + h), 0);
        if (rand_r(&seed) % 3 == 0) {
            take(&f);
            ck_assert_uint_gt(f.seq, taken);
            taken = f.seq;
            for (int j = 0; j < INIT_H; j++)
                ck_assert_msg(memcmp(f.pixels + (size_t)j * (size_t)(f.stride / 4),
                                     d + (size_t)j * INIT_W, INIT_W * 4) == 0,
                              "frame %llu row %d", (unsigned long long)f.seq, j);
            if (rand_r(&seed) % 2) /* else held while the VM goes on */
                ck_assert_int_eq(shmfb_consumer_release(con), 0);
        }
    }
    ck_assert_uint_gt(taken, 20);
    free(d);
    close_pair();
}
END_TEST

START_TEST(show_clipped)
{
    open_pair();
    struct shmfb_frame f;
    uint32_t *d = display_new(INIT_W, INIT_H, 3);
    ck_assert_int_eq(shmfb_vmd_show(d, INIT_W, INIT_H, 32, -50, 1000, 90, 500), 0);
    take(&f);
    ck_assert_int_eq(shmfb_consumer_release(con), 0);
    /* The consumer's first frame is whole; the next one shows the clipping. */
    ck_assert_int_eq(shmfb_vmd_show(d, INIT_W, INIT_H, 32, -50, 1000, 90, 500), 0);
    take(&f);
    ck_assert_uint_eq(f.ndamage, 1);
    rect_is(&f.damage[0], 0, 90, INIT_W, 10);
    ck_assert_int_eq(shmfb_consumer_release(con), 0);

    /* Outside, empty or inside out: nothing to show, no frame. */
    uint64_t seq = shmfb_producer_frame(shmfb_vmd_producer());
    ck_assert_int_eq(shmfb_vmd_show(d, INIT_W, INIT_H, 32, 300, 400, 0, 10), 0);
    ck_assert_int_eq(shmfb_vmd_show(d, INIT_W, INIT_H, 32, 10, 10, 0, 10), 0);
    ck_assert_int_eq(shmfb_vmd_show(d, INIT_W, INIT_H, 32, 30, 10, 20, 5), 0);
    ck_assert_int_eq(shmfb_vmd_show(d, INIT_W, INIT_H, 32, 0, 10, -20, -5), 0);
    ck_assert_uint_eq(shmfb_producer_frame(shmfb_vmd_producer()), seq);
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
    const int32_t depths[] = {1, 8, 16, 24, -32, 64};
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(shmfb_vmd_show(d, INIT_W, INIT_H, depths[i], 0, 10, 0, 10), -ENOTSUP);
    }
    ck_assert_int_eq(shmfb_vmd_show(NULL, INIT_W, INIT_H, 32, 0, 10, 0, 10), -EINVAL);
    ck_assert_int_eq(shmfb_vmd_show(d, 0, INIT_H, 32, 0, 10, 0, 10), -EINVAL);
    ck_assert_int_eq(shmfb_vmd_show(d, INIT_W, -1, 32, 0, 10, 0, 10), -EINVAL);
    ck_assert_int_eq(shmfb_vmd_show(d, 1 << 30, 1, 32, 0, 10, 0, 10), -EINVAL);
    ck_assert_uint_eq(shmfb_producer_frame(shmfb_vmd_producer()), 0);
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
    ck_assert_int_eq(shmfb_vmd_show(d, INIT_W, INIT_H, 32, 0, INIT_W, 0, INIT_H), 0);
    take(&f);
    ck_assert_int_eq(shmfb_consumer_release(con), 0);
    ck_assert_int_eq(shmfb_vmd_show(d, 300, 150, 32, 5, 6, 5, 6), 0);
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
    ck_assert_int_eq(shmfb_vmd_show(d, 400, 250, 32, 0, 400, 0, 250), 0);
    take(&f);
    ck_assert_int_eq(f.width, CAP_W);
    ck_assert_int_eq(f.height, CAP_H);
    frame_matches(&f, d, 400, CAP_W, CAP_H);
    ck_assert_int_eq(shmfb_consumer_release(con), 0);
    /* Same Display again: no resize, only the damage (clipped to the capacity). */
    ck_assert_int_eq(shmfb_vmd_show(d, 400, 250, 32, 310, 390, 190, 240), 0);
    take(&f);
    ck_assert_uint_eq(f.flags & SHMFB_FRAME_RESIZED, 0);
    rect_is(&f.damage[0], 310, 190, 10, 10);
    free(d);
    close_pair();
}
END_TEST

/* FIFO pacing with the viewer in another process: a show returns once the
 * frame was taken. */
START_TEST(show_to_other_process)
{
    tu_name(fb_name, sizeof(fb_name), "vmdfifo");
    struct shmfb_vmd_desc desc = {
        .max_width = CAP_W, .max_height = CAP_H, .width = INIT_W, .height = INIT_H};
    ck_assert_int_eq(shmfb_vmd_open(fb_name, &desc), 0);
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
    while (shmfb_producer_consumers(shmfb_vmd_producer()) == 0 && tu_now_ms() - t0 < 5000)
        usleep(1000);
    ck_assert_int_eq(shmfb_vmd_show(d, INIT_W, INIT_H, 32, 10, 20, 30, 40), 0);
    ck_assert_int_eq(tu_wait_child(pid, 5000), 0);
    free(d);
    shmfb_vmd_close();
}
END_TEST

/* Deferred: shows copy and collect damage; one flush presents them all. */
START_TEST(show_deferred)
{
    open_pair_flags(SHMFB_VMD_DEFER_PRESENT);
    struct shmfb_frame f;
    uint32_t *d = display_new(INIT_W, INIT_H, 8);
    ck_assert_int_eq(shmfb_vmd_flush(), 0);
    ck_assert_int_eq(shmfb_vmd_pending_since(), 0);
    int64_t t0 = tu_now_ms();
    ck_assert_int_eq(shmfb_vmd_show(d, INIT_W, INIT_H, 32, 0, INIT_W, 0, INIT_H), 0);
    ck_assert_int_ge(shmfb_vmd_pending_since() / 1000000, t0);
    ck_assert_int_eq(shmfb_vmd_flush(), 1);
    ck_assert_int_eq(shmfb_vmd_pending_since(), 0);
    take(&f);
    frame_matches(&f, d, INIT_W, INIT_W, INIT_H);
    ck_assert_int_eq(shmfb_consumer_release(con), 0);

    uint32_t *d2 = display_new(INIT_W, INIT_H, 9);
    ck_assert_int_eq(shmfb_vmd_show(d2, INIT_W, INIT_H, 32, 0, 10, 0, 10), 0);
    ck_assert_int_eq(shmfb_vmd_show(d2, INIT_W, INIT_H, 32, 50, 60, 40, 45), 0);
    ck_assert_int_eq(shmfb_consumer_wait(con, 100, &f), -ETIMEDOUT);
    ck_assert_uint_eq(shmfb_producer_frame(shmfb_vmd_producer()), 1);
    ck_assert_int_eq(shmfb_vmd_flush(), 1);
    ck_assert_int_eq(shmfb_vmd_flush(), 0);
    take(&f);
    ck_assert_uint_eq(f.ndamage, 2);
    rect_is(&f.damage[0], 0, 0, 10, 10);
    rect_is(&f.damage[1], 50, 40, 10, 5);
    ck_assert_uint_eq(frame_px(&f, 5, 5), d2[5 * INIT_W + 5]);
    ck_assert_uint_eq(frame_px(&f, 55, 42), d2[42 * INIT_W + 55]);
    ck_assert_uint_eq(frame_px(&f, 20, 20), d[20 * INIT_W + 20]);
    free(d);
    free(d2);
    close_pair();
}
END_TEST

/* ---- the idle wait ----------------------------------------------------- */

START_TEST(idle_wakes_for_input)
{
    tu_name(fb_name, sizeof(fb_name), "vmdwait");
    struct shmfb_vmd_desc desc = {.max_width = CAP_W,
                                  .max_height = CAP_H,
                                  .width = INIT_W,
                                  .height = INIT_H,
                                  .hooks = {.input = count_input, .ctx = &inputs}};
    ck_assert_int_eq(shmfb_vmd_open(fb_name, &desc), 0);
    inputs = 0;
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
    ck_assert_int_eq(shmfb_vmd_idle(20 * 1000 * 1000), 3);
    ck_assert_int_lt(tu_now_ms() - t0, 15000);
    ck_assert_int_eq(inputs, 1);
    expect_press(0, 0x1F600, 0);
    expect_release(0, 0x1F600, 0);
    ck_assert_int_eq(tu_wait_child(pid, 5000), 0);
    shmfb_vmd_close();
}
END_TEST

START_TEST(idle_sleeps_without_input)
{
    open_flags_hooks(0, (struct shmfb_vmd_hooks){.input = count_input, .ctx = &inputs});
    inputs = 0;
    int64_t t0 = tu_now_ms();
    ck_assert_int_eq(shmfb_vmd_idle(300 * 1000), 0);
    int64_t slept = tu_now_ms() - t0;
    ck_assert_int_ge(slept, 250);
    ck_assert_int_lt(slept, 10000);
    ck_assert_int_eq(inputs, 0);
    /* Records taken but not yet read do not cut the sleep short. */
    send_text('q', 0);
    ck_assert_int_eq(shmfb_vmd_process(), 3);
    ck_assert_int_eq(inputs, 1);
    t0 = tu_now_ms();
    ck_assert_int_eq(shmfb_vmd_idle(300 * 1000), 0);
    ck_assert_int_ge(tu_now_ms() - t0, 250);
    /* Input already there: no sleep at all. */
    send_text('r', 0);
    t0 = tu_now_ms();
    ck_assert_int_eq(shmfb_vmd_idle(5 * 1000 * 1000), 3);
    ck_assert_int_lt(tu_now_ms() - t0, 2000);
    /* Zero only polls; a few microseconds sleep at least a millisecond. */
    t0 = tu_now_ms();
    ck_assert_int_eq(shmfb_vmd_idle(0), 0);
    ck_assert_int_eq(shmfb_vmd_idle(5), 0);
    ck_assert_int_lt(tu_now_ms() - t0, 5000);
    expect_press('q', 'q', 0);
    expect_release('q', 'q', 0);
    expect_press('r', 'r', 0);
    expect_release('r', 'r', 0);
    expect_none();
    close_pair();
}
END_TEST

/* ---- cursor -------------------------------------------------------------- */

START_TEST(cursor_from_1bit)
{
    uint32_t bits[16] = {0}, mask[16] = {0}, px[256];
    bits[0] = 0x80000000u;           /* (0,0) ink */
    mask[0] = 0xC0000000u;           /* (0,0) and (1,0) opaque: (1,0) white */
    bits[15] = 0x00010000u;          /* (15,15) ink but not in the mask */
    bits[3] = mask[3] = 0x0000FFFFu; /* the low half of a word is not part of the form */
    shmfb_vmd_cursor_from_1bit(bits, mask, px);
    int opaque = 0;
    for (int i = 0; i < 256; i++)
        opaque += px[i] != 0;
    ck_assert_int_eq(opaque, 2);
    ck_assert_uint_eq(px[0], 0xFF000000u);
    ck_assert_uint_eq(px[1], 0xFFFFFFFFu);
    ck_assert_uint_eq(px[255], 0);
    /* Without a mask the bits are their own: ink where set, nothing else. */
    shmfb_vmd_cursor_from_1bit(bits, NULL, px);
    ck_assert_uint_eq(px[0], 0xFF000000u);
    ck_assert_uint_eq(px[1], 0);
    ck_assert_uint_eq(px[255], 0xFF000000u);
    ck_assert_uint_eq(px[3 * 16 + 15], 0);
}
END_TEST

START_TEST(cursor_published)
{
    open_pair();
    struct shmfb_cursor c;
    ck_assert_int_ge(shmfb_consumer_cursor(con, &c), 0);
    ck_assert_uint_eq(c.state, SHMFB_CURSOR_DEFAULT);
    uint32_t bits[16], mask[16], want[256];
    for (int y = 0; y < 16; y++) {
        bits[y] = (0xFFFF0000u << (16 - y)) & 0xFFFF0000u; /* a triangle */
        mask[y] = (0xFFFF0000u << (15 - y)) & 0xFFFF0000u; /* with a white edge */
    }
    shmfb_vmd_cursor_from_1bit(bits, mask, want);
    ck_assert_int_eq(shmfb_vmd_set_cursor_1bit(bits, mask, 1, 2), 0);
    ck_assert_int_eq(shmfb_consumer_cursor(con, &c), 1);
    ck_assert_uint_eq(c.state, SHMFB_CURSOR_SHAPE);
    ck_assert_int_eq(c.width, 16);
    ck_assert_int_eq(c.height, 16);
    ck_assert_int_eq(c.hot_x, 1);
    ck_assert_int_eq(c.hot_y, 2);
    ck_assert_mem_eq(c.pixels, want, sizeof(want));
    uint64_t seq = c.seq;
    /* The same cursor again publishes nothing; another hotspot does. */
    ck_assert_int_eq(shmfb_vmd_set_cursor_1bit(bits, mask, 1, 2), 0);
    ck_assert_int_eq(shmfb_consumer_cursor(con, &c), 0);
    ck_assert_uint_eq(c.seq, seq);
    ck_assert_int_eq(shmfb_vmd_set_cursor_1bit(bits, mask, 0, 0), 0);
    ck_assert_int_eq(shmfb_consumer_cursor(con, &c), 1);
    ck_assert_int_eq(c.hot_x, 0);

    /* Colour: premultiplied in, straight alpha out. */
    const uint32_t argb[3] = {0x80404040u, 0x00000000u, 0xFF123456u};
    ck_assert_int_eq(shmfb_vmd_set_cursor_argb(argb, 3, 1, 2, 0), 0);
    ck_assert_int_eq(shmfb_consumer_cursor(con, &c), 1);
    ck_assert_int_eq(c.width, 3);
    ck_assert_int_eq(c.height, 1);
    ck_assert_int_eq(c.hot_x, 2);
    ck_assert_uint_eq(c.pixels[0], 0x807F7F7Fu);
    ck_assert_uint_eq(c.pixels[1], 0);
    ck_assert_uint_eq(c.pixels[2], 0xFF123456u);

    uint32_t big[65 * 2] = {0};
    ck_assert_int_eq(shmfb_vmd_set_cursor_1bit(NULL, mask, 0, 0), -EINVAL);
    ck_assert_int_eq(shmfb_vmd_set_cursor_1bit(bits, mask, 16, 0), -EINVAL);
    ck_assert_int_eq(shmfb_vmd_set_cursor_1bit(bits, mask, 0, -1), -EINVAL);
    ck_assert_int_eq(shmfb_vmd_set_cursor_argb(NULL, 1, 1, 0, 0), -EINVAL);
    ck_assert_int_eq(shmfb_vmd_set_cursor_argb(big, 65, 2, 0, 0), -EINVAL);
    ck_assert_int_eq(shmfb_vmd_set_cursor_argb(big, 2, 0, 0, 0), -EINVAL);
    ck_assert_int_eq(shmfb_vmd_set_cursor_argb(big, 2, 2, 2, 0), -EINVAL);
    ck_assert_int_eq(shmfb_consumer_cursor(con, &c), 0); /* none of those published */
    close_pair();
    ck_assert_int_eq(shmfb_vmd_set_cursor_1bit(bits, mask, 0, 0), -ENOTCONN);
    ck_assert_int_eq(shmfb_vmd_set_cursor_argb(argb, 3, 1, 0, 0), -ENOTCONN);
}
END_TEST

static Suite *vmdisplay_suite(void)
{
    Suite *s = suite_create("vmdisplay");
    TCase *ev = tcase_create("events");
    tcase_add_checked_fixture(ev, tu_setup, tu_teardown);
    tcase_add_test(ev, mouse_buttons);
    tcase_add_test(ev, mouse_swapped_buttons);
    tcase_add_test(ev, one_button_mouse);
    tcase_add_test(ev, modifiers);
    tcase_add_test(ev, keys_with_text);
    tcase_add_test(ev, text_in_a_later_poll);
    tcase_add_test(ev, keys_without_text);
    tcase_add_test(ev, control_keys);
    tcase_add_test(ev, text_beyond_ascii);
    tcase_add_test(ev, key_repeat);
    tcase_add_test(ev, wheel_as_arrow_keys);
    tcase_add_test(ev, wheel_events);
    tcase_add_test(ev, window_requests);
    tcase_add_test(ev, window_events);
    tcase_add_test(ev, time_stamps);
    tcase_add_test(ev, input_hook);
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
    tcase_add_test(disp, show_deferred);
    tcase_add_test(disp, frame_request_answered);
    tcase_add_test(disp, show_mailbox_zero_copy);
    suite_add_tcase(s, disp);

    TCase *cur = tcase_create("cursor");
    tcase_add_checked_fixture(cur, tu_setup, tu_teardown);
    tcase_add_test(cur, cursor_from_1bit);
    tcase_add_test(cur, cursor_published);
    suite_add_tcase(s, cur);

    TCase *wait = tcase_create("wait");
    tcase_add_checked_fixture(wait, tu_setup, tu_teardown);
    tcase_add_test(wait, idle_wakes_for_input);
    tcase_add_test(wait, idle_sleeps_without_input);
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

/* A Smalltalk VM's Display and input on libshmfb; see vmdisplay.h. */
#include "vmdisplay.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Largest Display side accepted from the VM: keeps width * height * 4 far
 * from overflowing and rejects nonsense early. */
#define DISPLAY_SIDE_MAX (1 << 20)
/* Events older than this (or from the future) get the current time: their
 * sender's clock is not ours. */
#define EVENT_AGE_MAX_MS 60000
/* Most shmfb events taken in one go, so a flooding viewer cannot keep the
 * interpreter in here. */
#define PUMP_MAX (4 * SHMFB_VMD_QUEUE)
/* Most arrow keystrokes one wheel event turns into. */
#define WHEEL_KEYS_MAX 8
/* Longest a key press waits for the text it types, when neither the text
 * nor any other event follows (a viewer sends the key and its text as two
 * events, back to back, but may be slowed down between them). */
#define TEXT_WAIT_NS (250 * 1000000LL)
/* Keys remembered between press and release. */
#define KEYS_HELD 16
/* The X11 module's codes for the wheel: arrow up, arrow down. */
#define WHEEL_UP_CODE   30
#define WHEEL_DOWN_CODE 31
/* Window index of the close record (the main window); input records carry 0. */
#define MAIN_WINDOW 1
/* shmfb key code of a press that came as text alone. */
#define NO_KEY UINT32_MAX

/* A key whose press was reported, until its release. */
struct held_key {
    uint32_t code; /* shmfb key code */
    int32_t char_code, utf32;
    bool used;
};

/* A key press whose record waits for the text it types. */
struct pending_key {
    bool active;
    uint32_t code, sym, mods; /* as sent (shmfb) */
    uint32_t time_ms;         /* sender's clock */
    int64_t since_ns;         /* our clock, when it arrived */
};

/* The cursor last published, so that setting it again costs nothing. */
struct published_cursor {
    bool valid;
    int32_t w, h, hot_x, hot_y;
    uint32_t pixels[SHMFB_CURSOR_MAX * SHMFB_CURSOR_MAX];
};

/* The one display this module drives; see vmdisplay.h. */
static struct {
    struct shmfb_producer *p;
    struct shmfb_vmd_hooks hooks;
    uint32_t flags;
    uint32_t pacing;
    int32_t max_w, max_h;
    int32_t screen_w, screen_h; /* what the screen size reports */
    int32_t frame_w, frame_h;   /* size of the frame being shown */
    int64_t damaged_since;      /* 0: nothing waits for a present */
    uint32_t *back;             /* buffer the next present publishes, once acquired */
    size_t back_px;             /* its row pitch in pixels */
    int32_t mouse_x, mouse_y;
    int32_t buttons, mods; /* Squeak bits, unmapped, as last seen */
    struct pending_key pending;
    bool unmapped_down; /* a key without a code is down; text may follow */
    uint32_t unmapped_code;
    bool ctrl_pressed; /* a key with Ctrl was just reported; drop its text */
    struct held_key held[KEYS_HELD];
    int64_t open_ns;
    struct published_cursor cursor;
    unsigned head, count, added;
    union shmfb_vmd_event queue[SHMFB_VMD_QUEUE];
    char *clip; /* the viewers' clipboard text, NUL-terminated, or NULL */
    size_t clip_len;
    bool clip_own; /* the VM's own copy is newer */
} vmd;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint32_t now_ms(void)
{
    return (uint32_t)(now_ns() / 1000000);
}

static int32_t clamp32(int64_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

/* ---- setup ------------------------------------------------------------- */

int shmfb_vmd_open(const char *name, const struct shmfb_vmd_desc *desc)
{
    const uint32_t known = SHMFB_VMD_SWAP_BUTTONS | SHMFB_VMD_WHEEL_EVENTS |
                           SHMFB_VMD_WINDOW_EVENTS | SHMFB_VMD_MAP_DEL_BS | SHMFB_VMD_DEFER_PRESENT;
    if (!desc || (desc->flags & ~known))
        return -EINVAL;
    if (vmd.p)
        return -EALREADY;
    struct shmfb_producer_desc pd = {.max_width = desc->max_width,
                                     .max_height = desc->max_height,
                                     .width = desc->width,
                                     .height = desc->height,
                                     .pacing = desc->pacing,
                                     .timeout_ms = desc->timeout_ms,
                                     .flags = SHMFB_OWN_IMAGE};
    struct shmfb_producer *p;
    int rc = shmfb_producer_create(name, &pd, &p);
    if (rc < 0)
        return rc;
    memset(&vmd, 0, sizeof(vmd));
    vmd.p = p;
    vmd.flags = desc->flags;
    vmd.pacing = desc->pacing;
    vmd.hooks = desc->hooks;
    shmfb_producer_size(p, &vmd.frame_w, &vmd.frame_h, &vmd.max_w, &vmd.max_h);
    vmd.screen_w = vmd.frame_w;
    vmd.screen_h = vmd.frame_h;
    vmd.open_ns = now_ns();
    return 0;
}

void shmfb_vmd_close(void)
{
    shmfb_producer_destroy(vmd.p);
    free(vmd.clip);
    memset(&vmd, 0, sizeof(vmd));
}

struct shmfb_producer *shmfb_vmd_producer(void)
{
    return vmd.p;
}

/* ---- output ------------------------------------------------------------ */

uint32_t shmfb_vmd_screen_size(void)
{
    if (!vmd.p)
        return 0;
    return ((uint32_t)vmd.screen_w << 16) | (uint32_t)vmd.screen_h;
}

int shmfb_vmd_has_depth(int32_t depth)
{
    return depth == 32;
}

/* Clips [l, r) x [t, b) to [0, w) x [0, h); false when nothing is left. */
static bool clip(int32_t l, int32_t r, int32_t t, int32_t b, int32_t w, int32_t h,
                 struct shmfb_rect *out)
{
    int32_t x0 = clamp32(l, 0, w), x1 = clamp32(r, 0, w);
    int32_t y0 = clamp32(t, 0, h), y1 = clamp32(b, 0, h);
    if (x1 <= x0 || y1 <= y0)
        return false;
    *out = (struct shmfb_rect){x0, y0, x1 - x0, y1 - y0};
    return true;
}

static void copy_rect(const uint32_t *bits, int32_t pitch_px, const struct shmfb_rect *rc)
{
    for (int32_t y = rc->y; y < rc->y + rc->h; y++)
        memcpy(vmd.back + (size_t)y * vmd.back_px + (size_t)rc->x,
               bits + (size_t)y * (size_t)pitch_px + (size_t)rc->x, (size_t)rc->w * 4);
}

/* The VM's Display is the image the frames come from, so nothing else keeps
 * one: the first show after a present takes the buffer the next present
 * publishes and repairs in it, straight from the Display, what changed
 * since that buffer last held a frame (mailbox pacing; in FIFO and free
 * pacing the one buffer never misses anything). */
static int back_acquire(const uint32_t *bits, int32_t width, int32_t height)
{
    if (vmd.back)
        return 0;
    struct shmfb_back b;
    int rc = shmfb_producer_acquire(vmd.p, &b);
    if (rc < 0)
        return rc;
    vmd.back = b.pixels;
    vmd.back_px = (size_t)b.stride / 4;
    for (uint32_t i = 0; i < b.nrepair; i++) {
        struct shmfb_rect r;
        if (clip(b.repair[i].x, b.repair[i].x + b.repair[i].w, b.repair[i].y,
                 b.repair[i].y + b.repair[i].h, width < vmd.frame_w ? width : vmd.frame_w,
                 height < vmd.frame_h ? height : vmd.frame_h, &r))
            copy_rect(bits, width, &r);
    }
    return 0;
}

int shmfb_vmd_show(const uint32_t *bits, int32_t width, int32_t height, int32_t depth, int32_t left,
                   int32_t right, int32_t top, int32_t bottom)
{
    if (!vmd.p)
        return -ENOTCONN;
    if (!bits || width < 1 || height < 1 || width > DISPLAY_SIDE_MAX || height > DISPLAY_SIDE_MAX)
        return -EINVAL;
    if (depth != 32)
        return -ENOTSUP;
    int32_t fw = clamp32(width, 1, vmd.max_w), fh = clamp32(height, 1, vmd.max_h);
    struct shmfb_rect rc;
    if (fw != vmd.frame_w || fh != vmd.frame_h) {
        /* A resized frame is published whole, so all of it must be current. */
        int err = shmfb_producer_resize(vmd.p, fw, fh);
        if (err < 0)
            return err;
        vmd.frame_w = fw;
        vmd.frame_h = fh;
        rc = (struct shmfb_rect){0, 0, fw, fh};
    } else if (!clip(left, right, top, bottom, fw, fh, &rc)) {
        return 0;
    }
    int err = back_acquire(bits, width, height);
    if (err < 0)
        return err;
    copy_rect(bits, width, &rc);
    shmfb_producer_damage(vmd.p, &rc);
    if (!vmd.damaged_since)
        vmd.damaged_since = now_ns();
    if (!(vmd.flags & SHMFB_VMD_DEFER_PRESENT))
        shmfb_vmd_flush();
    return 0;
}

int shmfb_vmd_flush(void)
{
    if (!vmd.p || !vmd.damaged_since)
        return 0;
    vmd.damaged_since = 0;
    vmd.back = NULL;
    shmfb_producer_present(vmd.p);
    return 1;
}

int64_t shmfb_vmd_pending_since(void)
{
    return vmd.damaged_since;
}

/* ---- input: the record queue ------------------------------------------- */

static uint32_t vm_msecs(void)
{
    if (vmd.hooks.msecs)
        return vmd.hooks.msecs(vmd.hooks.ctx);
    return (uint32_t)((now_ns() - vmd.open_ns) / 1000000);
}

/* The VM's clock at the moment the event was sent. */
static uint32_t stamp(uint32_t sent_ms)
{
    int32_t age = (int32_t)(now_ms() - sent_ms);
    if (age < 0 || age > EVENT_AGE_MAX_MS)
        age = 0;
    return (vm_msecs() - (uint32_t)age) & SHMFB_VMD_CLOCK_MASK;
}

static union shmfb_vmd_event *push(int32_t type, uint32_t ts)
{
    if (vmd.count == SHMFB_VMD_QUEUE) {
        vmd.head = (vmd.head + 1) % SHMFB_VMD_QUEUE;
        vmd.count--;
    }
    union shmfb_vmd_event *e = &vmd.queue[(vmd.head + vmd.count) % SHMFB_VMD_QUEUE];
    vmd.count++;
    vmd.added++;
    memset(e, 0, sizeof(*e));
    e->any.type = type;
    e->any.time_stamp = ts;
    return e;
}

/* ---- input: pointer ---------------------------------------------------- */

/* shmfb buttons (bit button-1) to Squeak's: left red, middle yellow, right
 * blue; SWAP_BUTTONS exchanges yellow and blue.  Other buttons have none. */
static int32_t map_buttons(uint32_t held)
{
    bool swap = vmd.flags & SHMFB_VMD_SWAP_BUTTONS;
    int32_t b = 0;
    if (held & (1u << (SHMFB_BUTTON_LEFT - 1)))
        b |= SHMFB_VMD_RED;
    if (held & (1u << (SHMFB_BUTTON_MIDDLE - 1)))
        b |= swap ? SHMFB_VMD_BLUE : SHMFB_VMD_YELLOW;
    if (held & (1u << (SHMFB_BUTTON_RIGHT - 1)))
        b |= swap ? SHMFB_VMD_YELLOW : SHMFB_VMD_BLUE;
    return b;
}

/* As the X11 module: Shift, Ctrl; Alt is Command, Ctrl+Alt is Option alone
 * (plus Shift); Super and Caps Lock are not reported. */
static int32_t map_mods(uint32_t mods)
{
    int32_t m = (mods & SHMFB_MOD_SHIFT) ? SHMFB_VMD_SHIFT : 0;
    bool ctrl = mods & SHMFB_MOD_CTRL, alt = mods & SHMFB_MOD_ALT;
    if (ctrl && alt)
        return m | SHMFB_VMD_OPTION;
    return m | (ctrl ? SHMFB_VMD_CTRL : 0) | (alt ? SHMFB_VMD_COMMAND : 0);
}

int32_t shmfb_vmd_button_state(void)
{
    int32_t b = vmd.buttons, m = vmd.mods;
    bool swap = vmd.flags & SHMFB_VMD_SWAP_BUTTONS;
    /* A one-button mouse: red with exactly Ctrl is yellow, with exactly
     * Command blue, and the modifier is consumed. */
    if (b == SHMFB_VMD_RED && m == SHMFB_VMD_CTRL) {
        b = swap ? SHMFB_VMD_BLUE : SHMFB_VMD_YELLOW;
        m = 0;
    } else if (b == SHMFB_VMD_RED && m == SHMFB_VMD_COMMAND) {
        b = swap ? SHMFB_VMD_YELLOW : SHMFB_VMD_BLUE;
        m = 0;
    }
    return b | (m << 3);
}

int32_t shmfb_vmd_mouse_point(void)
{
    return (int32_t)((((uint32_t)vmd.mouse_x & 0xFFFF) << 16) | ((uint32_t)vmd.mouse_y & 0xFFFF));
}

static void on_pointer(const struct shmfb_event *ev)
{
    uint32_t held = ev->buttons;
    bool press = ev->type != SHMFB_EVENT_MOTION;
    if (press && (ev->code < SHMFB_BUTTON_LEFT || ev->code > SHMFB_BUTTON_RIGHT))
        return; /* no Squeak button: the X11 module only beeps */
    if (ev->type == SHMFB_EVENT_BUTTON_DOWN)
        held |= 1u << (ev->code - 1);
    else if (ev->type == SHMFB_EVENT_BUTTON_UP)
        held &= ~(1u << (ev->code - 1));
    vmd.buttons = map_buttons(held);
    vmd.mods = map_mods(ev->mods);
    vmd.mouse_x = ev->x;
    vmd.mouse_y = ev->y;
    int32_t state = shmfb_vmd_button_state();
    struct shmfb_vmd_mouse *m = &push(SHMFB_VMD_EVENT_MOUSE, stamp(ev->time_ms))->mouse;
    m->x = ev->x;
    m->y = ev->y;
    m->buttons = state & 7;
    m->modifiers = state >> 3;
}

/* ---- input: keys -------------------------------------------------------- */

static void push_key(uint32_t ts, int32_t press, int32_t char_code, int32_t utf32, int32_t mods)
{
    struct shmfb_vmd_key *k = &push(SHMFB_VMD_EVENT_KEYBOARD, ts)->key;
    k->char_code = char_code;
    k->press_code = press;
    k->modifiers = mods;
    k->utf32_code = utf32;
}

static struct held_key *find_held(uint32_t code)
{
    for (int i = 0; i < KEYS_HELD; i++)
        if (vmd.held[i].used && vmd.held[i].code == code)
            return &vmd.held[i];
    return NULL;
}

/* Down then char, identical, as the X11 module reports every key press; the
 * release will repeat the codes. */
static void key_press(uint32_t code, uint32_t ts, int32_t char_code, int32_t utf32)
{
    push_key(ts, SHMFB_VMD_KEY_DOWN, char_code, utf32, vmd.mods);
    push_key(ts, SHMFB_VMD_KEY_CHAR, char_code, utf32, vmd.mods);
    if (code == NO_KEY)
        return;
    struct held_key *h = find_held(code);
    for (int i = 0; !h && i < KEYS_HELD; i++)
        if (!vmd.held[i].used)
            h = &vmd.held[i];
    if (!h)
        h = &vmd.held[code % KEYS_HELD]; /* too many keys down: forget one */
    *h = (struct held_key){code, char_code, utf32, true};
}

/* Keys without a character that have a Squeak code (shmfb: SHMFB_KEY_SPECIAL
 * | USB HID usage id): the characters the X11 module reports for them. */
static const struct {
    uint16_t usage;
    uint8_t char_code, utf32;
} special_keys[] = {
    {0x4A, 1, 1},    /* Home */
    {0x4D, 4, 4},    /* End */
    {0x49, 5, 0},    /* Insert */
    {0x4B, 11, 11},  /* Page Up */
    {0x4E, 12, 12},  /* Page Down */
    {0x50, 28, 28},  /* Left */
    {0x4F, 29, 29},  /* Right */
    {0x52, 30, 30},  /* Up */
    {0x51, 31, 31},  /* Down */
    {0x58, 13, 0},   /* keypad Enter */
    {0x4C, 127, 127} /* Delete */
};

/* A key that types a control character (Backspace, Tab, Return, Escape,
 * Delete, arrows, ...): its codes, or false. */
static bool control_key(uint32_t sym, int32_t *char_code, int32_t *utf32)
{
    if (!(sym & SHMFB_KEY_SPECIAL)) {
        if (sym >= 32 && sym != 127)
            return false;
        *char_code = *utf32 = (int32_t)sym;
    } else {
        size_t i = 0, n = sizeof(special_keys) / sizeof(special_keys[0]);
        while (i < n && special_keys[i].usage != (sym & ~SHMFB_KEY_SPECIAL))
            i++;
        if (i == n)
            return false;
        *char_code = special_keys[i].char_code;
        *utf32 = special_keys[i].utf32;
    }
    if (*char_code == 127 && (vmd.flags & SHMFB_VMD_MAP_DEL_BS))
        *char_code = 8;
    return true;
}

static bool printable(uint32_t cp)
{
    return (cp >= 32 && cp < 127) || (cp >= 160 && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF));
}

/* The 8-bit character of a key press: ASCII as it is, with Ctrl (shmfb
 * modifiers) the control character Xlib makes of it; other characters reach
 * the image only as their code point (the X11 module in a UTF-8 locale
 * reports 0). */
static int32_t char_code_of(uint32_t cp, uint32_t mods)
{
    if (cp >= 128)
        return 0;
    if (!(mods & SHMFB_MOD_CTRL))
        return (int32_t)cp;
    if ((cp >= '@' && cp < 127) || cp == ' ')
        return (int32_t)(cp & 0x1F);
    if (cp == '2')
        return 0;
    if (cp >= '3' && cp <= '7')
        return (int32_t)(cp - '3' + 27);
    if (cp == '8')
        return 127;
    if (cp == '/')
        return 31;
    return (int32_t)cp;
}

/* A press whose text never came (Ctrl or Alt held, or a viewer that sends
 * none): its own symbol, upper-cased with Shift. */
static void flush_pending(void)
{
    if (!vmd.pending.active)
        return;
    struct pending_key k = vmd.pending;
    vmd.pending.active = false;
    uint32_t cp = k.sym;
    if ((k.mods & SHMFB_MOD_SHIFT) && cp >= 'a' && cp <= 'z')
        cp -= 'a' - 'A';
    vmd.mods = map_mods(k.mods);
    key_press(k.code, stamp(k.time_ms), char_code_of(cp, k.mods), (int32_t)cp);
}

static void on_key_down(const struct shmfb_event *ev)
{
    int32_t c, u;
    vmd.mods = map_mods(ev->mods);
    vmd.unmapped_down = false;
    if (control_key(ev->sym, &c, &u)) {
        key_press(ev->code, stamp(ev->time_ms), c, u);
    } else if (printable(ev->sym)) {
        vmd.pending =
            (struct pending_key){true, ev->code, ev->sym, ev->mods, ev->time_ms, now_ns()};
        /* With Ctrl, Xlib makes a control character and viewers type no
         * text (or the key's plain character, dropped): report it now. */
        if (ev->mods & SHMFB_MOD_CTRL) {
            flush_pending();
            vmd.ctrl_pressed = true;
        }
    } else {
        /* No code (function keys, bare modifiers, keys the viewer could not
         * name): nothing, unless text follows. */
        vmd.unmapped_down = true;
        vmd.unmapped_code = ev->code;
    }
}

static void on_key_up(const struct shmfb_event *ev)
{
    int32_t c, u;
    vmd.mods = map_mods(ev->mods);
    if (vmd.unmapped_down && vmd.unmapped_code == ev->code)
        vmd.unmapped_down = false;
    struct held_key *h = find_held(ev->code);
    uint32_t ts = stamp(ev->time_ms);
    if (h) {
        push_key(ts, SHMFB_VMD_KEY_UP, h->char_code, h->utf32, vmd.mods);
        h->used = false;
    } else if (control_key(ev->sym, &c, &u)) {
        push_key(ts, SHMFB_VMD_KEY_UP, c, u, vmd.mods);
    }
}

static void on_text(const struct shmfb_event *ev)
{
    uint32_t cp = ev->code;
    if (!printable(cp))
        return; /* control characters come as key presses */
    if (vmd.pending.active) {
        struct pending_key k = vmd.pending;
        vmd.pending.active = false;
        vmd.mods = map_mods(k.mods);
        key_press(k.code, stamp(k.time_ms), char_code_of(cp, k.mods), (int32_t)cp);
    } else if (vmd.unmapped_down) {
        vmd.unmapped_down = false;
        vmd.mods = map_mods(ev->mods);
        key_press(vmd.unmapped_code, stamp(ev->time_ms), char_code_of(cp, ev->mods), (int32_t)cp);
    } else {
        /* Text without a key (an input method): a whole keystroke. */
        uint32_t ts = stamp(ev->time_ms);
        vmd.mods = map_mods(ev->mods);
        int32_t c = char_code_of(cp, ev->mods);
        key_press(NO_KEY, ts, c, (int32_t)cp);
        push_key(ts, SHMFB_VMD_KEY_UP, c, (int32_t)cp, vmd.mods);
    }
}

/* ---- input: wheel and window ------------------------------------------- */

static void on_wheel(const struct shmfb_event *ev)
{
    uint32_t ts = stamp(ev->time_ms);
    if (vmd.flags & SHMFB_VMD_WHEEL_EVENTS) {
        struct shmfb_vmd_mouse *m = &push(SHMFB_VMD_EVENT_MOUSE_WHEEL, ts)->mouse;
        m->x = clamp32(ev->x, -1000000, 1000000) * 120;
        m->y = clamp32(ev->y, -1000000, 1000000) * 120;
        m->buttons = vmd.buttons;
        m->modifiers = map_mods(ev->mods);
        return;
    }
    /* The X11 module: one arrow keystroke per notch, Ctrl toggled. */
    int32_t code = ev->y > 0 ? WHEEL_UP_CODE : WHEEL_DOWN_CODE;
    int32_t mods = map_mods(ev->mods) ^ SHMFB_VMD_CTRL;
    int n = ev->y < 0 ? (ev->y < -WHEEL_KEYS_MAX ? WHEEL_KEYS_MAX : -ev->y)
                      : (ev->y > WHEEL_KEYS_MAX ? WHEEL_KEYS_MAX : ev->y);
    for (int i = 0; i < n; i++) {
        push_key(ts, SHMFB_VMD_KEY_DOWN, code, code, mods);
        push_key(ts, SHMFB_VMD_KEY_CHAR, code, code, mods);
        push_key(ts, SHMFB_VMD_KEY_UP, code, code, mods);
    }
}

static void push_window(uint32_t sent_ms, int32_t action, int32_t w, int32_t h)
{
    struct shmfb_vmd_window *e = &push(SHMFB_VMD_EVENT_WINDOW, stamp(sent_ms))->window;
    e->action = action;
    e->value3 = w;
    e->value4 = h;
    if (action == SHMFB_VMD_WINDOW_CLOSE)
        e->window_index = MAIN_WINDOW;
}

static void on_resize(const struct shmfb_event *ev)
{
    vmd.screen_w = clamp32(ev->x, 1, vmd.max_w);
    vmd.screen_h = clamp32(ev->y, 1, vmd.max_h);
    if (vmd.flags & SHMFB_VMD_WINDOW_EVENTS)
        push_window(ev->time_ms, SHMFB_VMD_WINDOW_METRIC_CHANGE, vmd.screen_w, vmd.screen_h);
}

/* A consumer wants a frame now (a snapshot of an idle VM): what was drawn
 * and not yet presented goes out, else the frame shown last goes out again.
 * The one buffer of FIFO and free pacing holds all of it; in mailbox
 * pacing only the Display has it, so the VM's next show answers. */
static void on_frame_request(void)
{
    if (shmfb_vmd_flush() || shmfb_producer_frame(vmd.p) == 0 || vmd.pacing == SHMFB_PACING_MAILBOX)
        return;
    shmfb_producer_present(vmd.p);
}

static void translate(const struct shmfb_event *ev)
{
    bool after_ctrl = vmd.ctrl_pressed;
    vmd.ctrl_pressed = false;
    if (ev->type != SHMFB_EVENT_TEXT)
        flush_pending();
    else if (after_ctrl)
        return; /* the text of a key already reported with Ctrl */
    switch (ev->type) {
    case SHMFB_EVENT_MOTION:
    case SHMFB_EVENT_BUTTON_DOWN:
    case SHMFB_EVENT_BUTTON_UP:
        on_pointer(ev);
        break;
    case SHMFB_EVENT_WHEEL:
        on_wheel(ev);
        break;
    case SHMFB_EVENT_KEY_DOWN:
        on_key_down(ev);
        break;
    case SHMFB_EVENT_KEY_UP:
        on_key_up(ev);
        break;
    case SHMFB_EVENT_TEXT:
        on_text(ev);
        break;
    case SHMFB_EVENT_FOCUS_IN:
        if (vmd.flags & SHMFB_VMD_WINDOW_EVENTS)
            push_window(ev->time_ms, SHMFB_VMD_WINDOW_ACTIVATED, 0, 0);
        break;
    case SHMFB_EVENT_CLOSE:
        push_window(ev->time_ms, SHMFB_VMD_WINDOW_CLOSE, 0, 0);
        break;
    case SHMFB_EVENT_RESIZE:
        on_resize(ev);
        break;
    case SHMFB_EVENT_FRAME_REQUEST:
        on_frame_request();
        break;
    default:
        break; /* focus out has no Squeak event */
    }
}

/* ---- input: the host channel ------------------------------------------- */

static void on_clipboard(const struct shmfb_host_msg *m)
{
    for (uint32_t i = 0; i < m->count; i++) {
        if (strcasecmp(m->items[i].mime, SHMFB_MIME_TEXT) != 0)
            continue;
        char *text = malloc(m->items[i].size + 1);
        if (!text)
            return;
        memcpy(text, m->items[i].data, m->items[i].size);
        text[m->items[i].size] = '\0';
        free(vmd.clip);
        vmd.clip = text;
        vmd.clip_len = m->items[i].size;
        vmd.clip_own = false;
        return;
    }
}

/* A drop: the VM learns the names, then gets the record (at the pointer,
 * which moves there first, as the X11 module's drag does). */
static void on_drop(const struct shmfb_host_msg *m)
{
    uint32_t ts = stamp(now_ms());
    vmd.mouse_x = m->x;
    vmd.mouse_y = m->y;
    union shmfb_vmd_event *e = push(SHMFB_VMD_EVENT_MOUSE, ts);
    e->mouse.x = m->x;
    e->mouse.y = m->y;
    e->mouse.buttons = vmd.buttons;
    e->mouse.modifiers = vmd.mods;
    if (vmd.hooks.drop)
        vmd.hooks.drop(vmd.hooks.ctx, m->paths, m->count);
    e = push(SHMFB_VMD_EVENT_DRAG_DROP, ts);
    e->any.words[0] = 4; /* drag type: drop */
    e->any.words[1] = m->x;
    e->any.words[2] = m->y;
    e->any.words[3] = vmd.mods;
    e->any.words[4] = (int32_t)m->count;
}

static void take_host(void)
{
    struct shmfb_host_msg m;
    for (int i = 0; i < PUMP_MAX && shmfb_producer_host_recv(vmd.p, &m) == 0; i++) {
        if (m.type == SHMFB_HOST_CLIPBOARD)
            on_clipboard(&m);
        else if (m.type == SHMFB_HOST_DROP)
            on_drop(&m);
    }
}

const char *shmfb_vmd_clipboard(size_t *len)
{
    if (!vmd.p)
        return NULL;
    take_host();
    if (vmd.clip_own || !vmd.clip)
        return NULL;
    *len = vmd.clip_len;
    return vmd.clip;
}

int shmfb_vmd_set_clipboard(const char *utf8, size_t len)
{
    if (!vmd.p)
        return -ENOTCONN;
    struct shmfb_clip_item it = {.mime = SHMFB_MIME_TEXT, .data = utf8, .size = len};
    int rc = shmfb_producer_offer_clipboard(vmd.p, &it, 1);
    if (rc == 0)
        vmd.clip_own = true;
    return rc;
}

int shmfb_vmd_set_title(const char *utf8)
{
    return vmd.p ? shmfb_producer_set_title(vmd.p, utf8) : -ENOTCONN;
}

int shmfb_vmd_set_fullscreen(bool on)
{
    return vmd.p ? shmfb_producer_set_fullscreen(vmd.p, on) : -ENOTCONN;
}

/* ---- input: entry points ----------------------------------------------- */

/* Takes what the viewers sent; tells the VM when that made records. */
static int take_input(void)
{
    struct shmfb_event ev;
    vmd.added = 0;
    for (int i = 0; i < PUMP_MAX && shmfb_producer_poll_event(vmd.p, &ev) == 0; i++)
        translate(&ev);
    take_host();
    if (vmd.pending.active && now_ns() - vmd.pending.since_ns >= TEXT_WAIT_NS)
        flush_pending();
    int added = (int)vmd.added;
    if (added && vmd.hooks.input)
        vmd.hooks.input(vmd.hooks.ctx);
    return added;
}

int shmfb_vmd_next_event(union shmfb_vmd_event *e)
{
    memset(e, 0, sizeof(*e));
    if (!vmd.p)
        return 0;
    if (vmd.count == 0)
        take_input();
    if (vmd.count == 0)
        return 0;
    *e = vmd.queue[vmd.head];
    vmd.head = (vmd.head + 1) % SHMFB_VMD_QUEUE;
    vmd.count--;
    return 1;
}

int shmfb_vmd_idle(int64_t us)
{
    if (!vmd.p)
        return 0;
    int added = take_input();
    if (added || us <= 0)
        return added;
    int64_t ms = (us + 999) / 1000;
    if (vmd.pending.active) {
        int64_t left = (vmd.pending.since_ns + TEXT_WAIT_NS - now_ns() + 999999) / 1000000;
        ms = left < ms ? left : ms;
    }
    int timeout = ms < 1 ? 1 : ms > INT_MAX ? INT_MAX : (int)ms;
    shmfb_producer_wait(vmd.p, timeout, SHMFB_WAIT_EVENT | SHMFB_WAIT_HOST);
    return take_input();
}

int shmfb_vmd_process(void)
{
    return vmd.p ? take_input() : 0;
}

/* ---- cursor -------------------------------------------------------------- */

void shmfb_vmd_cursor_from_1bit(const uint32_t *bits, const uint32_t *mask, uint32_t *out)
{
    if (!mask)
        mask = bits;
    for (int y = 0; y < SHMFB_VMD_CURSOR_SIDE; y++) {
        for (int x = 0; x < SHMFB_VMD_CURSOR_SIDE; x++) {
            bool ink = (bits[y] >> (31 - x)) & 1, opaque = (mask[y] >> (31 - x)) & 1;
            out[y * SHMFB_VMD_CURSOR_SIDE + x] = !opaque ? 0 : ink ? 0xFF000000u : 0xFFFFFFFFu;
        }
    }
}

static bool same_cursor(const uint32_t *px, int32_t w, int32_t h, int32_t hot_x, int32_t hot_y)
{
    const struct published_cursor *c = &vmd.cursor;
    return c->valid && c->w == w && c->h == h && c->hot_x == hot_x && c->hot_y == hot_y &&
           memcmp(c->pixels, px, (size_t)w * (size_t)h * 4) == 0;
}

/* The VM sets its cursor far more often than it changes. */
static int publish_cursor(const uint32_t *px, int32_t w, int32_t h, int32_t hot_x, int32_t hot_y)
{
    if (same_cursor(px, w, h, hot_x, hot_y))
        return 0;
    int rc = shmfb_producer_set_cursor(vmd.p, SHMFB_CURSOR_SHAPE, px, w, h, hot_x, hot_y);
    if (rc < 0)
        return rc;
    struct published_cursor *c = &vmd.cursor;
    c->valid = true;
    c->w = w;
    c->h = h;
    c->hot_x = hot_x;
    c->hot_y = hot_y;
    memcpy(c->pixels, px, (size_t)w * (size_t)h * 4);
    return 0;
}

static bool hot_inside(int32_t w, int32_t h, int32_t hot_x, int32_t hot_y)
{
    return hot_x >= 0 && hot_x < w && hot_y >= 0 && hot_y < h;
}

int shmfb_vmd_set_cursor_1bit(const uint32_t *bits, const uint32_t *mask, int32_t hot_x,
                              int32_t hot_y)
{
    if (!vmd.p)
        return -ENOTCONN;
    if (!bits || !hot_inside(SHMFB_VMD_CURSOR_SIDE, SHMFB_VMD_CURSOR_SIDE, hot_x, hot_y))
        return -EINVAL;
    uint32_t px[SHMFB_VMD_CURSOR_SIDE * SHMFB_VMD_CURSOR_SIDE];
    shmfb_vmd_cursor_from_1bit(bits, mask, px);
    return publish_cursor(px, SHMFB_VMD_CURSOR_SIDE, SHMFB_VMD_CURSOR_SIDE, hot_x, hot_y);
}

/* Premultiplied to straight alpha, which the cursor channel carries. */
static uint32_t unpremultiply(uint32_t p)
{
    uint32_t a = p >> 24;
    if (a == 0)
        return 0;
    if (a == 255)
        return p;
    uint32_t out = a << 24;
    for (int shift = 0; shift < 24; shift += 8) {
        uint32_t c = ((p >> shift) & 0xFF) * 255 / a;
        out |= (c > 255 ? 255 : c) << shift;
    }
    return out;
}

int shmfb_vmd_set_cursor_argb(const uint32_t *argb, int32_t width, int32_t height, int32_t hot_x,
                              int32_t hot_y)
{
    if (!vmd.p)
        return -ENOTCONN;
    if (!argb || width < 1 || height < 1 || width > SHMFB_CURSOR_MAX || height > SHMFB_CURSOR_MAX ||
        !hot_inside(width, height, hot_x, hot_y))
        return -EINVAL;
    uint32_t px[SHMFB_CURSOR_MAX * SHMFB_CURSOR_MAX];
    for (int32_t i = 0; i < width * height; i++)
        px[i] = unpremultiply(argb[i]);
    return publish_cursor(px, width, height, hot_x, hot_y);
}

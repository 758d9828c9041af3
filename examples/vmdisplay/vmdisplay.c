/* The OpenSmalltalk VM display-driver entry points on libshmfb. */
#include "vmdisplay.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

/* Largest Display side accepted from the VM: keeps width * height * 4 far
 * from overflowing and rejects nonsense early. */
#define DISPLAY_SIDE_MAX (1 << 20)
/* Events older than this (or from the future) get the current time: their
 * sender's clock is not ours. */
#define EVENT_AGE_MAX_MS 60000
/* Most shmfb events taken in one go, so a flooding viewer cannot keep the
 * interpreter in here. */
#define PUMP_MAX (4 * SHMFB_VMDISPLAY_QUEUE)
/* Most arrow keystrokes one wheel event turns into (WHEEL_AS_KEYS). */
#define WHEEL_KEYS_MAX 8
/* Modifiers that mark keystrokes synthesized from the wheel. */
#define WHEEL_KEY_MODS (ShiftKeyBit | CtrlKeyBit | OptionKeyBit | CommandKeyBit)

/* The one display this module drives; see vmdisplay.h. */
static struct {
    struct shmfb_producer *p;
    struct shmfb_vmdisplay_hooks hooks;
    uint32_t flags;
    int32_t max_w, max_h;
    int32_t screen_w, screen_h; /* what ioScreenSize() reports */
    int32_t frame_w, frame_h;   /* size of the frame being shown */
    sqInt sema;                 /* input semaphore index, 0: none */
    int32_t mouse_x, mouse_y;
    sqInt buttons, mods;    /* Squeak bits, as last reported */
    uint32_t suppress_text; /* char already reported for a key down */
    uint32_t open_ms;
    unsigned head, count, added;
    sqInputEvent queue[SHMFB_VMDISPLAY_QUEUE];
} vmd;

static uint32_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static int32_t clamp32(sqInt v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

/* ---- setup ------------------------------------------------------------- */

int shmfb_vmdisplay_open(const char *name, int max_w, int max_h, int w, int h)
{
    struct shmfb_vmdisplay_desc d = {
        .max_width = max_w, .max_height = max_h, .width = w, .height = h};
    return shmfb_vmdisplay_open_desc(name, &d);
}

int shmfb_vmdisplay_open_desc(const char *name, const struct shmfb_vmdisplay_desc *desc)
{
    const uint32_t known = SHMFB_VMDISPLAY_WHEEL_AS_KEYS | SHMFB_VMDISPLAY_SWAP_BUTTONS;
    if (!desc || (desc->flags & ~known))
        return -EINVAL;
    if (vmd.p)
        return -EALREADY;
    struct shmfb_producer_desc pd = {.max_width = desc->max_width,
                                     .max_height = desc->max_height,
                                     .width = desc->width,
                                     .height = desc->height,
                                     .pacing = desc->pacing,
                                     .timeout_ms = desc->timeout_ms};
    struct shmfb_producer *p;
    int rc = shmfb_producer_create(name, &pd, &p);
    if (rc < 0)
        return rc;
    vmd.p = p;
    vmd.flags = desc->flags;
    shmfb_producer_size(p, &vmd.frame_w, &vmd.frame_h, &vmd.max_w, &vmd.max_h);
    vmd.screen_w = vmd.frame_w;
    vmd.screen_h = vmd.frame_h;
    vmd.open_ms = now_ms();
    return 0;
}

void shmfb_vmdisplay_close(void)
{
    shmfb_producer_destroy(vmd.p);
    memset(&vmd, 0, sizeof(vmd));
}

void shmfb_vmdisplay_set_hooks(const struct shmfb_vmdisplay_hooks *hooks)
{
    if (hooks)
        vmd.hooks = *hooks;
    else
        memset(&vmd.hooks, 0, sizeof(vmd.hooks));
}

struct shmfb_producer *shmfb_vmdisplay_producer(void)
{
    return vmd.p;
}

/* ---- output ------------------------------------------------------------ */

sqInt ioScreenSize(void)
{
    if (!vmd.p)
        return 0;
    return ((sqInt)vmd.screen_w << 16) | (sqInt)vmd.screen_h;
}

sqInt ioScreenDepth(void)
{
    return 32;
}

sqInt ioHasDisplayDepth(sqInt depth)
{
    return depth == 32;
}

/* Clips [l, r) x [t, b) to [0, w) x [0, h); false when nothing is left. */
static bool clip(sqInt l, sqInt r, sqInt t, sqInt b, int32_t w, int32_t h, struct shmfb_rect *out)
{
    int32_t x0 = clamp32(l, 0, w), x1 = clamp32(r, 0, w);
    int32_t y0 = clamp32(t, 0, h), y1 = clamp32(b, 0, h);
    if (x1 <= x0 || y1 <= y0)
        return false;
    *out = (struct shmfb_rect){x0, y0, x1 - x0, y1 - y0};
    return true;
}

static void copy_rect(const uint32_t *bits, sqInt pitch_px, const struct shmfb_rect *rc)
{
    uint32_t *dst = shmfb_producer_pixels(vmd.p);
    size_t dst_px = (size_t)shmfb_producer_stride(vmd.p) / 4;
    for (int32_t y = rc->y; y < rc->y + rc->h; y++)
        memcpy(dst + (size_t)y * dst_px + (size_t)rc->x,
               bits + (size_t)y * (size_t)pitch_px + (size_t)rc->x, (size_t)rc->w * 4);
}

int shmfb_vmdisplay_show(const uint32_t *bits, sqInt width, sqInt height, sqInt depth, sqInt left,
                         sqInt right, sqInt top, sqInt bottom)
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
    copy_rect(bits, width, &rc);
    shmfb_producer_damage(vmd.p, &rc);
    return shmfb_producer_present(vmd.p);
}

sqInt ioShowDisplay(sqInt bits, sqInt width, sqInt height, sqInt depth, sqInt affectedL,
                    sqInt affectedR, sqInt affectedT, sqInt affectedB)
{
    const uint32_t *px = (const uint32_t *)(uintptr_t)bits;
    return shmfb_vmdisplay_show(px, width, height, depth, affectedL, affectedR, affectedT,
                                affectedB) == 0;
}

sqInt ioForceDisplayUpdate(void)
{
    return vmd.p != NULL;
}

/* ---- input: translation ------------------------------------------------ */

static uintptr_t vm_msecs(void)
{
    if (vmd.hooks.msecs)
        return (uintptr_t)vmd.hooks.msecs();
    return now_ms() - vmd.open_ms;
}

/* The VM's clock at the moment the event was sent. */
static uintptr_t stamp(const struct shmfb_event *ev)
{
    int32_t age = (int32_t)(now_ms() - ev->time_ms);
    if (age < 0 || age > EVENT_AGE_MAX_MS)
        age = 0;
    return (vm_msecs() - (uintptr_t)age) & SHMFB_VMDISPLAY_CLOCK_MASK;
}

static sqInputEvent *push(sqInt type, uintptr_t ts)
{
    if (vmd.count == SHMFB_VMDISPLAY_QUEUE) {
        vmd.head = (vmd.head + 1) % SHMFB_VMDISPLAY_QUEUE;
        vmd.count--;
    }
    sqInputEvent *e = &vmd.queue[(vmd.head + vmd.count) % SHMFB_VMDISPLAY_QUEUE];
    vmd.count++;
    vmd.added++;
    memset(e, 0, sizeof(*e));
    e->type = type;
    e->timeStamp = ts;
    e->windowIndex = SHMFB_VMDISPLAY_WINDOW;
    return e;
}

/* shmfb buttons (bit button-1) to Squeak's: left red, middle yellow, right
 * blue, as the Unix VM does; SWAP_BUTTONS exchanges yellow and blue. */
static sqInt map_buttons(uint32_t held)
{
    bool swap = vmd.flags & SHMFB_VMDISPLAY_SWAP_BUTTONS;
    sqInt b = 0;
    if (held & (1u << (SHMFB_BUTTON_LEFT - 1)))
        b |= RedButtonBit;
    if (held & (1u << (SHMFB_BUTTON_MIDDLE - 1)))
        b |= swap ? BlueButtonBit : YellowButtonBit;
    if (held & (1u << (SHMFB_BUTTON_RIGHT - 1)))
        b |= swap ? YellowButtonBit : BlueButtonBit;
    return b;
}

/* Alt is Command and Super is Option, as in the Unix VM's defaults. */
static sqInt map_mods(uint32_t mods)
{
    return ((mods & SHMFB_MOD_SHIFT) ? ShiftKeyBit : 0) |
           ((mods & SHMFB_MOD_CTRL) ? CtrlKeyBit : 0) |
           ((mods & SHMFB_MOD_ALT) ? CommandKeyBit : 0) |
           ((mods & SHMFB_MOD_META) ? OptionKeyBit : 0);
}

static void on_pointer(const struct shmfb_event *ev)
{
    uint32_t held = ev->buttons;
    if (ev->code >= SHMFB_BUTTON_LEFT && ev->code <= SHMFB_BUTTON_X2) {
        if (ev->type == SHMFB_EVENT_BUTTON_DOWN)
            held |= 1u << (ev->code - 1);
        else if (ev->type == SHMFB_EVENT_BUTTON_UP)
            held &= ~(1u << (ev->code - 1));
    }
    vmd.buttons = map_buttons(held);
    vmd.mods = map_mods(ev->mods);
    vmd.mouse_x = ev->x;
    vmd.mouse_y = ev->y;
    sqMouseEvent *m = (sqMouseEvent *)push(EventTypeMouse, stamp(ev));
    m->x = ev->x;
    m->y = ev->y;
    m->buttons = vmd.buttons;
    m->modifiers = vmd.mods;
    m->nrClicks = ev->type == SHMFB_EVENT_BUTTON_DOWN ? 1 : 0;
}

static void push_key(uintptr_t ts, sqInt code, sqInt press, sqInt mods)
{
    sqKeyboardEvent *k = (sqKeyboardEvent *)push(EventTypeKeyboard, ts);
    k->charCode = code;
    k->pressCode = press;
    k->modifiers = mods;
    k->utf32Code = code;
}

static void on_wheel(const struct shmfb_event *ev)
{
    uintptr_t ts = stamp(ev);
    if (vmd.flags & SHMFB_VMDISPLAY_WHEEL_AS_KEYS) {
        int n = ev->y < 0 ? -ev->y : ev->y;
        sqInt code = ev->y > 0 ? 30 : 31; /* arrow up, arrow down */
        for (int i = 0; i < n && i < WHEEL_KEYS_MAX; i++) {
            push_key(ts, code, EventKeyDown, WHEEL_KEY_MODS);
            push_key(ts, code, EventKeyChar, WHEEL_KEY_MODS);
            push_key(ts, code, EventKeyUp, WHEEL_KEY_MODS);
        }
        return;
    }
    sqMouseEvent *m = (sqMouseEvent *)push(EventTypeMouseWheel, ts);
    m->x = (sqInt)clamp32(ev->x, -1000000, 1000000) * SHMFB_VMDISPLAY_WHEEL_UNIT;
    m->y = (sqInt)clamp32(ev->y, -1000000, 1000000) * SHMFB_VMDISPLAY_WHEEL_UNIT;
    m->buttons = vmd.buttons;
    m->modifiers = map_mods(ev->mods);
}

/* Keys without a character (shmfb: SHMFB_KEY_SPECIAL | USB HID usage id)
 * that Squeak has a code for. */
static const struct {
    uint16_t usage;
    uint8_t code;
} special_keys[] = {
    {0x4A, 1},  /* Home */
    {0x58, 3},  /* keypad Enter */
    {0x4D, 4},  /* End */
    {0x49, 5},  /* Insert */
    {0x4B, 11}, /* Page Up */
    {0x4E, 12}, /* Page Down */
    {0x50, 28}, /* Left */
    {0x4F, 29}, /* Right */
    {0x52, 30}, /* Up */
    {0x51, 31}, /* Down */
    {0x4C, 127} /* Delete (forward) */
};

/* Squeak's code for a key symbol, or -1 for keys it has none for. */
static sqInt key_code(uint32_t sym)
{
    if (!(sym & SHMFB_KEY_SPECIAL))
        return sym <= 0x10FFFF ? (sqInt)sym : -1;
    for (size_t i = 0; i < sizeof(special_keys) / sizeof(special_keys[0]); i++)
        if (special_keys[i].usage == (sym & ~SHMFB_KEY_SPECIAL))
            return special_keys[i].code;
    return -1;
}

/* Keys that type no text (Return, arrows, ...) and keys pressed with Ctrl,
 * Alt or Super still have to reach the image as a keystroke. */
static sqInt key_char(sqInt code, uint32_t mods)
{
    if (code < 32 || code == 127)
        return code;
    if (!(mods & (SHMFB_MOD_CTRL | SHMFB_MOD_ALT | SHMFB_MOD_META)))
        return -1;
    if ((mods & SHMFB_MOD_SHIFT) && code >= 'a' && code <= 'z')
        return code - 'a' + 'A';
    return code;
}

static void on_key(const struct shmfb_event *ev)
{
    bool down = ev->type == SHMFB_EVENT_KEY_DOWN;
    sqInt code = key_code(ev->sym);
    vmd.mods = map_mods(ev->mods);
    if (down)
        vmd.suppress_text = 0;
    if (code < 0)
        return;
    uintptr_t ts = stamp(ev);
    push_key(ts, code, down ? EventKeyDown : EventKeyUp, vmd.mods);
    sqInt ch = down ? key_char(code, ev->mods) : -1;
    if (ch >= 0) {
        push_key(ts, ch, EventKeyChar, vmd.mods);
        vmd.suppress_text = (uint32_t)ch;
    }
}

static bool same_char(uint32_t a, uint32_t b)
{
    if (a >= 'A' && a <= 'Z')
        a += 'a' - 'A';
    if (b >= 'A' && b <= 'Z')
        b += 'a' - 'A';
    return a == b;
}

static void on_text(const struct shmfb_event *ev)
{
    if (ev->code > 0x10FFFF)
        return;
    if (vmd.suppress_text && same_char(ev->code, vmd.suppress_text)) {
        /* The key down already produced this keystroke. */
        vmd.suppress_text = 0;
        return;
    }
    push_key(stamp(ev), (sqInt)ev->code, EventKeyChar, map_mods(ev->mods));
}

static void push_window(const struct shmfb_event *ev, sqInt action, sqInt w, sqInt h)
{
    sqWindowEvent *e = (sqWindowEvent *)push(EventTypeWindow, stamp(ev));
    e->action = action;
    e->value3 = w;
    e->value4 = h;
}

static void on_resize(const struct shmfb_event *ev)
{
    vmd.screen_w = clamp32(ev->x, 1, vmd.max_w);
    vmd.screen_h = clamp32(ev->y, 1, vmd.max_h);
    push_window(ev, WindowEventMetricChange, vmd.screen_w, vmd.screen_h);
}

static void translate(const struct shmfb_event *ev)
{
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
    case SHMFB_EVENT_KEY_UP:
        on_key(ev);
        break;
    case SHMFB_EVENT_TEXT:
        on_text(ev);
        break;
    case SHMFB_EVENT_FOCUS_IN:
        push_window(ev, WindowEventActivated, 0, 0);
        break;
    case SHMFB_EVENT_CLOSE:
        push_window(ev, WindowEventClose, 0, 0);
        break;
    case SHMFB_EVENT_RESIZE:
        on_resize(ev);
        break;
    default:
        break; /* focus out has no Squeak event */
    }
}

/* ---- input: entry points ----------------------------------------------- */

/* Takes what the viewers sent; signals the image when that made events. */
static void take_input(void)
{
    struct shmfb_event ev;
    vmd.added = 0;
    for (int i = 0; i < PUMP_MAX && shmfb_producer_poll_event(vmd.p, &ev) == 0; i++)
        translate(&ev);
    if (vmd.added && vmd.sema > 0 && vmd.hooks.signal_semaphore)
        vmd.hooks.signal_semaphore(vmd.sema);
}

sqInt ioGetNextEvent(sqInputEvent *evt)
{
    memset(evt, 0, sizeof(*evt));
    evt->type = EventTypeNone;
    if (!vmd.p)
        return 0;
    if (vmd.count == 0)
        take_input();
    if (vmd.count == 0)
        return 0;
    *evt = vmd.queue[vmd.head];
    vmd.head = (vmd.head + 1) % SHMFB_VMDISPLAY_QUEUE;
    vmd.count--;
    return 1;
}

sqInt ioSetInputSemaphore(sqInt semaIndex)
{
    vmd.sema = semaIndex;
    return 1;
}

sqInt ioRelinquishProcessorForMicroseconds(sqInt us)
{
    if (!vmd.p)
        return 0;
    if (us > 0) {
        sqInt ms = us / 1000;
        int timeout = ms < 1 ? 1 : ms > INT_MAX ? INT_MAX : (int)ms;
        shmfb_producer_wait(vmd.p, timeout, SHMFB_WAIT_EVENT);
    }
    take_input();
    return 0;
}

sqInt ioProcessEvents(void)
{
    if (vmd.p)
        take_input();
    return 0;
}

sqInt ioGetButtonState(void)
{
    return vmd.buttons | (vmd.mods << 3);
}

sqInt ioMousePoint(void)
{
    return (sqInt)((((uintptr_t)vmd.mouse_x & 0xFFFF) << 16) | ((uintptr_t)vmd.mouse_y & 0xFFFF));
}

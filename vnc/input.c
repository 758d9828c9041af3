/*
 * RFB input to shmfb events: pure functions of the event and of the state
 * passed in, so that they can be tested without a client.
 *
 * RFB sends X keysyms: the symbol the client's layout produced, already
 * shifted ('A', '!'), never the physical key.  shmfb wants what the viewer
 * sends for an SDL key: a layout-independent key code (USB HID usage), the
 * key's unshifted symbol, the modifiers, and the typed text as separate code
 * points.  Keys are mapped back to the US layout, which is what a keysym
 * tells when nothing else is known; symbols that no US key types keep their
 * code point and get key code 0.
 */
#include "vnc.h"

#include <xkbcommon/xkbcommon.h>

#include <string.h>

/* Printable ASCII keys of a US keyboard: unshifted, shifted, HID usage. */
static const struct {
    char plain, shifted;
    uint8_t usage;
} us_keys[] = {
    {'`', '~', 0x35},  {'1', '!', 0x1E}, {'2', '@', 0x1F},  {'3', '#', 0x20}, {'4', '$', 0x21},
    {'5', '%', 0x22},  {'6', '^', 0x23}, {'7', '&', 0x24},  {'8', '*', 0x25}, {'9', '(', 0x26},
    {'0', ')', 0x27},  {'-', '_', 0x2D}, {'=', '+', 0x2E},  {'[', '{', 0x2F}, {']', '}', 0x30},
    {'\\', '|', 0x31}, {';', ':', 0x33}, {'\'', '"', 0x34}, {',', '<', 0x36}, {'.', '>', 0x37},
    {'/', '?', 0x38},  {' ', ' ', 0x2C},
};

/* Keys without a printable character: keysym, HID usage, and the symbol
 * when it is a control character (else SHMFB_KEY_SPECIAL | usage). */
static const struct {
    uint16_t keysym;
    uint8_t usage;
    uint8_t sym;
} special_keys[] = {
    {0xff08, 0x2A, 0x08}, /* BackSpace */
    {0xff09, 0x2B, 0x09}, /* Tab */
    {0xfe20, 0x2B, 0x09}, /* ISO_Left_Tab (Shift+Tab) */
    {0xff0d, 0x28, 0x0D}, /* Return */
    {0xff1b, 0x29, 0x1B}, /* Escape */
    {0xffff, 0x4C, 0x7F}, /* Delete */
    {0xff13, 0x48, 0},    /* Pause */
    {0xff14, 0x47, 0},    /* Scroll_Lock */
    {0xff15, 0x9A, 0},    /* Sys_Req */
    {0xff50, 0x4A, 0},    /* Home */
    {0xff51, 0x50, 0},    /* Left */
    {0xff52, 0x52, 0},    /* Up */
    {0xff53, 0x4F, 0},    /* Right */
    {0xff54, 0x51, 0},    /* Down */
    {0xff55, 0x4B, 0},    /* Prior (Page Up) */
    {0xff56, 0x4E, 0},    /* Next (Page Down) */
    {0xff57, 0x4D, 0},    /* End */
    {0xff61, 0x46, 0},    /* Print */
    {0xff63, 0x49, 0},    /* Insert */
    {0xff67, 0x65, 0},    /* Menu */
    {0xff6a, 0x75, 0},    /* Help */
    {0xff7f, 0x53, 0},    /* Num_Lock */
    {0xff8d, 0x58, 0},    /* KP_Enter */
    {0xff95, 0x5F, 0},    /* KP_Home */
    {0xff96, 0x5C, 0},    /* KP_Left */
    {0xff97, 0x60, 0},    /* KP_Up */
    {0xff98, 0x5E, 0},    /* KP_Right */
    {0xff99, 0x5A, 0},    /* KP_Down */
    {0xff9a, 0x61, 0},    /* KP_Prior */
    {0xff9b, 0x5B, 0},    /* KP_Next */
    {0xff9c, 0x59, 0},    /* KP_End */
    {0xff9d, 0x5D, 0},    /* KP_Begin */
    {0xff9e, 0x62, 0},    /* KP_Insert */
    {0xff9f, 0x63, 0},    /* KP_Delete */
    {0xffaa, 0x55, 0},    /* KP_Multiply */
    {0xffab, 0x57, 0},    /* KP_Add */
    {0xffac, 0x85, 0},    /* KP_Separator */
    {0xffad, 0x56, 0},    /* KP_Subtract */
    {0xffae, 0x63, 0},    /* KP_Decimal */
    {0xffaf, 0x54, 0},    /* KP_Divide */
    {0xffbd, 0x67, 0},    /* KP_Equal */
    {0xffe1, 0xE1, 0},    /* Shift_L */
    {0xffe2, 0xE5, 0},    /* Shift_R */
    {0xffe3, 0xE0, 0},    /* Control_L */
    {0xffe4, 0xE4, 0},    /* Control_R */
    {0xffe5, 0x39, 0},    /* Caps_Lock */
    {0xffe7, 0xE3, 0},    /* Meta_L */
    {0xffe8, 0xE7, 0},    /* Meta_R */
    {0xffe9, 0xE2, 0},    /* Alt_L */
    {0xffea, 0xE6, 0},    /* Alt_R */
    {0xffeb, 0xE3, 0},    /* Super_L */
    {0xffec, 0xE7, 0},    /* Super_R */
    {0xfe03, 0xE6, 0},    /* ISO_Level3_Shift (AltGr, the right Alt key) */
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define XK_CAPS_LOCK 0xffe5u

/* The US key typing ASCII character c (either case), or -1. */
static int us_key(uint32_t c)
{
    for (size_t i = 0; i < COUNT(us_keys); i++)
        if ((uint32_t)(unsigned char)us_keys[i].plain == c ||
            (uint32_t)(unsigned char)us_keys[i].shifted == c)
            return (int)i;
    return -1;
}

static int special_key(uint32_t keysym)
{
    for (size_t i = 0; i < COUNT(special_keys); i++)
        if (special_keys[i].keysym == keysym)
            return (int)i;
    return -1;
}

/* Keysyms 0x20..0x7E are ASCII itself; function and keypad digits are ranges. */
uint32_t vnc_key_usage(uint32_t keysym)
{
    if (keysym >= 'a' && keysym <= 'z')
        return 0x04 + (keysym - 'a');
    if (keysym >= 'A' && keysym <= 'Z')
        return 0x04 + (keysym - 'A');
    if (keysym >= 0x20 && keysym <= 0x7E) {
        int k = us_key(keysym);
        return k >= 0 ? us_keys[k].usage : 0;
    }
    if (keysym >= 0xffb1 && keysym <= 0xffb9) /* KP_1 .. KP_9 */
        return 0x59 + (keysym - 0xffb1);
    if (keysym == 0xffb0) /* KP_0 */
        return 0x62;
    if (keysym >= 0xffbe && keysym <= 0xffc9) /* F1 .. F12 */
        return 0x3A + (keysym - 0xffbe);
    if (keysym >= 0xffca && keysym <= 0xffd5) /* F13 .. F24 */
        return 0x68 + (keysym - 0xffca);
    int s = special_key(keysym);
    return s >= 0 ? special_keys[s].usage : 0;
}

uint32_t vnc_key_sym(uint32_t keysym)
{
    if (keysym >= 'A' && keysym <= 'Z')
        return keysym - 'A' + 'a';
    if (keysym >= 0x20 && keysym <= 0x7E) {
        int k = us_key(keysym);
        return k >= 0 ? (uint32_t)(unsigned char)us_keys[k].plain : keysym;
    }
    int s = special_key(keysym);
    if (s >= 0 && special_keys[s].sym)
        return special_keys[s].sym;
    uint32_t usage = vnc_key_usage(keysym);
    if (usage)
        return SHMFB_KEY_SPECIAL | usage;
    uint32_t cp = xkb_keysym_to_utf32(xkb_keysym_to_lower(keysym));
    return cp >= 0x20 && cp != 0x7F ? cp : 0;
}

uint32_t vnc_key_text(uint32_t keysym, uint32_t mods)
{
    if (mods & (SHMFB_MOD_CTRL | SHMFB_MOD_ALT | SHMFB_MOD_META))
        return 0;
    uint32_t cp = xkb_keysym_to_utf32(keysym);
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp > 0x10FFFF)
        return 0;
    return cp;
}

static uint32_t modifier_bit(uint32_t keysym)
{
    switch (keysym) {
    case 0xffe1: /* Shift_L */
    case 0xffe2: /* Shift_R */
        return SHMFB_MOD_SHIFT;
    case 0xffe3: /* Control_L */
    case 0xffe4: /* Control_R */
        return SHMFB_MOD_CTRL;
    case 0xffe9: /* Alt_L */
    case 0xffea: /* Alt_R */
        return SHMFB_MOD_ALT;
    case 0xffe7: /* Meta_L */
    case 0xffe8: /* Meta_R */
    case 0xffeb: /* Super_L */
    case 0xffec: /* Super_R */
        return SHMFB_MOD_META;
    default:
        return 0;
    }
}

uint32_t vnc_input_mods(const struct vnc_input *in)
{
    uint32_t m = in->caps ? SHMFB_MOD_CAPS : 0;
    for (int i = 0; i < VNC_KEYS_HELD; i++)
        m |= modifier_bit(in->held[i]);
    return m;
}

/* RFB buttons 1..3 are left, middle, right; 4..7 the wheel; 8 is "back". */
uint32_t vnc_input_buttons(uint32_t mask)
{
    return (mask & 0x7u) | (mask & 0x80u ? 1u << (SHMFB_BUTTON_X1 - 1) : 0);
}

static const struct {
    uint32_t bit;
    uint32_t button;
} button_bits[] = {
    {0x01, SHMFB_BUTTON_LEFT},
    {0x02, SHMFB_BUTTON_MIDDLE},
    {0x04, SHMFB_BUTTON_RIGHT},
    {0x80, SHMFB_BUTTON_X1},
};

/* The wheel "buttons": a press is one step; the release means nothing. */
static const struct {
    uint32_t bit;
    int32_t x, y;
} wheel_bits[] = {
    {0x08, 0, 1},  /* 4: up (away from the user) */
    {0x10, 0, -1}, /* 5: down */
    {0x20, -1, 0}, /* 6: left */
    {0x40, 1, 0},  /* 7: right */
};

int vnc_input_pointer(struct vnc_input *in, uint32_t mask, int32_t x, int32_t y,
                      struct shmfb_event *out)
{
    uint32_t mods = vnc_input_mods(in), held = vnc_input_buttons(in->mask);
    int n = 0;
    if (!in->seen || x != in->x || y != in->y)
        out[n++] = (struct shmfb_event){
            .type = SHMFB_EVENT_MOTION, .x = x, .y = y, .mods = mods, .buttons = held};
    for (size_t i = 0; i < COUNT(button_bits); i++) {
        uint32_t b = button_bits[i].bit, bit = 1u << (button_bits[i].button - 1);
        if (!((mask ^ in->mask) & b))
            continue;
        bool down = mask & b;
        held = down ? held | bit : held & ~bit;
        out[n++] =
            (struct shmfb_event){.type = down ? SHMFB_EVENT_BUTTON_DOWN : SHMFB_EVENT_BUTTON_UP,
                                 .x = x,
                                 .y = y,
                                 .code = button_bits[i].button,
                                 .mods = mods,
                                 .buttons = held};
    }
    for (size_t i = 0; i < COUNT(wheel_bits); i++)
        if ((mask & wheel_bits[i].bit) && !(in->mask & wheel_bits[i].bit))
            out[n++] = (struct shmfb_event){.type = SHMFB_EVENT_WHEEL,
                                            .x = wheel_bits[i].x,
                                            .y = wheel_bits[i].y,
                                            .mods = mods,
                                            .buttons = held};
    in->mask = mask & 0xFFu;
    in->x = x;
    in->y = y;
    in->seen = true;
    return n;
}

static void hold(struct vnc_input *in, uint32_t keysym, bool down)
{
    int free_slot = -1;
    for (int i = 0; i < VNC_KEYS_HELD; i++) {
        if (in->held[i] == keysym) {
            if (!down)
                in->held[i] = 0;
            return; /* a repeated key down is held once */
        }
        if (!in->held[i] && free_slot < 0)
            free_slot = i;
    }
    if (down && free_slot >= 0)
        in->held[free_slot] = keysym;
}

int vnc_input_key(struct vnc_input *in, bool down, uint32_t keysym, struct shmfb_event *out)
{
    uint32_t code = vnc_key_usage(keysym), sym = vnc_key_sym(keysym);
    if (keysym == 0 || (code == 0 && sym == 0))
        return 0;
    if (down && keysym == XK_CAPS_LOCK)
        in->caps = !in->caps;
    hold(in, keysym, down);
    uint32_t mods = vnc_input_mods(in), buttons = vnc_input_buttons(in->mask);
    out[0] = (struct shmfb_event){.type = down ? SHMFB_EVENT_KEY_DOWN : SHMFB_EVENT_KEY_UP,
                                  .code = code,
                                  .sym = sym,
                                  .mods = mods,
                                  .buttons = buttons};
    uint32_t cp = down ? vnc_key_text(keysym, mods) : 0;
    if (!cp)
        return 1;
    out[1] = (struct shmfb_event){
        .type = SHMFB_EVENT_TEXT, .code = cp, .mods = mods, .buttons = buttons};
    return 2;
}

int vnc_input_release(struct vnc_input *in, struct shmfb_event *out)
{
    int n = 0;
    if (in->seen)
        n = vnc_input_pointer(in, 0, in->x, in->y, out);
    for (int i = 0; i < VNC_KEYS_HELD; i++)
        if (in->held[i])
            n += vnc_input_key(in, false, in->held[i], out + n);
    in->mask = 0;
    return n;
}

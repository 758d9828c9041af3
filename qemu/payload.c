#include "payload.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <shmfb/shmfb.h>

__attribute__((format(printf, 3, 4))) static int refuse(char *why, size_t whylen, const char *fmt,
                                                        ...)
{
    if (why && whylen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

int qb_format_ok(uint32_t format)
{
    return format == QB_PIXMAN_X8R8G8B8 || format == QB_PIXMAN_A8R8G8B8;
}

/* Rows of \p w pixels, \p stride bytes apart: the last row must be inside
 * \p len.  64-bit arithmetic: every factor is below 2^32. */
static int check_rows(uint64_t w, uint64_t h, uint64_t stride, size_t len, char *why, size_t whylen)
{
    if (stride < w * 4)
        return refuse(why, whylen, "stride %llu is less than width %llu * 4",
                      (unsigned long long)stride, (unsigned long long)w);
    uint64_t need = (h - 1) * stride + w * 4;
    if ((uint64_t)len < need)
        return refuse(why, whylen, "%zu bytes of data, %llu needed", len, (unsigned long long)need);
    return 0;
}

static int check_format(uint32_t format, char *why, size_t whylen)
{
    if (!qb_format_ok(format))
        return refuse(why, whylen, "pixman format 0x%08x is not x8r8g8b8 or a8r8g8b8 (not bridged)",
                      format);
    return 0;
}

int qb_check_scanout(uint32_t w, uint32_t h, uint32_t stride, uint32_t format, size_t len,
                     int32_t max_w, int32_t max_h, char *why, size_t whylen)
{
    if (w == 0 || h == 0)
        return refuse(why, whylen, "empty %ux%u surface", w, h);
    if (w > (uint32_t)max_w || h > (uint32_t)max_h)
        return refuse(why, whylen, "%ux%u is beyond the capacity %dx%d (see --max)", w, h, max_w,
                      max_h);
    if (check_format(format, why, whylen) < 0)
        return -EINVAL;
    return check_rows(w, h, stride, len, why, whylen);
}

int qb_check_update(int32_t x, int32_t y, int32_t w, int32_t h, uint32_t stride, uint32_t format,
                    size_t len, int32_t bound_w, int32_t bound_h, char *why, size_t whylen)
{
    if (w <= 0 || h <= 0)
        return refuse(why, whylen, "empty %dx%d rectangle", w, h);
    if (x < 0 || y < 0 || (int64_t)x + w > bound_w || (int64_t)y + h > bound_h)
        return refuse(why, whylen, "%dx%d at %d,%d is outside the %dx%d capacity (see --max)", w, h,
                      x, y, bound_w, bound_h);
    if (check_format(format, why, whylen) < 0)
        return -EINVAL;
    return check_rows((uint64_t)w, (uint64_t)h, stride, len, why, whylen);
}

int qb_check_cursor(int32_t w, int32_t h, int32_t hot_x, int32_t hot_y, size_t len, int32_t max,
                    char *why, size_t whylen)
{
    if (w <= 0 || h <= 0 || w > max || h > max)
        return refuse(why, whylen, "%dx%d cursor (1..%d each way)", w, h, max);
    if (hot_x < 0 || hot_y < 0 || hot_x >= w || hot_y >= h)
        return refuse(why, whylen, "hotspot %d,%d outside the %dx%d cursor", hot_x, hot_y, w, h);
    if ((uint64_t)len != (uint64_t)w * (uint64_t)h * 4)
        return refuse(why, whylen, "%zu bytes for a %dx%d cursor, %lld expected", len, w, h,
                      (long long)w * h * 4);
    return 0;
}

void qb_copy_rect(uint32_t *dst, int32_t dst_stride, int32_t x, int32_t y, const uint8_t *src,
                  uint32_t src_stride, int32_t w, int32_t h)
{
    for (int32_t row = 0; row < h; row++) {
        uint32_t *d = (uint32_t *)((uint8_t *)dst + (size_t)(y + row) * (size_t)dst_stride) + x;
        const uint8_t *s = src + (size_t)row * src_stride;
        /* D-Bus gives no alignment guarantee for the array's bytes. */
        memcpy(d, s, (size_t)w * 4);
    }
}

/* XT set-1 scan codes by USB HID usage (keyboard page), 0x80 | code for
 * keys sent with an 0xE0 prefix; QEMU calls these key numbers. */
static const uint8_t key_numbers[0xE8] = {
    [0x04] = 0x1E, [0x05] = 0x30, [0x06] = 0x2E, [0x07] = 0x20, [0x08] = 0x12, /* a-e */
    [0x09] = 0x21, [0x0A] = 0x22, [0x0B] = 0x23, [0x0C] = 0x17, [0x0D] = 0x24, /* f-j */
    [0x0E] = 0x25, [0x0F] = 0x26, [0x10] = 0x32, [0x11] = 0x31, [0x12] = 0x18, /* k-o */
    [0x13] = 0x19, [0x14] = 0x10, [0x15] = 0x13, [0x16] = 0x1F, [0x17] = 0x14, /* p-t */
    [0x18] = 0x16, [0x19] = 0x2F, [0x1A] = 0x11, [0x1B] = 0x2D, [0x1C] = 0x15, /* u-y */
    [0x1D] = 0x2C,                                                             /* z */
    [0x1E] = 0x02, [0x1F] = 0x03, [0x20] = 0x04, [0x21] = 0x05, [0x22] = 0x06, /* 1-5 */
    [0x23] = 0x07, [0x24] = 0x08, [0x25] = 0x09, [0x26] = 0x0A, [0x27] = 0x0B, /* 6-0 */
    [0x28] = 0x1C,                                                             /* Return */
    [0x29] = 0x01,                                                             /* Escape */
    [0x2A] = 0x0E,                                                             /* Backspace */
    [0x2B] = 0x0F,                                                             /* Tab */
    [0x2C] = 0x39,                                                             /* Space */
    [0x2D] = 0x0C, [0x2E] = 0x0D, [0x2F] = 0x1A, [0x30] = 0x1B,                /* - = [ ] */
    [0x31] = 0x2B, [0x32] = 0x2B, [0x33] = 0x27, [0x34] = 0x28,                /* \ # ; ' */
    [0x35] = 0x29, [0x36] = 0x33, [0x37] = 0x34, [0x38] = 0x35,                /* ` , . / */
    [0x39] = 0x3A,                                                             /* Caps Lock */
    [0x3A] = 0x3B, [0x3B] = 0x3C, [0x3C] = 0x3D, [0x3D] = 0x3E,                /* F1-F4 */
    [0x3E] = 0x3F, [0x3F] = 0x40, [0x40] = 0x41, [0x41] = 0x42,                /* F5-F8 */
    [0x42] = 0x43, [0x43] = 0x44, [0x44] = 0x57, [0x45] = 0x58,                /* F9-F12 */
    [0x46] = 0xB7,                                                             /* Print Screen */
    [0x47] = 0x46,                                                             /* Scroll Lock */
    [0x48] = 0xC6,                                                             /* Pause */
    [0x49] = 0xD2, [0x4A] = 0xC7, [0x4B] = 0xC9,                /* Insert Home PageUp */
    [0x4C] = 0xD3, [0x4D] = 0xCF, [0x4E] = 0xD1,                /* Delete End PageDown */
    [0x4F] = 0xCD, [0x50] = 0xCB, [0x51] = 0xD0, [0x52] = 0xC8, /* Right Left Down Up */
    [0x53] = 0x45,                                              /* Num Lock */
    [0x54] = 0xB5, [0x55] = 0x37, [0x56] = 0x4A, [0x57] = 0x4E, /* keypad / * - + */
    [0x58] = 0x9C,                                              /* keypad Enter */
    [0x59] = 0x4F, [0x5A] = 0x50, [0x5B] = 0x51, [0x5C] = 0x4B, [0x5D] = 0x4C, /* keypad 1-5 */
    [0x5E] = 0x4D, [0x5F] = 0x47, [0x60] = 0x48, [0x61] = 0x49, [0x62] = 0x52, /* keypad 6-0 */
    [0x63] = 0x53,                                                             /* keypad . */
    [0x64] = 0x56,                               /* the key left of Z on ISO keyboards */
    [0x65] = 0xDD,                               /* Menu */
    [0x66] = 0xDE,                               /* Power */
    [0x67] = 0x59,                               /* keypad = */
    [0x7F] = 0xA0, [0x80] = 0xB0, [0x81] = 0xAE, /* Mute, Volume Up, Volume Down */
    [0x87] = 0x73, [0x88] = 0x70, [0x89] = 0x7D, /* Ro, Katakana/Hiragana, Yen */
    [0x8A] = 0x79, [0x8B] = 0x7B,                /* Henkan, Muhenkan */
    [0xE0] = 0x1D, [0xE1] = 0x2A, [0xE2] = 0x38, [0xE3] = 0xDB, /* left Ctrl Shift Alt GUI */
    [0xE4] = 0x9D, [0xE5] = 0x36, [0xE6] = 0xB8, [0xE7] = 0xDC, /* right Ctrl Shift Alt GUI */
};

uint32_t qb_key_number(uint32_t hid_usage)
{
    return hid_usage < sizeof(key_numbers) ? key_numbers[hid_usage] : 0;
}

int qb_button(uint32_t shmfb_button)
{
    switch (shmfb_button) {
    case SHMFB_BUTTON_LEFT:
        return QB_BTN_LEFT;
    case SHMFB_BUTTON_MIDDLE:
        return QB_BTN_MIDDLE;
    case SHMFB_BUTTON_RIGHT:
        return QB_BTN_RIGHT;
    case SHMFB_BUTTON_X1:
        return QB_BTN_SIDE;
    case SHMFB_BUTTON_X2:
        return QB_BTN_EXTRA;
    default:
        return -1;
    }
}

int qb_check_clip_grab(uint32_t selection, size_t nmimes, char *why, size_t whylen)
{
    if (selection >= QB_CLIP_SELECTIONS)
        return refuse(why, whylen, "clipboard selection %u is not 0, 1 or 2", selection);
    if (nmimes > QB_CLIP_MIMES_MAX)
        return refuse(why, whylen, "%zu MIME types, at most %u", nmimes, QB_CLIP_MIMES_MAX);
    return 0;
}

int qb_check_clip_reply(const char *mime, size_t len, char *why, size_t whylen)
{
    if (strcmp(mime, SHMFB_MIME_TEXT) != 0) {
        bool printable = strlen(mime) <= 64;
        for (const char *c = mime; printable && *c; c++)
            printable = *c >= 0x20 && *c < 0x7f;
        return refuse(why, whylen, "clipboard data of type '%s', not %s",
                      printable ? mime : "(unprintable)", SHMFB_MIME_TEXT);
    }
    if (len > SHMFB_HOST_DATA_MAX)
        return refuse(why, whylen, "%zu bytes of clipboard text, at most %u", len,
                      SHMFB_HOST_DATA_MAX);
    return 0;
}

int qb_clip_serial_wins(uint32_t serial, uint32_t current, int ours)
{
    return serial > current || (serial == current && !ours);
}

/*
 * What QEMU's D-Bus display sends, checked before anything is copied, and
 * what goes back: pure functions, no GLib, so that the check suite can
 * exercise every limit without a QEMU.
 *
 * Every check returns 0, or -EINVAL and a sentence in \p why (which may be
 * NULL) saying what was wrong, for the bridge's log line.
 */
#ifndef SHMFB_QEMU_PAYLOAD_H
#define SHMFB_QEMU_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

/* pixman format codes: PIXMAN_FORMAT(32, PIXMAN_TYPE_ARGB, a, 8, 8, 8).
 * Both are native-endian 0xAARRGGBB words, shmfb's own layout. */
#define QB_PIXMAN_X8R8G8B8 0x20020888u
#define QB_PIXMAN_A8R8G8B8 0x20028888u

/* QEMU's D-Bus mouse buttons (org.qemu.Display1.Mouse). */
enum qb_qemu_button {
    QB_BTN_LEFT = 0,
    QB_BTN_MIDDLE = 1,
    QB_BTN_RIGHT = 2,
    QB_BTN_WHEEL_UP = 3,
    QB_BTN_WHEEL_DOWN = 4,
    QB_BTN_SIDE = 5,
    QB_BTN_EXTRA = 6,
};

/** Whether \p format is one the bridge copies (x8r8g8b8, a8r8g8b8). */
int qb_format_ok(uint32_t format);

/** A Scanout: \p w × \p h within the capacity, stride of at least w * 4
 *  bytes, \p len covering the last row, an accepted format. */
int qb_check_scanout(uint32_t w, uint32_t h, uint32_t stride, uint32_t format, size_t len,
                     int32_t max_w, int32_t max_h, char *why, size_t whylen);

/** An Update: a non-empty rectangle inside \p bound_w × \p bound_h (the
 *  framebuffer's capacity: QEMU 7.2 sends a new mode's Updates before it
 *  announces the mode's size), stride and length as for a Scanout. */
int qb_check_update(int32_t x, int32_t y, int32_t w, int32_t h, uint32_t stride, uint32_t format,
                    size_t len, int32_t bound_w, int32_t bound_h, char *why, size_t whylen);

/** A CursorDefine: 1..\p max pixels each way, the hotspot inside, exactly
 *  w * h 32-bit pixels. */
int qb_check_cursor(int32_t w, int32_t h, int32_t hot_x, int32_t hot_y, size_t len, int32_t max,
                    char *why, size_t whylen);

/** Copies \p h rows of \p w pixels from \p src (rows \p src_stride bytes
 *  apart, checked) to (\p x, \p y) of \p dst.  The alpha byte is copied
 *  as it is: the framebuffer is XRGB, so no consumer reads it. */
void qb_copy_rect(uint32_t *dst, int32_t dst_stride, int32_t x, int32_t y, const uint8_t *src,
                  uint32_t src_stride, int32_t w, int32_t h);

/** QEMU's key number (XT scan code set 1; keys with an 0xE0 prefix as
 *  0x80 | code) of a USB HID usage id; 0 for keys it has none for. */
uint32_t qb_key_number(uint32_t hid_usage);

/** QEMU's button for a shmfb button (enum shmfb_button); -1 if none. */
int qb_button(uint32_t shmfb_button);

/* Clipboard selections of org.qemu.Display1.Clipboard (only the first is
 * shared with the viewers), and the most MIME types a grab may list. */
#define QB_CLIP_CLIPBOARD  0u
#define QB_CLIP_SELECTIONS 3u
#define QB_CLIP_MIMES_MAX  64u

/** A Grab or Release from QEMU: a known selection, at most
 *  QB_CLIP_MIMES_MAX MIME types (\p nmimes, 0 for a Release). */
int qb_check_clip_grab(uint32_t selection, size_t nmimes, char *why, size_t whylen);

/** QEMU's answer to the bridge's Request: MIME type \p mime (NUL-terminated)
 *  must be SHMFB_MIME_TEXT, \p len at most SHMFB_HOST_DATA_MAX bytes.  Its
 *  UTF-8 is checked by shmfb_producer_offer_clipboard(). */
int qb_check_clip_reply(const char *mime, size_t len, char *why, size_t whylen);

/** Whether a grab from QEMU with \p serial takes the clipboard from the
 *  last grab, \p current, which was the bridge's own if \p ours: serials
 *  count grabs from 0 at each registration; a lower one lost a race and
 *  is dropped; on a tie the client (the bridge) wins. */
int qb_clip_serial_wins(uint32_t serial, uint32_t current, int ours);

#endif /* SHMFB_QEMU_PAYLOAD_H */

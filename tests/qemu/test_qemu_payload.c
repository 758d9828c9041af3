/*
 * shmfb-qemu's payload checks and key table (qemu/payload.c): every limit
 * of what QEMU's Scanout, Update and CursorDefine may carry, the copy, and
 * the key numbers QEMU's Keyboard.Press expects, the clipboard's checks
 * and serials.
 */
#include "payload.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <shmfb/shmfb.h>

#define X8 QB_PIXMAN_X8R8G8B8
#define A8 QB_PIXMAN_A8R8G8B8

START_TEST(scanout_limits)
{
    char why[160];
    ck_assert_int_eq(qb_check_scanout(720, 400, 2880, X8, 2880 * 400, 1920, 1200, why, sizeof why),
                     0);
    ck_assert_int_eq(qb_check_scanout(720, 400, 2880, A8, 2880 * 400, 720, 400, why, sizeof why),
                     0);
    /* The last row needs only its pixels, not a whole stride. */
    ck_assert_int_eq(qb_check_scanout(10, 2, 64, X8, 64 + 40, 100, 100, why, sizeof why), 0);
    ck_assert_int_eq(qb_check_scanout(10, 2, 64, X8, 64 + 39, 100, 100, why, sizeof why), -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "103 bytes of data, 104 needed"));
    ck_assert_int_eq(qb_check_scanout(0, 400, 2880, X8, 1 << 20, 1920, 1200, why, sizeof why),
                     -EINVAL);
    ck_assert_int_eq(qb_check_scanout(720, 0, 2880, X8, 1 << 20, 1920, 1200, why, sizeof why),
                     -EINVAL);
    ck_assert_int_eq(qb_check_scanout(1921, 10, 7684, X8, 7684 * 10, 1920, 1200, why, sizeof why),
                     -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "capacity 1920x1200"));
    ck_assert_int_eq(qb_check_scanout(720, 400, 2879, X8, 1 << 22, 1920, 1200, why, sizeof why),
                     -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "stride 2879"));
    /* r5g6b5 and a format of nonsense are refused, said by number. */
    ck_assert_int_eq(
        qb_check_scanout(720, 400, 2880, 0x10020565u, 2880 * 400, 1920, 1200, why, sizeof why),
        -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "0x10020565"));
    /* Sizes whose product overflows 32 bits. */
    ck_assert_int_eq(qb_check_scanout(16384, 16384, 0xFFFFFFFFu, X8, 1 << 20, SHMFB_DIM_MAX,
                                      SHMFB_DIM_MAX, why, sizeof why),
                     -EINVAL);
    ck_assert_int_eq(qb_check_scanout(0xFFFFFFFFu, 1, 0xFFFFFFFFu, X8, 1 << 20, SHMFB_DIM_MAX,
                                      SHMFB_DIM_MAX, NULL, 0),
                     -EINVAL);
}
END_TEST

START_TEST(update_limits)
{
    char why[160];
    ck_assert_int_eq(
        qb_check_update(0, 0, 720, 16, 2880, X8, 2880 * 16, 1920, 1200, why, sizeof why), 0);
    ck_assert_int_eq(qb_check_update(1910, 1190, 10, 10, 40, X8, 400, 1920, 1200, why, sizeof why),
                     0);
    ck_assert_int_eq(qb_check_update(1911, 0, 10, 10, 40, X8, 400, 1920, 1200, why, sizeof why),
                     -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "outside the 1920x1200 capacity"));
    ck_assert_int_eq(qb_check_update(-1, 0, 10, 10, 40, X8, 400, 1920, 1200, why, sizeof why),
                     -EINVAL);
    ck_assert_int_eq(qb_check_update(0, -5, 10, 10, 40, X8, 400, 1920, 1200, why, sizeof why),
                     -EINVAL);
    ck_assert_int_eq(
        qb_check_update(0x7FFFFFFF, 0, 10, 10, 40, X8, 400, 1920, 1200, why, sizeof why), -EINVAL);
    ck_assert_int_eq(
        qb_check_update(0, 0x7FFFFFF0, 10, 0x7FFFFFFF, 40, X8, 400, 1920, 1200, why, sizeof why),
        -EINVAL);
    ck_assert_int_eq(qb_check_update(0, 0, 0, 10, 40, X8, 400, 1920, 1200, why, sizeof why),
                     -EINVAL);
    ck_assert_int_eq(qb_check_update(0, 0, 10, -1, 40, X8, 400, 1920, 1200, why, sizeof why),
                     -EINVAL);
    ck_assert_int_eq(qb_check_update(0, 0, 10, 10, 39, X8, 400, 1920, 1200, why, sizeof why),
                     -EINVAL);
    ck_assert_int_eq(qb_check_update(0, 0, 10, 10, 40, X8, 399, 1920, 1200, why, sizeof why),
                     -EINVAL);
    ck_assert_int_eq(qb_check_update(0, 0, 10, 10, 40, 0, 400, 1920, 1200, why, sizeof why),
                     -EINVAL);
    ck_assert_int_eq(qb_format_ok(X8), 1);
    ck_assert_int_eq(qb_format_ok(A8), 1);
    ck_assert_int_eq(qb_format_ok(0x20010888u), 0);
}
END_TEST

START_TEST(cursor_limits)
{
    char why[160];
    ck_assert_int_eq(qb_check_cursor(32, 32, 0, 0, 32 * 32 * 4, 64, why, sizeof why), 0);
    ck_assert_int_eq(qb_check_cursor(64, 64, 63, 63, 64 * 64 * 4, 64, why, sizeof why), 0);
    ck_assert_int_eq(qb_check_cursor(65, 1, 0, 0, 65 * 4, 64, why, sizeof why), -EINVAL);
    ck_assert_int_eq(qb_check_cursor(0, 1, 0, 0, 0, 64, why, sizeof why), -EINVAL);
    ck_assert_int_eq(qb_check_cursor(8, 8, 8, 0, 256, 64, why, sizeof why), -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "hotspot 8,0"));
    ck_assert_int_eq(qb_check_cursor(8, 8, 0, -1, 256, 64, why, sizeof why), -EINVAL);
    ck_assert_int_eq(qb_check_cursor(8, 8, 0, 0, 255, 64, why, sizeof why), -EINVAL);
    ck_assert_int_eq(qb_check_cursor(8, 8, 0, 0, 257, 64, why, sizeof why), -EINVAL);
}
END_TEST

START_TEST(copy_rect_strides)
{
    enum { DW = 8, DH = 6, DSTRIDE = DW * 4 };
    uint32_t dst[DW * DH];
    uint8_t src[3 * 20];
    memset(dst, 0, sizeof dst);
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (uint8_t)i;
    /* 3x3 at 2,1 from rows 20 bytes apart (12 used, 8 padding). */
    qb_copy_rect(dst, DSTRIDE, 2, 1, src, 20, 3, 3);
    for (int y = 0; y < DH; y++) {
        for (int x = 0; x < DW; x++) {
            uint32_t want = 0;
            if (x >= 2 && x < 5 && y >= 1 && y < 4)
                memcpy(&want, src + (y - 1) * 20 + (x - 2) * 4, 4);
            ck_assert_uint_eq(dst[y * DW + x], want);
        }
    }
}
END_TEST

START_TEST(key_numbers)
{
    ck_assert_uint_eq(qb_key_number(0x29), 0x01); /* Escape */
    ck_assert_uint_eq(qb_key_number(0x04), 0x1E); /* a */
    ck_assert_uint_eq(qb_key_number(0x1D), 0x2C); /* z */
    ck_assert_uint_eq(qb_key_number(0x1E), 0x02); /* 1 */
    ck_assert_uint_eq(qb_key_number(0x27), 0x0B); /* 0 */
    ck_assert_uint_eq(qb_key_number(0x28), 0x1C); /* Return */
    ck_assert_uint_eq(qb_key_number(0x58), 0x9C); /* keypad Enter: E0 1C */
    ck_assert_uint_eq(qb_key_number(0x52), 0xC8); /* Up: E0 48 */
    ck_assert_uint_eq(qb_key_number(0x51), 0xD0); /* Down: E0 50 */
    ck_assert_uint_eq(qb_key_number(0x44), 0x57); /* F11 */
    ck_assert_uint_eq(qb_key_number(0xE6), 0xB8); /* right Alt: E0 38 */
    ck_assert_uint_eq(qb_key_number(0xE7), 0xDC); /* right GUI: E0 5C */
    ck_assert_uint_eq(qb_key_number(0x00), 0);
    ck_assert_uint_eq(qb_key_number(0xE8), 0);
    ck_assert_uint_eq(qb_key_number(0xFFFF), 0);
    /* Every key of the letter, digit and control rows has a number, and
     * no two HID usages share one except \ and the ISO # (same key). */
    int seen[256] = {0};
    for (uint32_t u = 0x04; u <= 0x65; u++) {
        uint32_t n = qb_key_number(u);
        ck_assert_uint_ne(n, 0);
        ck_assert_uint_lt(n, 256);
        if (u != 0x32)
            ck_assert_int_eq(seen[n]++, 0);
    }
}
END_TEST

START_TEST(buttons)
{
    ck_assert_int_eq(qb_button(SHMFB_BUTTON_LEFT), QB_BTN_LEFT);
    ck_assert_int_eq(qb_button(SHMFB_BUTTON_MIDDLE), QB_BTN_MIDDLE);
    ck_assert_int_eq(qb_button(SHMFB_BUTTON_RIGHT), QB_BTN_RIGHT);
    ck_assert_int_eq(qb_button(SHMFB_BUTTON_X1), QB_BTN_SIDE);
    ck_assert_int_eq(qb_button(SHMFB_BUTTON_X2), QB_BTN_EXTRA);
    ck_assert_int_eq(qb_button(0), -1);
    ck_assert_int_eq(qb_button(6), -1);
}
END_TEST

START_TEST(clipboard_checks)
{
    char why[160];
    ck_assert_int_eq(qb_check_clip_grab(0, 1, why, sizeof why), 0);
    ck_assert_int_eq(qb_check_clip_grab(2, QB_CLIP_MIMES_MAX, why, sizeof why), 0);
    ck_assert_int_eq(qb_check_clip_grab(3, 1, why, sizeof why), -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "selection 3"));
    ck_assert_int_eq(qb_check_clip_grab(0, QB_CLIP_MIMES_MAX + 1, why, sizeof why), -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "65 MIME types"));
    ck_assert_int_eq(qb_check_clip_reply(SHMFB_MIME_TEXT, 0, why, sizeof why), 0);
    ck_assert_int_eq(qb_check_clip_reply(SHMFB_MIME_TEXT, SHMFB_HOST_DATA_MAX, NULL, 0), 0);
    ck_assert_int_eq(
        qb_check_clip_reply(SHMFB_MIME_TEXT, SHMFB_HOST_DATA_MAX + 1u, why, sizeof why), -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "16777217 bytes"));
    /* Only the exact name: an alias, and a name that would break the log line. */
    ck_assert_int_eq(qb_check_clip_reply("text/plain", 4, why, sizeof why), -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "'text/plain'"));
    ck_assert_int_eq(qb_check_clip_reply("text/x\nfake log", 4, why, sizeof why), -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "(unprintable)"));
    ck_assert_ptr_null(strchr(why, '\n'));
}
END_TEST

START_TEST(clipboard_serials)
{
    /* Higher wins; lower lost a race; a tie goes to the bridge's grab. */
    ck_assert(qb_clip_serial_wins(2, 1, 1));
    ck_assert(!qb_clip_serial_wins(0, 1, 1));
    ck_assert(!qb_clip_serial_wins(1, 1, 1));
    ck_assert(qb_clip_serial_wins(1, 1, 0));
    ck_assert(qb_clip_serial_wins(0, 0, 0));
    ck_assert(qb_clip_serial_wins(UINT32_MAX, UINT32_MAX - 1, 1));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("qemu_payload");
    TCase *checks = tcase_create("checks");
    tcase_add_test(checks, scanout_limits);
    tcase_add_test(checks, update_limits);
    tcase_add_test(checks, cursor_limits);
    tcase_add_test(checks, copy_rect_strides);
    tcase_add_test(checks, clipboard_checks);
    tcase_add_test(checks, clipboard_serials);
    suite_add_tcase(s, checks);
    TCase *input = tcase_create("input");
    tcase_add_test(input, key_numbers);
    tcase_add_test(input, buttons);
    suite_add_tcase(s, input);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

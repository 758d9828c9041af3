/*
 * shmfb-vnc's input translation (vnc/input.c): RFB pointer masks and X
 * keysyms into shmfb events, checked against what shmfb-view sends for the
 * same keys (USB HID codes, unshifted symbols, typed text apart).
 */
#include "vnc.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static struct vnc_input in;

static void reset(void)
{
    memset(&in, 0, sizeof in);
}

START_TEST(letters_and_shift)
{
    struct shmfb_event ev[2];
    reset();
    ck_assert_int_eq(vnc_input_key(&in, true, 'a', ev), 2);
    ck_assert_uint_eq(ev[0].type, SHMFB_EVENT_KEY_DOWN);
    ck_assert_uint_eq(ev[0].code, 0x04);
    ck_assert_uint_eq(ev[0].sym, 'a');
    ck_assert_uint_eq(ev[0].mods, 0);
    ck_assert_uint_eq(ev[1].type, SHMFB_EVENT_TEXT);
    ck_assert_uint_eq(ev[1].code, 'a');
    ck_assert_int_eq(vnc_input_key(&in, false, 'a', ev), 1);
    ck_assert_uint_eq(ev[0].type, SHMFB_EVENT_KEY_UP);

    /* Shift held: the symbol is the unshifted key's, the text the shifted. */
    ck_assert_int_eq(vnc_input_key(&in, true, 0xffe1, ev), 1);
    ck_assert_uint_eq(ev[0].code, 0xE1);
    ck_assert_uint_eq(ev[0].sym, SHMFB_KEY_SPECIAL | 0xE1);
    ck_assert_uint_eq(ev[0].mods, SHMFB_MOD_SHIFT);
    ck_assert_int_eq(vnc_input_key(&in, true, 'H', ev), 2);
    ck_assert_uint_eq(ev[0].code, 0x0B);
    ck_assert_uint_eq(ev[0].sym, 'h');
    ck_assert_uint_eq(ev[0].mods, SHMFB_MOD_SHIFT);
    ck_assert_uint_eq(ev[1].code, 'H');
    ck_assert_int_eq(vnc_input_key(&in, true, '!', ev), 2);
    ck_assert_uint_eq(ev[0].code, 0x1E);
    ck_assert_uint_eq(ev[0].sym, '1');
    ck_assert_uint_eq(ev[1].code, '!');
    ck_assert_int_eq(vnc_input_key(&in, true, '{', ev), 2);
    ck_assert_uint_eq(ev[0].code, 0x2F);
    ck_assert_uint_eq(ev[0].sym, '[');
    vnc_input_key(&in, false, 0xffe1, ev);
    ck_assert_uint_eq(ev[0].mods, 0);
}
END_TEST

START_TEST(control_keys_type_no_text)
{
    struct shmfb_event ev[2];
    reset();
    static const struct {
        uint32_t keysym, code, sym;
    } keys[] = {
        {0xff0d, 0x28, 0x0D},
        {0xff08, 0x2A, 0x08},
        {0xff09, 0x2B, 0x09},
        {0xff1b, 0x29, 0x1B},
        {0xffff, 0x4C, 0x7F},
        {0xff51, 0x50, SHMFB_KEY_SPECIAL | 0x50},
        {0xffbe, 0x3A, SHMFB_KEY_SPECIAL | 0x3A},
        {0xffc9, 0x45, SHMFB_KEY_SPECIAL | 0x45},
        {0xffca, 0x68, SHMFB_KEY_SPECIAL | 0x68},
        {0xff8d, 0x58, SHMFB_KEY_SPECIAL | 0x58},
        {0xffe3, 0xE0, SHMFB_KEY_SPECIAL | 0xE0},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        ck_assert_int_eq(vnc_input_key(&in, true, keys[i].keysym, ev), 1);
        ck_assert_uint_eq(ev[0].code, keys[i].code);
        ck_assert_uint_eq(ev[0].sym, keys[i].sym);
        vnc_input_key(&in, false, keys[i].keysym, ev);
    }
}
END_TEST

START_TEST(ctrl_alt_meta_suppress_text)
{
    struct shmfb_event ev[2];
    reset();
    vnc_input_key(&in, true, 0xffe3, ev); /* Control_L */
    ck_assert_int_eq(vnc_input_key(&in, true, 'c', ev), 1);
    ck_assert_uint_eq(ev[0].mods, SHMFB_MOD_CTRL);
    ck_assert_uint_eq(ev[0].sym, 'c');
    vnc_input_key(&in, false, 'c', ev);
    vnc_input_key(&in, false, 0xffe3, ev);
    vnc_input_key(&in, true, 0xffe9, ev); /* Alt_L */
    ck_assert_int_eq(vnc_input_key(&in, true, 'x', ev), 1);
    ck_assert_uint_eq(ev[0].mods, SHMFB_MOD_ALT);
    vnc_input_key(&in, false, 0xffe9, ev);
    vnc_input_key(&in, true, 0xffeb, ev); /* Super_L */
    ck_assert_uint_eq(ev[0].mods, SHMFB_MOD_META);
    ck_assert_int_eq(vnc_input_key(&in, true, 'x', ev), 1);
    vnc_input_key(&in, false, 0xffeb, ev);
    ck_assert_int_eq(vnc_input_key(&in, true, 'x', ev), 2);
}
END_TEST

START_TEST(caps_lock_toggles)
{
    struct shmfb_event ev[2];
    reset();
    vnc_input_key(&in, true, 0xffe5, ev);
    ck_assert_uint_eq(ev[0].code, 0x39);
    ck_assert_uint_eq(ev[0].mods, SHMFB_MOD_CAPS);
    vnc_input_key(&in, false, 0xffe5, ev);
    ck_assert_uint_eq(ev[0].mods, SHMFB_MOD_CAPS);
    vnc_input_key(&in, true, 0xffe5, ev);
    vnc_input_key(&in, false, 0xffe5, ev);
    ck_assert_uint_eq(ev[0].mods, 0);
}
END_TEST

START_TEST(non_us_symbols)
{
    struct shmfb_event ev[2];
    reset();
    /* é as a Latin-1 keysym: no US key, text U+00E9. */
    ck_assert_int_eq(vnc_input_key(&in, true, 0xe9, ev), 2);
    ck_assert_uint_eq(ev[0].code, 0);
    ck_assert_uint_eq(ev[0].sym, 0xE9);
    ck_assert_uint_eq(ev[1].code, 0xE9);
    /* É: the symbol is the lower case letter. */
    ck_assert_int_eq(vnc_input_key(&in, true, 0xc9, ev), 2);
    ck_assert_uint_eq(ev[0].sym, 0xE9);
    ck_assert_uint_eq(ev[1].code, 0xC9);
    /* Greek omega as a legacy keysym, and a Unicode keysym past the BMP. */
    ck_assert_int_eq(vnc_input_key(&in, true, 0x7f9, ev), 2);
    ck_assert_uint_eq(ev[1].code, 0x3C9);
    ck_assert_int_eq(vnc_input_key(&in, true, 0x0101F600, ev), 2);
    ck_assert_uint_eq(ev[0].sym, 0x1F600);
    ck_assert_uint_eq(ev[1].code, 0x1F600);
    /* Keypad digits type their digit; the key is the keypad's. */
    ck_assert_int_eq(vnc_input_key(&in, true, 0xffb7, ev), 2);
    ck_assert_uint_eq(ev[0].code, 0x5F);
    ck_assert_uint_eq(ev[0].sym, SHMFB_KEY_SPECIAL | 0x5F);
    ck_assert_uint_eq(ev[1].code, '7');
    /* Nothing for a keysym without key or character, nor for 0. */
    ck_assert_int_eq(vnc_input_key(&in, true, 0x1008ff13, ev), 0);
    ck_assert_int_eq(vnc_input_key(&in, true, 0, ev), 0);
}
END_TEST

START_TEST(pointer_buttons_and_motion)
{
    struct shmfb_event ev[VNC_EVENTS_MAX];
    reset();
    ck_assert_int_eq(vnc_input_pointer(&in, 0, 10, 20, ev), 1);
    ck_assert_uint_eq(ev[0].type, SHMFB_EVENT_MOTION);
    ck_assert_int_eq(ev[0].x, 10);
    ck_assert_int_eq(ev[0].y, 20);
    /* Same place, left down: no motion. */
    ck_assert_int_eq(vnc_input_pointer(&in, 1, 10, 20, ev), 1);
    ck_assert_uint_eq(ev[0].type, SHMFB_EVENT_BUTTON_DOWN);
    ck_assert_uint_eq(ev[0].code, SHMFB_BUTTON_LEFT);
    ck_assert_uint_eq(ev[0].buttons, 1);
    /* Drag with the right button added. */
    ck_assert_int_eq(vnc_input_pointer(&in, 5, 12, 22, ev), 2);
    ck_assert_uint_eq(ev[0].type, SHMFB_EVENT_MOTION);
    ck_assert_uint_eq(ev[0].buttons, 1);
    ck_assert_uint_eq(ev[1].type, SHMFB_EVENT_BUTTON_DOWN);
    ck_assert_uint_eq(ev[1].code, SHMFB_BUTTON_RIGHT);
    ck_assert_uint_eq(ev[1].buttons, 5);
    ck_assert_int_eq(vnc_input_pointer(&in, 0, 12, 22, ev), 2);
    ck_assert_uint_eq(ev[0].type, SHMFB_EVENT_BUTTON_UP);
    ck_assert_uint_eq(ev[1].type, SHMFB_EVENT_BUTTON_UP);
    ck_assert_uint_eq(ev[1].buttons, 0);
    /* RFB button 2 is the middle one, 8 is X1 (back). */
    ck_assert_int_eq(vnc_input_pointer(&in, 0x82, 12, 22, ev), 2);
    ck_assert_uint_eq(ev[0].code, SHMFB_BUTTON_MIDDLE);
    ck_assert_uint_eq(ev[1].code, SHMFB_BUTTON_X1);
    ck_assert_uint_eq(ev[1].buttons, 2 | 8);
    vnc_input_pointer(&in, 0, 12, 22, ev);
}
END_TEST

START_TEST(wheel_is_buttons_4_to_7)
{
    struct shmfb_event ev[VNC_EVENTS_MAX];
    reset();
    vnc_input_pointer(&in, 0, 5, 5, ev);
    static const struct {
        uint32_t mask;
        int32_t x, y;
    } steps[] = {{8, 0, 1}, {16, 0, -1}, {32, -1, 0}, {64, 1, 0}};
    for (size_t i = 0; i < 4; i++) {
        ck_assert_int_eq(vnc_input_pointer(&in, steps[i].mask, 5, 5, ev), 1);
        ck_assert_uint_eq(ev[0].type, SHMFB_EVENT_WHEEL);
        ck_assert_int_eq(ev[0].x, steps[i].x);
        ck_assert_int_eq(ev[0].y, steps[i].y);
        /* The release of a wheel "button" is nothing. */
        ck_assert_int_eq(vnc_input_pointer(&in, 0, 5, 5, ev), 0);
    }
}
END_TEST

START_TEST(modifiers_on_pointer_events)
{
    struct shmfb_event ev[VNC_EVENTS_MAX];
    reset();
    vnc_input_key(&in, true, 0xffe2, ev); /* Shift_R */
    ck_assert_uint_eq(ev[0].code, 0xE5);
    ck_assert_int_eq(vnc_input_pointer(&in, 1, 3, 4, ev), 2);
    ck_assert_uint_eq(ev[1].mods, SHMFB_MOD_SHIFT);
}
END_TEST

START_TEST(release_on_leave)
{
    struct shmfb_event ev[VNC_EVENTS_MAX + VNC_KEYS_HELD];
    reset();
    vnc_input_pointer(&in, 1, 7, 8, ev);
    vnc_input_key(&in, true, 0xffe1, ev);
    vnc_input_key(&in, true, 'q', ev);
    vnc_input_key(&in, true, 'q', ev); /* auto-repeat: still one key held */
    int n = vnc_input_release(&in, ev);
    ck_assert_int_eq(n, 3);
    ck_assert_uint_eq(ev[0].type, SHMFB_EVENT_BUTTON_UP);
    ck_assert_int_eq(ev[0].x, 7);
    ck_assert_uint_eq(ev[1].type, SHMFB_EVENT_KEY_UP);
    ck_assert_uint_eq(ev[2].type, SHMFB_EVENT_KEY_UP);
    ck_assert_int_eq(vnc_input_release(&in, ev), 0);
    /* More keys than are remembered: no overflow, the first ones released. */
    for (uint32_t k = 'a'; k <= 'z'; k++)
        vnc_input_key(&in, true, k, ev);
    ck_assert_int_eq(vnc_input_release(&in, ev), VNC_KEYS_HELD);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("vnc_input");
    TCase *keys = tcase_create("keys");
    tcase_add_test(keys, letters_and_shift);
    tcase_add_test(keys, control_keys_type_no_text);
    tcase_add_test(keys, ctrl_alt_meta_suppress_text);
    tcase_add_test(keys, caps_lock_toggles);
    tcase_add_test(keys, non_us_symbols);
    suite_add_tcase(s, keys);
    TCase *ptr = tcase_create("pointer");
    tcase_add_test(ptr, pointer_buttons_and_motion);
    tcase_add_test(ptr, wheel_is_buttons_4_to_7);
    tcase_add_test(ptr, modifiers_on_pointer_events);
    tcase_add_test(ptr, release_on_leave);
    suite_add_tcase(s, ptr);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * shmfb-view's input translation (viewer/input.c) without a window: SDL
 * events built by hand, shmfb events checked field by field.
 */
#include "view.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* The frame 160x120 shown 1:1 in a window of the same size. */
static const struct view_map plain = {160, 120, 160, 120, 160, 120};

static int translate(const SDL_Event *ev, struct view_input *in, struct shmfb_event *out, int max)
{
    return view_input_translate(ev, in, &plain, out, max);
}

static SDL_Event key(Uint32 type, SDL_Scancode sc, SDL_Keycode sym, Uint16 mod)
{
    SDL_Event ev = {.type = type};
    ev.key.type = type;
    ev.key.state = type == SDL_KEYDOWN ? SDL_PRESSED : SDL_RELEASED;
    ev.key.keysym.scancode = sc;
    ev.key.keysym.sym = sym;
    ev.key.keysym.mod = mod;
    return ev;
}

START_TEST(test_mods)
{
    ck_assert_uint_eq(view_input_mods(KMOD_NONE), 0);
    ck_assert_uint_eq(view_input_mods(KMOD_LSHIFT), SHMFB_MOD_SHIFT);
    ck_assert_uint_eq(view_input_mods(KMOD_RSHIFT), SHMFB_MOD_SHIFT);
    ck_assert_uint_eq(view_input_mods(KMOD_RCTRL), SHMFB_MOD_CTRL);
    ck_assert_uint_eq(view_input_mods(KMOD_LALT), SHMFB_MOD_ALT);
    ck_assert_uint_eq(view_input_mods(KMOD_RGUI), SHMFB_MOD_META);
    ck_assert_uint_eq(view_input_mods(KMOD_CAPS), SHMFB_MOD_CAPS);
    ck_assert_uint_eq(view_input_mods(KMOD_NUM | KMOD_MODE | KMOD_SCROLL), 0);
    ck_assert_uint_eq(view_input_mods(KMOD_LSHIFT | KMOD_LCTRL | KMOD_RALT | KMOD_LGUI),
                      SHMFB_MOD_SHIFT | SHMFB_MOD_CTRL | SHMFB_MOD_ALT | SHMFB_MOD_META);
}
END_TEST

START_TEST(test_keys)
{
    struct view_input in = {0};
    struct shmfb_event out[2];
    SDL_Event ev = key(SDL_KEYDOWN, SDL_SCANCODE_A, SDLK_a, KMOD_LSHIFT);
    ck_assert_int_eq(translate(&ev, &in, out, 2), 1);
    ck_assert_uint_eq(out[0].type, SHMFB_EVENT_KEY_DOWN);
    ck_assert_uint_eq(out[0].code, 0x04); /* USB HID usage of A */
    ck_assert_uint_eq(out[0].sym, 'a');
    ck_assert_uint_eq(out[0].mods, SHMFB_MOD_SHIFT);
    ev = key(SDL_KEYUP, SDL_SCANCODE_RETURN, SDLK_RETURN, KMOD_NONE);
    ck_assert_int_eq(translate(&ev, &in, out, 2), 1);
    ck_assert_uint_eq(out[0].type, SHMFB_EVENT_KEY_UP);
    ck_assert_uint_eq(out[0].code, 0x28);
    ck_assert_uint_eq(out[0].sym, 0x0D);
    ck_assert_uint_eq(out[0].mods, 0);
}
END_TEST

START_TEST(test_syms)
{
    ck_assert_uint_eq(view_input_sym(SDLK_ESCAPE, SDL_SCANCODE_ESCAPE), 0x1B);
    ck_assert_uint_eq(view_input_sym(SDLK_BACKSPACE, SDL_SCANCODE_BACKSPACE), 0x08);
    ck_assert_uint_eq(view_input_sym(SDLK_TAB, SDL_SCANCODE_TAB), 0x09);
    ck_assert_uint_eq(view_input_sym(SDLK_DELETE, SDL_SCANCODE_DELETE), 0x7F);
    ck_assert_uint_eq(view_input_sym(SDLK_1, SDL_SCANCODE_1), '1');
    ck_assert_uint_eq(view_input_sym(0xE9, SDL_SCANCODE_2), 0xE9); /* é on a French layout */
    ck_assert_uint_eq(view_input_sym(SDLK_LEFT, SDL_SCANCODE_LEFT), SHMFB_KEY_SPECIAL | 0x50);
    ck_assert_uint_eq(view_input_sym(SDLK_F1, SDL_SCANCODE_F1), SHMFB_KEY_SPECIAL | 0x3A);
    ck_assert_uint_eq(view_input_sym(SDLK_LSHIFT, SDL_SCANCODE_LSHIFT), SHMFB_KEY_SPECIAL | 0xE1);
    ck_assert_uint_eq(view_input_sym(SDLK_UNKNOWN, 0), SHMFB_KEY_SPECIAL);
}
END_TEST

static SDL_Event button(Uint32 type, Uint8 b, int x, int y)
{
    SDL_Event ev = {.type = type};
    ev.button.button = b;
    ev.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
    ev.button.x = x;
    ev.button.y = y;
    return ev;
}

START_TEST(test_buttons)
{
    struct view_input in = {.mods = KMOD_LCTRL};
    struct shmfb_event out[1];
    static const Uint8 sdl[] = {SDL_BUTTON_LEFT, SDL_BUTTON_MIDDLE, SDL_BUTTON_RIGHT, SDL_BUTTON_X1,
                                SDL_BUTTON_X2};
    static const uint32_t want[] = {SHMFB_BUTTON_LEFT, SHMFB_BUTTON_MIDDLE, SHMFB_BUTTON_RIGHT,
                                    SHMFB_BUTTON_X1, SHMFB_BUTTON_X2};
    uint32_t held = 0;
    for (int i = 0; i < 5; i++) {
        SDL_Event ev = button(SDL_MOUSEBUTTONDOWN, sdl[i], 10 + i, 20);
        ck_assert_int_eq(translate(&ev, &in, out, 1), 1);
        held |= 1u << i;
        ck_assert_uint_eq(out[0].type, SHMFB_EVENT_BUTTON_DOWN);
        ck_assert_uint_eq(out[0].code, want[i]);
        ck_assert_uint_eq(out[0].buttons, held);
        ck_assert_int_eq(out[0].x, 10 + i);
        ck_assert_int_eq(out[0].y, 20);
        ck_assert_uint_eq(out[0].mods, SHMFB_MOD_CTRL);
    }
    SDL_Event ev = button(SDL_MOUSEBUTTONUP, SDL_BUTTON_LEFT, 1, 2);
    ck_assert_int_eq(translate(&ev, &in, out, 1), 1);
    ck_assert_uint_eq(out[0].type, SHMFB_EVENT_BUTTON_UP);
    ck_assert_uint_eq(out[0].buttons, 0x1Eu);
    ev = button(SDL_MOUSEBUTTONDOWN, 6, 1, 2); /* no shmfb button */
    ck_assert_int_eq(translate(&ev, &in, out, 1), 0);
}
END_TEST

START_TEST(test_motion)
{
    struct view_input in = {0};
    struct shmfb_event out[1];
    SDL_Event ev = {.type = SDL_MOUSEMOTION};
    ev.motion.x = -5;
    ev.motion.y = 130;
    ev.motion.state = SDL_BUTTON_LMASK | SDL_BUTTON_RMASK;
    ck_assert_int_eq(translate(&ev, &in, out, 1), 1);
    ck_assert_uint_eq(out[0].type, SHMFB_EVENT_MOTION);
    ck_assert_int_eq(out[0].x, -5); /* outside while dragging */
    ck_assert_int_eq(out[0].y, 130);
    ck_assert_uint_eq(out[0].buttons, 1u | 4u);
    ck_assert_uint_eq(in.buttons, 1u | 4u);
}
END_TEST

START_TEST(test_wheel)
{
    struct view_input in = {.buttons = 2, .mods = KMOD_LSHIFT};
    struct shmfb_event out[1];
    SDL_Event ev = {.type = SDL_MOUSEWHEEL};
    ev.wheel.x = 1;
    ev.wheel.y = 2;
    ev.wheel.direction = SDL_MOUSEWHEEL_NORMAL;
    ck_assert_int_eq(translate(&ev, &in, out, 1), 1);
    ck_assert_uint_eq(out[0].type, SHMFB_EVENT_WHEEL);
    ck_assert_int_eq(out[0].x, 1);
    ck_assert_int_eq(out[0].y, 2);
    ck_assert_uint_eq(out[0].buttons, 2);
    ck_assert_uint_eq(out[0].mods, SHMFB_MOD_SHIFT);
    ev.wheel.direction = SDL_MOUSEWHEEL_FLIPPED;
    ck_assert_int_eq(translate(&ev, &in, out, 1), 1);
    ck_assert_int_eq(out[0].x, -1);
    ck_assert_int_eq(out[0].y, -2);
    ev.wheel.x = ev.wheel.y = 0; /* only a fraction of a notch */
    ck_assert_int_eq(translate(&ev, &in, out, 1), 0);
}
END_TEST

static SDL_Event window(Uint8 what)
{
    SDL_Event ev = {.type = SDL_WINDOWEVENT};
    ev.window.event = what;
    return ev;
}

START_TEST(test_window)
{
    struct view_input in = {0};
    struct shmfb_event out[1];
    SDL_Event ev = window(SDL_WINDOWEVENT_FOCUS_GAINED);
    ck_assert_int_eq(translate(&ev, &in, out, 1), 1);
    ck_assert_uint_eq(out[0].type, SHMFB_EVENT_FOCUS_IN);
    ev = window(SDL_WINDOWEVENT_FOCUS_LOST);
    ck_assert_int_eq(translate(&ev, &in, out, 1), 1);
    ck_assert_uint_eq(out[0].type, SHMFB_EVENT_FOCUS_OUT);
    ev = window(SDL_WINDOWEVENT_CLOSE);
    ck_assert_int_eq(translate(&ev, &in, out, 1), 1);
    ck_assert_uint_eq(out[0].type, SHMFB_EVENT_CLOSE);
    ev = window(SDL_WINDOWEVENT_MOVED);
    ck_assert_int_eq(translate(&ev, &in, out, 1), 0);
    ev.type = SDL_USEREVENT;
    ck_assert_int_eq(translate(&ev, &in, out, 1), 0);
}
END_TEST

START_TEST(test_text)
{
    struct view_input in = {.mods = KMOD_RSHIFT};
    struct shmfb_event out[8];
    SDL_Event ev = {.type = SDL_TEXTINPUT};
    strcpy(ev.text.text, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"); /* Aé€😀 */
    ck_assert_int_eq(translate(&ev, &in, out, 8), 4);
    static const uint32_t want[] = {'A', 0xE9, 0x20AC, 0x1F600};
    for (int i = 0; i < 4; i++) {
        ck_assert_uint_eq(out[i].type, SHMFB_EVENT_TEXT);
        ck_assert_uint_eq(out[i].code, want[i]);
        ck_assert_uint_eq(out[i].mods, SHMFB_MOD_SHIFT);
    }
    ck_assert_int_eq(translate(&ev, &in, out, 2), 2); /* no more than max */
    ck_assert_uint_eq(out[1].code, 0xE9);
}
END_TEST

/* Decodes all of s into cps; returns the count. */
static int decode(const char *s, uint32_t *cps, int max)
{
    size_t len = strlen(s), at = 0;
    int n = 0;
    while (at < len && n < max) {
        size_t k = view_utf8_next(s + at, len - at, &cps[n++]);
        ck_assert_uint_gt(k, 0);
        at += k;
    }
    return n;
}

START_TEST(test_utf8_bad)
{
    uint32_t cp[8];
    /* A stray continuation byte, and a lead byte that cannot start anything. */
    ck_assert_int_eq(decode("\x80x\xFF", cp, 8), 3);
    ck_assert_uint_eq(cp[0], VIEW_UTF8_BAD);
    ck_assert_uint_eq(cp[1], 'x');
    ck_assert_uint_eq(cp[2], VIEW_UTF8_BAD);
    /* Cut short: one replacement for the lead and its good tail. */
    ck_assert_int_eq(decode("\xE2\x82x", cp, 8), 2);
    ck_assert_uint_eq(cp[0], VIEW_UTF8_BAD);
    ck_assert_uint_eq(cp[1], 'x');
    ck_assert_int_eq(decode("\xF0\x9F\x98", cp, 8), 1);
    ck_assert_uint_eq(cp[0], VIEW_UTF8_BAD);
    /* Overlong forms, a surrogate, past U+10FFFF. */
    ck_assert_int_eq(decode("\xC0\xAF", cp, 8), 2);
    ck_assert_uint_eq(cp[0], VIEW_UTF8_BAD);
    ck_assert_int_eq(decode("\xE0\x80\xAF", cp, 8), 3);
    ck_assert_uint_eq(cp[0], VIEW_UTF8_BAD);
    ck_assert_int_eq(decode("\xED\xA0\x80", cp, 8), 3);
    ck_assert_uint_eq(cp[0], VIEW_UTF8_BAD);
    ck_assert_int_eq(decode("\xF4\x90\x80\x80", cp, 8), 4);
    ck_assert_uint_eq(cp[0], VIEW_UTF8_BAD);
    /* The largest code point is fine. */
    ck_assert_int_eq(decode("\xF4\x8F\xBF\xBF", cp, 8), 1);
    ck_assert_uint_eq(cp[0], 0x10FFFF);
    ck_assert_uint_eq(view_utf8_next("", 0, cp), 0);
}
END_TEST

static void map(const struct view_map *m, int wx, int wy, int32_t fx, int32_t fy)
{
    int32_t x, y;
    view_map_point(m, wx, wy, &x, &y);
    ck_assert_msg(x == fx && y == fy, "(%d,%d) -> (%d,%d), expected (%d,%d)", wx, wy, x, y, fx, fy);
}

START_TEST(test_map_scales)
{
    for (int k = 1; k <= 3; k++) {
        struct view_map m = {160, 120, 160 * k, 120 * k, 160 * k, 120 * k};
        map(&m, 0, 0, 0, 0);
        map(&m, k - 1, k - 1, 0, 0); /* floor: every window pixel of frame pixel 0 */
        map(&m, 40 * k + k - 1, 60 * k, 40, 60);
        map(&m, 160 * k - 1, 120 * k - 1, 159, 119);
        map(&m, 160 * k, 120 * k, 160, 120); /* outside, dragging */
        map(&m, -1, -k, -1, -1);
        map(&m, -k - 1, 0, -2, 0);
    }
}
END_TEST

START_TEST(test_map_letterbox)
{
    /* 160x120 in 400x150: 200x150 at x 100 (scale 1.25). */
    struct view_map m = {160, 120, 400, 150, 400, 150};
    map(&m, 100, 0, 0, 0);
    map(&m, 99, 0, -1, 0);
    map(&m, 299, 149, 159, 119);
    map(&m, 300, 75, 160, 60);
    map(&m, 0, 0, -80, 0);
    /* 160x120 in 320x480 (scale 2): 320x240 at y 120. */
    struct view_map tall = {160, 120, 320, 480, 320, 480};
    map(&tall, 0, 120, 0, 0);
    map(&tall, 0, 119, 0, -1);
    map(&tall, 319, 359, 159, 119);
    /* Window points at half the output pixels (a high-density display). */
    struct view_map hidpi = {160, 120, 160, 120, 320, 240};
    map(&hidpi, 80, 60, 80, 60);
    /* No frame yet: window points unchanged. */
    struct view_map none = {0, 0, 320, 240, 320, 240};
    map(&none, 7, 9, 7, 9);
}
END_TEST

START_TEST(test_resize_request)
{
    int32_t w, h;
    view_resize_request(400, 300, 0, &w, &h);
    ck_assert_int_eq(w, 400);
    ck_assert_int_eq(h, 300);
    view_resize_request(701, 501, 2, &w, &h);
    ck_assert_int_eq(w, 350);
    ck_assert_int_eq(h, 250);
    view_resize_request(2, 1, 3, &w, &h);
    ck_assert_int_eq(w, 1);
    ck_assert_int_eq(h, 1);
}
END_TEST

static Suite *input_suite(void)
{
    Suite *s = suite_create("viewer_input");
    TCase *keys = tcase_create("keys");
    tcase_add_test(keys, test_mods);
    tcase_add_test(keys, test_keys);
    tcase_add_test(keys, test_syms);
    suite_add_tcase(s, keys);
    TCase *pointer = tcase_create("pointer");
    tcase_add_test(pointer, test_buttons);
    tcase_add_test(pointer, test_motion);
    tcase_add_test(pointer, test_wheel);
    tcase_add_test(pointer, test_window);
    suite_add_tcase(s, pointer);
    TCase *text = tcase_create("text");
    tcase_add_test(text, test_text);
    tcase_add_test(text, test_utf8_bad);
    suite_add_tcase(s, text);
    TCase *mapping = tcase_create("mapping");
    tcase_add_test(mapping, test_map_scales);
    tcase_add_test(mapping, test_map_letterbox);
    tcase_add_test(mapping, test_resize_request);
    suite_add_tcase(s, mapping);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(input_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

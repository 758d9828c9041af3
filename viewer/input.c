/*
 * SDL input events to shmfb events: pure functions of the event and of the
 * state passed in, so that they can be tested without a window.
 */
#include "view.h"

#include <string.h>

uint32_t view_input_mods(uint32_t sdl_mod)
{
    uint32_t m = 0;
    if (sdl_mod & KMOD_SHIFT)
        m |= SHMFB_MOD_SHIFT;
    if (sdl_mod & KMOD_CTRL)
        m |= SHMFB_MOD_CTRL;
    if (sdl_mod & KMOD_ALT)
        m |= SHMFB_MOD_ALT;
    if (sdl_mod & KMOD_GUI)
        m |= SHMFB_MOD_META;
    if (sdl_mod & KMOD_CAPS)
        m |= SHMFB_MOD_CAPS;
    return m;
}

uint32_t view_input_button(uint32_t sdl_button)
{
    /* SDL numbers left, middle, right, X1, X2 as 1..5, as shmfb does. */
    return sdl_button >= SDL_BUTTON_LEFT && sdl_button <= SDL_BUTTON_X2 ? sdl_button : 0;
}

uint32_t view_input_sym(int32_t keycode, uint32_t scancode)
{
    /* Keycodes below SDLK_SCANCODE_MASK are the key's (unshifted) character. */
    if (keycode > 0 && (uint32_t)keycode < SDLK_SCANCODE_MASK)
        return (uint32_t)keycode;
    return SHMFB_KEY_SPECIAL | scancode;
}

/* Continuation bytes needed after lead byte b, and the bits it carries. */
static int utf8_lead(uint8_t b, uint32_t *cp)
{
    if (b >= 0xC2 && b <= 0xDF) {
        *cp = b & 0x1Fu;
        return 1;
    }
    if (b >= 0xE0 && b <= 0xEF) {
        *cp = b & 0x0Fu;
        return 2;
    }
    if (b >= 0xF0 && b <= 0xF4) {
        *cp = b & 0x07u;
        return 3;
    }
    return -1;
}

/* The range the second byte must lie in, which excludes overlong forms,
 * surrogates and code points past U+10FFFF. */
static bool utf8_second_ok(uint8_t lead, uint8_t b)
{
    uint8_t lo = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
    uint8_t hi = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
    return b >= lo && b <= hi;
}

size_t view_utf8_next(const char *s, size_t len, uint32_t *cp)
{
    const uint8_t *p = (const uint8_t *)s;
    if (len == 0)
        return 0;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    uint32_t v;
    int more = utf8_lead(p[0], &v);
    size_t i = 1;
    /* On a bad byte, one U+FFFD stands for the lead and its good tail. */
    *cp = VIEW_UTF8_BAD;
    if (more < 0)
        return 1;
    for (; i <= (size_t)more; i++) {
        bool ok = i < len && (i == 1 ? utf8_second_ok(p[0], p[1]) : (p[i] & 0xC0) == 0x80);
        if (!ok)
            return i;
        v = (v << 6) | (p[i] & 0x3Fu);
    }
    *cp = v;
    return i;
}

SDL_Rect view_fit(int w, int h, int out_w, int out_h)
{
    SDL_Rect r = {0, 0, out_w, out_h};
    if (w <= 0 || h <= 0 || out_w <= 0 || out_h <= 0)
        return r;
    /* Compare aspect ratios without division: out_w/out_h vs w/h. */
    if ((int64_t)out_w * h > (int64_t)out_h * w)
        r.w = (int)((int64_t)out_h * w / h);
    else
        r.h = (int)((int64_t)out_w * h / w);
    r.x = (out_w - r.w) / 2;
    r.y = (out_h - r.h) / 2;
    return r;
}

/* Floor division for a possibly negative numerator and a positive divisor. */
static int32_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && (a < 0))
        q--;
    return (int32_t)q;
}

void view_map_point(const struct view_map *m, int wx, int wy, int32_t *fx, int32_t *fy)
{
    /* Window points to output pixels (they differ on high-density displays). */
    int64_t px = m->win_w > 0 ? (int64_t)wx * m->out_w / m->win_w : wx;
    int64_t py = m->win_h > 0 ? (int64_t)wy * m->out_h / m->win_h : wy;
    SDL_Rect dst = view_fit(m->fb_w, m->fb_h, m->out_w, m->out_h);
    if (dst.w <= 0 || dst.h <= 0 || m->fb_w <= 0 || m->fb_h <= 0) {
        *fx = (int32_t)px;
        *fy = (int32_t)py;
        return;
    }
    *fx = floor_div((px - dst.x) * m->fb_w, dst.w);
    *fy = floor_div((py - dst.y) * m->fb_h, dst.h);
}

void view_resize_request(int out_w, int out_h, int scale, int32_t *w, int32_t *h)
{
    int k = scale > 0 ? scale : 1;
    *w = out_w / k > 0 ? out_w / k : 1;
    *h = out_h / k > 0 ? out_h / k : 1;
}

static int pointer_event(const SDL_Event *ev, struct view_input *in, const struct view_map *m,
                         struct shmfb_event *out)
{
    if (ev->type == SDL_MOUSEMOTION) {
        out->type = SHMFB_EVENT_MOTION;
        in->buttons = ev->motion.state & 0x1Fu;
        view_map_point(m, ev->motion.x, ev->motion.y, &out->x, &out->y);
    } else {
        uint32_t b = view_input_button(ev->button.button);
        if (!b)
            return 0;
        bool down = ev->type == SDL_MOUSEBUTTONDOWN;
        out->type = down ? SHMFB_EVENT_BUTTON_DOWN : SHMFB_EVENT_BUTTON_UP;
        out->code = b;
        in->buttons = down ? in->buttons | 1u << (b - 1) : in->buttons & ~(1u << (b - 1));
        view_map_point(m, ev->button.x, ev->button.y, &out->x, &out->y);
    }
    out->buttons = in->buttons;
    out->mods = view_input_mods(in->mods);
    return 1;
}

static int wheel_event(const SDL_MouseWheelEvent *w, const struct view_input *in,
                       struct shmfb_event *out)
{
    int k = w->direction == SDL_MOUSEWHEEL_FLIPPED ? -1 : 1;
    if (w->x == 0 && w->y == 0)
        return 0;
    out->type = SHMFB_EVENT_WHEEL;
    out->x = k * w->x;
    out->y = k * w->y;
    out->buttons = in->buttons;
    out->mods = view_input_mods(in->mods);
    return 1;
}

static int key_event(const SDL_KeyboardEvent *k, struct shmfb_event *out)
{
    out->type = k->type == SDL_KEYDOWN ? SHMFB_EVENT_KEY_DOWN : SHMFB_EVENT_KEY_UP;
    out->code = (uint32_t)k->keysym.scancode;
    out->sym = view_input_sym(k->keysym.sym, (uint32_t)k->keysym.scancode);
    out->mods = view_input_mods(k->keysym.mod);
    return 1;
}

static int text_events(const char *text, const struct view_input *in, struct shmfb_event *out,
                       int max)
{
    size_t len = strnlen(text, SDL_TEXTINPUTEVENT_TEXT_SIZE), at = 0;
    int n = 0;
    while (at < len && n < max) {
        uint32_t cp;
        at += view_utf8_next(text + at, len - at, &cp);
        out[n] = (struct shmfb_event){.type = SHMFB_EVENT_TEXT, .code = cp};
        out[n++].mods = view_input_mods(in->mods);
    }
    return n;
}

static int window_event(const SDL_WindowEvent *w, struct shmfb_event *out)
{
    switch (w->event) {
    case SDL_WINDOWEVENT_FOCUS_GAINED:
        out->type = SHMFB_EVENT_FOCUS_IN;
        return 1;
    case SDL_WINDOWEVENT_FOCUS_LOST:
        out->type = SHMFB_EVENT_FOCUS_OUT;
        return 1;
    case SDL_WINDOWEVENT_CLOSE:
        out->type = SHMFB_EVENT_CLOSE;
        return 1;
    default:
        return 0;
    }
}

int view_input_translate(const SDL_Event *ev, struct view_input *in, const struct view_map *m,
                         struct shmfb_event *out, int max)
{
    if (max < 1)
        return 0;
    memset(out, 0, sizeof *out);
    switch (ev->type) {
    case SDL_MOUSEMOTION:
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
        return pointer_event(ev, in, m, out);
    case SDL_MOUSEWHEEL:
        return wheel_event(&ev->wheel, in, out);
    case SDL_KEYDOWN:
    case SDL_KEYUP:
        in->mods = ev->key.keysym.mod;
        return key_event(&ev->key, out);
    case SDL_TEXTINPUT:
        return text_events(ev->text.text, in, out, max);
    case SDL_WINDOWEVENT:
        return window_event(&ev->window, out);
    default:
        return 0;
    }
}

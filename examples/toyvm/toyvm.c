/*
 * toy-vm: a stand-in for a Smalltalk VM's interpreter loop, driving the
 * vmdisplay adapter exactly as a VM would.
 *
 * It keeps its own 32-bit Display bitmap, draws into it (a background, a
 * banner in a 5x7 font of its own, coloured squares where the mouse is
 * clicked, the text typed), and hands only the changed rectangles to
 * shmfb_vmd_show().  Input comes from shmfb_vmd_next_event(); when it has
 * nothing to do it sleeps in shmfb_vmd_idle().  All drawing
 * depends only on the events received, so its frames can be compared with
 * golden images.
 *
 * The desktop, as a VM's image uses it: Ctrl+V pastes the viewer's
 * clipboard text (logged, and typed onto the picture), Ctrl+C copies what
 * was typed, Ctrl+F asks for full screen or leaves it, files dropped on
 * the picture are logged with their place; --title names the window.
 */
#include "args.h"
#include "font5x7.h"
#include "vmdisplay.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IDLE_US     100000 /* longest sleep between checks of the clock */
#define TEXT_MAX    2048   /* code points kept for the text area */
#define SQUARES_MAX 4096   /* clicks remembered for repainting */
#define SQUARE      8      /* side of a click's square */
#define SCALE       2      /* font pixels per glyph pixel */
#define CELL_W      ((FONT_W + 1) * SCALE)
#define CELL_H      ((FONT_H + 2) * SCALE)
#define MARGIN      8
#define BANNER_H    (CELL_H + 2 * SCALE)
#define TEXT_TOP    (BANNER_H + MARGIN)

#define COLOUR_BG_A   0xFF1C2833u
#define COLOUR_BG_B   0xFF212F3Du
#define COLOUR_BANNER 0xFF2E5C8Au
#define COLOUR_INK    0xFFF0F0E8u
#define COLOUR_RED    0xFFE04040u
#define COLOUR_YELLOW 0xFFE8D040u
#define COLOUR_BLUE   0xFF4080F0u

static const char banner_text[] = "toy-vm: Display via shmfb";

struct options {
    const char *name; /* NULL: spawned, or "/toy-vm" when not spawned */
    int32_t w, h, max_w, max_h;
    const char *log;
    long exit_after_ms; /* < 0: never */
    const char *title;  /* the window title, or NULL */
};

struct square {
    int x, y;
    uint32_t colour;
};

/* The "image": its Display and everything drawn on it. */
struct toy {
    uint32_t *bits; /* the Display, w * h words, pitch w * 4 */
    int w, h;
    int32_t buttons; /* from the last mouse event */
    uint32_t text[TEXT_MAX];
    int ntext;
    struct square squares[SQUARES_MAX];
    int nsquares;
    FILE *log;
    bool fullscreen; /* asked for */
};

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t input_signalled;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void input_arrived(void *ctx)
{
    (void)ctx;
    input_signalled = 1;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- drawing into the Display ------------------------------------------ */

static void fill(struct toy *t, int x, int y, int w, int h, uint32_t c)
{
    int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
    int x1 = x + w > t->w ? t->w : x + w, y1 = y + h > t->h ? t->h : y + h;
    for (int yy = y0; yy < y1; yy++)
        for (int xx = x0; xx < x1; xx++)
            t->bits[(size_t)yy * (size_t)t->w + (size_t)xx] = c;
}

static void background(struct toy *t, int x, int y, int w, int h)
{
    int x1 = x + w > t->w ? t->w : x + w, y1 = y + h > t->h ? t->h : y + h;
    for (int yy = y < 0 ? 0 : y; yy < y1; yy++)
        for (int xx = x < 0 ? 0 : x; xx < x1; xx++)
            t->bits[(size_t)yy * (size_t)t->w + (size_t)xx] =
                ((xx >> 5) ^ (yy >> 5)) & 1 ? COLOUR_BG_B : COLOUR_BG_A;
}

/* One character cell at (x, y); characters without a glyph get a box. */
static void glyph(struct toy *t, int x, int y, uint32_t cp, uint32_t colour)
{
    for (int row = 0; row < FONT_H; row++) {
        for (int col = 0; col < FONT_W; col++) {
            bool on;
            if (cp >= FONT_FIRST && cp <= FONT_LAST)
                on = toyvm_font5x7[cp - FONT_FIRST][row] & (0x10 >> col);
            else
                on = row == 0 || row == FONT_H - 1 || col == 0 || col == FONT_W - 1;
            if (on)
                fill(t, x + col * SCALE, y + row * SCALE, SCALE, SCALE, colour);
        }
    }
}

static void show(const struct toy *t, int x, int y, int w, int h)
{
    shmfb_vmd_show(t->bits, t->w, t->h, 32, x, x + w, y, y + h);
}

/* Where the i-th character of the text goes; false when off the Display. */
static bool text_cell(const struct toy *t, int i, int *x, int *y)
{
    int cols = (t->w - 2 * MARGIN) / CELL_W, line = 0, col = 0;
    if (cols < 1)
        return false;
    for (int k = 0; k < i; k++) {
        if (t->text[k] == '\r' || ++col == cols) {
            line++;
            col = 0;
        }
    }
    *x = MARGIN + col * CELL_W;
    *y = TEXT_TOP + line * CELL_H;
    return *y + CELL_H <= t->h;
}

static void draw_square(struct toy *t, const struct square *s)
{
    fill(t, s->x - SQUARE / 2, s->y - SQUARE / 2, SQUARE, SQUARE, s->colour);
}

static void repaint(struct toy *t)
{
    background(t, 0, 0, t->w, t->h);
    fill(t, 0, 0, t->w, BANNER_H, COLOUR_BANNER);
    for (int i = 0; banner_text[i]; i++)
        glyph(t, MARGIN + i * CELL_W, SCALE, (uint8_t)banner_text[i], COLOUR_INK);
    for (int i = 0; i < t->nsquares; i++)
        draw_square(t, &t->squares[i]);
    for (int i = 0, x, y; i < t->ntext; i++)
        if (t->text[i] != '\r' && text_cell(t, i, &x, &y))
            glyph(t, x, y, t->text[i], COLOUR_INK);
}

static int resize_display(struct toy *t, int w, int h)
{
    uint32_t *bits = calloc((size_t)w * (size_t)h, sizeof(uint32_t));
    if (!bits)
        return -ENOMEM;
    free(t->bits);
    t->bits = bits;
    t->w = w;
    t->h = h;
    repaint(t);
    show(t, 0, 0, w, h);
    return 0;
}

/* ---- reacting to events ------------------------------------------------ */

static int button_number(int32_t bit)
{
    return bit == SHMFB_VMD_RED ? 1 : bit == SHMFB_VMD_YELLOW ? 2 : 3;
}

static uint32_t button_colour(int32_t bit)
{
    return bit == SHMFB_VMD_RED      ? COLOUR_RED
           : bit == SHMFB_VMD_YELLOW ? COLOUR_YELLOW
                                     : COLOUR_BLUE;
}

static void click(struct toy *t, int32_t bit, int x, int y)
{
    if (t->nsquares == SQUARES_MAX)
        return;
    struct square *s = &t->squares[t->nsquares++];
    *s = (struct square){x, y, button_colour(bit)};
    draw_square(t, s);
    show(t, x - SQUARE / 2, y - SQUARE / 2, SQUARE, SQUARE);
}

static void on_mouse(struct toy *t, const struct shmfb_vmd_mouse *m)
{
    static const int32_t bits[] = {SHMFB_VMD_RED, SHMFB_VMD_YELLOW, SHMFB_VMD_BLUE};
    int32_t pressed = m->buttons & ~t->buttons, released = t->buttons & ~m->buttons;
    int x = (int)m->x, y = (int)m->y;
    t->buttons = m->buttons;
    if (!pressed && !released)
        fprintf(t->log, "move x=%d y=%d buttons=%d\n", x, y, (int)m->buttons);
    for (int i = 0; i < 3; i++) {
        if (pressed & bits[i]) {
            click(t, bits[i], x, y);
            fprintf(t->log, "click %d x=%d y=%d\n", button_number(bits[i]), x, y);
        }
        if (released & bits[i])
            fprintf(t->log, "release %d x=%d y=%d\n", button_number(bits[i]), x, y);
    }
}

static void backspace(struct toy *t)
{
    int x, y;
    if (t->ntext == 0)
        return;
    t->ntext--;
    if (t->text[t->ntext] == '\r' || !text_cell(t, t->ntext, &x, &y))
        return;
    background(t, x, y, CELL_W, CELL_H);
    for (int i = 0; i < t->nsquares; i++) {
        /* The parts of squares under the erased cell, and nothing else. */
        const struct square *s = &t->squares[i];
        int x0 = s->x - SQUARE / 2 > x ? s->x - SQUARE / 2 : x;
        int y0 = s->y - SQUARE / 2 > y ? s->y - SQUARE / 2 : y;
        int x1 = s->x + SQUARE / 2 < x + CELL_W ? s->x + SQUARE / 2 : x + CELL_W;
        int y1 = s->y + SQUARE / 2 < y + CELL_H ? s->y + SQUARE / 2 : y + CELL_H;
        if (x1 > x0 && y1 > y0)
            fill(t, x0, y0, x1 - x0, y1 - y0, s->colour);
    }
    show(t, x, y, CELL_W, CELL_H);
}

static void type_char(struct toy *t, uint32_t cp)
{
    int x, y;
    if (cp == 8) {
        backspace(t);
        return;
    }
    if (cp < 32 && cp != '\r')
        return;
    if (t->ntext == TEXT_MAX)
        return;
    t->text[t->ntext++] = cp;
    if (cp == '\r' || !text_cell(t, t->ntext - 1, &x, &y))
        return;
    glyph(t, x, y, cp, COLOUR_INK);
    show(t, x, y, CELL_W, CELL_H);
}

/* Types UTF-8 text (a paste) onto the picture; line ends as Return. */
static void type_utf8(struct toy *t, const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint8_t c = (uint8_t)s[i];
        size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1Fu : len == 3 ? c & 0x0Fu : c & 0x07u;
        for (size_t j = 1; j < len && i + j < n; j++)
            cp = (cp << 6) | ((uint8_t)s[i + j] & 0x3Fu);
        type_char(t, cp == '\n' ? '\r' : cp);
        i += len;
    }
}

/* The typed text as UTF-8 (malloc'd, NUL-terminated), for a copy. */
static char *typed_utf8(const struct toy *t, size_t *len)
{
    char *out = malloc((size_t)t->ntext * 4 + 1);
    size_t k = 0;
    for (int i = 0; out && i < t->ntext; i++) {
        uint32_t cp = t->text[i] == '\r' ? '\n' : t->text[i];
        if (cp < 0x80) {
            out[k++] = (char)cp;
        } else if (cp < 0x800) {
            out[k++] = (char)(0xC0 | cp >> 6);
            out[k++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out[k++] = (char)(0xE0 | cp >> 12);
            out[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[k++] = (char)(0x80 | (cp & 0x3F));
        } else {
            out[k++] = (char)(0xF0 | cp >> 18);
            out[k++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            out[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[k++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    if (out)
        out[k] = '\0';
    *len = k;
    return out;
}

/* Ctrl+V, Ctrl+C, Ctrl+F: true if the key was one of them. */
static bool shortcut(struct toy *t, uint32_t cp)
{
    size_t len;
    if (cp == 'v' || cp == 22) {
        const char *text = shmfb_vmd_clipboard(&len);
        if (text)
            type_utf8(t, text, len);
        fprintf(t->log, "paste %s\n", text ? text : "(own clipboard)");
    } else if (cp == 'c' || cp == 3) {
        char *text = typed_utf8(t, &len);
        int rc = text ? shmfb_vmd_set_clipboard(text, len) : -ENOMEM;
        fprintf(t->log, "copy %s\n", rc == 0 ? text : shmfb_strerror(rc));
        free(text);
    } else if (cp == 'f' || cp == 6) {
        t->fullscreen = !t->fullscreen;
        shmfb_vmd_set_fullscreen(t->fullscreen);
        fprintf(t->log, "fullscreen %d\n", t->fullscreen);
    } else {
        return false;
    }
    return true;
}

static void on_key(struct toy *t, const struct shmfb_vmd_key *k)
{
    /* The character: its code point, or its 8-bit code for keys without one. */
    uint32_t cp = (uint32_t)(k->utf32_code ? k->utf32_code : k->char_code);
    int mods = (int)k->modifiers;
    if (k->press_code == SHMFB_VMD_KEY_DOWN) {
        fprintf(t->log, "down %u mods=%d\n", cp, mods);
    } else if (k->press_code == SHMFB_VMD_KEY_UP) {
        fprintf(t->log, "up %u mods=%d\n", cp, mods);
    } else if (!(mods & SHMFB_VMD_CTRL) || !shortcut(t, cp)) {
        type_char(t, cp);
        if (cp >= 32 && cp < 127)
            fprintf(t->log, "key '%c'\n", (char)cp);
        else
            fprintf(t->log, "text U+%04X\n", cp);
    }
}

/* Returns false when the VM should quit. */
static bool on_window(struct toy *t, const struct shmfb_vmd_window *w)
{
    if (w->action == SHMFB_VMD_WINDOW_CLOSE) {
        fprintf(t->log, "close\n");
        return false;
    }
    if (w->action == SHMFB_VMD_WINDOW_ACTIVATED) {
        fprintf(t->log, "focus\n");
    } else if (w->action == SHMFB_VMD_WINDOW_METRIC_CHANGE) {
        uint32_t size = shmfb_vmd_screen_size();
        int nw = (int)(size >> 16), nh = (int)(size & 0xFFFF);
        if (resize_display(t, nw, nh) < 0)
            fprintf(stderr, "toy-vm: out of memory for a %dx%d Display\n", nw, nh);
        fprintf(t->log, "resize %dx%d\n", nw, nh);
    }
    return true;
}

static bool dispatch(struct toy *t, const union shmfb_vmd_event *e)
{
    switch (e->type) {
    case SHMFB_VMD_EVENT_MOUSE:
        on_mouse(t, &e->mouse);
        break;
    case SHMFB_VMD_EVENT_KEYBOARD:
        on_key(t, &e->key);
        break;
    case SHMFB_VMD_EVENT_WINDOW:
        return on_window(t, &e->window);
    case SHMFB_VMD_EVENT_DRAG_DROP:
        fprintf(t->log, "drop x=%d y=%d files=%d\n", (int)e->any.words[1], (int)e->any.words[2],
                (int)e->any.words[4]);
        break;
    case SHMFB_VMD_EVENT_MOUSE_WHEEL:
        fprintf(t->log, "wheel dx=%d dy=%d\n", (int)e->mouse.x, (int)e->mouse.y);
        break;
    default:
        fprintf(t->log, "event %d\n", (int)e->type);
        break;
    }
    return true;
}

/* ---- the interpreter loop ---------------------------------------------- */

static int run(struct toy *t, const struct options *o)
{
    long long deadline = o->exit_after_ms >= 0 ? now_ms() + o->exit_after_ms : -1;
    union shmfb_vmd_event e;
    input_signalled = 1; /* look once before the first sleep */
    while (!stop_requested) {
        if (input_signalled) {
            input_signalled = 0;
            while (shmfb_vmd_next_event(&e))
                if (!dispatch(t, &e))
                    return 0;
            continue;
        }
        long long left = deadline < 0 ? IDLE_US / 1000 : deadline - now_ms();
        if (left <= 0)
            return 0;
        shmfb_vmd_idle(left < IDLE_US / 1000 ? left * 1000 : IDLE_US);
    }
    return 0;
}

/* ---- options and setup ------------------------------------------------- */

static const char usage_text[] =
    "usage: toy-vm [--name NAME] [--size WxH] [--max WxH] [--log FILE]\n"
    "              [--exit-after-ms N] [--title TEXT]\n"
    "Shows a toy VM's Display through shmfb (vmdisplay adapter).\n"
    "  --name NAME         framebuffer name; default: the spawning viewer's\n"
    "                      socket when SHMFB_SOCKET is set, else /toy-vm\n"
    "  --size WxH          Display size (default 640x480)\n"
    "  --max WxH           capacity (default 1024x768, or the size if larger)\n"
    "  --log FILE          append one line per event received, once it was\n"
    "                      handled and its drawing shown\n"
    "  --exit-after-ms N   exit 0 after N milliseconds\n"
    "  --title TEXT        the title viewers show (UTF-8)\n"
    "  -h, --help          show this help\n"
    "  -V, --version       show the version\n"
    "Clicks draw 8x8 squares (left red, middle yellow, right blue); typed\n"
    "text is echoed (Backspace erases, Return starts a line); a resize\n"
    "request resizes the Display; a close request exits 0.  Ctrl+V pastes the\n"
    "viewer's clipboard text, Ctrl+C copies the typed text, Ctrl+F asks for\n"
    "full screen (again: leaves it); pastes, copies and dropped files are\n"
    "logged.\n";

static int parse_one(const struct args *a, int opt, struct options *o)
{
    switch (opt) {
    case 'n':
        o->name = a->value;
        return 0;
    case 's':
        return args_size(a, &o->w, &o->h);
    case 'm':
        return args_size(a, &o->max_w, &o->max_h);
    case 'l':
        o->log = a->value;
        return 0;
    case 't':
        o->title = a->value;
        return 0;
    default: /* 'x' */
        return args_long(a, 0, 24L * 3600 * 1000, &o->exit_after_ms);
    }
}

/* Returns -1 to run, else the exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longs[] = {{"name", required_argument, NULL, 'n'},
                                          {"size", required_argument, NULL, 's'},
                                          {"max", required_argument, NULL, 'm'},
                                          {"log", required_argument, NULL, 'l'},
                                          {"exit-after-ms", required_argument, NULL, 'x'},
                                          {"title", required_argument, NULL, 't'},
                                          {NULL, 0, NULL, 0}};
    struct args a = {.prog = "toy-vm", .usage_text = usage_text, .longopts = longs};
    int opt;
    args_start(&a, argc, argv);
    while ((opt = args_next(&a)) > 0)
        if (parse_one(&a, opt, o) < 0)
            return ARGS_EXIT_USAGE;
    if (opt == ARGS_STOP)
        return a.status;
    if (a.nrest > 0)
        return args_usage_error(&a, "unexpected argument '%s'", a.rest[0]);
    args_producer_name(o->name, "/toy-vm", &o->name);
    return -1;
}

/* The names of a drop, logged before its record arrives. */
static void dropped(void *ctx, const char *const *paths, uint32_t n)
{
    struct toy *t = ctx;
    for (uint32_t i = 0; i < n; i++)
        fprintf(t->log, "dropped %s\n", paths[i]);
}

static int open_display(struct options *o, struct toy *t)
{
    int mw = o->max_w ? o->max_w : o->w > 1024 ? o->w : 1024;
    int mh = o->max_h ? o->max_h : o->h > 768 ? o->h : 768;
    /* Resizes and focus as window events, the wheel as wheel events. */
    struct shmfb_vmd_desc d = {.max_width = mw,
                               .max_height = mh,
                               .width = o->w,
                               .height = o->h,
                               .flags = SHMFB_VMD_WHEEL_EVENTS | SHMFB_VMD_WINDOW_EVENTS,
                               .hooks = {.input = input_arrived, .drop = dropped, .ctx = t}};
    int rc = shmfb_vmd_open(o->name, &d);
    if (rc < 0) {
        fprintf(stderr, "toy-vm: cannot create the framebuffer %s: %s\n",
                o->name ? o->name : "(spawned)", shmfb_strerror(rc));
        return rc;
    }
    if (o->title && (rc = shmfb_vmd_set_title(o->title)) < 0) {
        fprintf(stderr, "toy-vm: --title: %s\n", shmfb_strerror(rc));
        shmfb_vmd_close();
        return rc;
    }
    return 0;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

static FILE *open_log(const char *path)
{
    if (!path)
        return fopen("/dev/null", "we");
    FILE *f = fopen(path, "ae");
    if (f)
        setvbuf(f, NULL, _IOLBF, 0);
    else
        fprintf(stderr, "toy-vm: cannot open %s: %s\n", path, strerror(errno));
    return f;
}

int main(int argc, char **argv)
{
    struct options o = {.w = 640, .h = 480, .exit_after_ms = -1};
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;
    static struct toy t;
    t.log = open_log(o.log);
    if (!t.log)
        return 1;
    catch_signals();
    if (open_display(&o, &t) < 0)
        goto fail_log;
    if (resize_display(&t, o.w, o.h) < 0)
        goto fail_display;
    rc = run(&t, &o);
    free(t.bits);
    shmfb_vmd_close();
    fclose(t.log);
    return rc;

fail_display:
    shmfb_vmd_close();
fail_log:
    fclose(t.log);
    return 1;
}

/*
 * e2e-xprobe: what the X server itself says about a window, for the
 * end-to-end tests.
 *
 *   e2e-xprobe damage WINDOW
 *       Records every rectangle the server reports as drawn into WINDOW
 *       (DAMAGE extension, raw rectangles), from "ready" on stdout until
 *       SIGTERM or SIGINT, then prints one line:
 *       "rects N largest WxH area A full F" (F: rectangles covering the
 *       whole window).
 *
 *   e2e-xprobe cursor WINDOW CHECK [--out GOT.png]
 *       Puts the pointer in the middle of WINDOW and compares the cursor the
 *       server shows there (XFixes) with CHECK, exactly:
 *         --expect PNG --hot X,Y [--scale K]  the PNG's non-premultiplied
 *             pixels, each K x K, premultiplied as X cursors are; the hotspot
 *             in the middle of the hotspot's scaled pixel
 *         --hidden                            nothing visible: every pixel 0
 *         --arrow                             the X server's left_ptr cursor,
 *             as it shows over a window of this program's own
 *       Exit status 0 when it matches, 1 when not (said on stderr), 2 on
 *       errors.
 */
#include <shmfb/png.h>

#include <X11/Xlib.h>
#include <X11/cursorfont.h>
#include <X11/extensions/Xdamage.h>
#include <X11/extensions/Xfixes.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "e2e-xprobe"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: " PROG " damage WINDOW\n"
                    "       " PROG " cursor WINDOW (--expect PNG --hot X,Y [--scale K] | "
                    "--hidden | --arrow) [--out GOT.png]\n");
    return 2;
}

static int error(const char *what)
{
    fprintf(stderr, PROG ": %s\n", what);
    return 2;
}

struct damage_stats {
    long rects, full;
    int largest_w, largest_h;
    long largest_area;
};

static void damage_add(struct damage_stats *st, const XDamageNotifyEvent *ev)
{
    long area = (long)ev->area.width * ev->area.height;
    st->rects++;
    if (ev->area.width == ev->geometry.width && ev->area.height == ev->geometry.height)
        st->full++;
    if (area > st->largest_area) {
        st->largest_area = area;
        st->largest_w = ev->area.width;
        st->largest_h = ev->area.height;
    }
}

static void damage_drain(Display *d, int base, Damage dmg, struct damage_stats *st)
{
    while (XPending(d)) {
        XEvent ev;
        XNextEvent(d, &ev);
        if (ev.type == base + XDamageNotify) {
            damage_add(st, (XDamageNotifyEvent *)&ev);
            XDamageSubtract(d, dmg, None, None);
        }
    }
}

static int cmd_damage(Display *d, Window w)
{
    int base, err;
    if (!XDamageQueryExtension(d, &base, &err))
        return error("the X server has no DAMAGE extension");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    Damage dmg = XDamageCreate(d, w, XDamageReportRawRectangles);
    XSync(d, False);
    /* A new damage object reports what the window already shows: not drawn
     * while recording. */
    struct damage_stats st = {0};
    damage_drain(d, base, dmg, &st);
    memset(&st, 0, sizeof st);
    printf("ready\n");
    fflush(stdout);
    struct pollfd pfd = {.fd = ConnectionNumber(d), .events = POLLIN};
    while (!stop) {
        damage_drain(d, base, dmg, &st);
        poll(&pfd, 1, 50);
    }
    XSync(d, False);
    damage_drain(d, base, dmg, &st);
    printf("rects %ld largest %dx%d area %ld full %ld\n", st.rects, st.largest_w, st.largest_h,
           st.largest_area, st.full);
    return 0;
}

/* ---- cursor ------------------------------------------------------------ */

struct cursor_img {
    int w, h, hot_x, hot_y;
    uint32_t *px; /* premultiplied 0xAARRGGBB */
};

/* The cursor the server shows now. */
static int cursor_now(Display *d, struct cursor_img *out)
{
    XSync(d, False);
    XFixesCursorImage *ci = XFixesGetCursorImage(d);
    if (!ci)
        return error("XFixesGetCursorImage failed");
    out->w = ci->width;
    out->h = ci->height;
    out->hot_x = ci->xhot;
    out->hot_y = ci->yhot;
    out->px = malloc((size_t)out->w * (size_t)out->h * 4u + 4u);
    if (!out->px) {
        XFree(ci);
        return error("out of memory");
    }
    for (size_t i = 0; i < (size_t)out->w * (size_t)out->h; i++)
        out->px[i] = (uint32_t)ci->pixels[i];
    XFree(ci);
    return 0;
}

static int cursor_over(Display *d, Window w, struct cursor_img *out)
{
    XWindowAttributes wa;
    if (!XGetWindowAttributes(d, w, &wa))
        return error("no such window");
    XWarpPointer(d, None, w, 0, 0, 0, 0, wa.width / 2, wa.height / 2);
    return cursor_now(d, out);
}

/* c * a / 255 rounded to nearest, per channel (written as a check of the
 * viewer, not shared with it). */
static uint32_t premultiplied(uint32_t p)
{
    uint32_t a = p >> 24, out = p & 0xff000000u;
    for (int sh = 0; sh < 24; sh += 8)
        out |= (((p >> sh & 0xffu) * a * 2u + 255u) / 510u) << sh;
    return out;
}

static int expect_png(const char *path, int k, int hx, int hy, struct cursor_img *out)
{
    struct shmfb_image img;
    char err[256] = "";
    if (shmfb_png_read(path, &img, err, sizeof err) < 0)
        return error(err[0] ? err : "cannot read the expected cursor");
    out->w = img.width * k;
    out->h = img.height * k;
    out->hot_x = hx * k + k / 2;
    out->hot_y = hy * k + k / 2;
    out->px = malloc((size_t)out->w * (size_t)out->h * 4u);
    if (!out->px) {
        shmfb_image_free(&img);
        return error("out of memory");
    }
    for (int y = 0; y < out->h; y++)
        for (int x = 0; x < out->w; x++)
            out->px[(size_t)y * (size_t)out->w + (size_t)x] = premultiplied(
                img.pixels[(size_t)(y / k) * (size_t)(img.stride / 4) + (size_t)(x / k)]);
    shmfb_image_free(&img);
    return 0;
}

/* The left_ptr cursor over a small window of our own in a corner. */
static int expect_arrow(Display *d, struct cursor_img *out)
{
    int scr = DefaultScreen(d);
    XSetWindowAttributes a = {.override_redirect = True, .event_mask = StructureNotifyMask};
    Window w = XCreateWindow(d, RootWindow(d, scr), DisplayWidth(d, scr) - 40,
                             DisplayHeight(d, scr) - 40, 32, 32, 0, CopyFromParent, InputOutput,
                             CopyFromParent, CWOverrideRedirect | CWEventMask, &a);
    Cursor c = XCreateFontCursor(d, XC_left_ptr);
    XDefineCursor(d, w, c);
    XMapRaised(d, w);
    XEvent ev;
    do
        XNextEvent(d, &ev);
    while (ev.type != MapNotify);
    int rc = cursor_over(d, w, out);
    XDestroyWindow(d, w);
    XFreeCursor(d, c);
    return rc;
}

static int compare(const struct cursor_img *got, const struct cursor_img *want)
{
    if (got->w != want->w || got->h != want->h) {
        fprintf(stderr, PROG ": cursor is %dx%d, expected %dx%d\n", got->w, got->h, want->w,
                want->h);
        return 1;
    }
    if (got->hot_x != want->hot_x || got->hot_y != want->hot_y) {
        fprintf(stderr, PROG ": hotspot is %d,%d, expected %d,%d\n", got->hot_x, got->hot_y,
                want->hot_x, want->hot_y);
        return 1;
    }
    long bad = 0, first = -1;
    for (long i = 0; i < (long)got->w * got->h; i++)
        if (got->px[i] != want->px[i] && bad++ == 0)
            first = i;
    if (bad) {
        fprintf(stderr, PROG ": %ld pixels differ; first at %ld,%ld: 0x%08x, expected 0x%08x\n",
                bad, first % got->w, first / got->w, got->px[first], want->px[first]);
        return 1;
    }
    return 0;
}

static int check_hidden(const struct cursor_img *got)
{
    for (long i = 0; i < (long)got->w * got->h; i++) {
        if (got->px[i]) {
            fprintf(stderr, PROG ": cursor is visible (%dx%d, pixel %ld is 0x%08x)\n", got->w,
                    got->h, i, got->px[i]);
            return 1;
        }
    }
    return 0;
}

struct cursor_args {
    const char *expect, *out;
    int hot_x, hot_y, scale;
    bool hidden, arrow;
};

static int parse_cursor(int argc, char **argv, struct cursor_args *a)
{
    memset(a, 0, sizeof *a);
    a->scale = 1;
    a->hot_x = -1;
    for (int i = 0; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--hidden"))
            a->hidden = true;
        else if (!strcmp(argv[i], "--arrow"))
            a->arrow = true;
        else if (!strcmp(argv[i], "--expect") && v && ++i)
            a->expect = v;
        else if (!strcmp(argv[i], "--out") && v && ++i)
            a->out = v;
        else if (!strcmp(argv[i], "--hot") && v && ++i)
            sscanf(v, "%d,%d", &a->hot_x, &a->hot_y);
        else if (!strcmp(argv[i], "--scale") && v && ++i)
            a->scale = atoi(v);
        else
            return -1;
    }
    int checks = (a->expect != NULL) + a->hidden + a->arrow;
    if (checks != 1 || a->scale < 1 || (a->expect && a->hot_x < 0))
        return -1;
    return 0;
}

static void save(const struct cursor_img *img, const char *path)
{
    char err[256] = "";
    if (path &&
        shmfb_png_write(path, img->px, img->w, img->h, img->w * 4, true, err, sizeof err) < 0)
        fprintf(stderr, PROG ": %s: %s\n", path, err);
}

static int cmd_cursor(Display *d, Window w, int argc, char **argv)
{
    struct cursor_args a;
    int ev, err;
    if (parse_cursor(argc, argv, &a) < 0)
        return usage();
    if (!XFixesQueryExtension(d, &ev, &err))
        return error("the X server has no XFIXES extension");
    struct cursor_img want = {0}, got = {0};
    int rc = 0;
    if (a.expect)
        rc = expect_png(a.expect, a.scale, a.hot_x, a.hot_y, &want);
    else if (a.arrow)
        rc = expect_arrow(d, &want);
    if (rc == 0)
        rc = cursor_over(d, w, &got);
    if (rc == 0) {
        save(&got, a.out);
        rc = a.hidden ? check_hidden(&got) : compare(&got, &want);
    }
    free(want.px);
    free(got.px);
    return rc;
}

int main(int argc, char **argv)
{
    char *end;
    unsigned long id = argc >= 3 ? strtoul(argv[2], &end, 0) : 0;
    if (argc < 3 || *end || id == 0)
        return usage();
    bool damage = !strcmp(argv[1], "damage");
    if ((damage && argc != 3) || (!damage && strcmp(argv[1], "cursor") != 0))
        return usage();
    Display *d = XOpenDisplay(NULL);
    if (!d)
        return error("cannot open the display");
    int rc = damage ? cmd_damage(d, (Window)id) : cmd_cursor(d, (Window)id, argc - 3, argv + 3);
    XCloseDisplay(d);
    return rc;
}

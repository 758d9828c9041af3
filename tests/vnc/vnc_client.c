/*
 * vnc-client: a VNC client (libvncclient) that plays a script of steps
 * against shmfb-vnc and checks what it receives, for the tests.
 *
 *   vnc-client [options] HOST:PORT STEP...
 *
 * The pixels it receives are compared with the producer's own frame, read
 * from the framebuffer by name (an independent path: shared memory, not
 * the bridge), or with a PNG file.  Failures print one line and exit 1.
 */
#include <shmfb/png.h>
#include <shmfb/shmfb.h>

#include "args.h"

#include <rfb/rfbclient.h>

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROG "vnc-client"

struct client_opts {
    const char *password;
    const char *encodings;
    const char *save_on_fail;
    int timeout_ms;
    bool cursor;
};

static struct client_opts opts = {.encodings = "raw", .timeout_ms = 10000};

/* The last rich cursor received. */
static struct {
    int seen, w, h, hx, hy;
    uint32_t *argb;
} cursor;

static void quiet(const char *format, ...)
{
    if (!getenv("VNC_CLIENT_VERBOSE"))
        return;
    va_list ap;
    va_start(ap, format);
    vfprintf(stderr, format, ap);
    va_end(ap);
}

static void die(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    fputs(PROG ": ", stderr);
    vfprintf(stderr, format, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static char *get_password(rfbClient *cl)
{
    (void)cl;
    return strdup(opts.password ? opts.password : "");
}

/* Cursor pixels arrive in the client's format (0x00RRGGBB) plus a 1-bit mask. */
static void got_cursor(rfbClient *cl, int xhot, int yhot, int w, int h, int bpp)
{
    free(cursor.argb);
    cursor.argb = calloc((size_t)(w > 0 ? w : 1) * (size_t)(h > 0 ? h : 1), 4);
    if (!cursor.argb || bpp != 4)
        die("cursor: out of memory or %d bytes per pixel", bpp);
    const uint32_t *src = (const uint32_t *)cl->rcSource;
    for (int i = 0; i < w * h; i++)
        cursor.argb[i] = (cl->rcMask && cl->rcMask[i] ? 0xFF000000u : 0) | (src[i] & 0xFFFFFFu);
    cursor.w = w;
    cursor.h = h;
    cursor.hx = xhot;
    cursor.hy = yhot;
    cursor.seen++;
    /* libvncclient 0.9.14 allocates a new mask for every shape without
     * freeing the last one; this is its last use. */
    free(cl->rcMask);
    cl->rcMask = NULL;
}

/* The last ServerCutText received (Latin-1: libvncclient has no extended
 * clipboard). */
static struct {
    char *text;
    int len;
} cut;

static void got_cut(rfbClient *cl, const char *text, int len)
{
    (void)cl;
    free(cut.text);
    cut.text = malloc((size_t)len + 1);
    if (!cut.text)
        die("out of memory");
    memcpy(cut.text, text, (size_t)len);
    cut.len = len;
}

/* Latin-1 of UTF-8 text, '?' past U+00FF, into out (room for strlen + 1). */
static int latin1_of(const char *s, char *out)
{
    int k = 0;
    for (const uint8_t *p = (const uint8_t *)s; *p;) {
        int len = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
        uint32_t cp = len == 1 ? *p : len == 2 ? *p & 0x1Fu : len == 3 ? *p & 0x0Fu : *p & 0x07u;
        for (int j = 1; j < len && p[j]; j++)
            cp = (cp << 6) | (p[j] & 0x3Fu);
        out[k++] = cp <= 0xFF ? (char)cp : '?';
        for (int j = 0; j < len && *p; j++)
            p++;
    }
    out[k] = '\0';
    return k;
}

static rfbClient *connect_to(const char *target)
{
    const char *colon = strrchr(target, ':');
    if (!colon)
        die("expected HOST:PORT, got '%s'", target);
    rfbClient *cl = rfbGetClient(8, 3, 4);
    if (!cl)
        die("out of memory");
    cl->format.redShift = 16;
    cl->format.greenShift = 8;
    cl->format.blueShift = 0;
    free(cl->serverHost);                                       /* rfbGetClient's default */
    if (target[0] == '[' && colon > target && colon[-1] == ']') /* [v6]:port */
        cl->serverHost = strndup(target + 1, (size_t)(colon - target - 2));
    else
        cl->serverHost = strndup(target, (size_t)(colon - target));
    cl->serverPort = atoi(colon + 1);
    cl->appData.encodingsString = opts.encodings;
    cl->appData.useRemoteCursor = opts.cursor;
    cl->appData.enableJPEG = FALSE;
    cl->canHandleNewFBSize = TRUE;
    cl->GetPassword = get_password;
    cl->GotCursorShape = got_cursor;
    cl->GotXCutText = got_cut;
    if (!rfbInitClient(cl, NULL, NULL))
        die("cannot connect to %s", target);
    return cl;
}

/* Reads and handles server messages for up to ms milliseconds. */
static void pump(rfbClient *cl, int ms)
{
    uint64_t until = now_ms() + (uint64_t)ms;
    for (;;) {
        uint64_t now = now_ms();
        if (now >= until)
            return;
        int n = WaitForMessage(cl, (unsigned)((until - now) * 1000u));
        if (n < 0)
            die("connection lost while waiting");
        /* WaitForMessage() looks at the socket only: messages libvncclient
         * already read into its buffer are handled here. */
        do
            if (n > 0 && !HandleRFBServerMessage(cl))
                die("connection lost");
        while (cl->buffered > 0);
    }
}

/* ---- comparing ---------------------------------------------------------- */

struct picture {
    const uint32_t *px;
    int32_t w, h, pitch; /* pitch in pixels */
};

static long differ(rfbClient *cl, const struct picture *want, int *fx, int *fy)
{
    if (cl->width != want->w || cl->height != want->h)
        return -1;
    const uint32_t *got = (const uint32_t *)cl->frameBuffer;
    long n = 0;
    for (int32_t y = 0; y < want->h; y++)
        for (int32_t x = 0; x < want->w; x++) {
            uint32_t g = got[(size_t)y * (size_t)cl->width + (size_t)x] & 0xFFFFFFu;
            uint32_t w = want->px[(size_t)y * (size_t)want->pitch + (size_t)x] & 0xFFFFFFu;
            if (g != w && n++ == 0) {
                *fx = x;
                *fy = y;
            }
        }
    return n;
}

static void save(rfbClient *cl, const char *path)
{
    char err[256];
    int rc = shmfb_png_write(path, (const uint32_t *)cl->frameBuffer, cl->width, cl->height,
                             cl->width * 4, false, err, sizeof err);
    if (rc < 0)
        die("cannot write %s: %s", path, err);
}

typedef bool (*picture_fn)(void *arg, struct picture *out);

/* Polls until the client's framebuffer equals the picture. */
static void expect(rfbClient *cl, picture_fn get, void *arg, const char *what)
{
    uint64_t until = now_ms() + (uint64_t)opts.timeout_ms;
    struct picture want = {0};
    long n = -2;
    int fx = 0, fy = 0;
    for (;;) {
        if (get(arg, &want)) {
            n = differ(cl, &want, &fx, &fy);
            if (n == 0)
                return;
        }
        if (now_ms() >= until)
            break;
        pump(cl, 50);
    }
    if (opts.save_on_fail)
        save(cl, opts.save_on_fail);
    if (n == -2)
        die("%s: no frame to compare with", what);
    if (n < 0)
        die("%s: got %dx%d, want %dx%d", what, cl->width, cl->height, want.w, want.h);
    const uint32_t *got = (const uint32_t *)cl->frameBuffer;
    die("%s: %ld pixels differ, first at %d,%d: got %06x, want %06x", what, n, fx, fy,
        got[(size_t)fy * (size_t)cl->width + (size_t)fx] & 0xFFFFFFu,
        want.px[(size_t)fy * (size_t)want.pitch + (size_t)fx] & 0xFFFFFFu);
}

static bool picture_of_name(void *arg, struct picture *out)
{
    struct shmfb_consumer *c = arg;
    struct shmfb_frame f;
    if (shmfb_consumer_peek(c, &f) < 0)
        return false;
    *out = (struct picture){f.pixels, f.width, f.height, f.stride / 4};
    return true;
}

static bool picture_of_png(void *arg, struct picture *out)
{
    const struct shmfb_image *img = arg;
    *out = (struct picture){img->pixels, img->width, img->height, img->stride / 4};
    return true;
}

static void expect_name(rfbClient *cl, const char *name)
{
    struct shmfb_consumer *c;
    int rc = shmfb_consumer_open(name, NULL, &c);
    if (rc < 0)
        die("%s: %s", name, shmfb_strerror(rc));
    expect(cl, picture_of_name, c, name);
    shmfb_consumer_close(c);
}

static void expect_png(rfbClient *cl, const char *path)
{
    struct shmfb_image img;
    char err[256];
    if (shmfb_png_read(path, &img, err, sizeof err) < 0)
        die("cannot read %s: %s", path, err);
    expect(cl, picture_of_png, &img, path);
    shmfb_image_free(&img);
}

/* ---- input -------------------------------------------------------------- */

static void key(rfbClient *cl, uint32_t keysym, bool down)
{
    if (!SendKeyEvent(cl, keysym, down))
        die("cannot send a key event");
}

static void tap(rfbClient *cl, uint32_t keysym)
{
    key(cl, keysym, true);
    key(cl, keysym, false);
}

static uint32_t utf8_next(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    int more = p[0] < 0x80 ? 0 : p[0] < 0xE0 ? 1 : p[0] < 0xF0 ? 2 : 3;
    uint32_t cp = more == 0 ? p[0] : p[0] & (0x3Fu >> more);
    for (int i = 1; i <= more && p[i]; i++)
        cp = (cp << 6) | (p[i] & 0x3Fu);
    *s += 1 + more;
    return cp;
}

/* Types text as a US keyboard would: Shift around upper case and shifted
 * symbols; other characters as their Latin-1 or Unicode keysym. */
static void type(rfbClient *cl, const char *text)
{
    static const char shifted[] = "~!@#$%^&*()_+{}|:\"<>?";
    while (*text) {
        uint32_t cp = utf8_next(&text);
        bool shift = (cp >= 'A' && cp <= 'Z') || (cp && cp < 0x80 && strchr(shifted, (int)cp));
        uint32_t keysym = cp < 0x100 ? cp : 0x01000000u | cp;
        if (shift)
            key(cl, 0xffe1, true);
        tap(cl, keysym);
        if (shift)
            key(cl, 0xffe1, false);
    }
}

static uint32_t keysym_named(const char *name)
{
    static const struct {
        const char *name;
        uint32_t keysym;
    } names[] = {
        {"Return", 0xff0d}, {"BackSpace", 0xff08}, {"Tab", 0xff09},     {"Escape", 0xff1b},
        {"Delete", 0xffff}, {"Left", 0xff51},      {"Shift_L", 0xffe1}, {"Control_L", 0xffe3},
        {"Alt_L", 0xffe9},  {"F1", 0xffbe},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i].name, name) == 0)
            return names[i].keysym;
    char *end;
    unsigned long v = strtoul(name, &end, 0);
    if (*end || v == 0 || v > 0xFFFFFFFFul)
        die("unknown key '%s'", name);
    return (uint32_t)v;
}

static void pointer(rfbClient *cl, int x, int y, int mask)
{
    if (!SendPointerEvent(cl, x, y, mask))
        die("cannot send a pointer event");
}

/* ---- steps -------------------------------------------------------------- */

static int int_arg(char **argv, int i, int argc)
{
    if (i >= argc)
        die("'%s' needs more arguments", argv[i - 1]);
    char *end;
    long v = strtol(argv[i], &end, 10);
    if (*end || end == argv[i])
        die("not a number: '%s'", argv[i]);
    return (int)v;
}

static void wait_size(rfbClient *cl, int w, int h)
{
    uint64_t until = now_ms() + (uint64_t)opts.timeout_ms;
    while (cl->width != w || cl->height != h) {
        if (now_ms() >= until)
            die("the framebuffer stayed %dx%d, want %dx%d", cl->width, cl->height, w, h);
        pump(cl, 50);
    }
}

static void wait_cursor(rfbClient *cl, int w, int h, int hx, int hy)
{
    uint64_t until = now_ms() + (uint64_t)opts.timeout_ms;
    while (!cursor.seen || cursor.w != w || cursor.h != h || cursor.hx != hx || cursor.hy != hy) {
        if (now_ms() >= until)
            die("cursor %dx%d hot %d,%d (%d seen), want %dx%d hot %d,%d", cursor.w, cursor.h,
                cursor.hx, cursor.hy, cursor.seen, w, h, hx, hy);
        pump(cl, 50);
    }
}

/* The cursor received equals a PNG: colour where opaque, and the mask from
 * its alpha (transparent below 128). */
static void expect_cursor_png(const char *path)
{
    struct shmfb_image img;
    char err[256];
    if (shmfb_png_read(path, &img, err, sizeof err) < 0)
        die("cannot read %s: %s", path, err);
    if (img.width != cursor.w || img.height != cursor.h)
        die("cursor is %dx%d, %s is %dx%d", cursor.w, cursor.h, path, img.width, img.height);
    for (int y = 0; y < img.height; y++)
        for (int x = 0; x < img.width; x++) {
            uint32_t want = img.pixels[(size_t)y * (size_t)(img.stride / 4) + (size_t)x];
            uint32_t got = cursor.argb[(size_t)y * (size_t)cursor.w + (size_t)x];
            bool opaque = (want >> 24) >= 128;
            if ((got >> 24 != 0) != opaque || (opaque && (got ^ want) & 0xFFFFFFu))
                die("cursor pixel %d,%d: got %08x, want %08x", x, y, got, want);
        }
    shmfb_image_free(&img);
}

static void cut_text(rfbClient *cl, int n)
{
    char *text = malloc((size_t)n + 1);
    if (!text)
        die("out of memory");
    memset(text, 'x', (size_t)n);
    text[n] = '\0';
    if (!SendClientCutText(cl, text, n))
        die("cannot send cut text");
    free(text);
}

/* Sends TEXT (UTF-8 here) as ClientCutText, in Latin-1. */
static void cut_send(rfbClient *cl, const char *text)
{
    char *latin1 = malloc(strlen(text) + 1);
    if (!latin1)
        die("out of memory");
    int n = latin1_of(text, latin1);
    if (!SendClientCutText(cl, latin1, n))
        die("cannot send cut text");
    free(latin1);
}

/* Waits for ServerCutText equal to TEXT in Latin-1. */
static void cut_expect(rfbClient *cl, const char *text)
{
    char *want = malloc(strlen(text) + 1);
    if (!want)
        die("out of memory");
    int n = latin1_of(text, want);
    uint64_t until = now_ms() + (uint64_t)opts.timeout_ms;
    while (!cut.text || cut.len != n || memcmp(cut.text, want, (size_t)n) != 0) {
        if (now_ms() >= until)
            die("cut text '%.*s' (%d bytes), want '%s' in Latin-1", cut.text ? cut.len : 0,
                cut.text ? cut.text : "", cut.text ? cut.len : -1, text);
        pump(cl, 50);
    }
    free(want);
}

static int step(rfbClient *cl, int argc, char **argv, int i)
{
    const char *s = argv[i++];
    if (strcmp(s, "expect") == 0 && i < argc) {
        expect_name(cl, argv[i]);
        return i + 1;
    }
    if (strcmp(s, "expect-png") == 0 && i < argc) {
        expect_png(cl, argv[i]);
        return i + 1;
    }
    if (strcmp(s, "save") == 0 && i < argc) {
        save(cl, argv[i]);
        return i + 1;
    }
    if (strcmp(s, "click") == 0 || strcmp(s, "press") == 0 || strcmp(s, "release") == 0) {
        int x = int_arg(argv, i, argc), y = int_arg(argv, i + 1, argc), b = 1;
        i += 2;
        if (i < argc && argv[i][0] >= '1' && argv[i][0] <= '8' && !argv[i][1])
            b = argv[i++][0] - '0';
        if (strcmp(s, "release") != 0)
            pointer(cl, x, y, 1 << (b - 1));
        if (strcmp(s, "press") != 0)
            pointer(cl, x, y, 0);
        return i;
    }
    if (strcmp(s, "move") == 0) {
        pointer(cl, int_arg(argv, i, argc), int_arg(argv, i + 1, argc), 0);
        return i + 2;
    }
    if (strcmp(s, "type") == 0 && i < argc) {
        type(cl, argv[i]);
        return i + 1;
    }
    if (strcmp(s, "key") == 0 && i < argc) {
        tap(cl, keysym_named(argv[i]));
        return i + 1;
    }
    if ((strcmp(s, "keydown") == 0 || strcmp(s, "keyup") == 0) && i < argc) {
        key(cl, keysym_named(argv[i]), s[3] == 'd');
        return i + 1;
    }
    if (strcmp(s, "resize") == 0 || strcmp(s, "request") == 0) {
        int w = int_arg(argv, i, argc), h = int_arg(argv, i + 1, argc);
        /* The server's screen layout comes with the first update. */
        uint64_t until = now_ms() + (uint64_t)opts.timeout_ms;
        while (cl->screen.width == 0 && now_ms() < until)
            pump(cl, 50);
        if (!SendExtDesktopSize(cl, (uint16_t)w, (uint16_t)h))
            die("cannot send a desktop size request");
        if (s[2] == 's') /* resize: and wait for it */
            wait_size(cl, w, h);
        return i + 2;
    }
    if (strcmp(s, "size") == 0) {
        wait_size(cl, int_arg(argv, i, argc), int_arg(argv, i + 1, argc));
        return i + 2;
    }
    if (strcmp(s, "cut") == 0) {
        cut_text(cl, int_arg(argv, i, argc));
        return i + 1;
    }
    if (strcmp(s, "cut-send") == 0 && i < argc) {
        cut_send(cl, argv[i]);
        return i + 1;
    }
    if (strcmp(s, "cut-expect") == 0 && i < argc) {
        cut_expect(cl, argv[i]);
        return i + 1;
    }
    if (strcmp(s, "cursor") == 0) {
        wait_cursor(cl, int_arg(argv, i, argc), int_arg(argv, i + 1, argc),
                    int_arg(argv, i + 2, argc), int_arg(argv, i + 3, argc));
        return i + 4;
    }
    if (strcmp(s, "cursors") == 0) {
        int n = int_arg(argv, i, argc);
        uint64_t until = now_ms() + (uint64_t)opts.timeout_ms;
        while (cursor.seen < n) {
            if (now_ms() >= until)
                die("%d cursor shapes received, want %d", cursor.seen, n);
            pump(cl, 50);
        }
        return i + 1;
    }
    if (strcmp(s, "cursor-png") == 0 && i < argc) {
        expect_cursor_png(argv[i]);
        return i + 1;
    }
    if (strcmp(s, "pause") == 0) {
        pump(cl, int_arg(argv, i, argc));
        return i + 1;
    }
    die("unknown step '%s'", s);
    return argc;
}

static const char usage[] =
    "usage: vnc-client [--password P] [--encodings LIST] [--timeout S]\n"
    "                  [--save-on-fail PNG] [--cursor] HOST:PORT STEP...\n"
    "A VNC client (libvncclient) playing steps against shmfb-vnc:\n"
    "  expect NAME | expect-png PNG | save PNG | click X Y [B] | press X Y [B]\n"
    "  release X Y [B] | move X Y | type TEXT | key NAME | keydown NAME | keyup NAME\n"
    "  resize W H | request W H | size W H | cut N | cursor W H HX HY | cursors N\n"
    "  cursor-png PNG | pause MS | cut-send TEXT | cut-expect TEXT\n"
    "(cut text travels in Latin-1: TEXT is given in UTF-8 and converted)\n";

static int parse_opt(const struct args *a, int opt)
{
    long v;
    switch (opt) {
    case 'p':
        opts.password = a->value;
        return 0;
    case 'e':
        opts.encodings = a->value;
        return 0;
    case 't':
        if (args_long(a, 1, 3600, &v) < 0)
            return -1;
        opts.timeout_ms = (int)v * 1000;
        return 0;
    case 's':
        opts.save_on_fail = a->value;
        return 0;
    default: /* 'c' */
        opts.cursor = true;
        return 0;
    }
}

/* \returns -1 to run with the operands in *rest, or the exit status. */
static int parse_opts(int argc, char **argv, char ***rest, int *nrest)
{
    static const struct option longopts[] = {
        {"password", required_argument, NULL, 'p'}, {"encodings", required_argument, NULL, 'e'},
        {"timeout", required_argument, NULL, 't'},  {"save-on-fail", required_argument, NULL, 's'},
        {"cursor", no_argument, NULL, 'c'},         {NULL, 0, NULL, 0},
    };
    struct args a = {.prog = PROG, .usage_text = usage, .longopts = longopts, .in_order = true};
    int opt;
    args_start(&a, argc, argv);
    while ((opt = args_next(&a)) > 0)
        if (parse_opt(&a, opt) < 0)
            return ARGS_EXIT_USAGE;
    if (opt == ARGS_STOP)
        return a.status;
    if (a.nrest < 1)
        return args_usage_error(&a, "missing HOST:PORT");
    *rest = a.rest;
    *nrest = a.nrest;
    return -1;
}

int main(int argc, char **argv)
{
    char **rest;
    int nrest;
    int rc = parse_opts(argc, argv, &rest, &nrest);
    if (rc >= 0)
        return rc;
    rfbClientLog = quiet;
    rfbClientErr = quiet;
    rfbClient *cl = connect_to(rest[0]);
    for (int i = 1; i < nrest;)
        i = step(cl, nrest, rest, i);
    free(cl->frameBuffer);
    free(cl->rcSource);
    free(cl->rcMask);
    rfbClientCleanup(cl);
    free(cursor.argb);
    return 0;
}

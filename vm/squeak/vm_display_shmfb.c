/*
 * vm-display-shmfb: a display module for the classic Unix Squeak VM (4.10,
 * Debian's squeak-vm) that shows the VM's Display in a shmfb framebuffer and
 * takes its input from shmfb consumers (shmfb-view).
 *
 * The VM loads so.vm-display-shmfb from its plugin path when it parses
 * -vm-display-shmfb, and reaches everything through the one exported symbol,
 * display_shmfb.  Everything else is static, so no call in here can bind to
 * one of the VM's own io... functions of the same name.
 */
#include "sqvm_abi.h"
#include "vmdisplay.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXPORTED __attribute__((visibility("default")))

/* Capacity when -shmfb-max is not given: room for a 4K viewer window. */
#define DEFAULT_MAX_W 3840
#define DEFAULT_MAX_H 2160
/* Screen size when the image saved none. */
#define FALLBACK_W 640
#define FALLBACK_H 480
/* Most latency samples kept for SHMFB_SQUEAK_TIMING. */
#define TIMING_MAX 100000

static struct {
    const char *name; /* -shmfb-name; NULL: the spawning viewer's */
    int32_t max_w, max_h;
    uint32_t pacing; /* -shmfb-pacing */
    uint32_t flags;  /* enum shmfb_vmd_flags from the options */
    bool open;
    const char *timing_path; /* SHMFB_SQUEAK_TIMING */
    uint32_t *timing_us;     /* per present: since the first show, the present alone */
    size_t timing_n;
} mod = {.max_w = DEFAULT_MAX_W, .max_h = DEFAULT_MAX_H};

static volatile sig_atomic_t quit_signal;

/* ---- leaving --------------------------------------------------------------- */

static void write_timing(void)
{
    if (!mod.timing_us)
        return;
    FILE *f = fopen(mod.timing_path, "we");
    if (f) {
        for (size_t i = 0; i < mod.timing_n; i++)
            fprintf(f, "%u %u\n", mod.timing_us[2 * i], mod.timing_us[2 * i + 1]);
        fclose(f);
    } else {
        fprintf(stderr, "vm-display-shmfb: %s: %s\n", mod.timing_path, strerror(errno));
    }
    free(mod.timing_us);
    mod.timing_us = NULL;
}

/* Destroys the framebuffer, which takes its name with it. */
static void close_display(void)
{
    if (!mod.open)
        return;
    mod.open = false;
    shmfb_vmd_close();
    write_timing();
}

/* A termination signal only marks the request: the framebuffer is closed on
 * the VM's thread, at its next call into this module (the VM calls at least
 * every 200 ms), and the signal is then delivered again with its default
 * action, so the VM's parent sees how it ended. */
static void on_quit_signal(int sig)
{
    quit_signal = sig;
}

static void check_quit(void)
{
    int sig = quit_signal;
    if (!sig)
        return;
    close_display();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* A signal the VM was started with ignored (nohup, a background job) stays
 * ignored. */
static void catch_quit_signals(void)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_quit_signal;
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
}

/* ---- VM hooks ---------------------------------------------------------- */

static void signal_input(void *ctx)
{
    (void)ctx;
    /* The image registers its semaphore with the VM, not with the module. */
    if (inputEventSemaIndex > 0)
        signalSemaphoreWithIndex(inputEventSemaIndex);
}

static uint32_t vm_msecs(void *ctx)
{
    (void)ctx;
    return (uint32_t)ioMSecs();
}

/* ---- text: the image's bytes and UTF-8 ------------------------------------
 *
 * The image reads and writes clipboard text in its text encoding, which
 * shmfb-squeak sets to UTF-8 (-encoding UTF-8): Scratch decodes the bytes it
 * pastes as UTF-8.  So UTF-8 passes unchanged both ways.  (The X11 module
 * asks the X server for the clipboard as STRING, takes those bytes for
 * Latin-1 and converts them to UTF-8 once more: "ü" arrives as "Ã¼".)
 * Bytes the image copies that are not UTF-8 are taken for Latin-1. */

/* UTF-8 of n Latin-1 bytes, NUL-terminated (malloc'd), or NULL. */
static char *latin1_to_utf8(const uint8_t *s, size_t n, size_t *len)
{
    char *out = malloc(2 * n + 1);
    size_t k = 0;
    for (size_t i = 0; out && i < n; i++) {
        if (s[i] < 0x80) {
            out[k++] = (char)s[i];
        } else {
            out[k++] = (char)(0xC0 | (s[i] >> 6));
            out[k++] = (char)(0x80 | (s[i] & 0x3F));
        }
    }
    if (out)
        out[k] = '\0';
    *len = k;
    return out;
}

/* ---- drops ------------------------------------------------------------------- */

static int hex_digit(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* A dropped path as the VM opens it: file: URIs become paths. */
static char *drop_path(const char *p)
{
    if (strncmp(p, "file://", 7) != 0)
        return strdup(p);
    p += 7;
    if (*p != '/')
        p = strchr(p, '/'); /* file://host/path */
    char *out = p ? malloc(strlen(p) + 1) : NULL;
    size_t k = 0;
    for (; out && *p; p++) {
        int hi = p[0] == '%' ? hex_digit(p[1]) : -1, lo = hi >= 0 ? hex_digit(p[2]) : -1;
        if (lo >= 0) {
            out[k++] = (char)(hi << 4 | lo);
            p += 2;
        } else {
            out[k++] = *p;
        }
    }
    if (out)
        out[k] = '\0';
    return out;
}

/* The names the VM's drop primitives read, as the X11 module fills them. */
static void on_drop(void *ctx, const char *const *paths, uint32_t n)
{
    (void)ctx;
    for (int32_t i = 0; i < uxDropFileCount; i++)
        free(uxDropFileNames[i]);
    free(uxDropFileNames);
    uxDropFileNames = calloc(n, sizeof(*uxDropFileNames));
    uxDropFileCount = 0;
    for (uint32_t i = 0; uxDropFileNames && i < n; i++) {
        char *path = drop_path(paths[i]);
        if (path)
            uxDropFileNames[uxDropFileCount++] = path;
    }
}

/* ---- options ------------------------------------------------------------ */

static bool parse_size(const char *s, int32_t *w, int32_t *h)
{
    char tail;
    return sscanf(s, "%dx%d%c", w, h, &tail) == 2 && *w > 0 && *h > 0 && *w <= SHMFB_DIM_MAX &&
           *h <= SHMFB_DIM_MAX;
}

static int parse_argument(int argc, char **argv)
{
    const char *arg = argv[0];
    if (!strcmp(arg, "-swapbtn")) {
        mod.flags |= SHMFB_VMD_SWAP_BUTTONS;
        return 1;
    }
    if (!strcmp(arg, "-mapdelbs")) {
        mod.flags |= SHMFB_VMD_MAP_DEL_BS;
        return 1;
    }
    if (argc < 2)
        return 0;
    if (!strcmp(arg, "-shmfb-name")) {
        mod.name = argv[1];
        return 2;
    }
    if (!strcmp(arg, "-shmfb-pacing")) {
        static const char *const modes[] = {"fifo", "free", "mailbox"};
        for (uint32_t i = 0; i < 3; i++) {
            if (!strcmp(argv[1], modes[i])) {
                mod.pacing = i;
                return 2;
            }
        }
        fprintf(stderr, "vm-display-shmfb: -shmfb-pacing %s: expected fifo, mailbox or free\n",
                argv[1]);
        exit(1);
    }
    if (!strcmp(arg, "-shmfb-max")) {
        if (!parse_size(argv[1], &mod.max_w, &mod.max_h)) {
            fprintf(stderr, "vm-display-shmfb: -shmfb-max %s: expected WxH, 1..%d each\n", argv[1],
                    SHMFB_DIM_MAX);
            exit(1);
        }
        return 2;
    }
    return 0;
}

static void parse_environment(void)
{
    if (getenv("SQUEAK_SWAPBTN"))
        mod.flags |= SHMFB_VMD_SWAP_BUTTONS;
    if (getenv("SQUEAK_MAPDELBS"))
        mod.flags |= SHMFB_VMD_MAP_DEL_BS;
    mod.timing_path = getenv("SHMFB_SQUEAK_TIMING");
}

static void print_usage(void)
{
    printf("\nshmfb <option>s:\n");
    printf("  -shmfb-name <name>    show the Display in the shmfb framebuffer <name>\n");
    printf("  -shmfb-max <w>x<h>    largest screen a viewer may resize to (default %dx%d)\n",
           DEFAULT_MAX_W, DEFAULT_MAX_H);
    printf("  -shmfb-pacing <mode>  fifo (default: each frame waits until every viewer took\n"
           "                        it), mailbox (never waits for a viewer holding a frame)\n"
           "                        or free\n");
    printf("  -swapbtn              swap yellow (middle) and blue (right) buttons\n");
    printf("  -mapdelbs             map Delete key onto Backspace\n");
}

static void print_usage_notes(void)
{
    printf("  Without -shmfb-name the VM must be started by a shmfb viewer\n");
    printf("  (shmfb-view -- shmfb-squeak IMAGE).\n");
}

/* ---- window ------------------------------------------------------------ */

static char *win_system_name(void)
{
    static char name[] = "shmfb";
    return name;
}

static void win_init(void) {}

static int open_display(void)
{
    int32_t saved = getSavedWindowSize();
    int32_t w = (saved >> 16) & 0xFFFF, h = saved & 0xFFFF;
    if (w < 1 || h < 1)
        w = FALLBACK_W, h = FALLBACK_H;
    w = w < SHMFB_DIM_MAX ? w : SHMFB_DIM_MAX;
    h = h < SHMFB_DIM_MAX ? h : SHMFB_DIM_MAX;
    struct shmfb_vmd_desc d = {
        .max_width = w > mod.max_w ? w : mod.max_w,
        .max_height = h > mod.max_h ? h : mod.max_h,
        .width = w,
        .height = h,
        .pacing = mod.pacing,
        .flags = mod.flags | SHMFB_VMD_DEFER_PRESENT,
        .hooks = {.input = signal_input, .msecs = vm_msecs, .drop = on_drop},
    };
    return shmfb_vmd_open(mod.name, &d);
}

static void win_set_name(char *title);

static void win_open(void)
{
    if (!mod.name && !getenv(SHMFB_SOCKET_ENV)) {
        fprintf(stderr, "vm-display-shmfb: no framebuffer to show the Display in: "
                        "give -shmfb-name NAME, or start the VM from a shmfb viewer\n");
        exit(1);
    }
    int rc = open_display();
    if (rc < 0) {
        fprintf(stderr, "vm-display-shmfb: cannot create the framebuffer %s: %s\n",
                mod.name ? mod.name : "for the viewer", shmfb_strerror(rc));
        exit(1);
    }
    mod.open = true;
    if (mod.timing_path)
        mod.timing_us = calloc(2 * TIMING_MAX, sizeof(*mod.timing_us));
    catch_quit_signals();
    atexit(close_display);
    win_set_name(imageName);
}

/* The title is the image's path, as the X11 module names its window: bytes
 * of the file system, shown as UTF-8 when they are that, else as Latin-1. */
static void win_set_name(char *title)
{
    if (!mod.open || !title)
        return;
    if (shmfb_vmd_set_title(title) == -EINVAL) {
        size_t len;
        char *utf8 = latin1_to_utf8((const uint8_t *)title, strnlen(title, SHMFB_TITLE_MAX), &len);
        if (utf8)
            shmfb_vmd_set_title(utf8);
        free(utf8);
    }
}

static int32_t win_image_find(char *buf, int32_t size)
{
    (void)buf;
    (void)size;
    return 0;
}

static void win_image_not_found(void) {}

static void win_exit(void)
{
    close_display();
}

/* ---- display ------------------------------------------------------------ */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Presents what the shows since the last present copied. */
static void flush(void)
{
    int64_t since = shmfb_vmd_pending_since(), start = now_ns();
    if (!shmfb_vmd_flush() || !mod.timing_us || mod.timing_n == TIMING_MAX)
        return;
    /* In FIFO pacing the present returned once every viewer had taken the
     * frame: from the first show, and from the present, to the taking. */
    int64_t end = now_ns();
    mod.timing_us[2 * mod.timing_n] = (uint32_t)((end - since) / 1000);
    mod.timing_us[2 * mod.timing_n + 1] = (uint32_t)((end - start) / 1000);
    mod.timing_n++;
}

static int32_t show_display(int32_t bits_oop, int32_t w, int32_t h, int32_t depth, int32_t left,
                            int32_t right, int32_t top, int32_t bottom)
{
    check_quit();
    if (!mod.open || depth != 32)
        return 0;
    /* The Display's bitmap may move between calls (the garbage collector):
     * its address is computed anew each time, never kept. */
    const uint32_t *bits = (const uint32_t *)(sqMemoryBase + (uint32_t)bits_oop);
    return shmfb_vmd_show(bits, w, h, depth, left, right, top, bottom) == 0;
}

static int32_t force_display_update(void)
{
    flush();
    return 1;
}

static int32_t screen_size(void)
{
    check_quit();
    if (!mod.open)
        return getSavedWindowSize();
    return (int32_t)shmfb_vmd_screen_size();
}

static int32_t screen_depth(void)
{
    return 32;
}

static int32_t has_display_depth(int32_t depth)
{
    return shmfb_vmd_has_depth(depth);
}

static int32_t set_display_mode(int32_t w, int32_t h, int32_t depth, int32_t full_screen)
{
    (void)w;
    (void)h;
    (void)depth;
    (void)full_screen;
    return 0;
}

static int32_t set_full_screen(int32_t flag)
{
    if (mod.open)
        shmfb_vmd_set_fullscreen(flag != 0);
    return 0;
}

static int32_t form_print(int32_t bits_oop, int32_t w, int32_t h, int32_t depth, double h_scale,
                          double v_scale, int32_t landscape)
{
    (void)bits_oop, (void)w, (void)h, (void)depth, (void)h_scale, (void)v_scale, (void)landscape;
    return 0;
}

static int32_t beep(void)
{
    return 0;
}

/* ---- cursor ------------------------------------------------------------- */

static int32_t clamp_hot(int32_t offset, int32_t side)
{
    int32_t hot = -offset;
    return hot < 0 ? 0 : hot >= side ? side - 1 : hot;
}

/* 16 x 16, one bit; mask 0 means none.  The offsets are the hotspot,
 * negated.  The VM ignores the result. */
static int32_t set_cursor_with_mask(int32_t bits_oop, int32_t mask_oop, int32_t off_x,
                                    int32_t off_y)
{
    if (!mod.open)
        return 0;
    const uint32_t *bits = (const uint32_t *)(sqMemoryBase + (uint32_t)bits_oop);
    const uint32_t *mask = mask_oop ? (const uint32_t *)(sqMemoryBase + (uint32_t)mask_oop) : NULL;
    return shmfb_vmd_set_cursor_1bit(bits, mask, clamp_hot(off_x, SHMFB_VMD_CURSOR_SIDE),
                                     clamp_hot(off_y, SHMFB_VMD_CURSOR_SIDE)) == 0;
}

/* 0 fails the primitive, and the image falls back to a one-bit cursor. */
static int32_t set_cursor_argb(int32_t bits_oop, int32_t w, int32_t h, int32_t off_x, int32_t off_y)
{
    if (!mod.open || w < 1 || h < 1 || w > SHMFB_CURSOR_MAX || h > SHMFB_CURSOR_MAX)
        return 0;
    const uint32_t *argb = (const uint32_t *)(sqMemoryBase + (uint32_t)bits_oop);
    return shmfb_vmd_set_cursor_argb(argb, w, h, clamp_hot(off_x, w), clamp_hot(off_y, h)) == 0;
}

/* ---- input and idle ------------------------------------------------------ */

static int32_t relinquish_processor(int32_t microseconds)
{
    check_quit();
    if (!mod.open) {
        aioPoll(microseconds > 0 ? microseconds : 0);
        return 0;
    }
    flush();
    shmfb_vmd_idle(microseconds);
    /* Sockets, files and pipes the image waits on are serviced only here. */
    aioPoll(0);
    return 0;
}

static int32_t process_events(void)
{
    check_quit();
    if (mod.open) {
        flush();
        shmfb_vmd_process();
    }
    aioPoll(0);
    return 0;
}

static int32_t get_next_event(int32_t *record)
{
    check_quit();
    union shmfb_vmd_event e;
    if (mod.open && shmfb_vmd_next_event(&e))
        memcpy(record, &e, SQVM_EVENT_WORDS * sizeof(int32_t));
    return 1;
}

static int32_t get_button_state(void)
{
    if (mod.open)
        shmfb_vmd_process();
    return shmfb_vmd_button_state();
}

static int32_t mouse_point(void)
{
    if (mod.open)
        shmfb_vmd_process();
    return shmfb_vmd_mouse_point();
}

/* The keystroke-polling API of images without an input semaphore. */
static int32_t no_keystroke(void)
{
    return -1;
}

/* ---- clipboard ---------------------------------------------------------------- */

/* 0 while the image's own copy is the newest: it then uses its own
 * clipboard, as with the X11 module while the image owns the selection. */
static int32_t clipboard_size(void)
{
    size_t len = 0;
    const char *text = mod.open ? shmfb_vmd_clipboard(&len) : NULL;
    return !text ? 0 : len > INT32_MAX ? INT32_MAX : (int32_t)len;
}

static int32_t clipboard_read_into_at(int32_t count, int32_t bytes_oop, int32_t start)
{
    size_t len = 0;
    const char *text = mod.open && count > 0 ? shmfb_vmd_clipboard(&len) : NULL;
    if (!text)
        return 0;
    size_t n = len < (size_t)count ? len : (size_t)count;
    memcpy(sqMemoryBase + (uint32_t)bytes_oop + start, text, n);
    return (int32_t)n;
}

static int32_t clipboard_write_from_at(int32_t count, int32_t bytes_oop, int32_t start)
{
    if (!mod.open || count < 0)
        return 0;
    const char *bytes = sqMemoryBase + (uint32_t)bytes_oop + start;
    int rc = shmfb_vmd_set_clipboard(bytes, (size_t)count);
    if (rc == -EINVAL) {
        size_t len;
        char *utf8 = latin1_to_utf8((const uint8_t *)bytes, (size_t)count, &len);
        rc = utf8 ? shmfb_vmd_set_clipboard(utf8, len) : -ENOMEM;
        free(utf8);
    }
    if (rc < 0)
        fprintf(stderr, "vm-display-shmfb: clipboard not offered (%d bytes): %s\n", (int)count,
                shmfb_strerror(rc));
    return count;
}

/* ---- what this module does not provide ----------------------------------- */

static char **clipboard_get_type_names(void)
{
    return NULL;
}

static int32_t clipboard_size_with_type(char *type, int32_t type_len)
{
    (void)type, (void)type_len;
    return 0;
}

static void clipboard_write_with_type(char *data, size_t n, char *type, size_t type_len,
                                      int32_t is_dnd, int32_t is_claiming)
{
    (void)data, (void)n, (void)type, (void)type_len, (void)is_dnd, (void)is_claiming;
}

static int32_t dnd_out_start(char *types, int32_t n)
{
    (void)types, (void)n;
    return 0;
}

static int32_t dnd_out_accepted_type(char *buf, int32_t n)
{
    (void)buf, (void)n;
    return 0;
}

static void dnd_out_send(char *bytes, int32_t n)
{
    (void)bytes, (void)n;
}

static void *no_handle(void)
{
    return NULL;
}

static int32_t gl_initialise(void)
{
    return 0;
}

static int32_t gl_create_renderer(void *r, int32_t x, int32_t y, int32_t w, int32_t h,
                                  int32_t flags)
{
    (void)r, (void)x, (void)y, (void)w, (void)h, (void)flags;
    return 0;
}

static int32_t gl_make_current_renderer(void *r)
{
    (void)r;
    return 0;
}

static void gl_renderer_noop(void *r)
{
    (void)r;
}

static void gl_set_buffer_rect(void *r, int32_t x, int32_t y, int32_t w, int32_t h)
{
    (void)r, (void)x, (void)y, (void)w, (void)h;
}

/* The browser-plugin primitives: not in a browser, so they fail. */
static int32_t plugin_primitive(void)
{
    return primitiveFail();
}

static int host_window_close(int index)
{
    (void)index;
    return 0;
}

static int host_window_create(int w, int h, int x, int y, char *attrs, int attr_len)
{
    (void)w, (void)h, (void)x, (void)y, (void)attrs, (void)attr_len;
    return 0;
}

static int host_window_show_display(unsigned *bits, int w, int h, int depth, int left, int right,
                                    int top, int bottom, int window_index)
{
    (void)bits, (void)w, (void)h, (void)depth, (void)left, (void)right, (void)top, (void)bottom,
        (void)window_index;
    return 0;
}

static int host_window_get(int index)
{
    (void)index;
    return -1;
}

static int host_window_set(int index, int a, int b)
{
    (void)index, (void)a, (void)b;
    return -1;
}

static int host_window_set_title(int index, char *title, int len)
{
    (void)index, (void)title, (void)len;
    return -1;
}

static int host_window_close_all(void)
{
    return 0;
}

/* ---- the tables the VM reads --------------------------------------------- */

static struct sqvm_display display = {
    .version = SQVM_DISPLAY_VERSION,
    .win_system_name = win_system_name,
    .win_init = win_init,
    .win_open = win_open,
    .win_set_name = win_set_name,
    .win_image_find = win_image_find,
    .win_image_not_found = win_image_not_found,
    .win_exit = win_exit,
    .form_print = form_print,
    .beep = beep,
    .relinquish_processor = relinquish_processor,
    .process_events = process_events,
    .screen_depth = screen_depth,
    .screen_size = screen_size,
    .set_cursor_with_mask = set_cursor_with_mask,
    .set_cursor_argb = set_cursor_argb,
    .set_full_screen = set_full_screen,
    .force_display_update = force_display_update,
    .show_display = show_display,
    .has_display_depth = has_display_depth,
    .set_display_mode = set_display_mode,
    .clipboard_size = clipboard_size,
    .clipboard_write_from_at = clipboard_write_from_at,
    .clipboard_read_into_at = clipboard_read_into_at,
    .clipboard_get_type_names = clipboard_get_type_names,
    .clipboard_size_with_type = clipboard_size_with_type,
    .clipboard_write_with_type = clipboard_write_with_type,
    .dnd_out_start = dnd_out_start,
    .dnd_out_accepted_type = dnd_out_accepted_type,
    .dnd_out_send = dnd_out_send,
    .get_button_state = get_button_state,
    .peek_keystroke = no_keystroke,
    .get_keystroke = no_keystroke,
    .get_next_event = get_next_event,
    .mouse_point = mouse_point,
    .get_display = no_handle,
    .get_window = no_handle,
    .gl_initialise = gl_initialise,
    .gl_create_renderer = gl_create_renderer,
    .gl_make_current_renderer = gl_make_current_renderer,
    .gl_destroy_renderer = gl_renderer_noop,
    .gl_swap_buffers = gl_renderer_noop,
    .gl_set_buffer_rect = gl_set_buffer_rect,
    .plugin_browser_ready = plugin_primitive,
    .plugin_request_url_stream = plugin_primitive,
    .plugin_request_url = plugin_primitive,
    .plugin_post_url = plugin_primitive,
    .plugin_request_file_handle = plugin_primitive,
    .plugin_destroy_request = plugin_primitive,
    .plugin_request_state = plugin_primitive,
    .host_window_close = host_window_close,
    .host_window_create = host_window_create,
    .host_window_show_display = host_window_show_display,
    .host_window_get_size = host_window_get,
    .host_window_set_size = host_window_set,
    .host_window_get_position = host_window_get,
    .host_window_set_position = host_window_set,
    .host_window_set_title = host_window_set_title,
    .host_window_close_all = host_window_close_all,
};

static void *make_interface(void)
{
    return &display;
}

static char module_name[] = "vm-display-shmfb";

/* The one symbol the VM looks up. */
EXPORTED struct sqvm_module display_shmfb = {
    .version = SQVM_MODULE_VERSION,
    .name = module_name,
    .type = "display",
    .parse_argument = parse_argument,
    .parse_environment = parse_environment,
    .print_usage = print_usage,
    .print_usage_notes = print_usage_notes,
    .make_interface = make_interface,
    .next = NULL,
};

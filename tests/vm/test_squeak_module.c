/*
 * vm-display-shmfb against a fake Squeak VM: this program defines what the
 * VM executable exports to its modules, loads so.vm-display-shmfb the way
 * the VM does (dlopen RTLD_NOW | RTLD_GLOBAL, then the symbol
 * display_shmfb), and drives the module through its tables while a shmfb
 * consumer plays the viewer.
 *
 *   test_squeak_module [PATH/so.vm-display-shmfb]   (default: the one built here)
 */
#include "sqvm_abi.h"
#include "testutil.h"

#include <shmfb/shmfb.h>

#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define VM_EXPORT __attribute__((visibility("default")))

/* ---- the fake VM ---------------------------------------------------------- */

/* The object memory: 4 GiB + a page of address space, so that heap offsets
 * with the top bit set can be tested (they must be zero-extended). */
#define HEAP_SPAN   ((size_t)1 << 32)
#define HEAP_WINDOW ((size_t)8 << 20)
#define HIGH_OOP    0x80001000u /* the Display lives here: negative as int32_t */

VM_EXPORT char *sqMemoryBase;
VM_EXPORT int32_t inputEventSemaIndex;
VM_EXPORT char imageName[4097] = "/images/Caf\xe9.image"; /* Latin-1, as a file system may hold */
VM_EXPORT int32_t uxDropFileCount;
VM_EXPORT char **uxDropFileNames;

static int32_t saved_window_size = (1024 << 16) | 767;
static int32_t clock_ms = 5000;
static int signals, signalled_index, aio_polls, prim_fails;

VM_EXPORT int32_t signalSemaphoreWithIndex(int32_t index)
{
    signals++;
    signalled_index = index;
    return 1;
}

VM_EXPORT int32_t ioMSecs(void)
{
    return clock_ms;
}

VM_EXPORT int32_t getSavedWindowSize(void)
{
    return saved_window_size;
}

VM_EXPORT int aioPoll(int microseconds)
{
    (void)microseconds;
    aio_polls++;
    return 0;
}

VM_EXPORT int32_t primitiveFail(void)
{
    prim_fails++;
    return 0;
}

/* ---- loading the module ------------------------------------------------- */

static const char *module_path;
static struct sqvm_module *mod;
static struct sqvm_display *dpy;
static char fb_name[96];
static struct shmfb_consumer *con;
static uint8_t *heap;

/* ---- the viewer: a thread that takes every frame (the module's presents
 * wait for it) and keeps a copy of the last one ------------------------------ */

static struct {
    pthread_t thread;
    pthread_mutex_t lock;
    uint64_t frames; /* taken so far */
    struct shmfb_frame last;
    uint32_t *pixels; /* last.width x last.height, packed */
} view = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void *viewer_main(void *arg)
{
    (void)arg;
    struct shmfb_frame f;
    int rc;
    while ((rc = shmfb_consumer_wait(con, 100, &f)) == 0 || rc == -ETIMEDOUT) {
        if (rc != 0)
            continue;
        pthread_mutex_lock(&view.lock);
        view.last = f;
        for (int y = 0; y < f.height; y++)
            memcpy(view.pixels + (size_t)y * (size_t)f.width,
                   f.pixels + (size_t)y * (size_t)(f.stride / 4), (size_t)f.width * 4);
        view.frames++;
        pthread_mutex_unlock(&view.lock);
        shmfb_consumer_release(con);
    }
    return NULL;
}

static uint64_t frames_seen(void)
{
    pthread_mutex_lock(&view.lock);
    uint64_t n = view.frames;
    pthread_mutex_unlock(&view.lock);
    return n;
}

/* Waits until the viewer took more than \p n frames; false on timeout. */
static bool await_frame(uint64_t n, int timeout_ms)
{
    int64_t end = tu_now_ms() + timeout_ms;
    while (frames_seen() <= n)
        if (tu_now_ms() > end)
            return false;
        else
            usleep(1000);
    return true;
}

static uint32_t seen_px(int x, int y)
{
    return view.pixels[(size_t)y * (size_t)view.last.width + (size_t)x];
}

static void load_module(void)
{
    void *h = dlopen(module_path, RTLD_NOW | RTLD_GLOBAL);
    ck_assert_msg(h != NULL, "dlopen: %s", dlerror());
    mod = dlsym(h, "display_shmfb");
    ck_assert_ptr_nonnull(mod);
    ck_assert_int_eq(mod->version, SQVM_MODULE_VERSION);
}

/* Offers one option as the VM does: the word and everything after it. */
static int offer(const char *opt, const char *value)
{
    char *argv[] = {(char *)opt, (char *)value, "image.image", NULL};
    int argc = value ? 3 : 2;
    if (!value)
        argv[1] = "image.image", argv[2] = NULL;
    return mod->parse_argument(argc, argv);
}

/* Loads the module, names a framebuffer and opens the "window". */
static void start(void)
{
    load_module();
    tu_name(fb_name, sizeof(fb_name), "sqmod");
    ck_assert_int_eq(offer("-shmfb-name", fb_name), 2);
    mod->parse_environment();
    dpy = mod->make_interface();
    ck_assert_ptr_nonnull(dpy);
    dpy->win_init();
    dpy->win_open();
    ck_assert_int_eq(shmfb_consumer_open(fb_name, NULL, &con), 0);
    ck_assert_int_eq(shmfb_consumer_attach(con), 0);
    int32_t mw, mh;
    shmfb_consumer_capacity(con, &mw, &mh);
    view.pixels = calloc((size_t)mw * (size_t)mh, 4);
    ck_assert_ptr_nonnull(view.pixels);
    view.frames = 0;
    ck_assert_int_eq(pthread_create(&view.thread, NULL, viewer_main, NULL), 0);
}

/* The image quits: the viewer sees the producer gone. */
static void stop(void)
{
    dpy->win_exit();
    ck_assert_int_eq(pthread_join(view.thread, NULL), 0);
    shmfb_consumer_close(con);
    con = NULL;
    free(view.pixels);
    view.pixels = NULL;
}

static void setup(void)
{
    tu_setup();
    heap = mmap(NULL, HEAP_SPAN + HEAP_WINDOW, PROT_NONE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ck_assert_ptr_ne(heap, MAP_FAILED);
    ck_assert_int_eq(mprotect(heap + HIGH_OOP, HEAP_WINDOW, PROT_READ | PROT_WRITE), 0);
    sqMemoryBase = (char *)heap;
    inputEventSemaIndex = 0;
    signals = signalled_index = aio_polls = prim_fails = 0;
}

static void teardown(void)
{
    munmap(heap, HEAP_SPAN + HEAP_WINDOW);
    tu_teardown();
}

static void send(uint32_t type, int32_t x, int32_t y, uint32_t code, uint32_t sym, uint32_t mods,
                 uint32_t buttons)
{
    struct shmfb_event ev = {type, 0, x, y, code, sym, mods, buttons};
    ck_assert_int_eq(shmfb_consumer_send(con, &ev), 0);
}

/* The VM's call: a zeroed record on its stack, filled or left at type 0. */
static bool next_record(int32_t rec[SQVM_EVENT_WORDS])
{
    memset(rec, 0, SQVM_EVENT_WORDS * sizeof(int32_t));
    dpy->get_next_event(rec);
    return rec[0] != 0;
}

static void expect_record(int32_t type, int32_t w2, int32_t w3, int32_t w4, int32_t w5, int32_t w6,
                          int32_t window)
{
    int32_t rec[SQVM_EVENT_WORDS];
    ck_assert(next_record(rec));
    int32_t want[SQVM_EVENT_WORDS] = {type, 0, w2, w3, w4, w5, w6, window};
    for (int i = 0; i < SQVM_EVENT_WORDS; i++)
        if (i != 1)
            ck_assert_msg(rec[i] == want[i], "word %d: got %d, want %d", i, (int)rec[i],
                          (int)want[i]);
}

/* ---- the module's interface ------------------------------------------------ */

START_TEST(module_tables)
{
    load_module();
    ck_assert_str_eq(mod->type, "display");
    ck_assert_ptr_null(mod->next);
    dpy = mod->make_interface();
    ck_assert_int_eq(dpy->version, SQVM_DISPLAY_VERSION);
    /* The VM calls every entry without checking it. */
    void *entries[(sizeof(*dpy) - 8) / sizeof(void *)];
    memcpy(entries, (char *)dpy + 8, sizeof(entries));
    for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
        ck_assert_msg(entries[i] != NULL, "display entry %zu is NULL", i);
    ck_assert_str_eq(dpy->win_system_name(), "shmfb");
}
END_TEST

START_TEST(options)
{
    load_module();
    ck_assert_int_eq(offer("-shmfb-name", "/x"), 2);
    ck_assert_int_eq(offer("-shmfb-max", "800x600"), 2);
    ck_assert_int_eq(offer("-swapbtn", NULL), 1);
    ck_assert_int_eq(offer("-mapdelbs", NULL), 1);
    /* The VM's own and other modules' options are not ours. */
    ck_assert_int_eq(offer("-plugins", "/usr/lib/squeak"), 0);
    ck_assert_int_eq(offer("-encoding", "UTF-8"), 0);
    ck_assert_int_eq(offer("-vm-sound-null", NULL), 0);
    ck_assert_int_eq(offer("-display", ":0"), 0);
    char *last[] = {"-shmfb-name", NULL};
    ck_assert_int_eq(mod->parse_argument(1, last), 0); /* no value left: not taken */
}
END_TEST

/* A capacity that is not WxH ends the VM with one line, as a bad option does. */
START_TEST(bad_capacity_option)
{
    load_module();
    pid_t pid = fork();
    if (pid == 0) {
        fclose(stderr);
        offer("-shmfb-max", "800by600");
        _exit(0);
    }
    ck_assert_int_eq(tu_wait_child(pid, 5000), 1);
}
END_TEST

/* Without a name the VM must have been started by a viewer. */
START_TEST(no_name_not_spawned)
{
    load_module();
    pid_t pid = fork();
    if (pid == 0) {
        fclose(stderr);
        unsetenv(SHMFB_SOCKET_ENV);
        dpy = mod->make_interface();
        dpy->win_init();
        dpy->win_open();
        _exit(0);
    }
    ck_assert_int_eq(tu_wait_child(pid, 5000), 1);
}
END_TEST

START_TEST(window_lifecycle)
{
    start();
    struct shmfb_info info;
    ck_assert_int_eq(shmfb_probe(fb_name, &info), 0);
    ck_assert_int_eq(info.width, 1024);
    ck_assert_int_eq(info.height, 767);
    ck_assert_int_ge(info.max_width, 1024);
    ck_assert_int_eq(info.producer_pid, getpid());
    dpy->win_set_name("/some/image.image");
    char buf[64] = "";
    ck_assert_int_eq(dpy->win_image_find(buf, sizeof(buf)), 0);
    stop();
    ck_assert_int_eq(shmfb_probe(fb_name, &info), -ENOENT);
}
END_TEST

/* ---- display ------------------------------------------------------------- */

static uint32_t *display_at(uint32_t oop)
{
    return (uint32_t *)(heap + oop);
}

static void paint(uint32_t *bits, int w, int h, uint32_t salt)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            bits[y * w + x] =
                0xFF000000u | (((uint32_t)x * 31u + (uint32_t)y * 977u + salt) & 0xFFFFFFu);
}

START_TEST(screen_size_depth)
{
    saved_window_size = (640 << 16) | 480;
    start();
    ck_assert_int_eq(dpy->screen_size(), (640 << 16) | 480);
    ck_assert_int_eq(dpy->screen_depth(), 32);
    ck_assert_int_eq(dpy->has_display_depth(32), 1);
    for (int d = 1; d <= 16; d *= 2)
        ck_assert_int_eq(dpy->has_display_depth(d), 0);
    ck_assert_int_eq(dpy->set_display_mode(800, 600, 32, 0), 0);
    ck_assert_int_eq(dpy->set_full_screen(1), 0);
    /* A viewer's resize request changes what the image polls. */
    send(SHMFB_EVENT_RESIZE, 800, 600, 0, 0, 0, 0);
    dpy->process_events();
    ck_assert_int_eq(dpy->screen_size(), (800 << 16) | 600);
    int32_t rec[SQVM_EVENT_WORDS];
    ck_assert(!next_record(rec)); /* no record: the X11 module sends none */
    stop();
    saved_window_size = (1024 << 16) | 767;
}
END_TEST

/* The bitmap's offset is zero-extended from sqMemoryBase; the rectangle's
 * edges come left, right, top, bottom; the present waits for the force. */
START_TEST(show_display)
{
    start();
    const int w = 1024, h = 767;
    uint32_t *bits = display_at(HIGH_OOP);
    paint(bits, w, h, 1);
    ck_assert_int_eq(dpy->show_display((int32_t)HIGH_OOP, w, h, 32, 0, w, 0, h), 1);
    ck_assert(!await_frame(0, 100));
    ck_assert_int_eq(dpy->force_display_update(), 1);
    /* FIFO: the present returned once the viewer had taken the frame. */
    ck_assert_uint_eq(frames_seen(), 1);
    ck_assert_int_eq(view.last.width, w);
    ck_assert_int_eq(view.last.height, h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            ck_assert_uint_eq(seen_px(x, y), bits[y * w + x]);

    paint(bits, w, h, 2);
    ck_assert_int_eq(dpy->show_display((int32_t)HIGH_OOP, w, h, 32, 100, 150, 200, 210), 1);
    ck_assert_int_eq(dpy->show_display((int32_t)HIGH_OOP, w, h, 32, 0, 5, 0, 5), 1);
    /* Other depths show nothing. */
    ck_assert_int_eq(dpy->show_display((int32_t)HIGH_OOP, w, h, 16, 0, w, 0, h), 0);
    dpy->force_display_update();
    ck_assert_uint_eq(frames_seen(), 2);
    ck_assert_uint_eq(view.last.ndamage, 2);
    ck_assert_int_eq(view.last.damage[0].x, 100);
    ck_assert_int_eq(view.last.damage[0].y, 200);
    ck_assert_int_eq(view.last.damage[0].w, 50);
    ck_assert_int_eq(view.last.damage[0].h, 10);
    ck_assert_uint_eq(seen_px(120, 205), bits[205 * w + 120]);
    ck_assert_uint_eq(seen_px(2, 2), bits[2 * w + 2]);
    ck_assert_uint_ne(seen_px(300, 300), bits[300 * w + 300]);

    /* Pending damage is also presented when the VM goes idle. */
    ck_assert_int_eq(dpy->show_display((int32_t)HIGH_OOP, w, h, 32, 0, w, 0, h), 1);
    dpy->relinquish_processor(1000);
    ck_assert_uint_eq(frames_seen(), 3);
    ck_assert_uint_eq(seen_px(300, 300), bits[300 * w + 300]);
    stop();
}
END_TEST

/* ---- input ----------------------------------------------------------------- */

START_TEST(input_records)
{
    start();
    inputEventSemaIndex = 0;
    send(SHMFB_EVENT_MOTION, 10, 20, 0, 0, 0, 0);
    dpy->process_events();
    ck_assert_int_eq(signals, 0); /* no semaphore registered yet */
    inputEventSemaIndex = 7;
    send(SHMFB_EVENT_BUTTON_DOWN, 11, 21, SHMFB_BUTTON_LEFT, 0, SHMFB_MOD_SHIFT, 1);
    send(SHMFB_EVENT_KEY_DOWN, 0, 0, 0x04, 'a', SHMFB_MOD_SHIFT, 1);
    send(SHMFB_EVENT_TEXT, 0, 0, 'A', 0, SHMFB_MOD_SHIFT, 1);
    send(SHMFB_EVENT_KEY_UP, 0, 0, 0x04, 'a', SHMFB_MOD_SHIFT, 1);
    send(SHMFB_EVENT_TEXT, 0, 0, 0xE9, 0, 0, 1);
    send(SHMFB_EVENT_WHEEL, 0, -1, 0, 0, 0, 1);
    send(SHMFB_EVENT_CLOSE, 0, 0, 0, 0, 0, 0);
    dpy->process_events();
    ck_assert_int_eq(signals, 1);
    ck_assert_int_eq(signalled_index, 7);
    expect_record(1, 10, 20, 0, 0, 0, 0);
    expect_record(1, 11, 21, 4, 1, 0, 0);
    expect_record(2, 'A', 1, 1, 'A', 0, 0);
    expect_record(2, 'A', 0, 1, 'A', 0, 0);
    expect_record(2, 'A', 2, 1, 'A', 0, 0);
    expect_record(2, 0, 1, 0, 0xE9, 0, 0);
    expect_record(2, 0, 0, 0, 0xE9, 0, 0);
    expect_record(2, 0, 2, 0, 0xE9, 0, 0);
    expect_record(2, 31, 1, 2, 31, 0, 0);
    expect_record(2, 31, 0, 2, 31, 0, 0);
    expect_record(2, 31, 2, 2, 31, 0, 0);
    expect_record(5, 2, 0, 0, 0, 0, 1);
    int32_t rec[SQVM_EVENT_WORDS];
    ck_assert(!next_record(rec));
    ck_assert_int_eq(dpy->mouse_point(), (11 << 16) | 21);
    ck_assert_int_eq(dpy->get_button_state(), 4); /* the last modifiers: none */
    ck_assert_int_eq(dpy->peek_keystroke(), -1);
    ck_assert_int_eq(dpy->get_keystroke(), -1);
    /* Time stamps are the VM's clock. */
    clock_ms = 123456;
    send(SHMFB_EVENT_MOTION, 1, 1, 0, 0, 0, 0);
    ck_assert(next_record(rec));
    ck_assert_int_le(rec[1], 123456);
    ck_assert_int_gt(rec[1], 123456 - 5000);
    stop();
}
END_TEST

START_TEST(swapped_buttons)
{
    load_module();
    ck_assert_int_eq(offer("-swapbtn", NULL), 1);
    start();
    send(SHMFB_EVENT_BUTTON_DOWN, 1, 2, SHMFB_BUTTON_MIDDLE, 0, 0, 2);
    expect_record(1, 1, 2, 1, 0, 0, 0); /* middle is blue */
    stop();
}
END_TEST

/* The idle wait sleeps until input, and the VM's asynchronous I/O is polled
 * on every idle and event call. */
START_TEST(idle_and_aio)
{
    start();
    int64_t t0 = tu_now_ms();
    dpy->relinquish_processor(200 * 1000);
    ck_assert_int_ge(tu_now_ms() - t0, 150);
    ck_assert_int_ge(aio_polls, 1);
    int polls = aio_polls;
    dpy->process_events();
    ck_assert_int_gt(aio_polls, polls);

    inputEventSemaIndex = 3;
    pid_t pid = fork();
    if (pid == 0) {
        struct shmfb_consumer *c;
        if (shmfb_consumer_open(fb_name, NULL, &c) < 0 || shmfb_consumer_attach(c) < 0)
            _exit(1);
        usleep(200 * 1000);
        struct shmfb_event ev = {.type = SHMFB_EVENT_MOTION, .x = 3, .y = 4};
        if (shmfb_consumer_send(c, &ev) < 0)
            _exit(2);
        usleep(1000 * 1000);
        shmfb_consumer_close(c);
        _exit(0);
    }
    t0 = tu_now_ms();
    dpy->relinquish_processor(20 * 1000 * 1000);
    ck_assert_int_lt(tu_now_ms() - t0, 10000);
    ck_assert_int_eq(signals, 1);
    expect_record(1, 3, 4, 0, 0, 0, 0);
    ck_assert_int_eq(tu_wait_child(pid, 5000), 0);
    stop();
}
END_TEST

/* ---- cursor -------------------------------------------------------------- */

/* The VM's cursors reach viewers through the cursor channel. */
START_TEST(cursors)
{
    start();
    struct shmfb_consumer *c2; /* the viewer thread owns con */
    ck_assert_int_eq(shmfb_consumer_open(fb_name, NULL, &c2), 0);
    struct shmfb_cursor c;
    uint32_t *bits = display_at(HIGH_OOP), *mask = bits + 16, *argb = bits + 32;
    for (int y = 0; y < 16; y++) {
        bits[y] = 0x80000000u >> y; /* a diagonal of ink */
        mask[y] = 0xC0000000u >> y; /* and white to its right */
    }
    ck_assert_int_eq(dpy->set_cursor_with_mask((int32_t)HIGH_OOP, (int32_t)(HIGH_OOP + 64), -1, -2),
                     1);
    ck_assert_int_eq(shmfb_consumer_cursor(c2, &c), 1);
    ck_assert_uint_eq(c.state, SHMFB_CURSOR_SHAPE);
    ck_assert_int_eq(c.width, 16);
    ck_assert_int_eq(c.height, 16);
    ck_assert_int_eq(c.hot_x, 1);
    ck_assert_int_eq(c.hot_y, 2);
    ck_assert_uint_eq(c.pixels[5 * 16 + 5], 0xFF000000u);
    ck_assert_uint_eq(c.pixels[5 * 16 + 6], 0xFFFFFFFFu);
    ck_assert_uint_eq(c.pixels[5 * 16 + 7], 0);
    /* Mask 0: none, the bits are their own; offsets out of range clamp. */
    ck_assert_int_eq(dpy->set_cursor_with_mask((int32_t)HIGH_OOP, 0, -20, 5), 1);
    ck_assert_int_eq(shmfb_consumer_cursor(c2, &c), 1);
    ck_assert_int_eq(c.hot_x, 15);
    ck_assert_int_eq(c.hot_y, 0);
    ck_assert_uint_eq(c.pixels[5 * 16 + 6], 0);
    /* Colour cursors up to 64 x 64; larger ones fail the primitive. */
    for (int i = 0; i < 20 * 24; i++)
        argb[i] = 0xFF00FF00u;
    ck_assert_int_eq(dpy->set_cursor_argb((int32_t)(HIGH_OOP + 128), 20, 24, -3, -4), 1);
    ck_assert_int_eq(shmfb_consumer_cursor(c2, &c), 1);
    ck_assert_int_eq(c.width, 20);
    ck_assert_int_eq(c.height, 24);
    ck_assert_int_eq(c.hot_x, 3);
    ck_assert_int_eq(c.hot_y, 4);
    ck_assert_uint_eq(c.pixels[20 * 24 - 1], 0xFF00FF00u);
    ck_assert_int_eq(dpy->set_cursor_argb((int32_t)(HIGH_OOP + 128), 65, 10, 0, 0), 0);
    ck_assert_int_eq(dpy->set_cursor_argb((int32_t)(HIGH_OOP + 128), 0, 10, 0, 0), 0);
    ck_assert_int_eq(shmfb_consumer_cursor(c2, &c), 0);
    shmfb_consumer_close(c2);
    stop();
}
END_TEST

/* ---- the desktop: clipboard, title, full screen, drops --------------------- */

/* The consumer's next host message, the module answering meanwhile. */
static void host_next(struct shmfb_host_msg *m, uint32_t type)
{
    int64_t end = tu_now_ms() + 5000;
    int rc;
    while ((rc = shmfb_consumer_host_recv(con, m)) == -EAGAIN && tu_now_ms() < end)
        dpy->process_events();
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_eq(m->type, type);
}

START_TEST(desktop)
{
    start();
    struct shmfb_host_msg m;
    /* The title: the image's path, its Latin-1 bytes shown as UTF-8. */
    host_next(&m, SHMFB_HOST_TITLE);
    ck_assert_str_eq(m.title, "/images/Caf\xc3\xa9.image");
    dpy->win_set_name("/x/H\xc3\xbcndchen.image");
    host_next(&m, SHMFB_HOST_TITLE);
    ck_assert_str_eq(m.title, "/x/H\xc3\xbcndchen.image");
    dpy->set_full_screen(1);
    host_next(&m, SHMFB_HOST_FULLSCREEN);
    ck_assert(m.fullscreen);

    /* Paste: the viewer's UTF-8 reaches the image unchanged (its encoding
     * under shmfb-squeak). */
    ck_assert_int_eq(dpy->clipboard_size(), 0);
    const char *text = "K\xc3\xa4tzchen \xc3\xb1 \xe2\x82\xac";
    struct shmfb_clip_item it = {.mime = SHMFB_MIME_TEXT, .data = text, .size = strlen(text)};
    ck_assert_int_eq(shmfb_consumer_offer_clipboard(con, &it, 1), 0);
    int32_t n = 0;
    for (int64_t end = tu_now_ms() + 5000; n == 0 && tu_now_ms() < end;)
        n = dpy->clipboard_size();
    ck_assert_int_eq(n, (int32_t)strlen(text));
    char *bytes = (char *)heap + HIGH_OOP + 4096;
    memset(bytes, 0, 64);
    ck_assert_int_eq(dpy->clipboard_read_into_at(n, (int32_t)(HIGH_OOP + 4096), 0), n);
    ck_assert_mem_eq(bytes, text, (size_t)n);
    ck_assert_int_eq(dpy->clipboard_read_into_at(3, (int32_t)(HIGH_OOP + 4096), 20), 3);
    ck_assert_mem_eq(bytes + 20, "K\xc3\xa4", 3);

    /* Copy: UTF-8 goes out as it is, other bytes are taken for Latin-1;
     * then the image's own clipboard is the newest, and its size answers 0. */
    memcpy(bytes, "xH\xc3\xbcndchen", 11);
    ck_assert_int_eq(dpy->clipboard_write_from_at(10, (int32_t)(HIGH_OOP + 4096), 1), 10);
    host_next(&m, SHMFB_HOST_CLIPBOARD);
    ck_assert_uint_eq(m.items[0].size, 10);
    ck_assert_mem_eq(m.items[0].data, "H\xc3\xbcndchen", 10);
    memcpy(bytes, "xH\xfcndchen", 10);
    ck_assert_int_eq(dpy->clipboard_write_from_at(9, (int32_t)(HIGH_OOP + 4096), 1), 9);
    host_next(&m, SHMFB_HOST_CLIPBOARD);
    ck_assert_uint_eq(m.count, 1);
    ck_assert_uint_eq(m.items[0].size, 10);
    ck_assert_mem_eq(m.items[0].data, "H\xc3\xbcndchen", 10);
    ck_assert_int_eq(dpy->clipboard_size(), 0);

    /* A drop: the names as the VM's drop primitives read them, then the
     * record (a pointer move to the place first). */
    const char *paths[] = {"/tmp/a b.png", "file:///tmp/caf%C3%A9.png"};
    ck_assert_int_eq(shmfb_consumer_drop(con, 10, 20, paths, 2), 0);
    int32_t rec[SQVM_EVENT_WORDS];
    bool got = false;
    for (int64_t end = tu_now_ms() + 5000; !got && tu_now_ms() < end;)
        got = next_record(rec) && rec[0] == 3;
    ck_assert(got);
    ck_assert_int_eq(rec[2], 4);
    ck_assert_int_eq(rec[3], 10);
    ck_assert_int_eq(rec[4], 20);
    ck_assert_int_eq(rec[6], 2);
    ck_assert_int_eq(uxDropFileCount, 2);
    ck_assert_str_eq(uxDropFileNames[0], "/tmp/a b.png");
    ck_assert_str_eq(uxDropFileNames[1], "/tmp/caf\xc3\xa9.png");
    stop();
}
END_TEST

/* ---- what the module does not provide ------------------------------------- */

START_TEST(stubs)
{
    start();
    ck_assert_ptr_null(dpy->clipboard_get_type_names());
    ck_assert_ptr_null(dpy->get_display());
    ck_assert_ptr_null(dpy->get_window());
    ck_assert_int_eq(dpy->gl_initialise(), 0);
    ck_assert_int_eq(dpy->beep(), 0);
    ck_assert_int_eq(dpy->host_window_create(10, 10, 0, 0, "", 0), 0);
    ck_assert_int_eq(dpy->host_window_get_size(1), -1);
    ck_assert_int_eq(dpy->host_window_close_all(), 0);
    /* The browser-plugin primitives fail. */
    ck_assert_int_eq(prim_fails, 0);
    dpy->plugin_browser_ready();
    dpy->plugin_request_state();
    ck_assert_int_eq(prim_fails, 2);
    stop();
}
END_TEST

/* ---- leaving ----------------------------------------------------------------- */

/* A termination signal closes the framebuffer at the VM's next call into the
 * module, then ends the VM by that signal. */
START_TEST(quit_signal_removes_name)
{
    const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
    for (int i = 0; i < 3; i++) {
        tu_name(fb_name, sizeof(fb_name), "sqsig");
        pid_t pid = fork();
        if (pid == 0) {
            signal(sigs[i], SIG_DFL);
            load_module();
            offer("-shmfb-name", fb_name);
            dpy = mod->make_interface();
            dpy->win_init();
            dpy->win_open();
            raise(sigs[i]);
            for (;;)
                dpy->relinquish_processor(1000);
        }
        ck_assert_int_eq(tu_wait_child(pid, 5000), 128 + sigs[i]);
        ck_assert_int_eq(shmfb_probe(fb_name, &(struct shmfb_info){0}), -ENOENT);
    }
}
END_TEST

/* A signal the VM was started with ignored (nohup) stays ignored. */
START_TEST(ignored_signal_stays_ignored)
{
    tu_name(fb_name, sizeof(fb_name), "sqign");
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGHUP, SIG_IGN);
        load_module();
        offer("-shmfb-name", fb_name);
        dpy = mod->make_interface();
        dpy->win_init();
        dpy->win_open();
        raise(SIGHUP);
        for (int i = 0; i < 20; i++)
            dpy->relinquish_processor(1000);
        dpy->win_exit();
        _exit(shmfb_probe(fb_name, &(struct shmfb_info){0}) == -ENOENT ? 0 : 3);
    }
    ck_assert_int_eq(tu_wait_child(pid, 5000), 0);
}
END_TEST

/* SHMFB_SQUEAK_TIMING: one line per present, the microseconds from the
 * first show and from the present's start to its return. */
START_TEST(timing_file)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/timing.txt", tu_tmpdir());
    unlink(path);
    setenv("SHMFB_SQUEAK_TIMING", path, 1);
    start();
    uint32_t *bits = display_at(HIGH_OOP);
    paint(bits, 1024, 767, 3);
    for (int i = 0; i < 3; i++) {
        dpy->show_display((int32_t)HIGH_OOP, 1024, 767, 32, 0, 10, 0, 10);
        dpy->force_display_update();
    }
    ck_assert_uint_eq(frames_seen(), 3);
    stop();
    unsetenv("SHMFB_SQUEAK_TIMING");
    FILE *f = fopen(path, "re");
    ck_assert_ptr_nonnull(f);
    unsigned shown, presented, n = 0;
    while (fscanf(f, "%u %u", &shown, &presented) == 2) {
        ck_assert_uint_ge(shown, presented);
        n++;
    }
    fclose(f);
    unlink(path);
    rmdir(tu_tmpdir());
    ck_assert_uint_eq(n, 3);
}
END_TEST

static Suite *module_suite(void)
{
    Suite *s = suite_create("squeak_module");
    TCase *tc = tcase_create("module");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, module_tables);
    tcase_add_test(tc, options);
    tcase_add_test(tc, bad_capacity_option);
    tcase_add_test(tc, no_name_not_spawned);
    tcase_add_test(tc, window_lifecycle);
    tcase_add_test(tc, screen_size_depth);
    tcase_add_test(tc, show_display);
    tcase_add_test(tc, input_records);
    tcase_add_test(tc, swapped_buttons);
    tcase_add_test(tc, idle_and_aio);
    tcase_add_test(tc, cursors);
    tcase_add_test(tc, desktop);
    tcase_add_test(tc, stubs);
    tcase_add_test(tc, quit_signal_removes_name);
    tcase_add_test(tc, ignored_signal_stays_ignored);
    tcase_add_test(tc, timing_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    if (argc > 2) {
        fprintf(stderr, "usage: test_squeak_module [PATH/so.vm-display-shmfb]\n");
        return 2;
    }
    module_path = argc == 2 ? argv[1] : SQUEAK_MODULE;
    tu_sweep_stale();
    SRunner *sr = srunner_create(module_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

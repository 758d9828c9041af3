/*
 * toyvm-drive: runs toy-vm and plays a viewer's part against it.
 *
 *   toyvm-drive TOY_VM named|spawned GOLDEN_DIR OUT_DIR
 *
 * Starts toy-vm (by name, or spawned with shmfb_spawn), takes its frames,
 * sends clicks, keys, text, a wheel turn, a resize request and a close
 * request, and checks: the lines toy-vm logged for the events it received,
 * the colours of the squares it drew, the final frames against golden PNGs
 * (GOLDEN_DIR/toyvm-draw.png, toyvm-resized.png; with SHMFB_UPDATE_GOLDEN=1
 * they are written instead), and that it exits 0 on the close request.
 * Exit status 0 when everything held, 1 otherwise.
 */
#include <shmfb/shmfb.h>
#ifdef HAVE_SHMFB_PNG
#include <shmfb/png.h>
#endif

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STEP_TIMEOUT_MS 10000 /* longest wait for toy-vm to react */
#define QUIET_MS        300   /* no new frame for this long: it is idle */
#define MAX_LINES       64

struct drive {
    const char *toyvm, *mode, *golden, *out;
    char name[64], log[512];
    pid_t pid;
    int sock;
    struct shmfb_consumer *c;
    int failures;
};

static void fail(struct drive *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "toyvm-drive (%s): ", d->mode);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    d->failures++;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- starting toy-vm ---------------------------------------------------- */

static int start_named(struct drive *d)
{
    snprintf(d->name, sizeof(d->name), "/toyvm-drive-%d", (int)getpid());
    char *argv[] = {(char *)d->toyvm, "--name", d->name, "--size",          "320x240", "--max",
                    "640x480",        "--log",  d->log,  "--exit-after-ms", "60000",   NULL};
    d->pid = fork();
    if (d->pid < 0)
        return -errno;
    if (d->pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    int rc = -ENOENT;
    for (long long t0 = now_ms(); now_ms() - t0 < STEP_TIMEOUT_MS; usleep(10 * 1000)) {
        rc = shmfb_consumer_open(d->name, NULL, &d->c);
        if (rc != -ENOENT && rc != -EAGAIN)
            break;
    }
    return rc;
}

static int start_spawned(struct drive *d)
{
    char *argv[] = {(char *)d->toyvm, "--size", "320x240",         "--max", "640x480",
                    "--log",          d->log,   "--exit-after-ms", "60000", NULL};
    int32_t pid;
    int rc = shmfb_spawn(argv, &pid, &d->sock);
    if (rc < 0)
        return rc;
    d->pid = pid;
    return shmfb_consumer_open_socket(d->sock, STEP_TIMEOUT_MS, NULL, &d->c);
}

/* ---- playing the viewer ------------------------------------------------- */

static int count_lines(const char *path)
{
    FILE *f = fopen(path, "re");
    int n = 0, ch;
    if (!f)
        return 0;
    while ((ch = fgetc(f)) != EOF)
        n += ch == '\n';
    fclose(f);
    return n;
}

/* Takes frames until toy-vm logged \p lines lines (it logs an event once
 * its drawing was shown) and went quiet. */
static void settle(struct drive *d, int lines)
{
    long long t0 = now_ms(), last = t0;
    struct shmfb_frame f;
    while (now_ms() - t0 < STEP_TIMEOUT_MS) {
        int rc = shmfb_consumer_wait(d->c, 50, &f);
        if (rc == 0) {
            shmfb_consumer_release(d->c);
            last = now_ms();
        } else if (rc == -EPIPE && count_lines(d->log) >= lines) {
            return; /* it logged the close request and exited */
        } else if (rc != -ETIMEDOUT) {
            fail(d, "waiting for a frame: %s", shmfb_strerror(rc));
            return;
        }
        if (count_lines(d->log) >= lines && now_ms() - last >= QUIET_MS)
            return;
    }
    fail(d, "toy-vm logged %d lines, not %d, within %d ms", count_lines(d->log), lines,
         STEP_TIMEOUT_MS);
}

static void send(struct drive *d, uint32_t type, int32_t x, int32_t y, uint32_t code, uint32_t sym,
                 uint32_t mods, uint32_t buttons)
{
    struct shmfb_event ev = {type, 0, x, y, code, sym, mods, buttons};
    int rc = shmfb_consumer_send(d->c, &ev);
    if (rc < 0)
        fail(d, "send: %s", shmfb_strerror(rc));
}

static void click(struct drive *d, uint32_t button, int32_t x, int32_t y)
{
    send(d, SHMFB_EVENT_BUTTON_DOWN, x, y, button, 0, 0, 1u << (button - 1));
    send(d, SHMFB_EVENT_BUTTON_UP, x, y, button, 0, 0, 0);
}

static void key(struct drive *d, uint32_t sym, uint32_t mods, uint32_t text)
{
    send(d, SHMFB_EVENT_KEY_DOWN, 0, 0, 0, sym, mods, 0);
    if (text)
        send(d, SHMFB_EVENT_TEXT, 0, 0, text, 0, mods, 0);
    send(d, SHMFB_EVENT_KEY_UP, 0, 0, 0, sym, mods, 0);
}

static void text(struct drive *d, uint32_t cp)
{
    send(d, SHMFB_EVENT_TEXT, 0, 0, cp, 0, 0, 0);
}

/* ---- checking ----------------------------------------------------------- */

static void check_pixel(struct drive *d, const struct shmfb_frame *f, int x, int y, uint32_t want)
{
    uint32_t got = f->pixels[(size_t)y * (size_t)(f->stride / 4) + (size_t)x];
    if ((got & 0xFFFFFFu) != (want & 0xFFFFFFu))
        fail(d, "pixel %d,%d is %08x, want %08x", x, y, got, want);
}

static void check_golden(struct drive *d, const struct shmfb_frame *f, const char *file)
{
#ifdef HAVE_SHMFB_PNG
    char golden[512], got[512], diff[512], err[256] = "";
    snprintf(golden, sizeof(golden), "%s/%s", d->golden, file);
    snprintf(got, sizeof(got), "%s/%s-%s", d->out, d->mode, file);
    snprintf(diff, sizeof(diff), "%s/%s-diff-%s", d->out, d->mode, file);
    struct shmfb_image now = {.width = f->width,
                              .height = f->height,
                              .stride = f->stride,
                              .pixels = (uint32_t *)f->pixels},
                       want;
    shmfb_png_write(got, now.pixels, now.width, now.height, now.stride, false, NULL, 0);
    const char *update = getenv("SHMFB_UPDATE_GOLDEN");
    if (update && strcmp(update, "1") == 0) {
        if (shmfb_png_write(golden, now.pixels, now.width, now.height, now.stride, false, err,
                            sizeof(err)) < 0)
            fail(d, "writing %s: %s", golden, err);
        return;
    }
    if (shmfb_png_read(golden, &want, err, sizeof(err)) < 0) {
        fail(d, "%s: %s (SHMFB_UPDATE_GOLDEN=1 writes it)", golden, err);
        return;
    }
    struct shmfb_diff dd;
    int rc = shmfb_image_compare(&want, &now, 0, false, &dd, diff);
    if (rc != 0)
        fail(d, "%s differs from %s (%llu pixels; diff image %s)", got, golden,
             (unsigned long long)dd.differing, diff);
    shmfb_image_free(&want);
#else
    (void)d, (void)f, (void)file;
#endif
}

/* Describes the last frame (toy-vm is idle, so it stays put) and checks it. */
static void snapshot(struct drive *d, int w, int h, const char *golden)
{
    struct shmfb_frame f;
    int rc = shmfb_consumer_peek(d->c, &f);
    if (rc < 0) {
        fail(d, "peek: %s", shmfb_strerror(rc));
        return;
    }
    if (f.width != w || f.height != h) {
        fail(d, "frame is %dx%d, want %dx%d", f.width, f.height, w, h);
        return;
    }
    check_pixel(d, &f, 40, 120, 0xFFE04040u); /* left: red */
    check_pixel(d, &f, 60, 120, 0xFF4080F0u); /* right: blue */
    check_pixel(d, &f, 80, 120, 0xFFE8D040u); /* middle: yellow */
    check_golden(d, &f, golden);
}

/* Every key press is a down and a char with the same code, its release an
 * up (the X11 module's form); toy-vm logs the code point. */
static const char *const expected_log[] = {"click 1 x=40 y=120",
                                           "release 1 x=40 y=120",
                                           "click 3 x=60 y=120",
                                           "release 3 x=60 y=120",
                                           "click 2 x=80 y=120",
                                           "release 2 x=80 y=120",
                                           "move x=100 y=130 buttons=0",
                                           "down 72 mods=1",
                                           "key 'H'",
                                           "up 72 mods=1",
                                           "down 105 mods=0",
                                           "key 'i'",
                                           "up 105 mods=0",
                                           "down 33 mods=0",
                                           "key '!'",
                                           "up 33 mods=0",
                                           "down 128512 mods=0",
                                           "text U+1F600",
                                           "up 128512 mods=0",
                                           "down 120 mods=0",
                                           "key 'x'",
                                           "up 120 mods=0",
                                           "down 8 mods=0",
                                           "text U+0008",
                                           "up 8 mods=0",
                                           "down 13 mods=0",
                                           "text U+000D",
                                           "up 13 mods=0",
                                           "down 111 mods=0",
                                           "key 'o'",
                                           "up 111 mods=0",
                                           "down 107 mods=0",
                                           "key 'k'",
                                           "up 107 mods=0",
                                           "wheel dx=0 dy=120",
                                           "focus",
                                           "resize 400x300",
                                           "close"};

#define N_EXPECTED ((int)(sizeof(expected_log) / sizeof(expected_log[0])))

static void check_log(struct drive *d)
{
    FILE *f = fopen(d->log, "re");
    char line[256];
    int n = 0;
    if (!f) {
        fail(d, "no log %s", d->log);
        return;
    }
    for (; fgets(line, sizeof(line), f); n++) {
        line[strcspn(line, "\n")] = '\0';
        if (n < N_EXPECTED && strcmp(line, expected_log[n]) != 0)
            fail(d, "log line %d is \"%s\", want \"%s\"", n + 1, line, expected_log[n]);
    }
    fclose(f);
    if (n != N_EXPECTED)
        fail(d, "log has %d lines, want %d", n, N_EXPECTED);
}

/* ---- the script --------------------------------------------------------- */

static void play(struct drive *d)
{
    settle(d, 0);
    click(d, SHMFB_BUTTON_LEFT, 40, 120);
    click(d, SHMFB_BUTTON_RIGHT, 60, 120);
    click(d, SHMFB_BUTTON_MIDDLE, 80, 120);
    send(d, SHMFB_EVENT_MOTION, 100, 130, 0, 0, 0, 0);
    settle(d, 7);
    key(d, 'h', SHMFB_MOD_SHIFT, 'H');
    text(d, 'i');
    text(d, '!');
    text(d, 0x1F600); /* no glyph: drawn as a box */
    text(d, 'x');
    key(d, 0x08, 0, 0); /* Backspace erases the x */
    key(d, 0x0D, 0, 0); /* Return starts a line */
    text(d, 'o');
    text(d, 'k');
    send(d, SHMFB_EVENT_WHEEL, 0, 1, 0, 0, 0, 0);
    send(d, SHMFB_EVENT_FOCUS_IN, 0, 0, 0, 0, 0, 0);
    settle(d, N_EXPECTED - 2);
    snapshot(d, 320, 240, "toyvm-draw.png");
    send(d, SHMFB_EVENT_RESIZE, 400, 300, 0, 0, 0, 0);
    settle(d, N_EXPECTED - 1);
    snapshot(d, 400, 300, "toyvm-resized.png");
    send(d, SHMFB_EVENT_CLOSE, 0, 0, 0, 0, 0, 0);
    settle(d, N_EXPECTED);
}

static int wait_exit(pid_t pid, int timeout_ms)
{
    int status;
    for (long long t0 = now_ms(); now_ms() - t0 < timeout_ms; usleep(10 * 1000)) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[2], "named") != 0 && strcmp(argv[2], "spawned") != 0)) {
        fprintf(stderr, "usage: toyvm-drive TOY_VM named|spawned GOLDEN_DIR OUT_DIR\n");
        return 2;
    }
    struct drive d = {
        .toyvm = argv[1], .mode = argv[2], .golden = argv[3], .out = argv[4], .sock = -1};
    mkdir(d.out, 0777);
    snprintf(d.log, sizeof(d.log), "%s/toyvm-%s.log", d.out, d.mode);
    unlink(d.log);
    int rc = d.mode[0] == 'n' ? start_named(&d) : start_spawned(&d);
    if (rc == 0)
        rc = shmfb_consumer_attach(d.c);
    if (rc < 0)
        fail(&d, "cannot open toy-vm's framebuffer: %s", shmfb_strerror(rc));
    else
        play(&d);
    shmfb_consumer_close(d.c);
    int status = d.pid > 0 ? wait_exit(d.pid, STEP_TIMEOUT_MS) : -1;
    if (status != 0)
        fail(&d, "toy-vm exited with %d, want 0", status);
    if (d.sock >= 0)
        close(d.sock);
    check_log(&d);
    if (d.name[0] && shmfb_probe(d.name, &(struct shmfb_info){0}) != -ENOENT)
        fail(&d, "%s is still there after toy-vm exited", d.name);
    return d.failures ? 1 : 0;
}

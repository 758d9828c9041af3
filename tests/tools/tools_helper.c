/*
 * Helper for the command-line tests: checkers that compare PNG files written
 * by `shmfb snap` with the frames that were drawn (by test-producer --scene
 * seq, or the demo), and a viewer without a window.
 *
 *   tools_helper check-pattern PNG SEQ WxH MAXWxH alpha|noalpha
 *   tools_helper expect-demo PNG SEQ WxH MAXWxH SPRITE
 *   tools_helper follow NAME FRAMES
 *       keeps a private copy up to date from the damage alone, and checks it
 *       against the whole shared frame every time
 *   tools_helper spawn OUT.png PROGRAM [ARGS...]
 *       a viewer without a window: starts PROGRAM as shmfb-view -- PROGRAM
 *       does, checks that its framebuffer is a memfd and nothing in /dev/shm,
 *       writes its first frame like `shmfb snap`, asks it to close, and says
 *       whether it quit by itself ("closed") or had to be sent SIGTERM
 */
#include "pattern.h"
#include "scene.h"

#include "args.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <shmfb/png.h>

static int parse_size(const char *s, int32_t *w, int32_t *h)
{
    return sscanf(s, "%dx%d", w, h) == 2 && *w > 0 && *h > 0 ? 0 : -1;
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "tools_helper: %s: %s\n", what, shmfb_png_strerror(rc));
    return 1;
}

/* Compares \p got with \p want exactly; on a mismatch says where and writes
 * a diff image next to the file. */
static int compare(const char *png, const struct shmfb_image *got, const struct shmfb_image *want)
{
    char diff_path[4096];
    struct shmfb_diff d;
    int rc;

    snprintf(diff_path, sizeof(diff_path), "%s.diff.png", png);
    rc = shmfb_image_compare(got, want, 0, true, &d, diff_path);
    if (rc == 0)
        return 0;
    if (rc < 0) {
        fprintf(stderr, "tools_helper: %s is %dx%d, expected %dx%d (%s)\n", png, (int)got->width,
                (int)got->height, (int)want->width, (int)want->height, shmfb_png_strerror(rc));
        return 1;
    }
    fprintf(stderr, "tools_helper: %s: %llu pixels differ (max delta %d) in %d,%d %dx%d; see %s\n",
            png, (unsigned long long)d.differing, (int)d.max_delta, (int)d.bbox.x, (int)d.bbox.y,
            (int)d.bbox.w, (int)d.bbox.h, diff_path);
    return 1;
}

static int check_with(const char *png, struct shmfb_image *want)
{
    struct shmfb_image got;
    char err[256];
    int rc = shmfb_png_read(png, &got, err, sizeof(err));

    if (rc < 0) {
        fprintf(stderr, "tools_helper: %s\n", err);
        return 1;
    }
    rc = compare(png, &got, want);
    shmfb_image_free(&got);
    return rc;
}

static int check_pattern(char **argv)
{
    uint64_t seq = strtoull(argv[2], NULL, 10);
    int32_t w, h, mw, mh, fw, fh;
    bool alpha = strcmp(argv[5], "alpha") == 0;
    struct shmfb_image want;
    int rc;

    if (seq == 0 || parse_size(argv[3], &w, &h) < 0 || parse_size(argv[4], &mw, &mh) < 0)
        return 2;
    test_pattern_size(seq, w, h, mw, mh, &fw, &fh);
    if ((rc = shmfb_image_alloc(&want, fw, fh)) < 0)
        return fail("alloc", rc);
    for (int32_t y = 0; y < fh; y++)
        for (int32_t x = 0; x < fw; x++)
            want.pixels[y * fw + x] = test_pattern(x, y, seq) | (alpha ? 0 : 0xff000000u);
    rc = check_with(argv[1], &want);
    shmfb_image_free(&want);
    return rc;
}

static int expect_demo(char **argv)
{
    struct scene s;
    struct shmfb_image sprite, want;
    uint64_t seq = strtoull(argv[2], NULL, 10);
    int32_t fw, fh;
    int rc;

    if (seq == 0 || parse_size(argv[3], &s.width, &s.height) < 0 ||
        parse_size(argv[4], &s.max_width, &s.max_height) < 0)
        return 2;
    if ((rc = shmfb_png_read(argv[5], &sprite, NULL, 0)) < 0)
        return fail(argv[5], rc);
    s.sprite = &sprite;
    scene_size(&s, seq, &fw, &fh);
    rc = shmfb_image_alloc(&want, fw, fh);
    if (rc == 0) {
        scene_paint(&s, seq, fw, fh, want.pixels, want.stride, &(struct shmfb_rect){0, 0, fw, fh});
        rc = check_with(argv[1], &want);
        shmfb_image_free(&want);
    } else {
        rc = fail("alloc", rc);
    }
    shmfb_image_free(&sprite);
    return rc;
}

static const uint32_t *shared_row(const struct shmfb_frame *f, int32_t y)
{
    return (const uint32_t *)((const unsigned char *)f->pixels + (size_t)y * (size_t)f->stride);
}

static void copy_rect(struct shmfb_image *copy, const struct shmfb_frame *f,
                      const struct shmfb_rect *r)
{
    for (int32_t y = r->y; y < r->y + r->h; y++)
        memcpy(copy->pixels + (size_t)y * (size_t)copy->width + r->x, shared_row(f, y) + r->x,
               (size_t)r->w * 4);
}

/* Applies one frame's damage to the copy; returns the pixels that then
 * still differ from the shared frame. */
static long apply_frame(struct shmfb_image *copy, const struct shmfb_frame *f)
{
    long bad = 0;

    if (f->flags & SHMFB_FRAME_FULL)
        copy_rect(copy, f, &(struct shmfb_rect){0, 0, f->width, f->height});
    else
        for (uint32_t i = 0; i < f->ndamage; i++)
            copy_rect(copy, f, &f->damage[i]);
    for (int32_t y = 0; y < f->height; y++)
        for (int32_t x = 0; x < f->width; x++)
            bad += copy->pixels[(size_t)y * (size_t)copy->width + x] != shared_row(f, y)[x];
    return bad;
}

/*
 * The frame already out when we attached was presented without waiting for
 * us, so the producer may be drawing over it while we copy it; its torn
 * pixels lie inside the next frame's damage.  Frames presented after that
 * are held still until released, and are checked.
 */
static int follow_frames(struct shmfb_consumer *c, long frames, struct shmfb_image *copy)
{
    long full = 0, partial = 0, resized = 0, bad = 0;
    struct shmfb_frame f;
    uint64_t unheld = shmfb_consumer_peek(c, &f) == 0 ? f.seq : 0;
    int rc = 0;

    for (long n = 0; n < frames && rc == 0; n++) {
        if ((rc = shmfb_consumer_wait(c, 5000, &f)) < 0)
            break;
        full += (f.flags & SHMFB_FRAME_FULL) != 0;
        partial += (f.flags & SHMFB_FRAME_FULL) == 0;
        resized += (f.flags & SHMFB_FRAME_RESIZED) != 0;
        if (f.seq > unheld)
            bad += apply_frame(copy, &f);
        else
            apply_frame(copy, &f);
        rc = shmfb_consumer_release(c);
    }
    if (rc < 0)
        return fail("follow", rc);
    printf("frames %ld full %ld partial %ld resized %ld wrong-pixels %ld\n", frames, full, partial,
           resized, bad);
    return bad == 0 && partial > 0 ? 0 : 1;
}

static int follow(char **argv)
{
    struct shmfb_consumer *c;
    struct shmfb_image copy;
    int32_t mw, mh;
    int rc = shmfb_consumer_open(argv[1], NULL, &c);

    if (rc < 0)
        return fail(argv[1], rc);
    shmfb_consumer_capacity(c, &mw, &mh);
    if ((rc = shmfb_image_alloc(&copy, mw, mh)) < 0 || (rc = shmfb_consumer_attach(c)) < 0) {
        shmfb_image_free(&copy);
        shmfb_consumer_close(c);
        return fail(argv[1], rc);
    }
    rc = follow_frames(c, atol(argv[2]), &copy);
    shmfb_image_free(&copy);
    shmfb_consumer_close(c);
    return rc;
}

/* The spawned program maps its framebuffer as a memfd, and nothing of /dev/shm. */
static int check_private(int32_t pid)
{
    char path[64], line[512];
    bool memfd = false, shm = false;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    if (!(f = fopen(path, "re")))
        return fail(path, -errno);
    while (fgets(line, sizeof(line), f)) {
        memfd |= strstr(line, "/memfd:shmfb") != NULL;
        shm |= strstr(line, "/dev/shm/") != NULL;
    }
    fclose(f);
    if (memfd && !shm)
        return 0;
    fprintf(stderr, "tools_helper: %s maps %s\n", path, shm ? "/dev/shm" : "no shmfb memfd");
    return 1;
}

static int write_first_frame(struct shmfb_consumer *c, const char *out)
{
    struct shmfb_frame f;
    int rc = shmfb_consumer_wait(c, 5000, &f);

    if (rc < 0)
        return fail("wait", rc);
    rc = shmfb_png_write(out, f.pixels, f.width, f.height, f.stride, false, NULL, 0);
    if (rc < 0)
        return fail(out, rc);
    printf("%s: frame %llu, %dx%d\n", out, (unsigned long long)f.seq, (int)f.width, (int)f.height);
    shmfb_consumer_release(c);
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sends a close request and keeps taking frames (a FIFO producer waits for
 * them) until the program ends, or 3 s passed and it is sent SIGTERM. */
static void close_program(struct shmfb_consumer *c, int32_t pid)
{
    struct shmfb_event ev = {.type = SHMFB_EVENT_CLOSE};
    struct shmfb_frame f;
    int64_t until = now_ms() + 3000;
    int ws;

    shmfb_consumer_send(c, &ev);
    while (now_ms() < until) {
        if (waitpid(pid, &ws, WNOHANG) == pid) {
            printf("closed: exit %d\n", WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws));
            return;
        }
        if (shmfb_consumer_wait(c, 50, &f) == 0)
            shmfb_consumer_release(c);
    }
    kill(pid, SIGTERM);
    waitpid(pid, &ws, 0);
    printf("terminated: exit %d\n", WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws));
}

static int spawn(char **argv)
{
    struct shmfb_consumer *c;
    int32_t pid;
    int sock, rc = shmfb_spawn(argv + 2, &pid, &sock);

    if (rc < 0)
        return fail(argv[2], rc);
    rc = shmfb_consumer_open_socket(sock, 5000, NULL, &c);
    close(sock);
    if (rc == 0 && (rc = shmfb_consumer_attach(c)) < 0)
        shmfb_consumer_close(c);
    if (rc < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return fail("no framebuffer received", rc);
    }
    rc = check_private(pid);
    if (rc == 0)
        rc = write_first_frame(c, argv[1]);
    close_program(c, pid);
    shmfb_consumer_close(c);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "spawn") == 0)
        return spawn(argv + 1);
    if (argc == 7 && strcmp(argv[1], "check-pattern") == 0)
        return check_pattern(argv + 1);
    if (argc == 7 && strcmp(argv[1], "expect-demo") == 0)
        return expect_demo(argv + 1);
    if (argc == 4 && strcmp(argv[1], "follow") == 0)
        return follow(argv + 1);
    fprintf(stderr, "tools_helper: bad arguments\n");
    return 2;
}

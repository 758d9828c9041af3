/*
 * e2e-host: a producer for the host channel's end-to-end cases.  It shows
 * a plain 160x120 frame (following resize requests), takes commands on its
 * standard input, one a line:
 *
 *   title TEXT        set the title
 *   offer TEXT        offer TEXT as the clipboard (text/plain;charset=utf-8)
 *   fullscreen 0|1    ask for full screen, or not
 *
 * and writes what consumers send on its standard output, one a line:
 *
 *   clipboard TEXT            a consumer's clipboard text
 *   drop X Y PATH [PATH...]   files dropped at X, Y (paths separated by tabs)
 *   size W H                  the frame's size after a resize request
 */
#include "args.h"

#include <shmfb/shmfb.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void draw(struct shmfb_producer *p)
{
    int32_t w, h;
    shmfb_producer_size(p, &w, &h, NULL, NULL);
    uint32_t *px = shmfb_producer_pixels(p);
    int32_t stride = shmfb_producer_stride(p) / 4;
    for (int32_t y = 0; y < h; y++)
        for (int32_t x = 0; x < w; x++)
            px[y * stride + x] = 0xFF204060u + (uint32_t)((x / 20 + y / 20) % 2) * 0x303030u;
    shmfb_producer_present(p);
}

static void command(struct shmfb_producer *p, char *line)
{
    line[strcspn(line, "\n")] = '\0';
    int rc = 0;
    if (strncmp(line, "title ", 6) == 0) {
        rc = shmfb_producer_set_title(p, line + 6);
    } else if (strncmp(line, "offer ", 6) == 0) {
        struct shmfb_clip_item it = {
            .mime = SHMFB_MIME_TEXT, .data = line + 6, .size = strlen(line + 6)};
        rc = shmfb_producer_offer_clipboard(p, &it, 1);
    } else if (strncmp(line, "fullscreen ", 11) == 0) {
        rc = shmfb_producer_set_fullscreen(p, line[11] == '1');
    } else {
        fprintf(stderr, "e2e-host: unknown command '%s'\n", line);
    }
    if (rc < 0)
        fprintf(stderr, "e2e-host: %s: %s\n", line, shmfb_strerror(rc));
}

static void report(const struct shmfb_host_msg *m)
{
    if (m->type == SHMFB_HOST_CLIPBOARD) {
        for (uint32_t i = 0; i < m->count; i++)
            if (strcmp(m->items[i].mime, SHMFB_MIME_TEXT) == 0)
                printf("clipboard %.*s\n", (int)m->items[i].size, (const char *)m->items[i].data);
    } else if (m->type == SHMFB_HOST_DROP) {
        printf("drop %d %d", m->x, m->y);
        for (uint32_t i = 0; i < m->count; i++)
            printf("%c%s", i ? '\t' : ' ', m->paths[i]);
        printf("\n");
    }
    fflush(stdout);
}

static void events(struct shmfb_producer *p)
{
    struct shmfb_event ev;
    while (shmfb_producer_poll_event(p, &ev) == 0) {
        if (ev.type == SHMFB_EVENT_RESIZE && shmfb_producer_resize(p, ev.x, ev.y) == 0) {
            printf("size %d %d\n", ev.x, ev.y);
            fflush(stdout);
            draw(p);
        }
    }
    struct shmfb_host_msg m;
    while (shmfb_producer_host_recv(p, &m) == 0)
        report(&m);
}

static int run(struct shmfb_producer *p)
{
    char line[4096];
    draw(p);
    while (!stop) {
        struct pollfd in = {.fd = 0, .events = POLLIN};
        if (poll(&in, 1, 0) > 0) {
            if (!fgets(line, sizeof line, stdin))
                break;
            command(p, line);
        }
        shmfb_producer_wait(p, 20, SHMFB_WAIT_EVENT | SHMFB_WAIT_HOST);
        events(p);
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct args a = {.prog = "e2e-host",
                     .usage_text = "usage: e2e-host NAME\n"
                                   "A producer for the host channel's end-to-end cases: commands\n"
                                   "on stdin (title TEXT, offer TEXT, fullscreen 0|1), what\n"
                                   "consumers send on stdout (clipboard, drop, size lines).\n",
                     .shortopts = ""};
    args_start(&a, argc, argv);
    int opt;
    while ((opt = args_next(&a)) > 0)
        ;
    if (opt == ARGS_STOP)
        return a.status;
    if (a.nrest != 1)
        return args_usage_error(&a, "expected one NAME");
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    struct shmfb_producer_desc d = {
        .max_width = 1024, .max_height = 768, .width = 160, .height = 120};
    struct shmfb_producer *p;
    int rc = shmfb_producer_create(a.rest[0], &d, &p);
    if (rc < 0) {
        fprintf(stderr, "e2e-host: %s: %s\n", a.rest[0], shmfb_strerror(rc));
        return 1;
    }
    rc = run(p);
    shmfb_producer_destroy(p);
    return rc;
}

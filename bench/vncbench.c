/*
 * shmfb-vnc-bench: what one VNC client gets from shmfb-vnc.
 *
 * This process is the producer (a named 1920x1080 FIFO framebuffer drawn
 * by a thread) and the client (libvncclient on the main thread); the real
 * shmfb-vnc runs as a child process between them, on loopback.  For each
 * encoding it measures, in interleaved rounds:
 *   - full frames: every pixel changes every frame (a scrolling image of
 *     8x8 blocks from a 16-colour palette, compressible like a desktop);
 *   - 256x256 damage: only a square in the middle changes;
 * and reports frame updates received per second, bytes received per update
 * (from the socket's TCP_INFO), and frames the producer presented meanwhile
 * (a slow client must not slow it); then present-to-client latency: one
 * 256x256 frame at a time, from the producer's present() call until the
 * client has decoded that frame's pixels, as p50 and p99.
 */
#include <shmfb/shmfb.h>

#include <rfb/rfbclient.h>

#include "args.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG   "shmfb-vnc-bench"
#define SQUARE 256

enum mode { IDLE, FLOOD_FULL, FLOOD_SQUARE, LATENCY, QUIT };

struct bench {
    struct shmfb_producer *p;
    uint32_t *px;
    int32_t pitch, w, h;
    pthread_mutex_t m;
    pthread_cond_t c;
    enum mode mode;
    uint64_t presented; /* frames presented in the current mode */
    uint64_t updates;   /* frame updates the client finished */
    /* latency: the frame in flight and when it was presented */
    uint32_t seq;
    double t0;
    bool arrived;
    double *lat;
    int nlat, maxlat;
};

static struct bench B;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
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

static void quiet(const char *format, ...)
{
    (void)format;
}

/* ---- the producer ------------------------------------------------------- */

static const uint32_t palette[16] = {
    0xFF1C2833, 0xFF212F3D, 0xFF2E5C8A, 0xFFF0F0E8, 0xFFE04040, 0xFFE8D040, 0xFF4080F0, 0xFF303030,
    0xFFFFFFFF, 0xFF000000, 0xFF80C080, 0xFFC08040, 0xFF606060, 0xFFA0A0A0, 0xFF204020, 0xFF402020,
};

static uint32_t block(int32_t bx, int32_t by)
{
    uint32_t v = (uint32_t)bx * 2654435761u ^ (uint32_t)by * 40503u;
    return palette[(v >> 13) & 15];
}

/* The image scrolled left by 3 pixels a frame: one line per row of blocks,
 * copied to its 8 rows. */
static void draw(struct shmfb_rect r, uint32_t frame)
{
    int32_t shift = (int32_t)(frame * 3u % 4096u);
    for (int32_t y = r.y; y < r.y + r.h; y++) {
        uint32_t *row = B.px + (size_t)y * (size_t)B.pitch;
        if (y > r.y && y % 8 != 0) {
            memcpy(row + r.x, row + r.x - B.pitch, (size_t)r.w * 4);
            continue;
        }
        for (int32_t x = r.x; x < r.x + r.w; x++)
            row[x] = block((x + shift) / 8, y / 8);
    }
}

static struct shmfb_rect square(void)
{
    return (struct shmfb_rect){(B.w - SQUARE) / 2, (B.h - SQUARE) / 2, SQUARE, SQUARE};
}

static void present(struct shmfb_rect r)
{
    shmfb_producer_damage(B.p, &r);
    shmfb_producer_present(B.p);
}

/* One frame whose first damaged pixel carries its number. */
static void latency_frame(void)
{
    struct shmfb_rect r = square();
    B.seq++;
    draw(r, B.seq);
    B.px[(size_t)r.y * (size_t)B.pitch + (size_t)r.x] = 0xFF000000u | (B.seq & 0xFFFFFFu);
    pthread_mutex_lock(&B.m);
    B.arrived = false;
    B.t0 = now_ms();
    pthread_mutex_unlock(&B.m);
    present(r);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += 1;
    pthread_mutex_lock(&B.m);
    while (!B.arrived && B.mode == LATENCY && pthread_cond_timedwait(&B.c, &B.m, &until) == 0)
        ;
    pthread_mutex_unlock(&B.m);
    /* Not in lockstep with anything: wait 2..6 ms. */
    nanosleep(&(struct timespec){0, (2 + (long)(B.seq % 5)) * 1000000L}, NULL);
}

static void *producer_main(void *arg)
{
    (void)arg;
    uint32_t frame = 0;
    for (;;) {
        pthread_mutex_lock(&B.m);
        while (B.mode == IDLE)
            pthread_cond_wait(&B.c, &B.m);
        enum mode mode = B.mode;
        pthread_mutex_unlock(&B.m);
        if (mode == QUIT)
            return NULL;
        if (mode == LATENCY) {
            latency_frame();
            continue;
        }
        struct shmfb_rect r = mode == FLOOD_FULL ? (struct shmfb_rect){0, 0, B.w, B.h} : square();
        draw(r, ++frame);
        present(r);
        pthread_mutex_lock(&B.m);
        B.presented++;
        pthread_mutex_unlock(&B.m);
    }
}

static void set_mode(enum mode mode)
{
    pthread_mutex_lock(&B.m);
    B.mode = mode;
    B.presented = B.updates = 0;
    pthread_cond_broadcast(&B.c);
    pthread_mutex_unlock(&B.m);
}

/* ---- the client --------------------------------------------------------- */

static void finished_update(rfbClient *cl)
{
    pthread_mutex_lock(&B.m);
    B.updates++;
    if (B.mode == LATENCY && !B.arrived) {
        struct shmfb_rect r = square();
        uint32_t v =
            ((const uint32_t *)cl->frameBuffer)[(size_t)r.y * (size_t)cl->width + (size_t)r.x];
        if ((v & 0xFFFFFFu) == (B.seq & 0xFFFFFFu)) {
            if (B.nlat < B.maxlat)
                B.lat[B.nlat++] = now_ms() - B.t0;
            B.arrived = true;
            pthread_cond_broadcast(&B.c);
        }
    }
    pthread_mutex_unlock(&B.m);
}

static rfbClient *client_connect(int port, const char *encodings)
{
    rfbClient *cl = rfbGetClient(8, 3, 4);
    if (!cl)
        die("out of memory");
    cl->format.redShift = 16;
    cl->format.greenShift = 8;
    cl->format.blueShift = 0;
    free(cl->serverHost);
    cl->serverHost = strdup("127.0.0.1");
    cl->serverPort = port;
    cl->appData.encodingsString = encodings;
    cl->appData.enableJPEG = FALSE;
    cl->FinishedFrameBufferUpdate = finished_update;
    if (!rfbInitClient(cl, NULL, NULL))
        die("cannot connect to the bridge on port %d", port);
    return cl;
}

static void pump(rfbClient *cl, double ms)
{
    double until = now_ms() + ms;
    while (now_ms() < until) {
        int n = WaitForMessage(cl, 10000);
        if (n < 0)
            die("connection lost");
        do
            if (n > 0 && !HandleRFBServerMessage(cl))
                die("connection lost");
        while (cl->buffered > 0);
    }
}

static uint64_t bytes_received(const rfbClient *cl)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    memset(&ti, 0, sizeof ti);
    if (getsockopt(cl->sock, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
        return 0;
    return ti.tcpi_bytes_received;
}

/* ---- the bridge --------------------------------------------------------- */

static pid_t bridge_pid;
static char bridge_log[] = "/tmp/shmfb-vnc-bench-XXXXXX";

static void stop_bridge(void)
{
    if (bridge_pid > 0) {
        kill(bridge_pid, SIGTERM);
        waitpid(bridge_pid, NULL, 0);
        bridge_pid = 0;
    }
    unlink(bridge_log);
}

static int start_bridge(const char *vnc, const char *name)
{
    int fd = mkstemp(bridge_log);
    if (fd < 0)
        die("cannot make a temporary file: %s", strerror(errno));
    bridge_pid = fork();
    if (bridge_pid < 0)
        die("fork: %s", strerror(errno));
    if (bridge_pid == 0) {
        dup2(fd, 2);
        execl(vnc, vnc, "--port", "0", name, (char *)NULL);
        _exit(127);
    }
    close(fd);
    for (int i = 0; i < 200; i++) {
        char line[512];
        FILE *f = fopen(bridge_log, "r");
        while (f && fgets(line, sizeof line, f)) {
            const char *on = strstr(line, " on 127.0.0.1:");
            if (strstr(line, "serving") && on) {
                fclose(f);
                return atoi(on + 14);
            }
        }
        if (f)
            fclose(f);
        if (waitpid(bridge_pid, NULL, WNOHANG) == bridge_pid) {
            bridge_pid = 0;
            die("%s did not start (see its messages in %s)", vnc, bridge_log);
        }
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    }
    die("%s did not say where it serves", vnc);
    return 0;
}

/* ---- measuring ---------------------------------------------------------- */

struct result {
    double fps, bytes, producer_fps;
};

static struct result flood(rfbClient *cl, enum mode mode, double seconds)
{
    set_mode(mode);
    pump(cl, 300); /* settle */
    pthread_mutex_lock(&B.m);
    B.presented = B.updates = 0;
    pthread_mutex_unlock(&B.m);
    uint64_t b0 = bytes_received(cl);
    double t0 = now_ms();
    pump(cl, seconds * 1000);
    double dt = (now_ms() - t0) / 1000;
    pthread_mutex_lock(&B.m);
    struct result r = {(double)B.updates / dt,
                       B.updates ? (double)(bytes_received(cl) - b0) / (double)B.updates : 0,
                       (double)B.presented / dt};
    pthread_mutex_unlock(&B.m);
    set_mode(IDLE);
    pump(cl, 200); /* drain */
    return r;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(double *v, int n, double q)
{
    if (n == 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    int i = (int)(q * (n - 1) + 0.5);
    return v[i];
}

static void latency(rfbClient *cl, int samples, double *p50, double *p99)
{
    B.nlat = 0;
    B.maxlat = samples;
    set_mode(LATENCY);
    double until = now_ms() + samples * 50.0 + 5000;
    while (B.nlat < samples && now_ms() < until)
        pump(cl, 20);
    set_mode(IDLE);
    pump(cl, 200);
    *p50 = percentile(B.lat, B.nlat, 0.50);
    *p99 = percentile(B.lat, B.nlat, 0.99);
}

static double median(double *v, int n)
{
    return percentile(v, n, 0.5);
}

struct options {
    const char *vnc;
    double seconds;
    int rounds, samples;
    int32_t w, h;
    const char *encodings[8];
    int nenc;
};

static const char usage[] =
    "usage: " PROG " [--vnc PATH] [--size WxH] [--seconds S] [--rounds N]\n"
    "                       [--samples N] [--encoding NAME]...\n"
    "Frames/s and bytes per frame one VNC client receives from shmfb-vnc, for\n"
    "full frames and 256x256 damage, and present-to-client latency p50/p99.\n"
    "Defaults: this build's shmfb-vnc, 1920x1080, 2 s per measurement,\n"
    "3 rounds (medians printed), 200 latency samples, encodings raw, zlib, tight.\n";

static int parse_opt(const struct args *a, int opt, struct options *o)
{
    switch (opt) {
    case 'v':
        o->vnc = a->value;
        return 0;
    case 's':
        if (args_size(a, &o->w, &o->h) < 0)
            return -1;
        if (o->w >= SQUARE && o->h >= SQUARE)
            return 0;
        args_usage_error(a, "the size must be at least %dx%d", SQUARE, SQUARE);
        return -1;
    case 't':
        return args_double(a, 0.01, 3600, &o->seconds);
    case 'r':
        return args_int(a, 1, 16, &o->rounds);
    case 'n':
        return args_int(a, 1, 100000, &o->samples);
    default: /* 'e' */
        if (o->nenc < 8) {
            o->encodings[o->nenc++] = a->value;
            return 0;
        }
        args_usage_error(a, "at most 8 encodings");
        return -1;
    }
}

/* \returns -1 to run, or the exit status. */
static int parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"vnc", required_argument, NULL, 'v'},
        {"size", required_argument, NULL, 's'},
        {"seconds", required_argument, NULL, 't'},
        {"rounds", required_argument, NULL, 'r'},
        {"samples", required_argument, NULL, 'n'},
        {"encoding", required_argument, NULL, 'e'},
        {NULL, 0, NULL, 0},
    };
    struct args a = {.prog = PROG, .usage_text = usage, .longopts = longopts};
    int opt;
    args_start(&a, argc, argv);
    while ((opt = args_next(&a)) > 0)
        if (parse_opt(&a, opt, o) < 0)
            return ARGS_EXIT_USAGE;
    if (opt == ARGS_STOP)
        return a.status;
    if (a.nrest > 0)
        return args_usage_error(&a, "unexpected argument '%s'", a.rest[0]);
    return -1;
}

/* The producer alone (the bridge attached, no client): what it can do here.
 * Measured before each encoding, so that it sees the machine as they do. */
static void baseline(const struct options *o, double *fps)
{
    for (int k = 0; k < 2; k++) {
        set_mode(k ? FLOOD_SQUARE : FLOOD_FULL);
        nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL);
        pthread_mutex_lock(&B.m);
        B.presented = 0;
        pthread_mutex_unlock(&B.m);
        double t0 = now_ms();
        long ns = (long)(o->seconds * 1e9);
        nanosleep(&(struct timespec){ns / 1000000000L, ns % 1000000000L}, NULL);
        pthread_mutex_lock(&B.m);
        fps[k] = (double)B.presented / ((now_ms() - t0) / 1000);
        pthread_mutex_unlock(&B.m);
        set_mode(IDLE);
    }
}

struct row {
    const char *enc;
    double fps[2], bytes[2], prod[2], p50, p99;
    int nlat;
};

static void run_encoding(const struct options *o, int port, struct row *row)
{
    rfbClient *cl = client_connect(port, row->enc);
    pump(cl, 500);
    double fps[2][16], bytes[2][16], prod[2][16];
    int n = o->rounds < 16 ? o->rounds : 16;
    for (int r = 0; r < n; r++)
        for (int k = 0; k < 2; k++) {
            struct result res = flood(cl, k ? FLOOD_SQUARE : FLOOD_FULL, o->seconds);
            fps[k][r] = res.fps;
            bytes[k][r] = res.bytes;
            prod[k][r] = res.producer_fps;
        }
    for (int k = 0; k < 2; k++) {
        row->fps[k] = median(fps[k], n);
        row->bytes[k] = median(bytes[k], n);
        row->prod[k] = median(prod[k], n);
    }
    latency(cl, o->samples, &row->p50, &row->p99);
    row->nlat = B.nlat;
    free(cl->frameBuffer);
    rfbClientCleanup(cl);
}

static void report(const struct options *o, const struct row *rows, int n, const double *alone)
{
    printf("shmfb-vnc, one client on loopback, %dx%d, medians of %d rounds of %.1f s\n", o->w, o->h,
           o->rounds, o->seconds);
    printf("producer alone (bridge attached, no client; median of one run before each "
           "encoding): %.0f frames/s full, %.0f frames/s 256x256\n\n",
           alone[0], alone[1]);
    printf("| encoding | damage | updates/s to the client | bytes per update | producer frames/s "
           "meanwhile |\n|---|---|---|---|---|\n");
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 2; k++)
            printf("| %s | %s | %.1f | %.0f | %.0f |\n", rows[i].enc, k ? "256x256" : "full frame",
                   rows[i].fps[k], rows[i].bytes[k], rows[i].prod[k]);
    printf("\n| encoding | present-to-client latency p50 | p99 | frames |\n|---|---|---|---|\n");
    for (int i = 0; i < n; i++)
        printf("| %s | %.2f ms | %.2f ms | %d |\n", rows[i].enc, rows[i].p50, rows[i].p99,
               rows[i].nlat);
}

static void make_producer(const struct options *o, char *name, size_t size)
{
    snprintf(name, size, "/shmfb-vnc-bench-%d", (int)getpid());
    struct shmfb_producer_desc d = {.max_width = o->w, .max_height = o->h};
    int rc = shmfb_producer_create(name, &d, &B.p);
    if (rc < 0)
        die("%s: %s", name, shmfb_strerror(rc));
    B.px = shmfb_producer_pixels(B.p);
    B.pitch = shmfb_producer_stride(B.p) / 4;
    B.w = o->w;
    B.h = o->h;
    draw((struct shmfb_rect){0, 0, B.w, B.h}, 0);
    shmfb_producer_present(B.p);
}

int main(int argc, char **argv)
{
    struct options o = {.seconds = 2, .rounds = 3, .samples = 200, .w = 1920, .h = 1080};
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (!o.vnc)
        o.vnc = SHMFB_VNC_PATH;
    if (!o.nenc) {
        o.encodings[o.nenc++] = "raw";
        o.encodings[o.nenc++] = "zlib";
        o.encodings[o.nenc++] = "tight";
    }
    rfbClientLog = rfbClientErr = quiet;
    signal(SIGPIPE, SIG_IGN);
    pthread_mutex_init(&B.m, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&B.c, &ca);
    B.lat = calloc((size_t)o.samples, sizeof *B.lat);
    char name[64];
    make_producer(&o, name, sizeof name);
    pthread_t producer;
    if (!B.lat || pthread_create(&producer, NULL, producer_main, NULL) != 0)
        die("out of memory");
    atexit(stop_bridge);
    int port = start_bridge(o.vnc, name);
    double alone[2][8], fps[2];
    struct row rows[8];
    for (int i = 0; i < o.nenc; i++) {
        baseline(&o, fps);
        alone[0][i] = fps[0];
        alone[1][i] = fps[1];
        rows[i] = (struct row){.enc = o.encodings[i]};
        run_encoding(&o, port, &rows[i]);
    }
    fps[0] = median(alone[0], o.nenc);
    fps[1] = median(alone[1], o.nenc);
    stop_bridge(); /* before the producer goes: it must not wait for it */
    set_mode(QUIT);
    pthread_join(producer, NULL);
    shmfb_producer_destroy(B.p);
    report(&o, rows, o.nenc, fps);
    free(B.lat);
    return 0;
}

/*
 * shmfb-gstbench: shmfbsrc's throughput at 1080p, lending frames (zero
 * copy) and copying them, against a bare C consumer of the library and
 * against shmfb-vnc + GStreamer's rfbsrc, in one run.
 *
 * A child process presents full 1920x1080 frames as fast as its consumer
 * takes them (FIFO pacing; one row changes per frame).  Each consumer runs
 * for the same time after a warm-up; the figures are frames/s, the
 * interval between frames (median, p99) and CPU per frame (consumer and
 * producer processes, and shmfb-vnc for the VNC path), and each row's
 * ratio to the bare consumer.
 */
#include "args.h"

#include <gst/gst.h>
#include <shmfb/shmfb.h>

#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define W              1920
#define H              1080
#define MAX_SAMP       2000000
#define WARMUP_S(secs) ((secs) < 1.0 ? (secs) : 1.0) /* runs before the measured time */

static const char usage[] =
    "usage: shmfb-gstbench [OPTIONS]\n"
    "\n"
    "Measures shmfbsrc at 1920x1080 (zero copy and copying) against a bare C\n"
    "consumer and against shmfb-vnc + rfbsrc, and prints frames/s, frame\n"
    "intervals (median, p99), CPU per frame and ratios to the bare consumer.\n"
    "GST_PLUGIN_PATH must reach libgstshmfb.so (the build tree's gst/).\n"
    "\n"
    "Options:\n"
    "  --seconds S     how long each consumer runs (default 3)\n"
    "  --vnc PATH      shmfb-vnc to use (default: the build tree's)\n"
    "  -h, --help      show this help\n";

struct result {
    const char *what;
    long frames;
    double secs, cpu_ms; /* CPU of every process involved */
    double p50_ms, p99_ms;
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double self_cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* A process's user + system time from /proc, in ms. */
static double proc_cpu_ms(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) * 1e3 / (double)sysconf(_SC_CLK_TCK);
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static void produce(const char *name)
{
    struct shmfb_producer_desc d = {.max_width = W, .max_height = H};
    struct shmfb_producer *p;
    signal(SIGTERM, on_term);
    if (shmfb_producer_create(name, &d, &p) < 0)
        _exit(1);
    uint32_t *px = shmfb_producer_pixels(p);
    int32_t stride = shmfb_producer_stride(p) / 4;
    for (uint32_t n = 0; !stop; n++) {
        uint32_t *row = px + (size_t)(n % H) * (size_t)stride;
        for (int x = 0; x < W; x++)
            row[x] = n;
        shmfb_producer_present(p);
    }
    shmfb_producer_destroy(p);
    _exit(0);
}

static double samples[MAX_SAMP];
static long nsamples, nframes;
static double last_arrival;

static void sample(void)
{
    double t = now_s();
    nframes++;
    if (last_arrival > 0 && nsamples < MAX_SAMP)
        samples[nsamples++] = (t - last_arrival) * 1e3;
    last_arrival = t;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void percentiles(struct result *r)
{
    qsort(samples, (size_t)nsamples, sizeof(double), cmp);
    r->p50_ms = nsamples ? samples[nsamples / 2] : 0;
    r->p99_ms = nsamples ? samples[(nsamples * 99) / 100] : 0;
}

/* A bare consumer; with `copy`, it copies each frame into memory of its own
 * as shmfbsrc copy=true does. */
static void run_bare(const char *name, double secs, pid_t prod, bool copy, struct result *r)
{
    struct shmfb_consumer *c;
    struct shmfb_frame f;
    uint8_t *mine = copy ? malloc((size_t)W * H * 4) : NULL;
    nsamples = nframes = 0, last_arrival = 0;
    if (shmfb_consumer_open(name, NULL, &c) < 0 || shmfb_consumer_attach(c) < 0)
        return;
    /* Warm-up, untimed, as the pipelines get after their first frame. */
    for (double w0 = now_s();
         now_s() - w0 < WARMUP_S(secs) && shmfb_consumer_wait(c, 1000, &f) == 0;)
        shmfb_consumer_release(c);
    double c0 = self_cpu_ms(), p0 = proc_cpu_ms(prod), t0 = now_s();
    while (now_s() - t0 < secs && shmfb_consumer_wait(c, 1000, &f) == 0) {
        for (int32_t y = 0; mine && y < f.height; y++)
            memcpy(mine + (size_t)y * (size_t)f.width * 4,
                   (const uint8_t *)f.pixels + (size_t)y * (size_t)f.stride, (size_t)f.width * 4);
        shmfb_consumer_release(c);
        sample();
    }
    r->secs = now_s() - t0;
    r->cpu_ms = self_cpu_ms() - c0 + proc_cpu_ms(prod) - p0;
    r->frames = nframes;
    shmfb_consumer_close(c);
    free(mine);
    percentiles(r);
}

static GstPadProbeReturn on_buffer(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    (void)pad, (void)info, (void)data;
    sample();
    return GST_PAD_PROBE_OK;
}

static void run_pipeline(const char *desc, double secs, pid_t prod, pid_t helper, struct result *r)
{
    GError *err = NULL;
    GstElement *p = gst_parse_launch(desc, &err);
    if (!p || err) {
        fprintf(stderr, "shmfb-gstbench: %s: %s\n", desc, err ? err->message : "?");
        g_clear_error(&err);
        return;
    }
    GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
    GstPad *pad = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, NULL, NULL);
    nsamples = nframes = 0, last_arrival = 0;
    gst_element_set_state(p, GST_STATE_PLAYING);
    gst_element_get_state(p, NULL, NULL, 5 * GST_SECOND);
    /* Measured from the first frame on: start-up is not throughput. */
    for (int i = 0; i < 5000 && last_arrival == 0; i++)
        g_usleep(1000);
    g_usleep((gulong)(WARMUP_S(secs) * 1e6));
    double c0 = self_cpu_ms(), p0 = proc_cpu_ms(prod), h0 = helper ? proc_cpu_ms(helper) : 0;
    long n0 = nsamples, f0 = nframes;
    double t0 = now_s();
    g_usleep((gulong)(secs * 1e6));
    r->secs = now_s() - t0;
    r->cpu_ms =
        self_cpu_ms() - c0 + proc_cpu_ms(prod) - p0 + (helper ? proc_cpu_ms(helper) - h0 : 0);
    r->frames = nframes - f0;
    gst_element_set_state(p, GST_STATE_NULL);
    memmove(samples, samples + n0, (size_t)(nsamples - n0) * sizeof(double));
    nsamples -= n0;
    gst_object_unref(pad);
    gst_object_unref(sink);
    gst_object_unref(p);
    percentiles(r);
}

/* Starts shmfb-vnc on a free port and reads which from the line it prints
 * on stderr ("... on 127.0.0.1:PORT"); 0 if it did not say.  *err stays
 * open (its later lines) until the caller closes it. */
static pid_t start_vnc(const char *vnc, const char *name, int *port, FILE **err)
{
    int fds[2];
    *port = 0;
    *err = NULL;
    if (pipe(fds) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        execl(vnc, vnc, "--port", "0", name, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[512];
    const char *colon;
    if (f && fgets(line, sizeof(line), f) && (colon = strrchr(line, ':')))
        *port = atoi(colon + 1);
    *err = f;
    return pid;
}

static void finish(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

static void print(const struct result *r, const struct result *base)
{
    double fps = r->secs > 0 ? (double)r->frames / r->secs : 0;
    double bfps = base->secs > 0 ? (double)base->frames / base->secs : 0;
    double cpf = r->frames ? r->cpu_ms / (double)r->frames : 0;
    double bcpf = base->frames ? base->cpu_ms / (double)base->frames : 0;
    printf("%-34s %8.1f %8.3f %8.3f %9.3f %8.2f %8.2f\n", r->what, fps, r->p50_ms, r->p99_ms, cpf,
           bfps > 0 ? fps / bfps : 0, bcpf > 0 ? cpf / bcpf : 0);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"seconds", required_argument, NULL, 's'},
        {"vnc", required_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    struct args a = {.prog = "shmfb-gstbench", .usage_text = usage, .longopts = longopts};
    double secs = 3;
    const char *vnc = SHMFB_VNC_PATH;
    int opt;
    args_start(&a, argc, argv);
    while ((opt = args_next(&a)) > 0) {
        if (opt == 's' && args_double(&a, 0.5, 600, &secs) < 0)
            return ARGS_EXIT_USAGE;
        if (opt == 'v')
            vnc = a.value;
    }
    if (opt == ARGS_STOP)
        return a.status;
    if (a.nrest)
        return args_usage_error(&a, "unexpected argument '%s'", a.rest[0]);

    char name[64];
    snprintf(name, sizeof(name), "/gstbench-%d", (int)getpid());
    pid_t prod = fork();
    if (prod == 0)
        produce(name);
    struct shmfb_info info;
    for (int i = 0; i < 200 && shmfb_probe(name, &info) < 0; i++)
        usleep(10000);
    gst_init(NULL, NULL);

    struct result r[5] = {{.what = "bare C consumer (wait/release)"},
                          {.what = "bare C consumer + memcpy"},
                          {.what = "shmfbsrc zero copy ! fakesink"},
                          {.what = "shmfbsrc copy=true ! fakesink"},
                          {.what = "shmfb-vnc + rfbsrc ! fakesink"}};
    char desc[512];
    run_bare(name, secs, prod, false, &r[0]);
    run_bare(name, secs, prod, true, &r[1]);
    snprintf(desc, sizeof(desc),
             "shmfbsrc framebuffer=%s ! fakesink name=sink sync=false enable-last-sample=false",
             name);
    run_pipeline(desc, secs, prod, 0, &r[2]);
    snprintf(desc, sizeof(desc),
             "shmfbsrc framebuffer=%s copy=true ! fakesink name=sink sync=false "
             "enable-last-sample=false",
             name);
    run_pipeline(desc, secs, prod, 0, &r[3]);
    int port;
    FILE *vnc_err = NULL;
    pid_t vpid = start_vnc(vnc, name, &port, &vnc_err);
    snprintf(desc, sizeof(desc),
             "rfbsrc host=127.0.0.1 port=%d ! fakesink name=sink sync=false "
             "enable-last-sample=false",
             port);
    run_pipeline(desc, secs, prod, vpid, &r[4]);
    finish(vpid);
    if (vnc_err)
        fclose(vnc_err);
    finish(prod);

    printf("shmfb-gstbench: %dx%d full frames, FIFO producer, %.1f s each\n", W, H, secs);
    printf("%-34s %8s %8s %8s %9s %8s %8s\n", "consumer", "fps", "p50 ms", "p99 ms", "CPU ms/f",
           "fps/bare", "CPU/bare");
    for (int i = 0; i < 5; i++)
        print(&r[i], &r[i == 3 ? 1 : 0]);
    printf("(ratios against the bare consumer; copy=true against the bare consumer + memcpy)\n");
    return 0;
}

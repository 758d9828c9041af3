/*
 * shmfb-record: records a framebuffer into a video file or a folder of PNGs
 * through shmfbsrc.  `shmfb record` runs it, so that the shmfb tool itself
 * does not depend on GStreamer.
 */
#include "args.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <glib-unix.h>
#include <shmfb/png.h>
#include <shmfb/shmfb.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "usage: shmfb record NAME OUT [OPTIONS]\n"
    "\n"
    "Records the frames framebuffer NAME presents into OUT until the producer\n"
    "goes, a limit is reached or Ctrl-C, and finishes the file properly in each\n"
    "case.  The container follows OUT's extension: .mkv (Matroska), .webm, .mp4;\n"
    "with --codec png, OUT is a folder of PNG files.  Every frame the producer\n"
    "presents is recorded (a FIFO producer waits for the recorder), timestamped\n"
    "with its present time.  Video files keep one size, the framebuffer's\n"
    "capacity or --size (made even for h264 and vp9): a smaller frame sits at\n"
    "the top left on black, a larger one is cut.  A progress line (frames,\n"
    "seconds, bytes) goes to stderr.\n"
    "\n"
    "Options:\n"
    "  --codec C       ffv1 (default; lossless, .mkv), h264 (.mkv, .mp4),\n"
    "                  vp9 (.mkv, .webm), png (OUT is a folder)\n"
    "  --frames N      stop after N frames\n"
    "  --seconds S     stop after S seconds\n"
    "  --size WxH      the size of video files (default: the capacity)\n"
    "  --png-dir DIR   also write every frame to DIR as SEQ-TIME.png (sequence\n"
    "                  number, 8 digits; present time in ns), at its own size\n"
    "  -h, --help      show this help\n";

struct rec_opts {
    const char *name, *out, *codec, *png_dir;
    long frames;
    double seconds;
    int32_t width, height; /* of video files; 0: the capacity */
};

struct rec {
    struct rec_opts o;
    GstElement *pipeline;
    GMainLoop *loop;
    gint frames; /* seen by the source's pad */
    gint64 start_us;
    int rc;
    gboolean eos_sent, tty;
    gint png_failed;
};

enum { OPT_CODEC = 256, OPT_FRAMES, OPT_SECONDS, OPT_PNG_DIR, OPT_SIZE };

static int fail(const char *what, const char *reason)
{
    fprintf(stderr, "shmfb record: %s: %s\n", what, reason);
    return ARGS_EXIT_FAIL;
}

static int parse_args(int argc, char **argv, struct rec_opts *o)
{
    static const struct option longopts[] = {
        {"codec", required_argument, NULL, OPT_CODEC},
        {"frames", required_argument, NULL, OPT_FRAMES},
        {"seconds", required_argument, NULL, OPT_SECONDS},
        {"png-dir", required_argument, NULL, OPT_PNG_DIR},
        {"size", required_argument, NULL, OPT_SIZE},
        {NULL, 0, NULL, 0},
    };
    struct args a = {.prog = "shmfb record",
                     .help = "shmfb record --help",
                     .usage_text = usage,
                     .longopts = longopts};
    int opt;
    *o = (struct rec_opts){NULL, NULL, "ffv1", NULL, 0, 0, 0, 0};
    args_start(&a, argc, argv);
    while ((opt = args_next(&a)) > 0) {
        int rc = 0;
        if (opt == OPT_CODEC)
            o->codec = a.value;
        else if (opt == OPT_FRAMES)
            rc = args_long(&a, 1, G_MAXINT, &o->frames);
        else if (opt == OPT_SECONDS)
            rc = args_double(&a, 0.001, 1e7, &o->seconds);
        else if (opt == OPT_SIZE)
            rc = args_size(&a, &o->width, &o->height);
        else
            o->png_dir = a.value;
        if (rc < 0)
            return ARGS_EXIT_USAGE;
    }
    if (opt == ARGS_STOP)
        return a.status;
    if (a.nrest < 2)
        return args_usage_error(&a, "%s", a.nrest ? "missing OUT" : "missing NAME");
    if (a.nrest > 2)
        return args_usage_error(&a, "unexpected argument '%s'", a.rest[2]);
    o->name = a.rest[0];
    o->out = a.rest[1];
    return -1;
}

/* 4:2:0, which every player decodes (x264 would pick 4:4:4 for BGRx). */
#define H264 "video/x-raw,format=I420 ! x264enc speed-preset=veryfast ! h264parse"
#define VP9  "video/x-raw,format=I420 ! vp9enc deadline=1 cpu-used=8"

/* The encoder and muxer for the codec and OUT's extension, or an error. */
static int pick_chain(const struct rec_opts *o, const char **enc, const char **mux)
{
    static const struct {
        const char *codec, *ext, *enc, *mux;
    } chains[] = {
        {"ffv1", ".mkv", "video/x-raw,format=BGRx ! avenc_ffv1", "matroskamux"},
        {"h264", ".mkv", H264, "matroskamux"},
        {"h264", ".mp4", H264, "mp4mux"},
        {"vp9", ".mkv", VP9, "matroskamux"},
        {"vp9", ".webm", VP9, "webmmux"},
    };
    const char *dot = strrchr(o->out, '.');
    gboolean known = FALSE;
    for (gsize i = 0; i < G_N_ELEMENTS(chains); i++) {
        known |= strcmp(o->codec, chains[i].codec) == 0;
        if (known && dot && strcmp(o->codec, chains[i].codec) == 0 &&
            g_ascii_strcasecmp(dot, chains[i].ext) == 0) {
            *enc = chains[i].enc;
            *mux = chains[i].mux;
            return 0;
        }
    }
    if (strcmp(o->codec, "png") == 0) {
        *enc = *mux = NULL;
        return 0;
    }
    char msg[160];
    if (!known)
        return fail(o->codec, "unknown codec (ffv1, h264, vp9 or png)");
    snprintf(msg, sizeof(msg), "cannot record %s into a '%s' file (see shmfb record --help)",
             o->codec, dot ? dot : "extensionless");
    return fail(o->out, msg);
}

/* ---- PNG frames ------------------------------------------------------------ */

static void png_frame(struct rec *r, const char *dir, GstSample *sample)
{
    GstBuffer *buf = gst_sample_get_buffer(sample);
    GstVideoInfo info;
    GstVideoFrame vf;
    if (!gst_video_info_from_caps(&info, gst_sample_get_caps(sample)) ||
        !gst_video_frame_map(&vf, &info, buf, GST_MAP_READ)) {
        g_atomic_int_set(&r->png_failed, 1);
        return;
    }
    gint w = GST_VIDEO_FRAME_WIDTH(&vf), h = GST_VIDEO_FRAME_HEIGHT(&vf);
    GstVideoCropMeta *crop = gst_buffer_get_video_crop_meta(buf);
    if (crop && crop->width > 0 && crop->width <= (guint)w && crop->height > 0 &&
        crop->height <= (guint)h)
        w = (gint)crop->width, h = (gint)crop->height;
    static GstStaticCaps time_caps = GST_STATIC_CAPS("timestamp/x-shmfb-present");
    GstReferenceTimestampMeta *t =
        gst_buffer_get_reference_timestamp_meta(buf, gst_static_caps_get(&time_caps));
    char *path =
        g_strdup_printf("%s/%08" PRIu64 "-%" PRIu64 ".png", dir, (uint64_t)GST_BUFFER_OFFSET(buf),
                        t ? (uint64_t)t->timestamp : (uint64_t)0);
    char err[256];
    if (shmfb_png_write(path, GST_VIDEO_FRAME_PLANE_DATA(&vf, 0), w, h,
                        GST_VIDEO_FRAME_PLANE_STRIDE(&vf, 0), false, err, sizeof(err)) < 0 &&
        !g_atomic_int_exchange(&r->png_failed, 1))
        fprintf(stderr, "shmfb record: %s\n", err[0] ? err : path);
    g_free(path);
    gst_video_frame_unmap(&vf);
}

static GstFlowReturn on_sample(GstAppSink *sink, gpointer data)
{
    struct rec *r = data;
    GstSample *s = gst_app_sink_pull_sample(sink);
    if (!s)
        return GST_FLOW_EOS;
    png_frame(r, g_object_get_data(G_OBJECT(sink), "dir"), s);
    gst_sample_unref(s);
    return g_atomic_int_get(&r->png_failed) ? GST_FLOW_ERROR : GST_FLOW_OK;
}

/* ---- the pipeline ---------------------------------------------------------- */

static char *describe(const struct rec_opts *o, const char *enc, const char *mux)
{
    GString *d = g_string_new("shmfbsrc name=src copy=true");
    if (mux)
        g_string_append_printf(d, " fixed-size=true fixed-width=%d fixed-height=%d", (int)o->width,
                               (int)o->height);
    if (o->frames)
        g_string_append_printf(d, " num-buffers=%ld", o->frames);
    g_string_append(d, " ! tee name=t");
    if (mux)
        g_string_append_printf(d,
                               " t. ! queue max-size-buffers=8 max-size-bytes=0 "
                               "max-size-time=0 ! videoconvert ! %s ! %s ! filesink name=file",
                               enc, mux);
    if (!mux || o->png_dir)
        g_string_append(d, " t. ! queue max-size-buffers=8 max-size-bytes=0 max-size-time=0 "
                           "! appsink name=png sync=false");
    return g_string_free(d, FALSE);
}

static int build(struct rec *r, const char *enc, const char *mux)
{
    GError *err = NULL;
    char *desc = describe(&r->o, enc, mux);
    r->pipeline = gst_parse_launch(desc, &err);
    g_free(desc);
    if (!r->pipeline || err) { /* a missing element leaves a partial pipeline */
        int rc = fail("pipeline", err ? err->message : "cannot be built");
        g_clear_error(&err);
        return rc;
    }
    GstElement *src = gst_bin_get_by_name(GST_BIN(r->pipeline), "src");
    g_object_set(src, "framebuffer", r->o.name, NULL);
    gst_object_unref(src);
    GstElement *file = gst_bin_get_by_name(GST_BIN(r->pipeline), "file");
    if (file) {
        g_object_set(file, "location", r->o.out, NULL);
        gst_object_unref(file);
    }
    GstElement *png = gst_bin_get_by_name(GST_BIN(r->pipeline), "png");
    if (png) {
        GstAppSinkCallbacks cb = {.new_sample = on_sample};
        g_object_set_data(G_OBJECT(png), "dir", (gpointer)(mux ? r->o.png_dir : r->o.out));
        gst_app_sink_set_callbacks(GST_APP_SINK(png), &cb, r, NULL);
        g_object_set(png, "caps", NULL, NULL);
        gst_object_unref(png);
    }
    return 0;
}

static void progress(struct rec *r, gboolean last)
{
    struct stat st;
    char bytes[48] = "";
    if (stat(r->o.out, &st) == 0 && S_ISREG(st.st_mode))
        snprintf(bytes, sizeof(bytes), ", %lld bytes", (long long)st.st_size);
    double secs = (double)(g_get_monotonic_time() - r->start_us) / 1e6;
    if (r->tty || last)
        fprintf(stderr, "%sshmfb record: %d frames, %.1f s%s%s", r->tty ? "\r" : "",
                g_atomic_int_get(&r->frames), secs, bytes, last ? "\n" : "");
}

static void finish(struct rec *r)
{
    if (r->eos_sent) {
        g_main_loop_quit(r->loop); /* a second Ctrl-C: stop at once */
        return;
    }
    r->eos_sent = TRUE;
    gst_element_send_event(r->pipeline, gst_event_new_eos());
}

static gboolean on_signal(gpointer data)
{
    finish(data);
    return G_SOURCE_CONTINUE;
}

static gboolean on_tick(gpointer data)
{
    struct rec *r = data;
    progress(r, FALSE);
    if (r->o.seconds > 0 && g_get_monotonic_time() - r->start_us >= (gint64)(r->o.seconds * 1e6))
        finish(r);
    return G_SOURCE_CONTINUE;
}

static gboolean on_bus(GstBus *bus, GstMessage *m, gpointer data)
{
    struct rec *r = data;
    GError *err = NULL;
    (void)bus;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) {
        g_main_loop_quit(r->loop);
    } else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
        gst_message_parse_error(m, &err, NULL);
        if (r->tty)
            fputc('\n', stderr);
        fail(r->o.name, err->message);
        g_error_free(err);
        r->rc = ARGS_EXIT_FAIL;
        g_main_loop_quit(r->loop);
    }
    return G_SOURCE_CONTINUE;
}

static GstPadProbeReturn count_frame(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    (void)pad, (void)info;
    g_atomic_int_inc(&((struct rec *)data)->frames);
    return GST_PAD_PROBE_OK;
}

static int run(struct rec *r)
{
    GstElement *src = gst_bin_get_by_name(GST_BIN(r->pipeline), "src");
    GstPad *pad = gst_element_get_static_pad(src, "src");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, r, NULL);
    gst_object_unref(pad);
    gst_object_unref(src);
    GstBus *bus = gst_element_get_bus(r->pipeline);
    guint watch = gst_bus_add_watch(bus, on_bus, r);
    gst_object_unref(bus);
    guint sigint = g_unix_signal_add(SIGINT, on_signal, r);
    guint sigterm = g_unix_signal_add(SIGTERM, on_signal, r);
    guint tick = g_timeout_add(200, on_tick, r);
    r->start_us = g_get_monotonic_time();
    if (gst_element_set_state(r->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
        r->rc = ARGS_EXIT_FAIL; /* the bus says why */
    g_main_loop_run(r->loop);
    gst_element_set_state(r->pipeline, GST_STATE_NULL);
    g_source_remove(tick);
    g_source_remove(sigint);
    g_source_remove(sigterm);
    g_source_remove(watch);
    if (r->rc == 0)
        progress(r, TRUE);
    return r->rc;
}

/* Errors a user can fix are found before GStreamer starts.  Video files
 * get their size here: --size or the capacity, even for 4:2:0 codecs. */
static int check_target(struct rec_opts *o, const char *mux)
{
    struct shmfb_info info;
    if (shmfb_name_check(o->name, NULL, 0) < 0)
        return fail(o->name, "not a framebuffer name (letters, digits, '.', '_' and '-')");
    int rc = shmfb_probe(o->name, &info);
    if (rc < 0)
        return fail(o->name, shmfb_strerror(rc));
    if (!o->width) {
        o->width = info.max_width;
        o->height = info.max_height;
    }
    if (strcmp(o->codec, "ffv1") != 0) {
        o->width += o->width & 1;
        o->height += o->height & 1;
    }
    const char *dir = mux ? o->png_dir : o->out;
    if (dir && g_mkdir_with_parents(dir, 0777) < 0)
        return fail(dir, strerror(errno));
    return 0;
}

int main(int argc, char **argv)
{
    struct rec r = {.rc = 0};
    const char *enc, *mux;
    int rc = parse_args(argc, argv, &r.o);
    if (rc >= 0)
        return rc;
    if ((rc = pick_chain(&r.o, &enc, &mux)) != 0 || (rc = check_target(&r.o, mux)) != 0)
        return rc;
    gst_init(NULL, NULL);
    r.tty = isatty(STDERR_FILENO);
    r.loop = g_main_loop_new(NULL, FALSE);
    rc = build(&r, enc, mux);
    if (rc == 0)
        rc = run(&r);
    if (r.pipeline)
        gst_object_unref(r.pipeline);
    g_main_loop_unref(r.loop);
    gst_deinit();
    return rc;
}

/*
 * Helper for the GStreamer tests.
 *
 *   gst_probe stream NAME N [DIR]
 *       runs shmfbsrc framebuffer=NAME ! appsink for N buffers; prints
 *       "SEQ TIME_NS PTS WxH" for each and fails unless every PTS difference
 *       equals the present-time difference; with DIR, writes each buffer's
 *       pixels to DIR/SEQ.png (the appsink queues buffers, so shmfbsrc
 *       lends frames and detaches them)
 *   gst_probe newest NAME N DIR
 *       shmfbsrc pacing=newest into an appsink read every 20 ms; writes the
 *       N buffers to DIR/SEQ.png and prints their sequence numbers
 *   gst_probe sink NAME WxH
 *       runs videotestsrc pattern=smpte num-buffers=1 ! shmfbsink at WxH
 *       BGRx and stays (the framebuffer stays) until SIGTERM; prints
 *       "ready" once the frame is shown, then "nav TYPE BUTTON X Y" (keys:
 *       "nav key-press NAME 0 0") for every navigation event that reaches
 *       videotestsrc's pad upstream
 *   gst_probe wild-times NAME
 *       a producer (FIFO, 64x48, 5 ms apart) whose frames carry present times that
 *       jump back, to 0, to the largest value and forward again, until
 *       SIGTERM
 *   gst_probe monotonic NAME N
 *       shmfbsrc's first N buffers have PTS that never go back
 *   gst_probe pad DECODED.png FRAME.png
 *       DECODED (a decoded video frame at the capacity) must hold FRAME at
 *       its top left, the rest black (colour channels only)
 */
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/navigation.h>
#include <gst/video/video.h>
#include <glib-unix.h>
#include <shmfb/png.h>

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TIME_CAPS "timestamp/x-shmfb-present"

static int fail(const char *msg)
{
    fprintf(stderr, "gst_probe: %s\n", msg);
    return 1;
}

static int print_sample(GstSample *s, GstClockTime *pts0, guint64 *t0, gboolean first)
{
    GstBuffer *b = gst_sample_get_buffer(s);
    GstStructure *st = gst_caps_get_structure(gst_sample_get_caps(s), 0);
    gint w = 0, h = 0;
    gst_structure_get_int(st, "width", &w);
    gst_structure_get_int(st, "height", &h);
    static GstStaticCaps time_caps = GST_STATIC_CAPS(TIME_CAPS);
    GstReferenceTimestampMeta *m =
        gst_buffer_get_reference_timestamp_meta(b, gst_static_caps_get(&time_caps));
    if (!m || !GST_BUFFER_PTS_IS_VALID(b))
        return fail("a buffer without a present time or PTS");
    printf("%" PRIu64 " %" PRIu64 " %" PRIu64 " %dx%d\n", (uint64_t)GST_BUFFER_OFFSET(b),
           (uint64_t)m->timestamp, (uint64_t)GST_BUFFER_PTS(b), w, h);
    if (first) {
        *pts0 = GST_BUFFER_PTS(b);
        *t0 = m->timestamp;
        return 0;
    }
    if (GST_BUFFER_PTS(b) - *pts0 != m->timestamp - *t0)
        return fail("a PTS difference differs from the present-time difference");
    return 0;
}

static int write_png(const char *dir, GstSample *s)
{
    GstVideoInfo info;
    GstVideoFrame vf;
    GstBuffer *b = gst_sample_get_buffer(s);
    if (!gst_video_info_from_caps(&info, gst_sample_get_caps(s)) ||
        !gst_video_frame_map(&vf, &info, b, GST_MAP_READ))
        return fail("cannot map a buffer");
    char path[4096], err[256];
    snprintf(path, sizeof(path), "%s/%" PRIu64 ".png", dir, (uint64_t)GST_BUFFER_OFFSET(b));
    int rc = shmfb_png_write(path, GST_VIDEO_FRAME_PLANE_DATA(&vf, 0), GST_VIDEO_FRAME_WIDTH(&vf),
                             GST_VIDEO_FRAME_HEIGHT(&vf), GST_VIDEO_FRAME_PLANE_STRIDE(&vf, 0),
                             false, err, sizeof(err));
    gst_video_frame_unmap(&vf);
    return rc < 0 ? fail(err) : 0;
}

static int stream(const char *name, long n, const char *dir, gboolean newest)
{
    GError *err = NULL;
    GstElement *p = gst_parse_launch(newest ? "shmfbsrc name=src pacing=newest ! appsink "
                                              "name=out sync=false max-buffers=1"
                                            : "shmfbsrc name=src ! appsink name=out sync=false",
                                     &err);
    if (!p || err)
        return fail(err->message);
    GstElement *src = gst_bin_get_by_name(GST_BIN(p), "src");
    GstElement *out = gst_bin_get_by_name(GST_BIN(p), "out");
    g_object_set(src, "framebuffer", name, NULL);
    gst_element_set_state(p, GST_STATE_PLAYING);
    GstClockTime pts0 = 0;
    guint64 t0 = 0;
    int rc = 0;
    for (long i = 0; i < n && rc == 0; i++) {
        GstSample *s = gst_app_sink_try_pull_sample(GST_APP_SINK(out), 10 * GST_SECOND);
        if (!s) {
            rc = fail("no sample within 10 s");
            break;
        }
        rc = print_sample(s, &pts0, &t0, i == 0);
        if (rc == 0 && dir)
            rc = write_png(dir, s);
        gst_sample_unref(s);
        if (newest)
            g_usleep(20000); /* a slow consumer */
    }
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(src);
    gst_object_unref(out);
    gst_object_unref(p);
    return rc;
}

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
    (void)sig;
    stop = 1;
}

static int wild_times(const char *name)
{
    static const uint64_t times[] = {5000000000u,        1000, UINT64_MAX, 1, 9000000000u,
                                     UINT64_MAX / 2 + 7, 3};
    struct shmfb_producer_desc d = {.max_width = 64, .max_height = 48, .pacing = SHMFB_PACING_FREE};
    struct shmfb_producer *p;
    signal(SIGTERM, on_stop);
    if (shmfb_producer_create(name, &d, &p) < 0)
        return fail("cannot create the producer");
    for (size_t i = 0; !stop; i++) {
        shmfb_producer_set_time(p, times[i % (sizeof(times) / sizeof(times[0]))]);
        shmfb_producer_pixels(p)[0] = (uint32_t)i;
        shmfb_producer_present(p);
        g_usleep(5000);
    }
    shmfb_producer_destroy(p);
    return 0;
}

static int monotonic(const char *name, long n)
{
    GError *err = NULL;
    GstElement *p = gst_parse_launch("shmfbsrc name=src ! appsink name=out sync=false", &err);
    if (!p || err)
        return fail(err ? err->message : "no pipeline");
    GstElement *src = gst_bin_get_by_name(GST_BIN(p), "src");
    GstElement *out = gst_bin_get_by_name(GST_BIN(p), "out");
    g_object_set(src, "framebuffer", name, NULL);
    gst_element_set_state(p, GST_STATE_PLAYING);
    GstClockTime last = 0;
    int rc = 0;
    for (long i = 0; i < n && rc == 0; i++) {
        GstSample *s = gst_app_sink_try_pull_sample(GST_APP_SINK(out), 10 * GST_SECOND);
        if (!s) {
            rc = fail("no sample within 10 s");
            break;
        }
        GstClockTime pts = GST_BUFFER_PTS(gst_sample_get_buffer(s));
        if (!GST_CLOCK_TIME_IS_VALID(pts) || (i > 0 && pts <= last))
            rc = fail("a PTS did not increase");
        last = pts;
        gst_sample_unref(s);
    }
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(src);
    gst_object_unref(out);
    gst_object_unref(p);
    return rc;
}

static GstPadProbeReturn on_upstream(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    GstEvent *e = GST_PAD_PROBE_INFO_EVENT(info);
    gint button = 0;
    gdouble x = 0, y = 0;
    (void)pad, (void)data;
    if (GST_EVENT_TYPE(e) != GST_EVENT_NAVIGATION)
        return GST_PAD_PROBE_OK;
    switch (gst_navigation_event_get_type(e)) {
    case GST_NAVIGATION_EVENT_MOUSE_BUTTON_PRESS:
        gst_navigation_event_parse_mouse_button_event(e, &button, &x, &y);
        printf("nav press %d %.0f %.0f\n", button, x, y);
        break;
    case GST_NAVIGATION_EVENT_MOUSE_BUTTON_RELEASE:
        gst_navigation_event_parse_mouse_button_event(e, &button, &x, &y);
        printf("nav release %d %.0f %.0f\n", button, x, y);
        break;
    case GST_NAVIGATION_EVENT_MOUSE_MOVE:
        gst_navigation_event_parse_mouse_move_event(e, &x, &y);
        printf("nav move 0 %.0f %.0f\n", x, y);
        break;
    case GST_NAVIGATION_EVENT_KEY_PRESS:
    case GST_NAVIGATION_EVENT_KEY_RELEASE: {
        const gchar *key = NULL;
        gst_navigation_event_parse_key_event(e, &key);
        printf("nav key-%s %s 0 0\n",
               gst_navigation_event_get_type(e) == GST_NAVIGATION_EVENT_KEY_PRESS ? "press"
                                                                                  : "release",
               key ? key : "?");
        break;
    }
    default:
        printf("nav other 0 0 0\n");
    }
    fflush(stdout);
    return GST_PAD_PROBE_OK;
}

static gboolean on_term(gpointer loop)
{
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

static gboolean on_bus(GstBus *bus, GstMessage *m, gpointer loop)
{
    (void)bus;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) {
        printf("ready\n");
        fflush(stdout);
    } else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
        GError *err = NULL;
        gst_message_parse_error(m, &err, NULL);
        fail(err->message);
        g_error_free(err);
        g_main_loop_quit(loop);
    }
    return G_SOURCE_CONTINUE;
}

static int sink(const char *name, const char *size)
{
    int w, h;
    if (sscanf(size, "%dx%d", &w, &h) != 2)
        return fail("bad size");
    char *desc = g_strdup_printf("videotestsrc name=src pattern=smpte num-buffers=1 ! "
                                 "video/x-raw,format=BGRx,width=%d,height=%d ! "
                                 "shmfbsink name=out",
                                 w, h);
    GError *err = NULL;
    GstElement *p = gst_parse_launch(desc, &err);
    g_free(desc);
    if (!p || err)
        return fail(err->message);
    GstElement *src = gst_bin_get_by_name(GST_BIN(p), "src");
    GstElement *out = gst_bin_get_by_name(GST_BIN(p), "out");
    g_object_set(out, "framebuffer", name, NULL);
    GstPad *pad = gst_element_get_static_pad(src, "src");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_upstream, NULL, NULL);
    gst_object_unref(pad);
    GMainLoop *loop = g_main_loop_new(NULL, FALSE);
    GstBus *bus = gst_element_get_bus(p);
    guint watch = gst_bus_add_watch(bus, on_bus, loop);
    gst_object_unref(bus);
    g_unix_signal_add(SIGTERM, on_term, loop);
    gst_element_set_state(p, GST_STATE_PLAYING);
    g_main_loop_run(loop);
    gst_element_set_state(p, GST_STATE_NULL);
    g_source_remove(watch);
    g_main_loop_unref(loop);
    gst_object_unref(src);
    gst_object_unref(out);
    gst_object_unref(p);
    return 0;
}

static int pad_compare(const char *decoded, const char *frame)
{
    struct shmfb_image d, f;
    char err[256];
    if (shmfb_png_read(decoded, &d, err, sizeof(err)) < 0)
        return fail(err);
    if (shmfb_png_read(frame, &f, err, sizeof(err)) < 0) {
        shmfb_image_free(&d);
        return fail(err);
    }
    int rc = 0;
    if (f.width > d.width || f.height > d.height)
        rc = fail("the frame is larger than the decoded picture");
    for (int32_t y = 0; y < d.height && rc == 0; y++) {
        const uint32_t *dr = (const uint32_t *)((const char *)d.pixels + (size_t)y * d.stride);
        const uint32_t *fr = (const uint32_t *)((const char *)f.pixels + (size_t)y * f.stride);
        for (int32_t x = 0; x < d.width && rc == 0; x++) {
            uint32_t want = x < f.width && y < f.height ? fr[x] & 0xFFFFFFu : 0;
            if ((dr[x] & 0xFFFFFFu) != want) {
                fprintf(stderr, "gst_probe: %s differs from %s at %d,%d: %06x, want %06x\n",
                        decoded, frame, (int)x, (int)y, dr[x] & 0xFFFFFFu, want);
                rc = 1;
            }
        }
    }
    shmfb_image_free(&d);
    shmfb_image_free(&f);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "pad") == 0)
        return pad_compare(argv[2], argv[3]);
    gst_init(NULL, NULL);
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "stream") == 0)
        return stream(argv[2], strtol(argv[3], NULL, 10), argc == 5 ? argv[4] : NULL, FALSE);
    if (argc == 5 && strcmp(argv[1], "newest") == 0)
        return stream(argv[2], strtol(argv[3], NULL, 10), argv[4], TRUE);
    if (argc == 4 && strcmp(argv[1], "sink") == 0)
        return sink(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "wild-times") == 0)
        return wild_times(argv[2]);
    if (argc == 4 && strcmp(argv[1], "monotonic") == 0)
        return monotonic(argv[2], strtol(argv[3], NULL, 10));
    fprintf(stderr, "usage: gst_probe stream NAME N [DIR] | newest NAME N DIR | sink NAME WxH | "
                    "wild-times NAME | "
                    "monotonic NAME N | pad DECODED FRAME\n");
    return 2;
}

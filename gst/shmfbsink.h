/* shmfbsink: a video sink that is a framebuffer producer. */
#ifndef SHMFB_GST_SHMFBSINK_H
#define SHMFB_GST_SHMFBSINK_H

#include <gst/video/gstvideosink.h>

G_BEGIN_DECLS

#define GST_TYPE_SHMFB_SINK (gst_shmfb_sink_get_type())
G_DECLARE_FINAL_TYPE(GstShmfbSink, gst_shmfb_sink, GST, SHMFB_SINK, GstVideoSink)

G_END_DECLS

#endif /* SHMFB_GST_SHMFBSINK_H */

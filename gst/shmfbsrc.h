/* shmfbsrc: a framebuffer as a live video source. */
#ifndef SHMFB_GST_SHMFBSRC_H
#define SHMFB_GST_SHMFBSRC_H

#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_SHMFB_SRC (gst_shmfb_src_get_type())
G_DECLARE_FINAL_TYPE(GstShmfbSrc, gst_shmfb_src, GST, SHMFB_SRC, GstPushSrc)

/* The caps of the reference timestamp each buffer carries: the frame's
 * present time as the producer published it (nanoseconds). */
#define SHMFB_GST_TIME_CAPS "timestamp/x-shmfb-present"

G_END_DECLS

#endif /* SHMFB_GST_SHMFBSRC_H */

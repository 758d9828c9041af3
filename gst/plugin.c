/* The shmfb GStreamer plugin: shmfbsrc and shmfbsink. */
#include "shmfbsink.h"
#include "shmfbsrc.h"

#include <gst/gst.h>

static gboolean plugin_init(GstPlugin *plugin)
{
    return gst_element_register(plugin, "shmfbsrc", GST_RANK_NONE, GST_TYPE_SHMFB_SRC) &&
           gst_element_register(plugin, "shmfbsink", GST_RANK_NONE, GST_TYPE_SHMFB_SINK);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, shmfb,
                  "Shared-memory framebuffers (shmfb) as GStreamer sources and sinks", plugin_init,
                  SHMFB_GST_VERSION, "unknown", "shmfb", "shmfb source tree")

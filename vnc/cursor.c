/* The producer's cursor, sent to clients as a rich cursor. */
#include "vnc.h"

#include <rfb/rfb.h>

#include <stdlib.h>

struct rfbCursor *vnc_cursor_for_client(rfbClientPtr cl)
{
    (void)cl;
    return NULL;
}

void vnc_cursor_changed_all(struct vnc_bridge *b)
{
    (void)b;
}

void vnc_cursor_free(struct vnc_client_cursor *cc)
{
    free(cc);
}

void vnc_server_cursor(struct vnc_bridge *b, const struct shmfb_cursor *c)
{
    (void)b;
    (void)c;
}

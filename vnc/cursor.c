/*
 * The producer's cursor, sent to clients as a cursor shape (RichCursor, or
 * XCursor for two-colour clients).  Nothing is ever drawn into the pixels
 * served: the screen has no cursor of libvncserver's, which would draw it
 * into the shared shadow for clients without cursor shapes; those clients
 * simply get no cursor from the bridge.
 *
 * The main thread keeps the latest cursor under cursor_lock.  Each client's
 * output thread, when libvncserver asks it for the cursor to send, rebuilds
 * its own rfbCursor from that copy: libvncserver converts the cursor it
 * sends in place, so one object shared by several output threads would be
 * written by all of them at once.
 */
#include "vnc.h"

#include <rfb/rfb.h>

#include <stdlib.h>
#include <string.h>

/* The pointer shown for SHMFB_CURSOR_DEFAULT: VNC clients show only what
 * the server sends.  X: black, '.': white, ' ': transparent; hotspot 0,0. */
static const char *const arrow[] = {
    "X           ", "XX          ", "X.X         ", "X..X        ", "X...X       ",
    "X....X      ", "X.....X     ", "X......X    ", "X.......X   ", "X........X  ",
    "X.........X ", "X......XXXXX", "X...X..X    ", "X..XX..X    ", "X.X  X..X   ",
    "XX   X..X   ", "X     X..X  ", "      X..X  ", "       XX   ",
};
#define ARROW_W 12
#define ARROW_H ((int)(sizeof arrow / sizeof arrow[0]))

struct vnc_client_cursor {
    uint64_t serial; /* of the bridge's cursor it was built from */
    rfbCursor cursor;
    uint32_t rich[SHMFB_CURSOR_MAX * SHMFB_CURSOR_MAX]; /* server format: 0x00RRGGBB */
    unsigned char mask[(SHMFB_CURSOR_MAX + 7) / 8 * SHMFB_CURSOR_MAX];
};

void vnc_server_cursor(struct vnc_bridge *b, const struct shmfb_cursor *c)
{
    pthread_mutex_lock(&b->cursor_lock);
    if (!b->cursor)
        b->cursor = malloc(sizeof *b->cursor);
    if (b->cursor) {
        *b->cursor = *c;
        b->cursor_serial++;
    }
    pthread_mutex_unlock(&b->cursor_lock);
    pthread_mutex_lock(&b->lock);
    b->cursor_changed = true;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
}

void vnc_cursor_changed_all(struct vnc_bridge *b)
{
    rfbClientIteratorPtr it = rfbGetClientIterator(b->screen);
    rfbClientPtr cl;
    while ((cl = rfbClientIteratorNext(it))) {
        pthread_mutex_lock(&cl->updateMutex);
        cl->cursorWasChanged = TRUE;
        pthread_cond_signal(&cl->updateCond);
        pthread_mutex_unlock(&cl->updateMutex);
    }
    rfbReleaseClientIterator(it);
}

static void set_pixel(struct vnc_client_cursor *cc, int x, int y, uint32_t argb)
{
    int w = cc->cursor.width;
    cc->rich[y * w + x] = argb & 0xFFFFFFu;
    if (argb >> 24 >= 0x80) /* the shape's mask is one bit deep */
        cc->mask[y * ((w + 7) / 8) + x / 8] |= (unsigned char)(0x80u >> (x % 8));
}

static void shape(struct vnc_client_cursor *cc, const struct shmfb_cursor *c)
{
    if (!c || c->state == SHMFB_CURSOR_DEFAULT) {
        cc->cursor.width = ARROW_W;
        cc->cursor.height = (unsigned short)ARROW_H;
        for (int y = 0; y < ARROW_H; y++)
            for (int x = 0; x < ARROW_W; x++)
                set_pixel(cc, x, y,
                          arrow[y][x] == 'X'   ? 0xFF000000u
                          : arrow[y][x] == '.' ? 0xFFFFFFFFu
                                               : 0);
        return;
    }
    if (c->state != SHMFB_CURSOR_SHAPE) {         /* hidden: 1x1 and transparent, */
        cc->cursor.width = cc->cursor.height = 1; /* which libvncserver sends as "none" */
        return;
    }
    cc->cursor.width = (unsigned short)c->width;
    cc->cursor.height = (unsigned short)c->height;
    cc->cursor.xhot = (unsigned short)c->hot_x;
    cc->cursor.yhot = (unsigned short)c->hot_y;
    for (int y = 0; y < c->height; y++)
        for (int x = 0; x < c->width; x++)
            set_pixel(cc, x, y, c->pixels[y * c->width + x]);
}

/* Rebuilds the client's copy from the bridge's cursor if that changed. */
static void refresh(struct vnc_bridge *b, struct vnc_client_cursor *cc)
{
    pthread_mutex_lock(&b->cursor_lock);
    if (cc->serial != b->cursor_serial || !cc->cursor.width) {
        if (cc->cursor.cleanupSource)
            free(cc->cursor.source); /* the XCursor bits libvncserver made */
        memset(&cc->cursor, 0, sizeof cc->cursor);
        memset(cc->mask, 0, sizeof cc->mask);
        shape(cc, b->cursor);
        cc->cursor.richSource = (unsigned char *)cc->rich;
        cc->cursor.mask = cc->mask;
        cc->serial = b->cursor_serial;
    }
    pthread_mutex_unlock(&b->cursor_lock);
}

struct rfbCursor *vnc_cursor_for_client(rfbClientPtr cl)
{
    struct vnc_client *vc = cl->clientData;
    if (!vc)
        return NULL;
    if (!vc->cursor)
        vc->cursor = calloc(1, sizeof *vc->cursor);
    if (!vc->cursor)
        return NULL;
    refresh(cl->screen->screenData, vc->cursor);
    return &vc->cursor->cursor;
}

void vnc_cursor_free(struct vnc_client_cursor *cc)
{
    if (cc && cc->cursor.cleanupSource)
        free(cc->cursor.source);
    free(cc);
}

/*
 * libvncserver side of the bridge: the screen, client bookkeeping, input
 * hooks, and the publisher thread that tells libvncserver what changed.
 *
 * Clients are served from the shadow buffer (frames.c), never from the
 * shared pixels: libvncserver's output threads read the framebuffer whenever
 * a client asks, and holding a shared frame that long would stall a FIFO
 * producer.  The main thread copies damage into the shadow without waiting
 * for anyone; the publisher then marks it modified.  A client may be sending
 * a region while it is being copied over; the mark that follows every copy
 * makes it send that region again, so every client ends on the right pixels.
 *
 * The shadow is sized for the framebuffer's capacity, so a size change
 * never moves it; a new producer with a larger capacity gets a new shadow,
 * and the old one stays allocated until exit, so no client ever reads freed
 * memory.
 */
#include "vnc.h"

#include <rfb/rfb.h>
#include <rfb/rfbregion.h>

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static bool lib_verbose;

static void lib_log(const char *format, ...)
{
    if (!lib_verbose)
        return;
    int saved = errno;
    va_list ap;
    va_start(ap, format);
    fputs(VNC_PROG ": libvncserver: ", stderr);
    vfprintf(stderr, format, ap);
    va_end(ap);
    errno = saved;
}

static struct vnc_bridge *bridge_of(rfbClientPtr cl)
{
    return cl->screen->screenData;
}

uint64_t vnc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* 0xAARRGGBB words, rows b->shadow->cap_w pixels apart. */
static void set_format(rfbScreenInfoPtr s, int32_t pitch)
{
    s->serverFormat.redShift = 16;
    s->serverFormat.greenShift = 8;
    s->serverFormat.blueShift = 0;
    s->paddedWidthInBytes = pitch * 4;
}

/* ------------------------------------------------------------------------ */
/* Input                                                                    */
/* ------------------------------------------------------------------------ */

void vnc_send_events(struct vnc_bridge *b, struct shmfb_event *ev, int n)
{
    uint32_t now = (uint32_t)vnc_now_ms();
    pthread_mutex_lock(&b->input_lock);
    for (int i = 0; i < n && b->input; i++) {
        ev[i].time_ms = now;
        shmfb_consumer_send(b->input, &ev[i]);
    }
    pthread_mutex_unlock(&b->input_lock);
}

static void on_pointer(int mask, int x, int y, rfbClientPtr cl)
{
    struct vnc_bridge *b = bridge_of(cl);
    struct vnc_client *vc = cl->clientData;
    struct shmfb_event ev[VNC_EVENTS_MAX];
    if (!vc || b->opt.no_input)
        return;
    int n = vnc_input_pointer(&vc->input, (uint32_t)mask, x, y, ev);
    vnc_send_events(b, ev, n);
}

static void on_key(rfbBool down, rfbKeySym keysym, rfbClientPtr cl)
{
    struct vnc_bridge *b = bridge_of(cl);
    struct vnc_client *vc = cl->clientData;
    struct shmfb_event ev[2];
    if (!vc || b->opt.no_input)
        return;
    int n = vnc_input_key(&vc->input, down, (uint32_t)keysym, ev);
    vnc_send_events(b, ev, n);
}

/* Cut text (libvncserver caps its size) goes to the producer's clipboard. */
static void on_cut_text(char *str, int len, rfbClientPtr cl)
{
    if (len >= 0)
        vnc_clip_from_client(bridge_of(cl), str, (size_t)len, false);
}

static void on_cut_text_utf8(char *str, int len, rfbClientPtr cl)
{
    if (len >= 0)
        vnc_clip_from_client(bridge_of(cl), str, (size_t)len, true);
}

/* A client's desktop size request becomes a resize request to the producer;
 * libvncserver tells the client the outcome once a frame of the new size is
 * served. */
static int on_desktop_size(int width, int height, int nscreens, rfbExtDesktopScreen *screens,
                           rfbClientPtr cl)
{
    struct vnc_bridge *b = bridge_of(cl);
    struct vnc_client *vc = cl->clientData;
    (void)nscreens;
    (void)screens;
    if (b->opt.no_input || !vc)
        return rfbExtDesktopSize_ResizeProhibited;
    if (width < 1 || height < 1)
        return rfbExtDesktopSize_InvalidScreenLayout;
    uint64_t now = vnc_now_ms();
    if (vc->resize_ms && now - vc->resize_ms < VNC_RESIZE_MIN_MS)
        return rfbExtDesktopSize_OutOfResources;
    vc->resize_ms = now;
    struct shmfb_event ev = {
        .type = SHMFB_EVENT_RESIZE, .time_ms = (uint32_t)now, .x = width, .y = height};
    pthread_mutex_lock(&b->input_lock);
    bool sent = b->input && shmfb_consumer_send(b->input, &ev) == 0;
    pthread_mutex_unlock(&b->input_lock);
    return sent ? rfbExtDesktopSize_Success : rfbExtDesktopSize_ResizeProhibited;
}

/* ------------------------------------------------------------------------ */
/* Clients                                                                  */
/* ------------------------------------------------------------------------ */

static void say_clients(const char *peer, const char *what, int n)
{
    fprintf(stderr, VNC_PROG ": client %s %s (%d client%s)\n", peer, what, n, n == 1 ? "" : "s");
}

/* Runs on the client's own input thread, from libvncserver's clean-up,
 * after the client left the list; the thread ends right after. */
static void on_client_gone(rfbClientPtr cl)
{
    struct vnc_bridge *b = bridge_of(cl);
    struct vnc_client *vc = cl->clientData;
    struct shmfb_event ev[VNC_EVENTS_MAX + VNC_KEYS_HELD];
    if (!vc)
        return;
    if (!b->opt.no_input) /* nothing stays pressed on the producer's side */
        vnc_send_events(b, ev, vnc_input_release(&vc->input, ev));
    pthread_mutex_lock(&b->lock);
    int n = --b->clients;
    /* libvncserver never joins the threads of clients that left. */
    if (pthread_equal(pthread_self(), cl->client_thread) &&
        b->nreap < (int)(sizeof b->reap / sizeof b->reap[0]))
        b->reap[b->nreap++] = pthread_self();
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
    say_clients(vc->peer, "left", n);
    vnc_cursor_free(vc->cursor);
    free(vc);
    cl->clientData = NULL;
}

/* An update request for an empty rectangle (0 wide or high) puts an empty
 * rectangle into libvncserver's regions, and its zlib, ultra and tight
 * encoders then divide by that width (0.9.14).  It is made a request for
 * one pixel, which is harmless. */
static void on_update_request(rfbClientPtr cl, rfbFramebufferUpdateRequestMsg *fur)
{
    (void)cl;
    if (fur->w == 0 || fur->h == 0) {
        fur->x = fur->y = 0;
        fur->w = fur->h = 1;
    }
}

static enum rfbNewClientAction on_new_client(rfbClientPtr cl)
{
    struct vnc_bridge *b = bridge_of(cl);
    struct vnc_client *vc = calloc(1, sizeof *vc);
    if (!vc) {
        fprintf(stderr, VNC_PROG ": client refused: out of memory\n");
        return RFB_CLIENT_REFUSE;
    }
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    snprintf(vc->peer, sizeof vc->peer, "?");
    if (getpeername(cl->sock, (struct sockaddr *)&peer, &len) == 0)
        vnc_addr_text((struct sockaddr *)&peer, len, vc->peer, sizeof vc->peer);
    pthread_mutex_lock(&b->lock);
    bool full = b->clients >= VNC_MAX_CLIENTS || b->quit;
    int n = full ? b->clients : ++b->clients;
    pthread_mutex_unlock(&b->lock);
    if (full) {
        fprintf(stderr, VNC_PROG ": client %s refused: %d clients already\n", vc->peer, n);
        free(vc);
        return RFB_CLIENT_REFUSE;
    }
    vc->since_ms = vnc_now_ms();
    cl->clientData = vc;
    cl->clientGoneHook = on_client_gone;
    cl->clientFramebufferUpdateRequestHook = on_update_request;
    say_clients(vc->peer, "connected", n);
    return RFB_CLIENT_ACCEPT;
}

/* libvncserver stores a client's SetPixelFormat before checking it, and on
 * a bad one closes the client but keeps both the format and the previous
 * translation, while the client's output thread may be encoding: with 0..7
 * bits per pixel its encoders divide by zero, with a translation that
 * writes fewer bytes than the format says they send uninitialised memory.
 * So a format it cannot serve is replaced by the server's, untranslated, at
 * once. */
static rfbBool set_translate(rfbClientPtr cl)
{
    uint8_t bpp = cl->format.bitsPerPixel;
    if ((bpp == 8 || bpp == 16 || bpp == 24 || bpp == 32) && rfbSetTranslateFunction(cl))
        return TRUE;
    cl->format = cl->screen->serverFormat;
    cl->translateFn = rfbTranslateNone;
    rfbCloseClient(cl);
    return FALSE;
}

/*
 * Server-side scaling (the SetScale and PalmVNC scale messages) is not
 * offered: libvncserver 0.9.14 keeps each scaled screen at the size it was
 * made for when the framebuffer changes size (rfbNewFramebuffer does not
 * touch them) and scales every update once more for it, while every client
 * the bridge serves scales on its own side.  libvncserver has no hook
 * before it handles these messages, so this definition takes the place of
 * its own: the library calls this exported function through its PLT, and
 * the executable's definition comes first.  That stops working without a
 * word if the library binds its calls at build time (a static library,
 * -Bsymbolic, LTO), so the line said here is what the vnc_scale test looks
 * for: it fails when libvncserver's scaling runs instead.
 */
__attribute__((visibility("default"))) void rfbScalingSetup(rfbClientPtr cl, int width, int height);
void rfbScalingSetup(rfbClientPtr cl, int width, int height)
{
    struct vnc_client *vc = cl->clientData;
    if (!vc || vc->scale_said) /* once per client: a client may repeat it */
        return;
    vc->scale_said = true;
    fprintf(stderr, VNC_PROG ": client %s asked for server-side scaling to %dx%d: not offered\n",
            vc->peer, width, height);
}

/* VNC authentication against the one password; a wrong guess costs the
 * guesser a second (on its own thread). */
static rfbBool check_password(rfbClientPtr cl, const char *response, int len)
{
    if (rfbCheckPasswordByList(cl, response, len))
        return TRUE;
    struct vnc_client *vc = cl->clientData;
    fprintf(stderr, VNC_PROG ": client %s: wrong password\n", vc ? vc->peer : "?");
    nanosleep(&(struct timespec){1, 0}, NULL);
    return FALSE;
}

/* ------------------------------------------------------------------------ */
/* The publisher thread                                                     */
/* ------------------------------------------------------------------------ */

/* Most clients whose sends publish_size() holds off; libvncserver's list
 * also holds connections still in their handshake. */
#define VNC_HELD_MAX (VNC_MAX_CLIENTS * 4)

/* Takes a reference to every client and then its send lock, so that no
 * update is being encoded and none of them can go away meanwhile.
 * \returns how many are held. */
static int hold_sends(rfbScreenInfoPtr s, rfbClientPtr *held)
{
    int n = 0;
    rfbClientIteratorPtr it = rfbGetClientIterator(s);
    rfbClientPtr cl;
    while (n < VNC_HELD_MAX && (cl = rfbClientIteratorNext(it))) {
        rfbIncrClientRef(cl);
        held[n++] = cl;
    }
    rfbReleaseClientIterator(it);
    for (int i = 0; i < n; i++)
        pthread_mutex_lock(&held[i]->sendMutex);
    return n;
}

/* Marks everything modified and schedules the new size for the client. */
static void resized(rfbClientPtr cl, int32_t w, int32_t h)
{
    pthread_mutex_lock(&cl->updateMutex);
    sraRgnDestroy(cl->modifiedRegion);
    cl->modifiedRegion = sraRgnCreateRect(0, 0, w, h);
    sraRgnMakeEmpty(cl->copyRegion);
    cl->copyDX = cl->copyDY = 0;
    if (cl->useNewFBSize)
        cl->newFBSizePending = TRUE;
    pthread_cond_signal(&cl->updateCond);
    pthread_mutex_unlock(&cl->updateMutex);
}

/*
 * Serves a new size (or a new, larger shadow).  These are the steps of
 * rfbNewFramebuffer(), which is not used: in 0.9.14 it locks the clients'
 * sends in one pass over the client list and unlocks them in another, so a
 * client closed in between keeps its lock held for ever (its thread then
 * hangs in its clean-up), and one accepted in between is unlocked without
 * having been locked.  It also resets the pixel format, which never changes
 * here.  Clients accepted while this runs read the new geometry or the old;
 * both lie inside the shadow they are paired with.
 */
static void publish_size(struct vnc_bridge *b, uint32_t *pixels, int32_t pitch, int32_t w,
                         int32_t h)
{
    rfbScreenInfoPtr s = b->screen;
    rfbClientPtr held[VNC_HELD_MAX];
    int n = hold_sends(s, held);
    s->frameBuffer = (char *)pixels;
    s->paddedWidthInBytes = pitch * 4;
    s->width = w;
    s->height = h;
    for (int i = 0; i < n; i++) {
        resized(held[i], w, h);
        pthread_mutex_unlock(&held[i]->sendMutex);
        rfbDecrClientRef(held[i]);
    }
}

/* Drops clients still in their handshake after VNC_HANDSHAKE_MS: a
 * connection that says nothing would otherwise hold a slot for ever. */
static void drop_stalled(struct vnc_bridge *b, uint64_t now)
{
    rfbClientIteratorPtr it = rfbGetClientIterator(b->screen);
    rfbClientPtr cl;
    while ((cl = rfbClientIteratorNext(it))) {
        struct vnc_client *vc = cl->clientData;
        if (vc && cl->state != RFB_NORMAL && cl->state != RFB_SHUTDOWN &&
            now - vc->since_ms > VNC_HANDSHAKE_MS) {
            fprintf(stderr, VNC_PROG ": client %s: no handshake within %d s; dropped\n", vc->peer,
                    VNC_HANDSHAKE_MS / 1000);
            rfbCloseClient(cl);
        }
    }
    rfbReleaseClientIterator(it);
}

/* Work taken from the main thread, under b->lock. */
struct publish {
    sraRegion *damage;
    uint32_t *pixels;
    int32_t pitch, w, h;
    bool cursor;
    pthread_t reap[VNC_MAX_CLIENTS * 2];
    int nreap;
};

static bool has_work(const struct vnc_bridge *b, const struct publish *p)
{
    return b->quit || b->nreap > 0 || b->cursor_changed || !sraRgnEmpty(b->damage) ||
           b->want_pixels != p->pixels || b->want_w != p->w || b->want_h != p->h;
}

static void take_work(struct vnc_bridge *b, struct publish *p)
{
    sraRegion *swap = b->damage;
    b->damage = p->damage;
    p->damage = swap;
    p->pixels = b->want_pixels;
    p->pitch = b->want_pitch;
    p->w = b->want_w;
    p->h = b->want_h;
    p->cursor = b->cursor_changed;
    b->cursor_changed = false;
    p->nreap = b->nreap;
    memcpy(p->reap, b->reap, (size_t)b->nreap * sizeof p->reap[0]);
    b->nreap = 0;
}

static void do_work(struct vnc_bridge *b, struct publish *p)
{
    rfbScreenInfoPtr s = b->screen;
    for (int i = 0; i < p->nreap; i++)
        pthread_join(p->reap[i], NULL);
    if ((char *)p->pixels != s->frameBuffer || p->w != s->width || p->h != s->height)
        publish_size(b, p->pixels, p->pitch, p->w, p->h);
    else if (!sraRgnEmpty(p->damage))
        rfbMarkRegionAsModified(s, p->damage);
    sraRgnMakeEmpty(p->damage);
    if (p->cursor)
        vnc_cursor_changed_all(b);
}

static void *publisher_main(void *arg)
{
    struct vnc_bridge *b = arg;
    struct publish p = {.damage = sraRgnCreate(),
                        .pixels = (uint32_t *)b->screen->frameBuffer,
                        .w = b->screen->width,
                        .h = b->screen->height};
    uint64_t swept = vnc_now_ms();
    pthread_mutex_lock(&b->lock);
    while (!b->quit) {
        if (!has_work(b, &p)) {
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_sec += 1;
            pthread_cond_timedwait(&b->cond, &b->lock, &until);
            if (b->quit)
                break;
        }
        take_work(b, &p);
        pthread_mutex_unlock(&b->lock);
        do_work(b, &p);
        uint64_t now = vnc_now_ms();
        if (now - swept >= 1000) {
            drop_stalled(b, now);
            swept = now;
        }
        pthread_mutex_lock(&b->lock);
    }
    pthread_mutex_unlock(&b->lock);
    sraRgnDestroy(p.damage);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Main thread                                                              */
/* ------------------------------------------------------------------------ */

void vnc_server_damage(struct vnc_bridge *b, const struct shmfb_frame *f)
{
    pthread_mutex_lock(&b->lock);
    for (uint32_t i = 0; i < f->ndamage; i++) {
        const struct shmfb_rect *r = &f->damage[i];
        sraRegion *rect = sraRgnCreateRect(r->x, r->y, r->x + r->w, r->y + r->h);
        sraRgnOr(b->damage, rect);
        sraRgnDestroy(rect);
    }
    b->want_pixels = b->shadow->pixels;
    b->want_pitch = b->shadow->cap_w;
    b->want_w = f->width;
    b->want_h = f->height;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
}

static void setup_screen(struct vnc_bridge *b, rfbScreenInfoPtr s)
{
    s->screenData = b;
    s->frameBuffer = (char *)b->shadow->pixels;
    set_format(s, b->shadow->cap_w);
    s->desktopName = b->opt.target.label;
    s->alwaysShared = TRUE; /* many clients at once; nobody throws others out */
    s->dontDisconnect = TRUE;
    s->cursor = NULL; /* nothing is ever drawn into the pixels served */
    s->deferUpdateTime = 1;
    s->maxClientWait = VNC_CLIENT_WAIT_MS;
    s->ptrAddEvent = on_pointer;
    s->kbdAddEvent = on_key;
    s->setXCutText = on_cut_text;
    s->setXCutTextUTF8 = on_cut_text_utf8;
    s->newClientHook = on_new_client;
    s->setDesktopSizeHook = on_desktop_size;
    s->getCursorPtr = vnc_cursor_for_client;
    s->setTranslateFunction = set_translate;
    s->versionString = VNC_PROG;
    if (b->password) {
        static char *list[2];
        list[0] = b->password;
        s->authPasswdData = list;
        s->passwordCheck = check_password;
    }
    /* The listening socket is ours (net.c); libvncserver only accepts on it. */
    s->port = vnc_addr_port(&b->rfb.addr);
    s->ipv6port = 0;
    s->listenSock = b->rfb.fd;
    FD_SET(b->rfb.fd, &s->allFds);
    s->maxFd = b->rfb.fd;
    s->socketState = RFB_SOCKET_READY;
}

int vnc_server_start(struct vnc_bridge *b, int32_t width, int32_t height)
{
    lib_verbose = b->opt.verbose;
    rfbLog = lib_log;
    rfbErr = lib_log;
    rfbMaxClientWait = VNC_CLIENT_WAIT_MS;
    b->damage = sraRgnCreate();
    rfbScreenInfoPtr s = rfbGetScreen(NULL, NULL, width, height, 8, 3, 4);
    if (!b->damage || !s)
        goto fail;
    b->screen = s;
    setup_screen(b, s);
    b->want_pixels = b->shadow->pixels;
    b->want_pitch = b->shadow->cap_w;
    b->want_w = width;
    b->want_h = height;
    rfbInitServer(s);
    rfbRunEventLoop(s, -1, TRUE);
    b->rfb.fd = -1; /* libvncserver's now */
    if (pthread_create(&b->publisher, NULL, publisher_main, b) != 0)
        goto fail;
    b->publisher_running = true;
    return 0;

fail:
    fprintf(stderr, VNC_PROG ": cannot start the VNC server: out of memory\n");
    return -1;
}

/* Hangs up on every client and waits (up to 5 s) for their threads. */
static bool disconnect_all(struct vnc_bridge *b)
{
    rfbClientIteratorPtr it = rfbGetClientIterator(b->screen);
    rfbClientPtr cl;
    while ((cl = rfbClientIteratorNext(it))) {
        /* Wakes an input thread in the middle of a message, and an output
         * thread blocked on a client that reads nothing. */
        if (cl->sock >= 0)
            shutdown(cl->sock, SHUT_RDWR);
        rfbCloseClient(cl);
    }
    rfbReleaseClientIterator(it);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&b->lock);
    while (b->clients > 0 && pthread_cond_timedwait(&b->cond, &b->lock, &until) == 0)
        ;
    bool gone = b->clients == 0;
    pthread_mutex_unlock(&b->lock);
    return gone;
}

void vnc_server_stop(struct vnc_bridge *b)
{
    rfbScreenInfoPtr s = b->screen;
    if (!s)
        return;
    pthread_mutex_lock(&b->lock);
    b->quit = true; /* no new client is accepted from here on */
    pthread_mutex_unlock(&b->lock);
    rfbShutdownServer(s, FALSE); /* the listener */
    bool gone = disconnect_all(b);
    pthread_mutex_lock(&b->lock);
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
    if (b->publisher_running)
        pthread_join(b->publisher, NULL);
    b->publisher_running = false;
    for (int i = 0; i < b->nreap; i++)
        pthread_join(b->reap[i], NULL);
    b->nreap = 0;
    if (!gone) {
        fprintf(stderr, VNC_PROG ": a client did not go away; not cleaning up\n");
        return;
    }
    rfbScreenCleanup(s);
    b->screen = NULL;
    sraRgnDestroy(b->damage);
    b->damage = NULL;
}

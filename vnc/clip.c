/*
 * The clipboard between VNC clients and the producer.  The producer's text
 * offers go to every client as ServerCutText: UTF-8 to clients that took
 * libvncserver's extended clipboard (noVNC, TigerVNC), Latin-1 to the
 * others, characters beyond it as '?'.  Cut text a client sends (Latin-1,
 * or UTF-8 through the extended clipboard) becomes the consumer's offer.
 *
 * Clients' cut text is offered on their input threads, before the keys
 * that follow it (so a paste finds it); the main thread takes the
 * producer's offers after each wait for frames.  All host calls are made
 * under input_lock.
 */
#include "vnc.h"

#include <rfb/rfb.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Latin-1 of UTF-8 text (valid: the library checked it); '?' past U+00FF. */
static size_t to_latin1(const char *s, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        uint8_t c = (uint8_t)s[i];
        size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1Fu : len == 3 ? c & 0x0Fu : c & 0x07u;
        for (size_t j = 1; j < len && i + j < n; j++)
            cp = (cp << 6) | ((uint8_t)s[i + j] & 0x3Fu);
        out[k++] = cp <= 0xFF ? (char)cp : '?';
        i += len;
    }
    return k;
}

/* UTF-8 of Latin-1 bytes (malloc'd, NUL-terminated), or NULL. */
static char *from_latin1(const char *s, size_t n, size_t *len)
{
    char *out = malloc(2 * n + 1);
    size_t k = 0;
    for (size_t i = 0; out && i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c >= 0x80)
            out[k++] = (char)(0xC0 | c >> 6);
        out[k++] = (char)(c < 0x80 ? c : 0x80 | (c & 0x3F));
    }
    if (out)
        out[k] = '\0';
    *len = k;
    return out;
}

/* Any client thread, before the keys that may paste it: the consumer's
 * host calls are made under input_lock (the main thread's too), and never
 * while the main thread waits on the host channel. */
void vnc_clip_from_client(struct vnc_bridge *b, const char *text, size_t len, bool utf8)
{
    size_t n = len;
    char *copy = utf8 ? NULL : from_latin1(text, len, &n);
    if (!utf8 && !copy)
        return;
    struct shmfb_clip_item it = {.mime = SHMFB_MIME_TEXT, .data = utf8 ? text : copy, .size = n};
    pthread_mutex_lock(&b->input_lock);
    int rc = b->input ? shmfb_consumer_offer_clipboard(b->input, &it, 1) : 0;
    pthread_mutex_unlock(&b->input_lock);
    if (rc < 0 && rc != -EPIPE)
        fprintf(stderr, VNC_PROG ": %s: a client's cut text not offered: %s\n", b->opt.target.label,
                shmfb_strerror(rc));
    free(copy);
}

/* ServerCutText in Latin-1 to the clients without the extended clipboard. */
static void to_legacy_clients(struct vnc_bridge *b, const char *latin1, size_t n)
{
    rfbServerCutTextMsg m = {.type = rfbServerCutText, .length = Swap32IfLE((uint32_t)n)};
    rfbClientIteratorPtr it = rfbGetClientIterator(b->screen);
    for (rfbClientPtr cl; (cl = rfbClientIteratorNext(it));) {
        if (cl->enableExtendedClipboard)
            continue;
        LOCK(cl->sendMutex);
        if (rfbWriteExact(cl, (const char *)&m, sz_rfbServerCutTextMsg) < 0 ||
            rfbWriteExact(cl, latin1, (int)n) < 0)
            rfbCloseClient(cl);
        UNLOCK(cl->sendMutex);
    }
    rfbReleaseClientIterator(it);
}

/* The producer's text to every client, within the cap. */
static void to_clients(struct vnc_bridge *b, const char *text, size_t len)
{
    if (len > VNC_CUT_MAX) {
        fprintf(stderr,
                VNC_PROG ": %s: clipboard of %zu bytes not sent to clients (more than %d)\n",
                b->opt.target.label, len, VNC_CUT_MAX);
        return;
    }
    /* libvncserver 0.9.14's fallback for clients without the extended
     * clipboard announces the UTF-8 length but sends the fallback's bytes (a
     * client then reads past the message when they differ), and without a
     * fallback it leaves those clients' send lock taken.  So they get the
     * UTF-8 bytes as the fallback (a message of the right length), then at
     * once the right Latin-1 text, which is what their clipboard ends with. */
    rfbSendServerCutTextUTF8(b->screen, (char *)text, (int)len, (char *)text, (int)len);
    char *latin1 = malloc(len + 1);
    if (latin1)
        to_legacy_clients(b, latin1, to_latin1(text, len, latin1));
    free(latin1);
}

/* The producer's newest clipboard text, copied out under input_lock. */
static char *take_text(struct vnc_bridge *b, size_t *len)
{
    struct shmfb_host_msg m;
    char *text = NULL;
    pthread_mutex_lock(&b->input_lock);
    for (int k = 0; k < 16 && b->input && shmfb_consumer_host_recv(b->input, &m) == 0; k++) {
        for (uint32_t i = 0; m.type == SHMFB_HOST_CLIPBOARD && i < m.count; i++) {
            if (strcmp(m.items[i].mime, SHMFB_MIME_TEXT) != 0)
                continue;
            free(text);
            text = malloc(m.items[i].size + 1);
            if (text)
                memcpy(text, m.items[i].data, m.items[i].size);
            *len = m.items[i].size;
            break;
        }
    }
    pthread_mutex_unlock(&b->input_lock);
    return text;
}

void vnc_clip_pump(struct vnc_bridge *b)
{
    size_t len = 0;
    char *text = take_text(b, &len);
    if (text)
        to_clients(b, text, len); /* not under the lock: clients may be slow */
    free(text);
}

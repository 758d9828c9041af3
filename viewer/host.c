/*
 * The desktop around the picture, through the library's host channel: the
 * producer's clipboard offers become the desktop's clipboard (CLIPBOARD and
 * PRIMARY), its title the window's, its full-screen requests the window's
 * state; the desktop's clipboard text goes back to the producer whenever it
 * may have changed (the viewer lost the selection, got the focus, or a
 * paste key is about to go to the producer), and files dropped on the
 * window go as one drop at the pointer.  SDL's clipboard is text only, so
 * only SHMFB_MIME_TEXT travels here.
 */
#include "view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* How often the main thread looks for the producer's messages. */
#define HOST_POLL_MS 20

struct offer_ctx {
    const char *text;
};

static int offer_text(struct shmfb_consumer *c, void *ctx)
{
    const struct offer_ctx *o = ctx;
    struct shmfb_clip_item it = {.mime = SHMFB_MIME_TEXT, .data = o->text, .size = strlen(o->text)};
    return shmfb_consumer_offer_clipboard(c, &it, 1);
}

static void remember(struct view_host *h, const char *text)
{
    free(h->clip);
    h->clip = strdup(text);
}

void view_host_offer(struct view_host *h, struct view_link *l)
{
    if (!SDL_HasClipboardText())
        return;
    char *text = SDL_GetClipboardText();
    if (text && *text && (!h->clip || strcmp(text, h->clip) != 0)) {
        struct offer_ctx o = {text};
        int rc = view_link_host(l, offer_text, &o);
        if (rc == 0)
            remember(h, text);
        else if (rc != -ENOTCONN && rc != -EPIPE)
            fprintf(stderr, VIEW_PROG ": clipboard not offered: %s\n", shmfb_strerror(rc));
    }
    SDL_free(text);
}

/* The producer's clipboard: its text (NUL-terminated here) for the desktop. */
static void take_clipboard(struct view_host *h, const struct shmfb_host_msg *m)
{
    for (uint32_t i = 0; i < m->count; i++) {
        if (SDL_strcasecmp(m->items[i].mime, SHMFB_MIME_TEXT) != 0)
            continue;
        char *text = SDL_malloc(m->items[i].size + 1);
        if (!text)
            return;
        memcpy(text, m->items[i].data, m->items[i].size);
        text[m->items[i].size] = '\0';
        SDL_SetClipboardText(text);
        SDL_SetPrimarySelectionText(text);
        remember(h, text);
        SDL_free(text);
        return;
    }
}

/* Applies one message; true if the title changed. */
static bool take(struct view_host *h, int *fullscreen, const struct shmfb_host_msg *m)
{
    switch (m->type) {
    case SHMFB_HOST_CLIPBOARD:
        take_clipboard(h, m);
        return false;
    case SHMFB_HOST_FULLSCREEN:
        *fullscreen = m->fullscreen;
        return false;
    case SHMFB_HOST_TITLE:
        if (strcmp(h->title, m->title) == 0)
            return false;
        snprintf(h->title, sizeof h->title, "%s", m->title);
        return true;
    default:
        return false;
    }
}

struct recv_ctx {
    struct view_host *h;
    int *fullscreen;
    bool title;
};

/* Under the link's lock: the message lives in the consumer, which the
 * waiter may close as soon as the lock is let go. */
static int recv_one(struct shmfb_consumer *c, void *ctx)
{
    struct recv_ctx *r = ctx;
    struct shmfb_host_msg m;
    int rc = shmfb_consumer_host_recv(c, &m);
    if (rc == 0)
        r->title |= take(r->h, r->fullscreen, &m);
    return rc;
}

bool view_host_poll(struct view_host *h, struct view_link *l, int *fullscreen)
{
    uint64_t t = SDL_GetTicks64();
    if (t < h->next_poll)
        return false;
    h->next_poll = t + HOST_POLL_MS;
    struct recv_ctx r = {h, fullscreen, false};
    /* Bounded: a producer cannot keep the window from its own events. */
    for (int i = 0; i < 16 && view_link_host(l, recv_one, &r) == 0; i++)
        continue;
    return r.title;
}

struct drop_ctx {
    int32_t x, y;
    const char *const *paths;
    uint32_t n;
};

static int send_drop(struct shmfb_consumer *c, void *ctx)
{
    const struct drop_ctx *d = ctx;
    return shmfb_consumer_drop(c, d->x, d->y, d->paths, d->n);
}

static void drop_clear(struct view_host *h)
{
    for (int i = 0; i < h->ndrop; i++)
        SDL_free(h->drop[i]);
    free(h->drop);
    h->drop = NULL;
    h->ndrop = 0;
}

/* Where the pointer is, in framebuffer pixels (drop events carry no
 * position; the drag source holds the pointer, so ask the server). */
static void pointer_fb(struct view_screen *s, int32_t *x, int32_t *y)
{
    int gx, gy, wx, wy;
    SDL_GetGlobalMouseState(&gx, &gy);
    SDL_GetWindowPosition(s->window, &wx, &wy);
    struct view_map m = view_screen_map(s);
    view_map_point(&m, gx - wx, gy - wy, x, y);
}

static void drop_send(struct view_host *h, struct view_link *l, struct view_screen *s)
{
    struct drop_ctx d = {.paths = (const char *const *)h->drop, .n = (uint32_t)h->ndrop};
    pointer_fb(s, &d.x, &d.y);
    int rc = d.n ? view_link_host(l, send_drop, &d) : 0;
    if (rc < 0 && rc != -ENOTCONN)
        fprintf(stderr, VIEW_PROG ": drop not sent: %s\n", shmfb_strerror(rc));
    drop_clear(h);
}

void view_host_drop(struct view_host *h, struct view_link *l, struct view_screen *s,
                    const SDL_Event *ev)
{
    switch (ev->type) {
    case SDL_DROPBEGIN:
        drop_clear(h);
        break;
    case SDL_DROPFILE:
    case SDL_DROPTEXT: {
        char **more = h->ndrop < SHMFB_DROP_MAX
                          ? realloc(h->drop, sizeof(*more) * (size_t)(h->ndrop + 1))
                          : NULL;
        if (more) {
            h->drop = more;
            h->drop[h->ndrop++] = ev->drop.file;
            return;
        }
        break;
    }
    default: /* SDL_DROPCOMPLETE */
        drop_send(h, l, s);
        break;
    }
    SDL_free(ev->type == SDL_DROPFILE || ev->type == SDL_DROPTEXT ? ev->drop.file : NULL);
}

void view_host_reset(struct view_host *h)
{
    h->title[0] = '\0';
    free(h->clip);
    h->clip = NULL;
}

void view_host_free(struct view_host *h)
{
    drop_clear(h);
    free(h->clip);
    h->clip = NULL;
}

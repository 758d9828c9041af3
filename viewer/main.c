/*
 * shmfb-view: shows a shmfb framebuffer in an SDL window.
 *
 * The main thread sleeps in SDL_WaitEventTimeout(); a waiter thread sleeps in
 * shmfb_consumer_wait_any() and posts an event per frame and per cursor
 * change (see link.c).  The main thread shows them (screen.c, cursor.c) and
 * translates window input into shmfb events, which it sends to the producer.
 *
 * With -- PROGRAM the viewer starts the producer itself (common/target.c), and the
 * program's exit ends the viewer (or, with --keep, only the live view).
 */
#include "view.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum view_state { VIEW_WAITING, VIEW_LIVE, VIEW_GONE, VIEW_EXITED };

/* How long the main thread waits for the next frame itself before it hands
 * the consumer back to the waiter (see view_on_frame()). */
#define VIEW_FLOW_MS 1

struct viewer {
    struct view_options opt;
    struct view_screen screen;
    struct view_link link;
    enum view_state state;
    uint64_t start_ms;
    long shown;      /* frames taken since start */
    long fps_frames; /* frames taken since fps_start */
    uint64_t fps_start;
    int fps;
    int last_error;   /* last waiter error reported, to say it once */
    const char *dash; /* between the name and the state in the title */
    bool done;
    int status; /* exit status */
    struct view_input input;
    struct target_child child; /* pid 0: not spawned, or reaped */
    bool spawned;
    struct shmfb_cursor cursor; /* the producer's, as last shown */
    struct view_host host;      /* title, clipboard, drops */
};

static void view_set_title(struct viewer *v)
{
    static const char *const what[] = {"waiting for producer", "live", "producer gone", "exited"};
    char title[SHMFB_TITLE_MAX + SHMFB_NAME_MAX + 128];
    const struct view_screen *s = &v->screen;
    if (v->host.title[0] && v->state == VIEW_LIVE)
        snprintf(title, sizeof title, "%s %s %s", v->host.title, v->dash, v->opt.target.label);
    else if (v->host.title[0])
        snprintf(title, sizeof title, "%s %s %s %s %s", v->host.title, v->dash, v->opt.target.label,
                 v->dash, what[v->state]);
    else if (!s->has_frame)
        snprintf(title, sizeof title, VIEW_PROG " %s %s %s", v->opt.target.label, v->dash,
                 what[v->state]);
    else if (v->state == VIEW_LIVE)
        snprintf(title, sizeof title, VIEW_PROG " %s %dx%d %d fps %s live", v->opt.target.label,
                 s->fb_w, s->fb_h, v->fps, v->dash);
    else
        snprintf(title, sizeof title, VIEW_PROG " %s %dx%d %s %s", v->opt.target.label, s->fb_w,
                 s->fb_h, v->dash, what[v->state]);
    SDL_SetWindowTitle(s->window, title);
}

/* Shows the frame in link.frame and releases it. */
static void view_show_frame(struct viewer *v)
{
    const struct shmfb_frame *f = &v->link.frame;
    bool resized =
        !v->screen.has_frame || f->width != v->screen.fb_w || f->height != v->screen.fb_h;
    int rc = view_screen_take(&v->screen, f);
    if (rc < 0)
        fprintf(stderr, VIEW_PROG ": cannot make a %dx%d texture: %s\n", f->width, f->height,
                SDL_GetError());
    /* The pixels are copied: the producer goes on while the frame is shown.
     * From here on *f may be overwritten. */
    view_link_release(&v->link);
    if (rc < 0) {
        v->status = 1;
        v->done = true;
        return;
    }
    if (v->screen.visible)
        view_screen_show(&v->screen);
    v->shown++;
    v->fps_frames++;
    if (resized || v->state == VIEW_WAITING || v->state == VIEW_GONE) {
        if (v->state != VIEW_EXITED)
            v->state = VIEW_LIVE;
        view_set_title(v);
    }
    if (v->opt.frames > 0 && v->shown >= v->opt.frames)
        v->done = true;
}

static void view_pump(struct viewer *v);
static void view_tick(struct viewer *v);

/*
 * While frames keep coming, the main thread waits for them itself instead
 * of handing the consumer back to the waiter after each: every hand-over
 * costs two thread wake-ups and a round trip through the display server.
 * The window's events are served between frames, once per millisecond at
 * most.
 */
static void view_on_frame(struct viewer *v)
{
    uint64_t served = SDL_GetTicks64();
    view_show_frame(v);
    for (;;) {
        uint64_t now = SDL_GetTicks64();
        if (now != served) {
            view_pump(v);
            view_tick(v);
            served = now;
        }
        if (v->done || !view_link_next(&v->link, VIEW_FLOW_MS))
            break;
        view_show_frame(v);
    }
    view_link_resume(&v->link);
}

static void view_on_link(struct viewer *v, const SDL_UserEvent *ev)
{
    switch (ev->code) {
    case VIEW_LINK_FRAME:
        view_on_frame(v);
        return;
    case VIEW_LINK_LIVE:
        if (v->state == VIEW_GONE)
            fprintf(stderr, VIEW_PROG ": %s: a new producer is here\n", v->opt.target.name);
        v->state = VIEW_LIVE;
        v->last_error = 0;
        view_host_reset(&v->host);
        if (!v->opt.no_input)
            view_host_offer(&v->host, &v->link);
        break;
    case VIEW_LINK_GONE:
        if (v->state == VIEW_EXITED)
            return;
        /* A spawned program's exit is said when it is reaped. */
        if (!v->spawned)
            fprintf(stderr, VIEW_PROG ": %s: producer gone; keeping the last frame\n",
                    v->opt.target.label);
        v->state = VIEW_GONE;
        break;
    case VIEW_LINK_CURSOR:
        view_link_cursor(&v->link, &v->cursor);
        view_screen_cursor(&v->screen, &v->cursor);
        return;
    case VIEW_LINK_ERROR: {
        int rc = (int)(intptr_t)ev->data1;
        if (rc != v->last_error)
            fprintf(stderr, VIEW_PROG ": %s: %s\n", v->opt.target.label, shmfb_strerror(rc));
        v->last_error = rc;
        return;
    }
    }
    view_set_title(v);
}

/* CLOCK_MONOTONIC milliseconds when SDL saw the event (the producer's clock). */
static uint32_t view_event_time(const SDL_Event *ev)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    uint32_t age = SDL_GetTicks() - ev->common.timestamp;
    return (uint32_t)(now - (age < 60000 ? age : 0));
}

/* Translates window input and queues it for the producer. */
static void view_forward(struct viewer *v, const SDL_Event *ev)
{
    struct shmfb_event out[SDL_TEXTINPUTEVENT_TEXT_SIZE];
    if (v->opt.no_input)
        return;
    v->input.mods = (uint32_t)SDL_GetModState();
    struct view_map m = view_screen_map(&v->screen);
    int n = view_input_translate(ev, &v->input, &m, out, SDL_TEXTINPUTEVENT_TEXT_SIZE);
    if (v->state != VIEW_LIVE)
        return; /* translated all the same, to keep the buttons held right */
    for (int i = 0; i < n; i++) {
        out[i].time_ms = view_event_time(ev);
        view_link_send(&v->link, &out[i]);
    }
}

/* Whether a key press may paste: the desktop's clipboard goes first. */
static bool view_paste_key(const SDL_KeyboardEvent *k)
{
    bool ctrl = k->keysym.mod & (KMOD_CTRL | KMOD_GUI);
    return (ctrl && k->keysym.sym == SDLK_v) ||
           ((k->keysym.mod & KMOD_SHIFT) && k->keysym.sym == SDLK_INSERT);
}

static void view_fullscreen(struct viewer *v, bool on);

/* F11 toggles full screen and stays with the viewer; other keys go on. */
static void view_on_key(struct viewer *v, const SDL_Event *ev)
{
    const SDL_KeyboardEvent *k = &ev->key;
    if (k->keysym.scancode == SDL_SCANCODE_F11 && !(k->keysym.mod & KMOD_CTRL)) {
        if (ev->type == SDL_KEYDOWN && !k->repeat)
            view_fullscreen(v, !view_screen_is_fullscreen(&v->screen));
        return;
    }
    if (ev->type == SDL_KEYDOWN && !v->opt.no_input && view_paste_key(k))
        view_host_offer(&v->host, &v->link);
    view_forward(v, ev);
}

/* Asks for a frame that fills ow × oh output pixels. */
static void view_ask_fill(struct viewer *v, uint32_t time_ms, int ow, int oh)
{
    if (v->opt.no_input || v->state != VIEW_LIVE || !v->screen.has_frame)
        return;
    struct shmfb_event rq = {.type = SHMFB_EVENT_RESIZE, .time_ms = time_ms};
    view_resize_request(ow, oh, v->opt.scale, &rq.x, &rq.y);
    if (rq.x != v->screen.fb_w || rq.y != v->screen.fb_h)
        view_link_send(&v->link, &rq);
}

/* The user resized the window: ask for a frame that fills it. */
static void view_on_resized(struct viewer *v, const SDL_Event *ev)
{
    const SDL_WindowEvent *w = &ev->window;
    if (view_screen_own_size(&v->screen, w->data1, w->data2))
        return;
    int ow = 0, oh = 0;
    SDL_GetRendererOutputSize(v->screen.renderer, &ow, &oh);
    view_ask_fill(v, view_event_time(ev), ow, oh);
}

/* Full screen on or off (F11, the producer, --fullscreen): the window's own
 * resize brings no event, so the frame that fills it is asked for here. */
static void view_fullscreen(struct viewer *v, bool on)
{
    if (on == view_screen_is_fullscreen(&v->screen))
        return;
    view_screen_fullscreen(&v->screen, on);
    int ow = 0, oh = 0;
    SDL_GetWindowSizeInPixels(v->screen.window, &ow, &oh);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    view_ask_fill(v, (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u), ow,
                  oh);
}

/* Named: tell the producer and go.  Spawned: ask the program to quit and
 * wait for it (target_child_watch() enforces the grace periods). */
static void view_on_close(struct viewer *v, const SDL_Event *ev)
{
    struct shmfb_event rq = {.type = SHMFB_EVENT_CLOSE, .time_ms = view_event_time(ev)};
    bool told = !v->opt.no_input && v->state == VIEW_LIVE && view_link_send(&v->link, &rq);
    if (!v->spawned || !target_child_close(&v->child, told))
        v->done = true;
}

static void view_on_window(struct viewer *v, const SDL_Event *sdl_ev)
{
    const SDL_WindowEvent *ev = &sdl_ev->window;
    switch (ev->event) {
    case SDL_WINDOWEVENT_HIDDEN:
    case SDL_WINDOWEVENT_MINIMIZED:
        /* Keep taking frames (a FIFO producer must not stall); just don't draw. */
        v->screen.visible = false;
        return;
    case SDL_WINDOWEVENT_SHOWN:
    case SDL_WINDOWEVENT_RESTORED:
    case SDL_WINDOWEVENT_MAXIMIZED:
        v->screen.visible = true;
        break;
    case SDL_WINDOWEVENT_EXPOSED:
    case SDL_WINDOWEVENT_SIZE_CHANGED:
        break;
    case SDL_WINDOWEVENT_RESIZED:
        view_on_resized(v, sdl_ev);
        return;
    case SDL_WINDOWEVENT_FOCUS_GAINED:
        if (!v->opt.no_input)
            view_host_offer(&v->host, &v->link);
        view_forward(v, sdl_ev);
        return;
    case SDL_WINDOWEVENT_FOCUS_LOST:
        view_forward(v, sdl_ev);
        return;
    case SDL_WINDOWEVENT_CLOSE:
        view_on_close(v, sdl_ev);
        return;
    default:
        return;
    }
    if (v->screen.visible)
        view_screen_draw(&v->screen);
}

static void view_on_event(struct viewer *v, const SDL_Event *ev)
{
    switch (ev->type) {
    case SDL_WINDOWEVENT:
        view_on_window(v, ev);
        break;
    case SDL_MOUSEMOTION:
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
    case SDL_MOUSEWHEEL:
    case SDL_TEXTINPUT:
        view_forward(v, ev);
        break;
    case SDL_KEYDOWN:
    case SDL_KEYUP:
        view_on_key(v, ev);
        break;
    case SDL_CLIPBOARDUPDATE:
        if (!v->opt.no_input)
            view_host_offer(&v->host, &v->link);
        break;
    case SDL_DROPBEGIN:
    case SDL_DROPFILE:
    case SDL_DROPTEXT:
    case SDL_DROPCOMPLETE:
        if (!v->opt.no_input)
            view_host_drop(&v->host, &v->link, &v->screen, ev);
        else if (ev->type == SDL_DROPFILE || ev->type == SDL_DROPTEXT)
            SDL_free(ev->drop.file);
        break;
    case SDL_QUIT:
        /* A signal (closing the window is SDL_WINDOWEVENT_CLOSE). */
        v->done = true;
        break;
    default:
        if (ev->type == v->link.event_type)
            view_on_link(v, &ev->user);
        break;
    }
}

/* A spawned program's exit ends the viewer, or with --keep only the live
 * view (unless the window was closed meanwhile). */
static void view_watch_child(struct viewer *v)
{
    if (!target_child_watch(&v->child))
        return;
    v->status = v->child.status;
    if (!v->opt.keep || v->child.close_at) {
        v->done = true;
        return;
    }
    v->state = VIEW_EXITED;
    view_set_title(v);
}

/* Once per loop: frame rate in the title, the --timeout deadline. */
static void view_tick(struct viewer *v)
{
    uint64_t now = SDL_GetTicks64();
    view_watch_child(v);
    int fs = -1;
    if (view_host_poll(&v->host, &v->link, &fs))
        view_set_title(v);
    if (fs >= 0)
        view_fullscreen(v, fs);
    if (now - v->fps_start >= 1000) {
        int fps = (int)(v->fps_frames * 1000 / (long)(now - v->fps_start));
        v->fps_start = now;
        v->fps_frames = 0;
        if (fps != v->fps) {
            v->fps = fps;
            view_set_title(v);
        }
    }
    if (v->opt.timeout > 0 && (double)(now - v->start_ms) >= v->opt.timeout * 1000.0) {
        if (v->shown == 0) {
            fprintf(stderr, VIEW_PROG ": %s: no frame shown within %g s\n", v->opt.target.label,
                    v->opt.timeout);
            v->status = 1;
        }
        v->done = true;
    }
}

/* Serves the events already queued, without waiting. */
static void view_pump(struct viewer *v)
{
    SDL_Event ev;
    while (!v->done && SDL_PollEvent(&ev))
        view_on_event(v, &ev);
}

static void view_loop(struct viewer *v)
{
    v->start_ms = v->fps_start = SDL_GetTicks64();
    view_set_title(v);
    while (!v->done) {
        SDL_Event ev;
        /* A spawned program's exit and the host channel are polled for. */
        if (SDL_WaitEventTimeout(&ev, 50)) {
            view_on_event(v, &ev);
            while (!v->done && SDL_PollEvent(&ev))
                view_on_event(v, &ev);
        }
        view_tick(v);
    }
}

/* Opens and attaches; returns 0, or an exit status after saying why. */
static int view_connect(struct viewer *v, struct shmfb_consumer **out)
{
    int rc = target_open(v->opt.target.name, out);
    if (rc == 0 || target_open_later(rc, v->opt.wait))
        return 0; /* the waiter keeps trying */
    if (rc == -ENOENT)
        fprintf(stderr, VIEW_PROG ": %s: no such framebuffer (use --wait to wait for it)\n",
                v->opt.target.name);
    else if (rc == -EPIPE)
        fprintf(stderr, VIEW_PROG ": %s: its producer is gone (use --wait for a new one)\n",
                v->opt.target.name);
    else
        fprintf(stderr, VIEW_PROG ": %s: %s\n", v->opt.target.name, shmfb_strerror(rc));
    return 1;
}

/*
 * Xlib converts window titles through the LC_CTYPE locale and drops a title it
 * cannot convert, so use a UTF-8 locale when there is one, else plain ASCII.
 */
static const char *view_pick_dash(void)
{
    setlocale(LC_CTYPE, "");
    if (strcmp(nl_langinfo(CODESET), "UTF-8") == 0)
        return "\u2014";
    if (setlocale(LC_CTYPE, "C.UTF-8") && strcmp(nl_langinfo(CODESET), "UTF-8") == 0)
        return "\u2014";
    setlocale(LC_CTYPE, "C");
    return "-";
}

static int view_no_display(const char *why)
{
    fprintf(stderr,
            VIEW_PROG ": no display available (%s); set DISPLAY, or SDL_VIDEODRIVER=offscreen "
                      "or dummy\n",
            why);
    return 1;
}

/* Whether SDL chose a driver that shows nothing although none was asked for. */
static bool view_headless_by_default(void)
{
    const char *drv = SDL_GetCurrentVideoDriver();
    if (getenv("SDL_VIDEODRIVER") || !drv)
        return false;
    return strcmp(drv, "offscreen") == 0 || strcmp(drv, "dummy") == 0;
}

static int view_start_sdl(const struct view_options *o)
{
    if (!getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY") && !getenv("SDL_VIDEODRIVER"))
        return view_no_display("neither DISPLAY nor WAYLAND_DISPLAY is set");
    /* Without Wayland, don't let SDL fall back to it (or to an invisible driver). */
    if (!getenv("SDL_VIDEODRIVER") && !getenv("WAYLAND_DISPLAY"))
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "x11");
    if (o->software)
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "nearest");
    SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
    /* Closing the window is a request to the producer, not a quit. */
    SDL_SetHint(SDL_HINT_QUIT_ON_LAST_WINDOW_CLOSE, "0");
    if (SDL_Init(SDL_INIT_VIDEO) != 0)
        return view_no_display(SDL_GetError());
    if (view_headless_by_default()) {
        SDL_Quit();
        return view_no_display("only an invisible video driver is left");
    }
    return 0;
}

static int view_run(struct viewer *v, struct shmfb_consumer *c)
{
    if (view_screen_open(&v->screen, &v->opt) < 0) {
        fprintf(stderr, VIEW_PROG ": cannot open a window: %s\n", SDL_GetError());
        goto fail_screen;
    }
    if (!v->opt.no_input)
        SDL_StartTextInput();
    Uint32 type = SDL_RegisterEvents(1);
    if (type == (Uint32)-1 || view_link_start(&v->link, v->opt.target.name, c, type) < 0) {
        fprintf(stderr, VIEW_PROG ": cannot start the waiter thread: %s\n", SDL_GetError());
        goto fail_link;
    }
    v->state = c ? VIEW_LIVE : VIEW_WAITING;
    SDL_EventState(SDL_DROPFILE, SDL_ENABLE);
    SDL_EventState(SDL_DROPTEXT, SDL_ENABLE);
    if (v->opt.fullscreen)
        view_fullscreen(v, true);
    if (c && !v->opt.no_input)
        view_host_offer(&v->host, &v->link);
    view_loop(v);
    view_link_stop(&v->link);
    view_host_free(&v->host);
    if (v->opt.snapshot && v->shown == 0)
        fprintf(stderr, VIEW_PROG ": no frame was shown; %s not written\n", v->opt.snapshot);
    else if (v->opt.snapshot && view_screen_snapshot(&v->screen, v->opt.snapshot) < 0)
        v->status = 1;
    view_screen_close(&v->screen);
    return v->status;

fail_link:
    view_screen_close(&v->screen);
fail_screen:
    shmfb_consumer_close(c);
    return 1;
}

int main(int argc, char **argv)
{
    static struct viewer v;
    int rc = view_parse_args(argc, argv, &v.opt);
    if (rc != VIEW_ARGS_RUN)
        return rc;
    struct shmfb_consumer *c = NULL;
    if (!v.opt.target.program && view_connect(&v, &c) != 0)
        return 1;
    v.dash = view_pick_dash();
    if (view_start_sdl(&v.opt) != 0) {
        shmfb_consumer_close(c);
        return 1;
    }
    if (v.opt.target.program) {
        /* After SDL: without a display the program is not started at all. */
        v.spawned = true;
        rc = target_child_start(&v.child, VIEW_PROG, v.opt.target.program, v.opt.timeout, &c);
        if (rc != 0) {
            SDL_Quit();
            return rc;
        }
    }
    rc = view_run(&v, c);
    /* A spawned program still running when the viewer ends is ended too. */
    if (target_child_end(&v.child) && rc == 0)
        rc = v.child.status;
    SDL_Quit();
    return rc;
}

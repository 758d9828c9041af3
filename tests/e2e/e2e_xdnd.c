/*
 * e2e-xdnd: drags files onto a window with the XDND protocol (version 5),
 * as a file manager does, for the drop tests.
 *
 *   e2e-xdnd WINDOW X Y FILE...
 *
 * The pointer is moved to X, Y of WINDOW (XTest would need an extension;
 * XWarpPointer is enough for a target that asks the server where it is),
 * then: XdndEnter with text/uri-list, XdndPosition there, and once the
 * target accepts, XdndDrop; the target fetches the file: URIs from the
 * XdndSelection this program owns, and says XdndFinished.  Exits 0 when the
 * target finished and accepted the drop, 1 otherwise (one line says why).
 */
#include "args.h"

#include <X11/Xatom.h>
#include <X11/Xlib.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#define PROG       "e2e-xdnd"
#define XDND_VER   5
#define TIMEOUT_MS 10000

struct xdnd {
    Display *d;
    Window src, target;
    Atom aware, enter, position, status, drop, finished, selection, copy, uri_list;
    char *uris; /* the data offered */
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void atoms(struct xdnd *x)
{
    Display *d = x->d;
    x->aware = XInternAtom(d, "XdndAware", False);
    x->enter = XInternAtom(d, "XdndEnter", False);
    x->position = XInternAtom(d, "XdndPosition", False);
    x->status = XInternAtom(d, "XdndStatus", False);
    x->drop = XInternAtom(d, "XdndDrop", False);
    x->finished = XInternAtom(d, "XdndFinished", False);
    x->selection = XInternAtom(d, "XdndSelection", False);
    x->copy = XInternAtom(d, "XdndActionCopy", False);
    x->uri_list = XInternAtom(d, "text/uri-list", False);
}

static void send_message(struct xdnd *x, Atom type, long l1, long l2, long l3, long l4)
{
    XEvent e = {0};
    e.xclient.type = ClientMessage;
    e.xclient.display = x->d;
    e.xclient.window = x->target;
    e.xclient.message_type = type;
    e.xclient.format = 32;
    e.xclient.data.l[0] = (long)x->src;
    e.xclient.data.l[1] = l1;
    e.xclient.data.l[2] = l2;
    e.xclient.data.l[3] = l3;
    e.xclient.data.l[4] = l4;
    XSendEvent(x->d, x->target, False, NoEventMask, &e);
    XFlush(x->d);
}

/* The target's request for the data: the URIs, as text/uri-list. */
static void answer(struct xdnd *x, const XSelectionRequestEvent *r)
{
    XEvent n = {0};
    n.xselection.type = SelectionNotify;
    n.xselection.requestor = r->requestor;
    n.xselection.selection = r->selection;
    n.xselection.target = r->target;
    n.xselection.time = r->time;
    n.xselection.property = None;
    if (r->selection == x->selection && r->property != None) {
        XChangeProperty(x->d, r->requestor, r->property, r->target, 8, PropModeReplace,
                        (const unsigned char *)x->uris, (int)strlen(x->uris));
        n.xselection.property = r->property;
    }
    XSendEvent(x->d, r->requestor, False, NoEventMask, &n);
    XFlush(x->d);
}

/* The next event within the deadline; false when it passed. */
static bool next_event(struct xdnd *x, XEvent *e, long long deadline)
{
    int fd = ConnectionNumber(x->d);
    while (!XPending(x->d)) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return false;
        fd_set set;
        FD_ZERO(&set);
        FD_SET(fd, &set);
        struct timeval tv = {left / 1000, (left % 1000) * 1000};
        select(fd + 1, &set, NULL, NULL, &tv);
    }
    XNextEvent(x->d, e);
    return true;
}

/* Waits for the target's message of \p type, serving data requests meanwhile;
 * returns its flags word (data.l[1]), or -1 on timeout. */
static long wait_for(struct xdnd *x, Atom type)
{
    long long deadline = now_ms() + TIMEOUT_MS;
    XEvent e;
    while (next_event(x, &e, deadline)) {
        if (e.type == SelectionRequest)
            answer(x, &e.xselectionrequest);
        else if (e.type == ClientMessage && e.xclient.message_type == type)
            return e.xclient.data.l[1];
    }
    return -1;
}

/* file:// URIs of the files, percent-encoding what is not plain. */
static char *uri_list(char **files, int n)
{
    size_t size = 1;
    for (int i = 0; i < n; i++)
        size += 7 + 3 * strlen(files[i]) + 2 + PATH_MAX;
    char *out = malloc(size), *p = out;
    for (int i = 0; out && i < n; i++) {
        char abs[PATH_MAX];
        const char *f = realpath(files[i], abs) ? abs : files[i];
        p += sprintf(p, "file://");
        for (const unsigned char *c = (const unsigned char *)f; *c; c++)
            p += strchr("/._-~", *c) || (*c >= '0' && *c <= '9') ||
                         ((*c | 32) >= 'a' && (*c | 32) <= 'z')
                     ? sprintf(p, "%c", *c)
                     : sprintf(p, "%%%02X", *c);
        p += sprintf(p, "\r\n");
    }
    return out;
}

/* The XDND version a window speaks (its XdndAware), 0 for none. */
static long aware_version(struct xdnd *x, Window w)
{
    Atom type;
    int format;
    unsigned long n, after;
    unsigned char *data = NULL;
    long v = 0;
    if (XGetWindowProperty(x->d, w, x->aware, 0, 1, False, AnyPropertyType, &type, &format, &n,
                           &after, &data) == Success &&
        data && n == 1 && format == 32)
        v = *(long *)data;
    XFree(data);
    return v;
}

/* The window itself or, for a toplevel that holds the real one (the VM's
 * X11 display), its first child that takes drops. */
static Window drop_target(struct xdnd *x, Window w)
{
    if (aware_version(x, w))
        return w;
    Window root, parent, *kids = NULL, found = None;
    unsigned int n = 0;
    if (XQueryTree(x->d, w, &root, &parent, &kids, &n))
        for (unsigned int i = 0; i < n && found == None; i++)
            if (aware_version(x, kids[i]))
                found = kids[i];
    XFree(kids);
    return found;
}

static int fail(const char *why)
{
    fprintf(stderr, PROG ": %s\n", why);
    return 1;
}

static int drag(struct xdnd *x, Window w, int wx, int wy)
{
    int rx, ry;
    Window child;
    XTranslateCoordinates(x->d, w, DefaultRootWindow(x->d), wx, wy, &rx, &ry, &child);
    x->target = drop_target(x, w);
    if (x->target == None)
        return fail("the window takes no drops (no XdndAware)");
    long version = aware_version(x, x->target);
    XWarpPointer(x->d, None, DefaultRootWindow(x->d), 0, 0, 0, 0, rx, ry);
    XSetSelectionOwner(x->d, x->selection, x->src, CurrentTime);
    send_message(x, x->enter, (version < XDND_VER ? version : XDND_VER) << 24, (long)x->uri_list, 0,
                 0);
    send_message(x, x->position, 0, ((long)rx << 16) | (ry & 0xFFFF), CurrentTime, (long)x->copy);
    long status = wait_for(x, x->status);
    if (status < 0)
        return fail("no XdndStatus from the target");
    if (!(status & 1)) {
        send_message(x, XInternAtom(x->d, "XdndLeave", False), 0, 0, 0, 0);
        return fail("the target refused the drop");
    }
    send_message(x, x->drop, 0, CurrentTime, 0, 0);
    long done = wait_for(x, x->finished);
    if (done < 0)
        return fail("no XdndFinished from the target");
    return done & 1 ? 0 : fail("the target finished without taking the drop");
}

int main(int argc, char **argv)
{
    struct args a = {.prog = PROG,
                     .usage_text = "usage: e2e-xdnd WINDOW X Y FILE...\n"
                                   "Drags FILEs (as file: URIs) onto WINDOW at X, Y with XDND.\n",
                     .shortopts = ""};
    args_start(&a, argc, argv);
    int opt;
    while ((opt = args_next(&a)) > 0)
        ;
    if (opt == ARGS_STOP)
        return a.status;
    if (a.nrest < 4)
        return args_usage_error(&a, "expected WINDOW X Y FILE...");
    struct xdnd x = {.d = XOpenDisplay(NULL)};
    if (!x.d)
        return fail("cannot open the display");
    Window w = (Window)strtoul(a.rest[0], NULL, 0);
    atoms(&x);
    x.src = XCreateSimpleWindow(x.d, DefaultRootWindow(x.d), 0, 0, 1, 1, 0, 0, 0);
    x.uris = uri_list(a.rest + 3, a.nrest - 3);
    int rc = x.uris ? drag(&x, w, atoi(a.rest[1]), atoi(a.rest[2])) : fail("out of memory");
    free(x.uris);
    XCloseDisplay(x.d);
    return rc;
}

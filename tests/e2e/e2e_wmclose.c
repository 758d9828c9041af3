/*
 * e2e-wmclose WINDOW: asks an X window to close the way a window manager's
 * close button does, with a WM_DELETE_WINDOW client message (Xvfb has no
 * window manager, and xdotool can only destroy windows or kill clients).
 */
#include <X11/Xlib.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    char *end;
    unsigned long id = argc == 2 ? strtoul(argv[1], &end, 0) : 0;
    if (argc != 2 || *end || id == 0) {
        fprintf(stderr, "usage: e2e-wmclose WINDOW-ID\n");
        return 2;
    }
    Display *d = XOpenDisplay(NULL);
    if (!d) {
        fprintf(stderr, "e2e-wmclose: cannot open the display\n");
        return 1;
    }
    XEvent ev;
    memset(&ev, 0, sizeof ev);
    ev.xclient.type = ClientMessage;
    ev.xclient.window = (Window)id;
    ev.xclient.message_type = XInternAtom(d, "WM_PROTOCOLS", False);
    ev.xclient.format = 32;
    ev.xclient.data.l[0] = (long)XInternAtom(d, "WM_DELETE_WINDOW", False);
    ev.xclient.data.l[1] = CurrentTime;
    int ok = XSendEvent(d, (Window)id, False, NoEventMask, &ev);
    XSync(d, False);
    XCloseDisplay(d);
    return ok ? 0 : 1;
}

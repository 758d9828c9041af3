"""shmfb-view starts the Python plasma example as its producer (under an Xvfb
server of the test's own); input given to the window with xdotool reaches the
Python producer as events, a window resize is honoured and closing the
window ends the program."""

import ctypes
import os
import subprocess

from conftest import EXAMPLES, PYTHON, VIEW, wait_until

PLASMA = os.path.join(EXAMPLES, "plasma.py")


class _ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]


class _XEvent(ctypes.Union):
    _fields_ = [("xclient", _ClientMessage), ("pad", ctypes.c_long * 24)]


def wm_close(display, window):
    """Asks a window to close as a window manager's close button does (a
    WM_DELETE_WINDOW client message; Xvfb has no window manager and xdotool
    can only destroy windows)."""
    x = ctypes.CDLL("libX11.so.6")
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XInternAtom.restype = ctypes.c_ulong
    x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                             ctypes.POINTER(_XEvent)]
    x.XFlush.argtypes = [ctypes.c_void_p]
    x.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = x.XOpenDisplay(display.encode())
    assert dpy, f"cannot open display {display}"
    try:
        ev = _XEvent()
        cm = ev.xclient
        cm.type = 33  # ClientMessage
        cm.window = window
        cm.message_type = x.XInternAtom(dpy, b"WM_PROTOCOLS", 0)
        cm.format = 32
        cm.data[0] = x.XInternAtom(dpy, b"WM_DELETE_WINDOW", 0)
        cm.data[1] = 0  # CurrentTime
        assert x.XSendEvent(dpy, window, 0, 0, ctypes.byref(ev)) != 0
        x.XFlush(dpy)
    finally:
        x.XCloseDisplay(dpy)


def log_lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def expect_logged(path, line, after=0):
    assert wait_until(lambda: line in log_lines(path)[after:], 10), \
        f"plasma did not log {line!r}; it logged {log_lines(path)[after:]}"


def test_viewer_input_reaches_python_producer(xserver, tmp_path):
    log = str(tmp_path / "events.log")
    err = open(tmp_path / "view.err", "w")
    env = dict(os.environ, DISPLAY=xserver.display)
    env.pop("SHMFB_SOCKET", None)
    view = subprocess.Popen([VIEW, "--", PYTHON, PLASMA, "--size", "320x200", "--log", log],
                            stderr=err, env=env)
    try:
        def window():
            out = subprocess.run(["xdotool", "search", "--classname", "^shmfb-view$"],
                                 capture_output=True, text=True,
                                 env={**env, "LD_PRELOAD": ""}).stdout.split()
            return out[0] if out else None

        wid = wait_until(window, 15)
        assert wid, "no viewer window appeared"
        assert wait_until(lambda: "320x200" in xserver.xdotool("getwindowname", wid)
                          and " live" in xserver.xdotool("getwindowname", wid), 15)
        xserver.xdotool("mousemove", "--window", wid, 5, 5)
        expect_logged(log, "motion x=5 y=5 buttons=0")
        n = len(log_lines(log))
        xserver.xdotool("mousemove", "--window", wid, 40, 60, "click", 1,
                        "mousemove", "--window", wid, 201, 99, "click", 3, "click", 4, "click", 5)
        # xdotool types 'é', which the keymap lacks, by binding a spare key
        # code to it and taking the binding back half the key delay after
        # the press: a long delay gives a slow viewer time to look it up.
        xserver.xdotool("type", "h")
        xserver.xdotool("type", "--delay", 300, "é")
        xserver.xdotool("type", "!")
        expect_logged(log, "text U+0021", n)
        got = log_lines(log)[n:]
        want = ["motion x=40 y=60 buttons=0",
                "button_down LEFT x=40 y=60 buttons=1",
                "button_up LEFT x=40 y=60 buttons=0",
                "motion x=201 y=99 buttons=0",
                "button_down RIGHT x=201 y=99 buttons=4",
                "button_up RIGHT x=201 y=99 buttons=0",
                "wheel dx=0 dy=1", "wheel dx=0 dy=-1",
                "text U+0068", "text U+00E9", "text U+0021"]
        # Key downs and ups come with the text (their codes are the keyboard's).
        assert [line for line in got if not line.startswith("key_")] == want, got
        assert any(line.startswith("key_down code=11 sym=0x68") for line in got), got

        # A window resize is a resize request the plasma honours.
        n = len(log_lines(log))
        xserver.xdotool("windowsize", wid, 400, 300)
        expect_logged(log, "resize 400x300", n)
        assert wait_until(lambda: "400x300" in xserver.xdotool("getwindowname", wid), 10)

        # Closing the window: the program gets a close request and quits.
        wm_close(xserver.display, int(wid))
        expect_logged(log, "close")
        assert view.wait(15) == 0
    finally:
        if view.poll() is None:
            view.kill()
            view.wait()
        err.close()
    stderr = (tmp_path / "view.err").read_text()
    assert stderr == f"shmfb-view: {PYTHON} exited with status 0\n", stderr

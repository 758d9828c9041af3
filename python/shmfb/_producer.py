"""shmfb.Producer: a framebuffer this process draws into."""

import ctypes
import errno
import os
import threading
import time

import numpy as np

from . import _host, _lib
from ._errors import check
from ._lib import lib
from ._mapping import Mapping, page_round
from ._types import (CursorState, Event, Format, HostMessage, Pacing, WaitFlags, maybe_enum,
                     to_enum, to_format, to_pacing)

# Long waits run in slices so that Ctrl-C, signal handlers and close() from
# another thread get a turn in between.
SLICE_MS = 100


def _union(rects):
    x0 = min(r[0] for r in rects)
    y0 = min(r[1] for r in rects)
    x1 = max(r[0] + r[2] for r in rects)
    y1 = max(r[1] + r[3] for r in rects)
    return (x0, y0, x1 - x0, y1 - y0)


def remaining_ms(deadline):
    """Milliseconds left until a time.monotonic() deadline (None: no bound)."""
    if deadline is None:
        return None
    return max(0, int((deadline - time.monotonic()) * 1000 + 0.999))


def deadline_of(timeout_ms):
    if timeout_ms is None or timeout_ms < 0:
        return None
    return time.monotonic() + timeout_ms / 1000.0


def slice_of(left):
    return SLICE_MS if left is None else min(left, SLICE_MS)


class Producer:
    """Creates a framebuffer and draws into it.

    Producer(name, width, height, *, max_width=None, max_height=None,
             format="xrgb8888", pacing="fifo", buffers=None, timeout_ms=None,
             share_uid=None, share_any=False)

    name: "/name" or "name" ([A-Za-z0-9._-], at most 200 characters), or None
    in a program started by a viewer (``shmfb-view -- PROGRAM``; SHMFB_SOCKET
    set): the framebuffer is then private and handed to that viewer.
    width, height: the initial size; max_width/max_height: the capacity
    (default: the initial size), which resize() may not exceed.
    format: Format or "xrgb8888"/"argb8888".
    pacing: Pacing or "fifo"/"free"/"mailbox"; buffers: the shared buffers of
    mailbox pacing (2..8, default 3).
    timeout_ms: how long a present waits for a consumer before dropping it
    as stuck (default 2000).
    share_uid: also let that user's consumers connect; share_any: any user's.

    Calls on one producer are serialised: use it from one thread at a time,
    or accept that a call waits for the one in progress.  Closing (close(),
    the with block, or garbage collection) tells consumers the producer is
    gone and removes the name.  Pixel views taken from ``pixels`` stay valid
    memory after closing (see the package documentation).
    """

    def __init__(self, name, width, height, *, max_width=None, max_height=None,
                 format=Format.XRGB8888, pacing=Pacing.FIFO, buffers=None, timeout_ms=None,
                 share_uid=None, share_any=False):
        self._handle = None
        self._lock = threading.RLock()
        self._map = None
        self._image = None
        self._damage = []
        pacing = to_pacing(pacing)
        # Mailbox pacing: the image is an array of this process (a view of
        # it can never dangle), copied into the shared buffer at present.
        flags = ((_lib.SHARE_UID if share_uid is not None else 0)
                 | (_lib.SHARE_ANY if share_any else 0)
                 | (_lib.OWN_IMAGE if pacing == Pacing.MAILBOX else 0))
        desc = _lib.ProducerDesc(
            max_width=width if max_width is None else max_width,
            max_height=height if max_height is None else max_height, width=width,
            height=height, format=to_format(format), pacing=pacing,
            timeout_ms=0 if timeout_ms is None else timeout_ms, flags=flags,
            share_uid=0 if share_uid is None else share_uid,
            buffers=0 if buffers is None else buffers)
        if desc.width <= 0 or desc.height <= 0:
            # Zero means "the capacity" to the C library; here it is an error.
            check(-errno.EINVAL, name)
        h = ctypes.c_void_p()
        cname = None if name is None else os.fsencode(name)
        check(lib.shmfb_producer_create(cname, ctypes.byref(desc), ctypes.byref(h)),
              name)
        self._handle = h.value
        self.format = maybe_enum(Format, desc.format)
        self.pacing = maybe_enum(Pacing, desc.pacing)
        self.stride = lib.shmfb_producer_stride(self._handle)
        self.capacity = self._sizes()[2:]
        if flags & _lib.OWN_IMAGE:
            self._image = np.zeros((self.capacity[1], self.stride // 4), np.uint32)
        raw = lib.shmfb_producer_name(self._handle).decode("ascii")
        self.name = raw or None

    def _sizes(self):
        v = [ctypes.c_int32() for _ in range(4)]
        lib.shmfb_producer_size(self._h(), *[ctypes.byref(x) for x in v])
        return tuple(x.value for x in v)

    def _h(self):
        h = self._handle
        if h is None:
            raise ValueError("the producer is closed")
        return h

    # ---- lifetime ---------------------------------------------------------

    def close(self):
        """Closes the framebuffer: consumers see the producer gone, the name
        is removed.  Calling it again does nothing."""
        with self._lock:
            h, self._handle = self._handle, None
            self._map = None
            if h is not None:
                lib.shmfb_producer_destroy(h)

    @property
    def closed(self):
        return self._handle is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_handle", None) is not None:
            lib.shmfb_producer_destroy(self._handle)
            self._handle = None

    def __repr__(self):
        if self._handle is None:
            return "<shmfb.Producer closed>"
        w, h = self.size
        pacing = getattr(self.pacing, "name", str(self.pacing)).lower()
        return f"<shmfb.Producer {self.name or '(spawned)'} {w}x{h} {pacing}>"

    # ---- pixels -----------------------------------------------------------

    @property
    def size(self):
        """(width, height) that the next present publishes."""
        with self._lock:
            return self._sizes()[:2]

    @property
    def width(self):
        return self.size[0]

    @property
    def height(self):
        return self.size[1]

    @property
    def pixels(self):
        """A writable numpy uint32 view, shape (height, width), of the image
        (native-endian 0xAARRGGBB; rows are ``stride`` bytes apart).  With
        fifo and free pacing it is the shared buffer itself (no copy: what is
        written here is what consumers see); with mailbox pacing it is this
        process's image, copied into a shared buffer (only what changed) at
        present.  After resize() take a new view for the new shape."""
        with self._lock:
            w, h, _, max_h = self._sizes()
            if self._image is not None:
                return self._image[:h, :w]
            if self._map is None:
                addr = lib.shmfb_producer_pixels(self._h())
                self._map = Mapping(addr, page_round(self.stride * max_h), readonly=False)
            return self._map.view(w, h, self.stride)

    def damage(self, x, y, w, h):
        """Marks a rectangle as changed in the frame being drawn (clipped to
        the frame).  A present with no damage publishes the whole frame."""
        with self._lock:
            r = _lib.Rect(int(x), int(y), int(w), int(h))
            check(lib.shmfb_producer_damage(self._h(), ctypes.byref(r)))
            if self._image is not None:
                self._damage.append((r.x, r.y, r.w, r.h))
                if len(self._damage) > _lib.MAX_DAMAGE:
                    self._damage = [_union(self._damage)]

    def resize(self, width, height):
        """Changes the size at the next present (within the capacity)."""
        with self._lock:
            check(lib.shmfb_producer_resize(self._h(), int(width), int(height)))

    def present(self):
        """Publishes the frame drawn since the last present and wakes the
        consumers.  With fifo pacing, returns once every attached consumer has
        taken it (or was dropped as dead or stuck); with mailbox pacing it
        waits only while consumers hold every spare buffer.  The GIL is
        released meanwhile.  Returns the frame's sequence number."""
        with self._lock:
            h = self._h()
            if self._image is not None:
                self._fill_back(h)
            check(lib.shmfb_producer_present(h))
            return lib.shmfb_producer_frame(h)

    def _fill_back(self, h):
        """Mailbox: copies what the next shared buffer lacks from the image."""
        back = _lib.BackStruct()
        check(lib.shmfb_producer_acquire(h, ctypes.byref(back)))
        w, ht = self._sizes()[:2]
        rects = [(r.x, r.y, r.w, r.h) for r in back.repair[:min(back.nrepair, _lib.MAX_DAMAGE)]]
        rects += self._damage or [(0, 0, w, ht)]
        self._damage = []
        rows = self.capacity[1]
        # A view into the library's buffer that lives only during this call.
        buf = (ctypes.c_char * (rows * back.stride)).from_address(back.pixels)
        dst = np.ndarray((rows, back.stride // 4), np.uint32, buf)
        for x, y, rw, rh in rects:
            x0, y0 = max(x, 0), max(y, 0)
            x1, y1 = min(x + rw, w), min(y + rh, ht)
            if x0 < x1 and y0 < y1:
                dst[y0:y1, x0:x1] = self._image[y0:y1, x0:x1]

    def set_time(self, time_ns):
        """Sets the time (nanoseconds, any clock) the next present publishes
        with its frame; once only.  0: the present's own monotonic time."""
        with self._lock:
            lib.shmfb_producer_set_time(self._h(), int(time_ns) & 0xFFFFFFFFFFFFFFFF)

    @property
    def frame(self):
        """Sequence number of the last presented frame (0 before the first)."""
        with self._lock:
            return lib.shmfb_producer_frame(self._h())

    @property
    def consumers(self):
        """Number of consumers attached now."""
        with self._lock:
            return lib.shmfb_producer_consumers(self._h())

    def fileno(self):
        """The socket a named producer listens on, for a program that sleeps
        in a select/poll loop of its own: when it is readable, call
        dispatch().  Waits, presents and polling events answer consumers
        already.  -1 for a spawned producer."""
        with self._lock:
            return lib.shmfb_producer_fd(self._h())

    def dispatch(self):
        """Answers consumers waiting to connect, without blocking."""
        with self._lock:
            check(lib.shmfb_producer_dispatch(self._h()))

    @property
    def events_invalid(self):
        """Input events dropped because a field was out of range."""
        with self._lock:
            return lib.shmfb_producer_events_invalid(self._h())

    @property
    def events_dropped(self):
        """Input events lost to full queues since creation."""
        with self._lock:
            return lib.shmfb_producer_events_dropped(self._h())

    # ---- cursor -----------------------------------------------------------

    def set_cursor(self, shape, hot_x=0, hot_y=0):
        """Publishes the pointer consumers should show over the framebuffer,
        at once (not at the next present).

        shape: a (height, width) array of 0xAARRGGBB words (not premultiplied,
        at most CURSOR_MAX in either dimension) with (hot_x, hot_y) the pixel
        that points; or CursorState.HIDDEN / "hidden" for no pointer; or
        None, CursorState.DEFAULT or "default" for the consumer's own one.
        Raises Error -EINVAL for sizes or a hotspot out of range."""
        if shape is None or isinstance(shape, (str, int)):
            # A state (CursorState is an int); SHAPE without an image, or a
            # number the library does not know, is its -EINVAL.
            state = CursorState.DEFAULT if shape is None else \
                to_enum(CursorState, shape, {m.name.lower(): m for m in CursorState})
            args = (int(state), None, 0, 0, 0, 0)
        else:
            img = np.ascontiguousarray(shape, dtype=np.uint32)
            if img.ndim != 2:
                raise ValueError(f"a cursor image has 2 dimensions, not {img.ndim}")
            args = (int(CursorState.SHAPE), img.ctypes.data, img.shape[1], img.shape[0],
                    int(hot_x), int(hot_y))
        with self._lock:
            check(lib.shmfb_producer_set_cursor(self._h(), *args))

    # ---- input ------------------------------------------------------------

    def poll_event(self):
        """The next queued input event (oldest first), or None."""
        ev = _lib.EventStruct()
        with self._lock:
            rc = lib.shmfb_producer_poll_event(self._h(), ctypes.byref(ev))
        if rc == -errno.EAGAIN:  # nothing queued
            return None
        check(rc)
        return Event._from_struct(ev)

    def events(self):
        """Iterates over the events queued now."""
        while True:
            ev = self.poll_event()
            if ev is None:
                return
            yield ev

    def wait(self, timeout_ms=None, *, events=True, taken=False, host=False):
        """Sleeps until an input event is queued (events=True), every
        consumer took the last frame (taken=True) and/or a host message came
        (host=True), or the timeout (ms; None: no bound, 0: poll) runs out.
        Returns the WaitFlags that hold; empty when it timed out.  The GIL is
        released while it sleeps."""
        what = ((WaitFlags.EVENT if events else 0) | (WaitFlags.TAKEN if taken else 0)
                | (WaitFlags.HOST if host else 0))
        deadline = deadline_of(timeout_ms)
        while True:
            left = remaining_ms(deadline)
            with self._lock:
                rc = lib.shmfb_producer_wait(self._h(), slice_of(left), int(what))
            if rc != -errno.ETIMEDOUT:
                return WaitFlags(check(rc))
            if left is not None and left <= SLICE_MS:
                return WaitFlags(0)

    def wait_event(self, timeout_ms=None):
        """The next input event, waiting up to timeout_ms (None: no bound);
        None if none arrived in time."""
        deadline = deadline_of(timeout_ms)
        while True:
            ev = self.poll_event()
            if ev is not None:
                return ev
            if not self.wait(remaining_ms(deadline), events=True):
                return self.poll_event()


    # ---- the desktop: clipboard, title, full screen, drops -------------------

    def offer_clipboard(self, data):
        """Offers this program's clipboard to every connected consumer (a
        viewer then owns the desktop's clipboard with it): a str (sent as
        text/plain;charset=utf-8), a {mime type: bytes} dict (at most 8 types,
        16 MiB of data together), or None for an empty clipboard.  Never
        blocks: what a consumer does not read at once waits, and a newer offer
        replaces one that has not started.  Raises Error -EFBIG (too big),
        -EINVAL (a bad MIME type, text that is not UTF-8)."""
        items, n, keep = _host.clip_items(data)
        with self._lock:
            check(lib.shmfb_producer_offer_clipboard(self._h(), items, n))
        del keep

    def set_title(self, title):
        """The title consumers show (a viewer's window title), now and for
        consumers that connect later; "" lets them show their own."""
        with self._lock:
            check(lib.shmfb_producer_set_title(self._h(), title.encode("utf-8")))

    def set_fullscreen(self, on=True):
        """Asks consumers to show the framebuffer full screen (or not)."""
        with self._lock:
            check(lib.shmfb_producer_set_fullscreen(self._h(), bool(on)))

    def host_message(self):
        """The next HostMessage a consumer sent (CLIPBOARD or DROP), or None."""
        s = _lib.HostMsgStruct()
        with self._lock:
            rc = lib.shmfb_producer_host_recv(self._h(), ctypes.byref(s))
            if rc == -errno.EAGAIN:
                return None
            check(rc)
            return HostMessage._from_struct(s)

    def host_messages(self):
        """Iterates over the host messages there now."""
        while True:
            m = self.host_message()
            if m is None:
                return
            yield m

    def wait_host(self, timeout_ms=None):
        """The next host message, waiting up to timeout_ms (None: no bound);
        None if none came in time."""
        deadline = deadline_of(timeout_ms)
        while True:
            m = self.host_message()
            if m is not None:
                return m
            if not self.wait(remaining_ms(deadline), events=False, host=True):
                return self.host_message()

    @property
    def host_dropped(self):
        """Host messages dropped (broke their rules, or replaced unsent)."""
        with self._lock:
            return lib.shmfb_producer_host_dropped(self._h())

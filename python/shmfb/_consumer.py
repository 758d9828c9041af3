"""shmfb.Consumer and shmfb.Frame: reading a framebuffer someone else draws."""

import ctypes
import errno
import os
import signal
import socket
import threading
import time

import numpy as np

from . import _host, _lib
from ._errors import Error, check, error
from ._lib import lib
from ._mapping import Mapping, Spares, page_round
from ._producer import SLICE_MS, deadline_of, remaining_ms, slice_of
from ._types import Cursor, Format, FrameFlags, HostMessage, WaitFlags, maybe_enum, rect_from


class Frame:
    """One frame taken by Consumer.wait() (or described by Consumer.peek()).

    seq, time_ns (when the producer presented it: CLOCK_MONOTONIC nanoseconds
    or the producer's own clock; not validated, for timestamps only),
    width, height, stride (bytes per row), format, flags (FrameFlags),
    damage (list of Rect: what changed since the previous frame this consumer
    took), bounds (their union).

    ``pixels`` is a read-only numpy uint32 view (height, width) of the frame
    in the shared buffer, valid while the frame is held, i.e. until release(),
    the consumer's next wait, detach or close.  Views still alive at that
    point keep this frame's pixels (a private copy is made for them then), so
    they never show what the producer draws next; but ``pixels`` itself can
    no longer be taken (BufferError).  Use copy() for an array of your own.
    A frame is a context manager that releases it.

    ``at_attach`` is true for the frame that was already presented when the
    consumer attached (the first wait returns it at once): a fifo producer
    did not wait for this consumer before drawing on, so it may be drawing
    the next frame over it.  Frames presented while attached are held still
    (with fifo pacing; with free pacing none is).
    """

    def __init__(self, consumer, s, held, at_attach=False):
        self._consumer = consumer
        self._held = held
        self._private = None
        self.at_attach = at_attach
        self._addr = s.pixels  # the buffer holding it (several with mailbox pacing)
        self.seq = s.seq
        self.time_ns = s.time_ns  # the producer's present time (informational)
        self.width = s.width
        self.height = s.height
        self.stride = s.stride
        self.format = maybe_enum(Format, s.format)
        self.flags = FrameFlags(s.flags)
        self.bounds = rect_from(s.bounds)
        self.damage = [rect_from(s.damage[i]) for i in range(min(s.ndamage, _lib.MAX_DAMAGE))]

    @property
    def size(self):
        return (self.width, self.height)

    @property
    def full(self):
        """The damage is the whole frame."""
        return bool(self.flags & FrameFlags.FULL)

    @property
    def resized(self):
        """The size differs from the previous frame this consumer took."""
        return bool(self.flags & FrameFlags.RESIZED)

    @property
    def held(self):
        """Whether the frame is still held (its pixels may be read)."""
        return self._held

    @property
    def pixels(self):
        if self._private is not None:
            return self._private
        return self._consumer._frame_view(self)

    def copy(self, out=None):
        """The frame's pixels in an array of your own, shape (height, width);
        into ``out`` (a C-contiguous or strided uint32 array of that shape)
        if given."""
        src = self.pixels
        if out is None:
            return src.copy()
        np.copyto(out, src)
        return out

    def release(self):
        """Lets the producer go on (fifo).  Releasing again does nothing."""
        if self._held:
            self._consumer._release(self)

    def to_image(self, alpha=None):
        """The frame as a Pillow image: RGBA if ``alpha`` (default: the frame's
        format is ARGB8888), else RGB.  Needs Pillow."""
        from PIL import Image
        if alpha is None:
            alpha = self.format == Format.ARGB8888
        return to_image(self.pixels, alpha, Image)

    def save(self, path, alpha=None):
        """Writes the frame to an image file (PNG by its name) with Pillow."""
        self.to_image(alpha).save(path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()

    def __repr__(self):
        state = "held" if self._held else "released"
        if self._private is not None:
            state = "peeked"
        return f"<shmfb.Frame {self.seq} {self.width}x{self.height} {state}>"


def to_image(pixels, alpha, Image):
    """A Pillow image of a (height, width) array of 0xAARRGGBB words."""
    h, w = pixels.shape
    # In memory a native-endian 0xAARRGGBB word is B, G, R, A on little-endian
    # machines and A, R, G, B on big-endian ones.
    little = np.little_endian
    raw = ("BGRA" if little else "ARGB") if alpha else ("BGRX" if little else "XRGB")
    data = np.ascontiguousarray(pixels)
    return Image.frombuffer("RGBA" if alpha else "RGB", (w, h), data.tobytes(), "raw", raw,
                            0, 1)


class Consumer:
    """Opens a framebuffer to read its frames.

    Consumer(name, *, attach=False, timeout_ms=None, trust_uid=None): opens
    framebuffer ``name`` and validates it (nothing in it is trusted).
    timeout_ms bounds the wait for the producer to answer (default 5000);
    trust_uid also accepts a producer running as that user.  attach() takes
    a consumer slot; only then can frames be waited for and events sent.
    Consumer.spawn() starts a producer program and opens its private
    framebuffer.

    Calls on one consumer are serialised, except send(), which may run on one
    thread while another waits for frames.  close() (or the with block, or
    garbage collection) detaches and unmaps; pixel views stay valid memory.
    """

    def __init__(self, name, *, attach=False, timeout_ms=None, trust_uid=None):
        self._init()
        h = ctypes.c_void_p()
        desc = _lib.ConsumerDesc(flags=_lib.TRUST_UID if trust_uid is not None else 0,
                                 trust_uid=trust_uid or 0, timeout_ms=timeout_ms or 0)
        check(lib.shmfb_consumer_open(os.fsencode(name), ctypes.byref(desc), ctypes.byref(h)),
              name)
        self._setup(h.value, name)
        if attach:
            self.attach()

    def _init(self):
        self._handle = None
        self._lock = threading.RLock()
        self._send_lock = threading.Lock()
        self._attached = False
        self._attach_seq = 0
        self._held = None
        self._fmaps = {}  # buffer address -> Mapping of it for the views
        self._spares = None
        self._sock = None
        self.pid = None
        self.returncode = None
        self.name = None

    def _setup(self, handle, name):
        self._handle = handle
        self.name = name
        mw, mh = ctypes.c_int32(), ctypes.c_int32()
        lib.shmfb_consumer_capacity(handle, ctypes.byref(mw), ctypes.byref(mh))
        self.capacity = (mw.value, mh.value)
        self.format = maybe_enum(Format, lib.shmfb_consumer_format(handle))
        self.stride = lib.shmfb_consumer_stride(handle)
        self._spares = Spares(page_round(self.stride * mh.value))

    @classmethod
    def from_socket(cls, sock, timeout_ms=10000, *, attach=False):
        """Receives a spawned producer's framebuffer on ``sock`` (a socket or
        its descriptor; not closed here) and opens it.  timeout_ms: longest
        wait for the producer to create it (None: no bound)."""
        fd = sock.fileno() if hasattr(sock, "fileno") else int(sock)
        self = cls.__new__(cls)
        self._init()
        h = ctypes.c_void_p()
        t = -1 if timeout_ms is None else int(timeout_ms)
        check(lib.shmfb_consumer_open_socket(fd, t, None, ctypes.byref(h)))
        self._setup(h.value, None)
        if attach:
            self.attach()
        return self

    @classmethod
    def spawn(cls, argv, timeout_ms=10000, *, attach=True):
        """Starts a producer program (argv[0] searched in PATH) with
        SHMFB_SOCKET set, waits up to timeout_ms for its framebuffer and
        opens it (attached unless attach=False).  The consumer's ``pid`` is
        the program's; wait_child() reaps it.  If the program cannot be
        started (an Error with the system's sentence, e.g. FileNotFoundError)
        or does not create a framebuffer in time (TimeoutError; BrokenPipeError
        if it exits first), it is stopped and reaped and an Error is raised."""
        args = [os.fsencode(a) for a in argv]
        cargv = (ctypes.c_char_p * (len(args) + 1))(*args, None)
        pid, fd = ctypes.c_int32(), ctypes.c_int()
        rc = lib.shmfb_spawn(cargv, ctypes.byref(pid), ctypes.byref(fd))
        # These come from starting the program, not from a framebuffer.
        check(rc, argv[0] if argv else None, os.strerror(-rc) if rc < 0 else None)
        sock = socket.socket(fileno=fd.value)
        try:
            self = cls.from_socket(sock, timeout_ms, attach=attach)
        except BaseException:
            sock.close()
            _stop(pid.value)
            raise
        self._sock = sock
        self.pid = pid.value
        return self

    def wait_child(self, timeout_ms=None):
        """For a spawned consumer: waits for the program to exit and returns
        its status like subprocess does (exit code, or -N if killed by signal
        N); None if it still runs when timeout_ms (None: no bound) runs out."""
        if self.pid is None:
            raise ValueError("not a spawned consumer")
        if self.returncode is not None:
            return self.returncode
        deadline = deadline_of(timeout_ms)
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
                return self.returncode
            if deadline is not None and time.monotonic() >= deadline:
                return None
            time.sleep(0.01)

    def _h(self):
        h = self._handle
        if h is None:
            raise ValueError("the consumer is closed")
        return h

    # ---- lifetime ---------------------------------------------------------

    def close(self):
        """Releases a held frame, detaches and unmaps.  Again: nothing."""
        with self._lock, self._send_lock:
            if self._handle is None:
                return
            self._drop_held()
            h, self._handle = self._handle, None
            self._attached = False
            self._fmaps = {}
            self._spares.close()
            lib.shmfb_consumer_close(h)
            if self._sock is not None:
                self._sock.close()
                self._sock = None

    @property
    def closed(self):
        return self._handle is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        # Like close(): a held frame's surviving views must get their copy.
        if getattr(self, "_handle", None) is not None:
            try:
                self.close()
            except Exception:  # noqa: BLE001 - at interpreter exit, close plainly
                lib.shmfb_consumer_close(self._handle)
                self._handle = None

    def __repr__(self):
        if self._handle is None:
            return "<shmfb.Consumer closed>"
        w, h = self.capacity
        state = "attached" if self._attached else "open"
        return f"<shmfb.Consumer {self.name or '(spawned)'} max {w}x{h} {state}>"

    # ---- slot -------------------------------------------------------------

    def attach(self):
        """Takes a consumer slot (fifo producers then wait for this consumer).
        The last frame already presented is returned by the next wait.
        Returns self."""
        with self._lock:
            check(lib.shmfb_consumer_attach(self._h()), self.name)
            self._attached = True
            # Frames up to this one were out before we attached (see Frame).
            s = _lib.FrameStruct()
            rc = lib.shmfb_consumer_peek(self._handle, ctypes.byref(s))
            self._attach_seq = s.seq if rc == 0 else 0
        return self

    def detach(self):
        """Gives the slot back (a held frame is released first)."""
        with self._lock:
            h = self._h()
            self._drop_held()
            self._attached = False
            check(lib.shmfb_consumer_detach(h), self.name)

    @property
    def attached(self):
        return self._attached

    @property
    def producer_alive(self):
        """Whether the producer is still there."""
        with self._lock:
            return bool(lib.shmfb_consumer_producer_alive(self._h()))

    # ---- frames -----------------------------------------------------------

    def wait(self, timeout_ms=None):
        """Waits for a frame newer than the last one taken and returns it,
        held (see Frame).  A frame still held is released first.
        timeout_ms: longest wait (None: no bound; 0: poll).  The GIL is
        released while it waits.  Raises Error: TimeoutError (-ETIMEDOUT),
        BrokenPipeError (-EPIPE: the producer closed or died),
        ConnectionResetError (-ECONNRESET: dropped as stuck; attach again),
        -ENOTCONN (not attached), -EBADMSG (an invalid frame)."""
        return self.wait_any(timeout_ms, cursor=False)[0]

    def wait_any(self, timeout_ms=None, *, frame=True, cursor=True):
        """Waits for a new frame (if ``frame``) and/or a cursor change (if
        ``cursor``): returns (Frame or None, Cursor or None), each given only
        if new.  Waiting for frames releases a held frame first and needs
        attach(); waiting for the cursor alone does not.  Raises as wait()."""
        what = (WaitFlags.FRAME if frame else 0) | (WaitFlags.CURSOR if cursor else 0)
        s = _lib.FrameStruct()
        deadline = deadline_of(timeout_ms)
        while True:
            left = remaining_ms(deadline)
            with self._lock:
                h = self._h()
                if frame:
                    self._drop_held()
                rc = lib.shmfb_consumer_wait_any(h, slice_of(left), int(what),
                                                 ctypes.byref(s) if frame else None)
                if rc > 0:
                    got = None
                    if rc & WaitFlags.FRAME:
                        got = self._held = Frame(self, s, True, s.seq <= self._attach_seq)
                    return got, self.poll_cursor() if rc & WaitFlags.CURSOR else None
            if rc != -errno.ETIMEDOUT or (left is not None and left <= SLICE_MS):
                self._after_error(rc)
                raise error(rc, self.name)

    def cursor(self):
        """The producer's current cursor (a Cursor; attached or not).  Raises
        BlockingIOError (-EAGAIN) if the producer kept rewriting it, Error
        -EBADMSG if it published an invalid one."""
        return self._read_cursor()[0]

    def poll_cursor(self):
        """The cursor if it changed since this consumer last read it, else
        None."""
        cur, new = self._read_cursor()
        return cur if new else None

    def _read_cursor(self):
        s = _lib.CursorStruct()
        with self._lock:
            rc = lib.shmfb_consumer_cursor(self._h(), ctypes.byref(s))
        check(rc, self.name)
        return Cursor._from_struct(s), rc == 1

    def frames(self, timeout_ms=None):
        """Iterates over frames as they come, each held until the next one is
        taken; ends when the producer is gone.  timeout_ms bounds each wait
        (running out raises TimeoutError)."""
        while True:
            try:
                frame = self.wait(timeout_ms)
            except BrokenPipeError:
                return
            yield frame

    def release(self):
        """Releases the held frame (Frame.release() does the same)."""
        with self._lock:
            h = self._h()
            self._drop_held()
            rc = lib.shmfb_consumer_release(h)
            self._after_error(rc)
            check(rc, self.name)

    def peek(self):
        """The last presented frame, without attaching or waiting (also of a
        gone producer), with its pixels copied at once.  With fifo pacing the
        copy may tear unless this consumer is attached and holds that frame.
        Raises BlockingIOError (-EAGAIN) if nothing was presented yet."""
        s = _lib.FrameStruct()
        with self._lock:
            check(lib.shmfb_consumer_peek(self._h(), ctypes.byref(s)), self.name)
            f = Frame(self, s, False)
            src = _raw_view(f._addr, f)
            f._private = src.copy()
            f._private.flags.writeable = False
        return f

    def _release(self, frame):
        with self._lock:
            if self._held is frame and self._handle is not None:
                self.release()

    def _drop_held(self):
        """Forgets the held frame; views of it that are still alive get a
        private copy first, while the frame is still held."""
        f, self._held = self._held, None
        if f is None:
            return
        f._held = False
        fmap = self._fmaps.get(f._addr)
        if fmap is not None and fmap.exported():
            del self._fmaps[f._addr]
            fmap.freeze(f.height * f.stride, self._spares)

    def _after_error(self, rc):
        if rc in (-errno.ECONNRESET, -errno.ENOTCONN):
            self._attached = False

    def _frame_view(self, frame):
        with self._lock:
            if not frame._held or self._held is not frame:
                raise BufferError(f"frame {frame.seq} was released; its pixels may have "
                                  "changed (take copy() before releasing)")
            fmap = self._fmaps.get(frame._addr)
            if fmap is None:
                self._h()
                fmap = self._fmaps[frame._addr] = Mapping(frame._addr, self._spares.length,
                                                          readonly=True)
            return fmap.view(frame.width, frame.height, frame.stride)

    # ---- input ------------------------------------------------------------

    def send(self, event):
        """Sends an input event (shmfb.Event) to the producer.  Never blocks:
        a full queue drops its oldest event.  Needs attach()."""
        s = event._to_struct()
        with self._send_lock:
            rc = lib.shmfb_consumer_send(self._h(), ctypes.byref(s))
        check(rc, self.name)

    def request_frame(self):
        """Asks the producer to present its current picture now (a
        FRAME_REQUEST event); then wait() for it.  A producer that does not
        answer presents nothing, so keep a timeout.  Needs attach()."""
        with self._send_lock:
            rc = lib.shmfb_consumer_request_frame(self._h())
        check(rc, self.name)


    # ---- the desktop: clipboard, title, full screen, drops -------------------

    def offer_clipboard(self, data):
        """Offers the consumer's clipboard (the desktop's, in a viewer) to the
        producer; data as Producer.offer_clipboard().  Raises BrokenPipeError
        when the producer is gone."""
        items, n, keep = _host.clip_items(data)
        with self._lock:
            check(lib.shmfb_consumer_offer_clipboard(self._h(), items, n), self.name)
        del keep

    def drop(self, paths, x=0, y=0):
        """Tells the producer that files (paths or URIs, str) were dropped
        on its picture at x, y (framebuffer pixels)."""
        arr, n = _host.drop_paths(paths)
        with self._lock:
            check(lib.shmfb_consumer_drop(self._h(), int(x), int(y), arr, n), self.name)

    def host_message(self):
        """The next HostMessage from the producer (CLIPBOARD, TITLE or
        FULLSCREEN), or None.  Raises BrokenPipeError once the producer is
        gone and every message it sent was taken."""
        s = _lib.HostMsgStruct()
        with self._lock:
            rc = lib.shmfb_consumer_host_recv(self._h(), ctypes.byref(s))
            if rc == -errno.EAGAIN:
                return None
            check(rc, self.name)
            return HostMessage._from_struct(s)

    def host_messages(self):
        """Iterates over the host messages there now."""
        while True:
            m = self.host_message()
            if m is None:
                return
            yield m

    def wait_host(self, timeout_ms=None):
        """The next host message, waiting up to timeout_ms (None: no bound;
        attached or not); None if none came in time."""
        deadline = deadline_of(timeout_ms)
        while True:
            m = self.host_message()
            if m is not None:
                return m
            left = remaining_ms(deadline)
            with self._lock:
                rc = lib.shmfb_consumer_wait_any(self._h(), slice_of(left), int(WaitFlags.HOST),
                                                 None)
            if rc == -errno.ETIMEDOUT:
                if left is not None and left <= SLICE_MS:
                    return self.host_message()
            elif rc < 0:
                raise error(rc, self.name)


def _raw_view(addr, f):
    """A temporary view straight into the library's mapping (copied at once)."""
    buf = (ctypes.c_char * (f.height * f.stride)).from_address(addr)
    return np.ndarray((f.height, f.width), dtype=np.uint32, buffer=buf,
                      strides=(f.stride, 4))


def _stop(pid):
    """Ends and reaps a spawned program that did not deliver a framebuffer."""
    for sig, grace in ((signal.SIGTERM, 1.0), (signal.SIGKILL, None)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass
        end = None if grace is None else time.monotonic() + grace
        while True:
            done, _ = os.waitpid(pid, 0 if end is None else os.WNOHANG)
            if done:
                return
            if time.monotonic() >= end:
                break
            time.sleep(0.01)


__all__ = ["Consumer", "Frame", "Error"]

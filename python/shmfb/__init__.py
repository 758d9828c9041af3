"""shmfb: a framebuffer in shared memory, from Python.

Bindings over libshmfb (ctypes; no compiler needed) with zero-copy numpy
views of the pixels::

    import shmfb
    with shmfb.Producer("/demo", 640, 480) as p:
        px = p.pixels                  # (480, 640) uint32, 0xAARRGGBB
        px[:] = 0xFF202040
        p.present()

    with shmfb.Consumer("/demo", attach=True) as c:
        for frame in c.frames(timeout_ms=2000):
            print(frame.seq, frame.size, frame.damage, frame.pixels[0, 0])

The library is loaded from SHMFB_LIBRARY (a path) if set, else found by the
dynamic linker (libshmfb.so.0).  Errors raise shmfb.Error (an OSError with
the errno and the library's sentence).  See the Producer, Consumer and Frame
documentation for lifetimes; in short, a pixel view never outlives its
memory: closing a handle leaves existing views valid, and a released frame's
surviving views keep that frame's pixels.
"""

import ctypes
import os

from . import _lib
from ._consumer import Consumer, Frame
from ._errors import Error, check, strerror
from ._producer import Producer
from ._types import (KEY_SPECIAL, Button, Cursor, CursorState, Event, EventType, Format,
                     FrameFlags, HostMessage, HostType, Info, Mod, Pacing, Rect, WaitFlags)

__version__ = "0.1.0"

MAX_CONSUMERS = _lib.MAX_CONSUMERS
MAX_DAMAGE = _lib.MAX_DAMAGE
NAME_MAX = _lib.NAME_MAX
DIM_MAX = _lib.DIM_MAX
EVENT_QUEUE = _lib.EVENT_QUEUE
CURSOR_MAX = _lib.CURSOR_MAX
MAX_BUFFERS = _lib.MAX_BUFFERS
SOCKET_ENV = _lib.SOCKET_ENV
RUNTIME_DIR_ENV = _lib.RUNTIME_DIR_ENV
HOST_DATA_MAX = _lib.HOST_DATA_MAX
CLIP_TYPES_MAX = _lib.CLIP_TYPES_MAX
MIME_MAX = _lib.MIME_MAX
TITLE_MAX = _lib.TITLE_MAX
DROP_MAX = _lib.DROP_MAX
PATH_MAX = _lib.PATH_MAX
MIME_TEXT = _lib.MIME_TEXT


def name_check(name):
    """The canonical form ("/name") of a framebuffer name; raises Error
    (-EINVAL malformed, -ENAMETOOLONG) if it is not a valid name."""
    out = ctypes.create_string_buffer(_lib.NAME_MAX + 2)
    check(_lib.lib.shmfb_name_check(os.fsencode(name), out, len(out)), name)
    return out.value.decode("ascii")


def probe(name):
    """Describes framebuffer ``name`` (an Info) without attaching."""
    info = _lib.InfoStruct()
    check(_lib.lib.shmfb_probe(os.fsencode(name), ctypes.byref(info)), name)
    return Info._from_struct(info)


def reap(name):
    """Removes the files a dead producer of ``name`` left behind (harmless
    anyway: the next producer of the name replaces them).  Raises Error
    -EBUSY if its producer is alive, -ENOENT if nothing is there."""
    check(_lib.lib.shmfb_reap(os.fsencode(name)), name)


def names(*, stale=False, reap=False):
    """The framebuffers in the runtime directory (SHMFB_RUNTIME_DIR, else
    $XDG_RUNTIME_DIR/shmfb, ...), in name order, as (name, alive) pairs:
    the live ones, and with stale=True also names whose producer died and
    left files behind; reap=True removes those and reports them."""
    found = []

    def collect(_ctx, name, alive):
        found.append((name.decode("ascii", "replace"), bool(alive)))
        return 0

    flags = (_lib.LIST_STALE if stale else 0) | (_lib.LIST_REAP if reap else 0)
    check(_lib.lib.shmfb_list(_lib.ListCallback(collect), None, flags))
    return found


def spawned():
    """Whether this process was started by a viewer to be its producer
    (SHMFB_SOCKET is set): then Producer(None, ...) is the way to create."""
    return bool(os.environ.get(SOCKET_ENV))


__all__ = ["Producer", "Consumer", "Frame", "Event", "EventType", "Button", "Mod", "Format",
           "Pacing", "FrameFlags", "WaitFlags", "Rect", "Info", "Cursor", "CursorState", "Error",
           "strerror", "name_check", "probe", "reap", "names", "spawned", "KEY_SPECIAL",
           "MAX_CONSUMERS", "MAX_DAMAGE", "NAME_MAX", "DIM_MAX", "EVENT_QUEUE", "CURSOR_MAX",
           "MAX_BUFFERS", "SOCKET_ENV", "RUNTIME_DIR_ENV", "HostType", "HostMessage",
           "HOST_DATA_MAX", "CLIP_TYPES_MAX", "MIME_MAX", "TITLE_MAX", "DROP_MAX", "PATH_MAX",
           "MIME_TEXT"]

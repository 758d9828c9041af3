"""Enums, rectangles, input events and framebuffer descriptions."""

import ctypes
import dataclasses
import enum
import os
from typing import NamedTuple

import numpy as np

from . import _lib


class Format(enum.IntEnum):
    """Pixel format: 32-bit native-endian 0xAARRGGBB words either way."""
    XRGB8888 = 0  #: the alpha byte is ignored
    ARGB8888 = 1  #: the alpha byte is meaningful


class Pacing(enum.IntEnum):
    """How Producer.present() paces the producer (see the C header)."""
    FIFO = 0     #: present returns once every attached consumer took the frame
    FREE = 1     #: present publishes and returns at once
    MAILBOX = 2  #: several buffers: consumers get the newest complete frame


_FORMAT_NAMES = {"xrgb": Format.XRGB8888, "xrgb8888": Format.XRGB8888,
                 "argb": Format.ARGB8888, "argb8888": Format.ARGB8888}


def to_enum(cls, value, names):
    """An enum member (or a plain number) from a member, a number or a name."""
    if isinstance(value, str):
        key = value.lower()
        if key in names:
            return names[key]
        try:
            return cls[value.upper()]
        except KeyError:
            choices = ", ".join(sorted(set(names) | {m.name.lower() for m in cls}))
            raise ValueError(f"unknown {cls.__name__.lower()} {value!r} "
                             f"(one of {choices})") from None
    # A number this module does not know may be one a newer library does:
    # the library decides (-EINVAL if it does not know it either).
    return maybe_enum(cls, int(value))


def to_format(value):
    return to_enum(Format, value, _FORMAT_NAMES)


def to_pacing(value):
    return to_enum(Pacing, value, {m.name.lower(): m for m in Pacing})


def maybe_enum(cls, value):
    """A member if the number is known, else the number itself (a newer library)."""
    try:
        return cls(value)
    except ValueError:
        return value


class FrameFlags(enum.IntFlag):
    FULL = 1 << 0     #: the damage is the whole frame (first, skipped, or resized)
    RESIZED = 1 << 1  #: the size differs from the previous frame seen


class WaitFlags(enum.IntFlag):
    """What Producer.wait() and Consumer.wait_any() wait for and report."""
    EVENT = 1 << 0   #: producer: an input event is queued
    TAKEN = 1 << 1   #: producer: every attached consumer took the last frame (or none is)
    FRAME = 1 << 2   #: consumer: a new frame
    CURSOR = 1 << 3  #: consumer: the cursor changed since this handle last read it
    HOST = 1 << 4    #: either side: a host message is there (clipboard, title, ...)


class HostType(enum.IntEnum):
    """Kinds of HostMessage."""
    CLIPBOARD = 1   #: either way: the sender's clipboard (mime -> bytes)
    TITLE = 2       #: producer -> consumers: the window title
    FULLSCREEN = 3  #: producer -> consumers: full screen on or off
    DROP = 4        #: consumer -> producer: files dropped on the picture


@dataclasses.dataclass(frozen=True)
class HostMessage:
    """A message of the host channel, copied out of the library.

    type: HostType.  clipboard: {mime type: bytes} (CLIPBOARD; empty when the
    clipboard was emptied); title: str (TITLE); fullscreen: bool
    (FULLSCREEN); paths: list of str and x, y in framebuffer pixels (DROP).
    """
    type: "HostType"
    clipboard: dict = dataclasses.field(default_factory=dict)
    title: str = None
    fullscreen: bool = False
    paths: list = dataclasses.field(default_factory=list)
    x: int = 0
    y: int = 0

    @property
    def text(self):
        """CLIPBOARD: the text/plain;charset=utf-8 data as str, or None."""
        data = self.clipboard.get("text/plain;charset=utf-8")
        return None if data is None else data.decode("utf-8")

    @classmethod
    def _from_struct(cls, s):
        kind = maybe_enum(HostType, s.type)
        if kind == HostType.CLIPBOARD:
            items = s.items[:min(s.count, len(s.items))]
            return cls(kind, clipboard={i.mime.decode("ascii"): ctypes.string_at(i.data, i.size)
                                        if i.size else b"" for i in items})
        if kind == HostType.TITLE:
            return cls(kind, title=s.title.decode("utf-8"))
        if kind == HostType.FULLSCREEN:
            return cls(kind, fullscreen=bool(s.fullscreen))
        return cls(kind, paths=[os.fsdecode(s.paths[i]) for i in range(s.count)], x=s.x, y=s.y)


class EventType(enum.IntEnum):
    MOTION = 1
    BUTTON_DOWN = 2
    BUTTON_UP = 3
    WHEEL = 4
    KEY_DOWN = 5
    KEY_UP = 6
    TEXT = 7
    FOCUS_IN = 8
    FOCUS_OUT = 9
    CLOSE = 10
    RESIZE = 11
    FRAME_REQUEST = 12  #: a consumer wants a frame now: present the current picture


class Button(enum.IntEnum):
    """Pointer buttons, in Event.code; bit (button - 1) in Event.buttons."""
    LEFT = 1
    MIDDLE = 2
    RIGHT = 3
    X1 = 4
    X2 = 5


class Mod(enum.IntFlag):
    SHIFT = 1 << 0
    CTRL = 1 << 1
    ALT = 1 << 2
    META = 1 << 3
    CAPS = 1 << 4


class CursorState(enum.IntEnum):
    """What consumers should show as the pointer over the framebuffer."""
    DEFAULT = 0  #: the consumer's own default pointer (also before any set)
    HIDDEN = 1   #: no pointer over the framebuffer
    SHAPE = 2    #: the producer's image


@dataclasses.dataclass(frozen=True, eq=False)
class Cursor:
    """A validated copy of the producer's cursor.

    seq changes with every set (0 before the first); for SHAPE, pixels is a
    read-only (height, width) uint32 array of 0xAARRGGBB words, not
    premultiplied, and (hot_x, hot_y) the pixel that points; otherwise the
    sizes are 0 and pixels is empty.
    """
    seq: int
    state: CursorState
    width: int
    height: int
    hot_x: int
    hot_y: int
    pixels: np.ndarray

    @property
    def hotspot(self):
        return (self.hot_x, self.hot_y)

    def __eq__(self, other):
        if not isinstance(other, Cursor):
            return NotImplemented
        return (self.seq, self.state, self.width, self.height, self.hot_x, self.hot_y) == \
            (other.seq, other.state, other.width, other.height, other.hot_x, other.hot_y) \
            and np.array_equal(self.pixels, other.pixels)

    __hash__ = None

    @classmethod
    def _from_struct(cls, s):
        w, h = max(s.width, 0), max(s.height, 0)
        if w * h > _lib.CURSOR_MAX * _lib.CURSOR_MAX:
            w = h = 0  # the library validated it; never read past the array
        px = np.frombuffer(s.pixels, dtype=np.uint32, count=w * h).reshape(h, w).copy()
        px.flags.writeable = False
        return cls(s.seq, maybe_enum(CursorState, s.state), s.width, s.height, s.hot_x,
                   s.hot_y, px)


#: Key symbols (Event.sym) of keys without a character: KEY_SPECIAL | HID usage id.
KEY_SPECIAL = 0x40000000


class Rect(NamedTuple):
    x: int
    y: int
    w: int
    h: int


def rect_from(r):
    return Rect(r.x, r.y, r.w, r.h)


@dataclasses.dataclass(frozen=True)
class Event:
    """One input event (struct shmfb_event).

    x, y: framebuffer pixels (motion, buttons), scroll amounts (wheel) or the
    wanted size (resize); code: the button, key code (USB HID usage id) or
    Unicode code point (text); sym: the key symbol; mods: Mod bits; buttons:
    the buttons held, bit (button - 1); time_ms: the sender's monotonic clock.
    """
    type: EventType
    x: int = 0
    y: int = 0
    code: int = 0
    sym: int = 0
    mods: Mod = Mod(0)
    buttons: int = 0
    time_ms: int = 0

    @property
    def text(self):
        """The typed character of a TEXT event, else None."""
        if self.type == EventType.TEXT and self.code <= 0x10FFFF:
            return chr(self.code)
        return None

    @property
    def button(self):
        """The Button of a BUTTON_DOWN/UP event, else None."""
        if self.type in (EventType.BUTTON_DOWN, EventType.BUTTON_UP):
            return maybe_enum(Button, self.code)
        return None

    def held(self, button):
        """Whether the button was held when the event was sent."""
        return bool(self.buttons & (1 << (int(button) - 1)))

    # Constructors for the events a consumer sends.
    @classmethod
    def motion(cls, x, y, *, buttons=0, mods=0):
        return cls(EventType.MOTION, x, y, buttons=buttons, mods=Mod(mods))

    @classmethod
    def button_down(cls, button, x, y, *, buttons=None, mods=0):
        held = (1 << (int(button) - 1)) if buttons is None else buttons
        return cls(EventType.BUTTON_DOWN, x, y, code=int(button), buttons=held, mods=Mod(mods))

    @classmethod
    def button_up(cls, button, x, y, *, buttons=0, mods=0):
        return cls(EventType.BUTTON_UP, x, y, code=int(button), buttons=buttons, mods=Mod(mods))

    @classmethod
    def wheel(cls, dx, dy, *, mods=0):
        return cls(EventType.WHEEL, dx, dy, mods=Mod(mods))

    @classmethod
    def key_down(cls, code, sym=0, *, mods=0):
        return cls(EventType.KEY_DOWN, code=code, sym=sym, mods=Mod(mods))

    @classmethod
    def key_up(cls, code, sym=0, *, mods=0):
        return cls(EventType.KEY_UP, code=code, sym=sym, mods=Mod(mods))

    @classmethod
    def typed(cls, char):
        """A TEXT event for one character (a string arrives as one event each)."""
        return cls(EventType.TEXT, code=ord(char))

    @classmethod
    def focus(cls, gained=True):
        return cls(EventType.FOCUS_IN if gained else EventType.FOCUS_OUT)

    @classmethod
    def close_request(cls):
        return cls(EventType.CLOSE)

    @classmethod
    def resize_request(cls, width, height):
        return cls(EventType.RESIZE, width, height)

    @classmethod
    def _from_struct(cls, s):
        return cls(maybe_enum(EventType, s.type), s.x, s.y, s.code, s.sym, Mod(s.mods),
                   s.buttons, s.time_ms)

    def _to_struct(self):
        return _lib.EventStruct(int(self.type), int(self.time_ms) & 0xFFFFFFFF, int(self.x),
                                int(self.y), int(self.code), int(self.sym), int(self.mods),
                                int(self.buttons))


@dataclasses.dataclass(frozen=True)
class Info:
    """What shmfb.probe() reports of a framebuffer."""
    name: str
    max_width: int
    max_height: int
    width: int
    height: int
    format: Format
    pacing: Pacing
    producer_pid: int
    consumers: int
    frames: int
    alive: bool
    size_bytes: int

    @property
    def size(self):
        return (self.width, self.height)

    @property
    def capacity(self):
        return (self.max_width, self.max_height)

    @classmethod
    def _from_struct(cls, s):
        return cls(s.name.decode("ascii", "replace"), s.max_width, s.max_height, s.width,
                   s.height, maybe_enum(Format, s.format), maybe_enum(Pacing, s.pacing),
                   s.producer_pid, s.consumers, s.frames, bool(s.alive), s.size_bytes)

"""ctypes declarations of libshmfb (include/shmfb/shmfb.h) and the few libc
calls the pixel views need.  Nothing here is public."""

import ctypes
import ctypes.util
import os

from ctypes import (POINTER, Structure, c_char, c_char_p, c_int, c_int32, c_size_t,
                    c_uint32, c_uint64, c_void_p)

MAX_CONSUMERS = 8
MAX_DAMAGE = 16
NAME_MAX = 200
DIM_MAX = 16384
EVENT_QUEUE = 256
CURSOR_MAX = 64
MAX_BUFFERS = 8
HOST_DATA_MAX = 16 << 20
CLIP_TYPES_MAX = 8
MIME_MAX = 127
TITLE_MAX = 1024
DROP_MAX = 1024
PATH_MAX = 4096
MIME_TEXT = "text/plain;charset=utf-8"
SOCKET_ENV = "SHMFB_SOCKET"
RUNTIME_DIR_ENV = "SHMFB_RUNTIME_DIR"

# enum shmfb_producer_flags, shmfb_consumer_flags, shmfb_list_flags
SHARE_UID = 1 << 0
SHARE_ANY = 1 << 1
OWN_IMAGE = 1 << 2
TRUST_UID = 1 << 0
LIST_STALE = 1 << 0
LIST_REAP = 1 << 1


class Rect(Structure):
    _fields_ = [("x", c_int32), ("y", c_int32), ("w", c_int32), ("h", c_int32)]


class ProducerDesc(Structure):
    _fields_ = [("max_width", c_int32), ("max_height", c_int32), ("width", c_int32),
                ("height", c_int32), ("format", c_uint32), ("pacing", c_uint32),
                ("timeout_ms", c_int32), ("flags", c_uint32), ("share_uid", c_uint32),
                ("buffers", c_int32), ("reserved", c_uint32 * 16)]


class BackStruct(Structure):
    _fields_ = [("pixels", c_void_p), ("stride", c_int32), ("nrepair", c_uint32),
                ("repair", Rect * MAX_DAMAGE), ("reserved", c_uint64 * 8)]


class FrameStruct(Structure):
    _fields_ = [("seq", c_uint64), ("width", c_int32), ("height", c_int32),
                ("stride", c_int32), ("format", c_uint32), ("flags", c_uint32),
                ("ndamage", c_uint32), ("bounds", Rect), ("damage", Rect * MAX_DAMAGE),
                ("pixels", c_void_p), ("time_ns", c_uint64), ("reserved", c_uint64 * 8)]


class ConsumerDesc(Structure):
    _fields_ = [("flags", c_uint32), ("trust_uid", c_uint32), ("timeout_ms", c_int32),
                ("reserved", c_uint32 * 16)]


class EventStruct(Structure):
    _fields_ = [("type", c_uint32), ("time_ms", c_uint32), ("x", c_int32), ("y", c_int32),
                ("code", c_uint32), ("sym", c_uint32), ("mods", c_uint32),
                ("buttons", c_uint32)]


class InfoStruct(Structure):
    _fields_ = [("name", c_char * (NAME_MAX + 2)), ("max_width", c_int32),
                ("max_height", c_int32), ("width", c_int32), ("height", c_int32),
                ("format", c_uint32), ("pacing", c_uint32), ("producer_pid", c_int32),
                ("consumers", c_int32), ("frames", c_uint64), ("alive", c_int),
                ("size_bytes", c_uint64), ("reserved", c_uint64 * 8)]


class CursorStruct(Structure):
    _fields_ = [("seq", c_uint64), ("state", c_uint32), ("width", c_int32),
                ("height", c_int32), ("hot_x", c_int32), ("hot_y", c_int32),
                ("pixels", c_uint32 * (CURSOR_MAX * CURSOR_MAX)), ("reserved", c_uint32 * 15)]


class ClipItemStruct(Structure):
    _fields_ = [("mime", c_char_p), ("data", c_void_p), ("size", c_size_t),
                ("reserved", c_uint64 * 2)]


class HostMsgStruct(Structure):
    _fields_ = [("type", c_uint32), ("count", c_uint32),
                ("items", ClipItemStruct * CLIP_TYPES_MAX), ("title", c_char_p),
                ("fullscreen", ctypes.c_bool), ("x", c_int32), ("y", c_int32),
                ("paths", POINTER(c_char_p)), ("reserved", c_uint64 * 8)]


# The layouts the tests compare with what a C compiler makes of shmfb.h.
STRUCTS = {"shmfb_rect": Rect, "shmfb_producer_desc": ProducerDesc,
           "shmfb_frame": FrameStruct, "shmfb_consumer_desc": ConsumerDesc,
           "shmfb_event": EventStruct, "shmfb_info": InfoStruct,
           "shmfb_cursor": CursorStruct, "shmfb_back": BackStruct,
           "shmfb_clip_item": ClipItemStruct, "shmfb_host_msg": HostMsgStruct}

# int (*fn)(void *ctx, const char *name, bool alive)
ListCallback = ctypes.CFUNCTYPE(c_int, c_void_p, c_char_p, ctypes.c_bool)

_producer_p = c_void_p
_consumer_p = c_void_p

# name: (restype, argtypes)
_PROTOTYPES = {
    "shmfb_strerror": (c_char_p, [c_int]),
    "shmfb_version": (c_char_p, []),
    "shmfb_check_version": (ctypes.c_bool, [c_int, c_int, c_int]),
    "shmfb_name_check": (c_int, [c_char_p, c_char_p, c_size_t]),
    "shmfb_producer_create": (c_int, [c_char_p, POINTER(ProducerDesc), POINTER(c_void_p)]),
    "shmfb_producer_destroy": (None, [_producer_p]),
    "shmfb_producer_fd": (c_int, [_producer_p]),
    "shmfb_producer_dispatch": (c_int, [_producer_p]),
    "shmfb_producer_acquire": (c_int, [_producer_p, POINTER(BackStruct)]),
    "shmfb_producer_pixels": (c_void_p, [_producer_p]),
    "shmfb_producer_stride": (c_int32, [_producer_p]),
    "shmfb_producer_size": (None, [_producer_p, POINTER(c_int32), POINTER(c_int32),
                                   POINTER(c_int32), POINTER(c_int32)]),
    "shmfb_producer_name": (c_char_p, [_producer_p]),
    "shmfb_producer_damage": (c_int, [_producer_p, POINTER(Rect)]),
    "shmfb_producer_resize": (c_int, [_producer_p, c_int32, c_int32]),
    "shmfb_producer_present": (c_int, [_producer_p]),
    "shmfb_producer_frame": (c_uint64, [_producer_p]),
    "shmfb_producer_set_time": (None, [_producer_p, c_uint64]),
    "shmfb_producer_consumers": (c_int, [_producer_p]),
    "shmfb_producer_poll_event": (c_int, [_producer_p, POINTER(EventStruct)]),
    "shmfb_producer_wait": (c_int, [_producer_p, c_int, c_uint32]),
    "shmfb_producer_events_dropped": (c_uint64, [_producer_p]),
    "shmfb_producer_events_invalid": (c_uint64, [_producer_p]),
    "shmfb_producer_set_cursor": (c_int, [_producer_p, c_uint32, c_void_p, c_int32, c_int32,
                                          c_int32, c_int32]),
    "shmfb_consumer_cursor": (c_int, [_consumer_p, POINTER(CursorStruct)]),
    "shmfb_consumer_wait_any": (c_int, [_consumer_p, c_int, c_uint32, POINTER(FrameStruct)]),
    "shmfb_consumer_open": (c_int, [c_char_p, POINTER(ConsumerDesc), POINTER(c_void_p)]),
    "shmfb_consumer_close": (None, [_consumer_p]),
    "shmfb_consumer_attach": (c_int, [_consumer_p]),
    "shmfb_consumer_detach": (c_int, [_consumer_p]),
    "shmfb_consumer_wait": (c_int, [_consumer_p, c_int, POINTER(FrameStruct)]),
    "shmfb_consumer_release": (c_int, [_consumer_p]),
    "shmfb_consumer_peek": (c_int, [_consumer_p, POINTER(FrameStruct)]),
    "shmfb_consumer_capacity": (None, [_consumer_p, POINTER(c_int32), POINTER(c_int32)]),
    "shmfb_consumer_format": (c_uint32, [_consumer_p]),
    "shmfb_consumer_pixels": (c_void_p, [_consumer_p]),
    "shmfb_consumer_stride": (c_int32, [_consumer_p]),
    "shmfb_consumer_producer_alive": (c_int, [_consumer_p]),
    "shmfb_consumer_send": (c_int, [_consumer_p, POINTER(EventStruct)]),
    "shmfb_consumer_request_frame": (c_int, [_consumer_p]),
    "shmfb_spawn": (c_int, [POINTER(c_char_p), POINTER(c_int32), POINTER(c_int)]),
    "shmfb_consumer_open_socket": (c_int, [c_int, c_int, POINTER(ConsumerDesc),
                                           POINTER(c_void_p)]),
    "shmfb_producer_offer_clipboard": (c_int, [_producer_p, POINTER(ClipItemStruct), c_uint32]),
    "shmfb_producer_set_title": (c_int, [_producer_p, c_char_p]),
    "shmfb_producer_set_fullscreen": (c_int, [_producer_p, ctypes.c_bool]),
    "shmfb_producer_host_recv": (c_int, [_producer_p, POINTER(HostMsgStruct)]),
    "shmfb_producer_host_dropped": (c_uint64, [_producer_p]),
    "shmfb_consumer_offer_clipboard": (c_int, [_consumer_p, POINTER(ClipItemStruct), c_uint32]),
    "shmfb_consumer_drop": (c_int, [_consumer_p, c_int32, c_int32, POINTER(c_char_p), c_uint32]),
    "shmfb_consumer_host_recv": (c_int, [_consumer_p, POINTER(HostMsgStruct)]),
    "shmfb_consumer_fd": (c_int, [_consumer_p]),
    "shmfb_probe": (c_int, [c_char_p, POINTER(InfoStruct)]),
    "shmfb_list": (c_int, [ListCallback, c_void_p, c_uint32]),
    "shmfb_reap": (c_int, [c_char_p]),
}


def _candidates():
    path = os.environ.get("SHMFB_LIBRARY")
    if path:
        return [path]
    found = ctypes.util.find_library("shmfb")
    return ["libshmfb.so.0", "libshmfb.so"] + ([found] if found else [])


def _load():
    errors = []
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            errors.append(str(e))
            continue
        for name, (restype, argtypes) in _PROTOTYPES.items():
            fn = getattr(lib, name)
            fn.restype = restype
            fn.argtypes = argtypes
        return lib
    raise ImportError("shmfb: cannot load libshmfb (set SHMFB_LIBRARY to its path, or "
                      "install it where the dynamic linker looks): " + "; ".join(errors))


lib = _load()

# libc: a second mapping of the pixel pages that belongs to the numpy views.
libc = ctypes.CDLL(None, use_errno=True)
libc.mremap.restype = c_void_p
libc.mremap.argtypes = [c_void_p, c_size_t, c_size_t, c_int, c_void_p]
libc.mmap.restype = c_void_p
libc.mmap.argtypes = [c_void_p, c_size_t, c_int, c_int, c_int, ctypes.c_long]
libc.munmap.restype = c_int
libc.munmap.argtypes = [c_void_p, c_size_t]
libc.mprotect.restype = c_int
libc.mprotect.argtypes = [c_void_p, c_size_t, c_int]
libc.madvise.restype = c_int
libc.madvise.argtypes = [c_void_p, c_size_t, c_int]

PROT_READ = 0x1
PROT_WRITE = 0x2
MAP_SHARED = 0x01
MREMAP_MAYMOVE = 1
MREMAP_FIXED = 2
MAP_FAILED = ctypes.c_void_p(-1).value
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

"""The host channel's arguments: clipboard offers and drop paths as the
library takes them.  Nothing here is public."""

import ctypes
import os

from . import _lib


def clip_items(data):
    """(array of ClipItemStruct, count, what keeps the bytes alive) for an
    offer: a str (UTF-8 text), a {mime type: bytes or str} dict, or None or
    {} for an empty clipboard."""
    if data is None:
        data = {}
    elif isinstance(data, str):
        data = {_lib.MIME_TEXT: data}
    elif not isinstance(data, dict):
        raise TypeError("a clipboard offer is a str or a {mime type: bytes} dict")
    keep = []
    items = (_lib.ClipItemStruct * max(len(data), 1))()
    for i, (mime, value) in enumerate(data.items()):
        raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        mime_b = mime.encode("ascii")
        buf = ctypes.create_string_buffer(raw, len(raw)) if raw else None
        keep += [mime_b, buf]
        items[i] = _lib.ClipItemStruct(mime_b, ctypes.cast(buf, ctypes.c_void_p) if buf else None,
                                       len(raw))
    return items, len(data), keep


def drop_paths(paths):
    """(array of char pointers, count) for a drop's paths or URIs."""
    encoded = [os.fsencode(p) for p in paths]
    return (ctypes.c_char_p * max(len(encoded), 1))(*encoded), len(encoded)

"""The ctypes declarations match what the C compiler makes of shmfb.h."""

import ctypes
import os
import re
import subprocess

import shmfb
from shmfb import _lib


def dump():
    out = subprocess.run([os.environ["SHMFB_ABI_DUMP"]], capture_output=True, text=True,
                         check=True).stdout
    structs, consts = {}, {}
    for line in out.splitlines():
        kind, name, *rest = line.split()
        if kind == "wire":
            continue  # for the hostile tests (hostile.py)
        if kind == "const":
            consts[name] = int(rest[0])
        else:
            structs.setdefault(kind, {})[name] = tuple(int(v) for v in rest)
    return structs, consts


def test_struct_layouts():
    structs, _ = dump()
    assert set(structs) == set(_lib.STRUCTS)
    for cname, fields in structs.items():
        py = _lib.STRUCTS[cname]
        size, align = fields.pop("sizeof")
        assert (ctypes.sizeof(py), ctypes.alignment(py)) == (size, align), cname
        assert [f[0] for f in py._fields_] == list(fields), cname
        for field, (offset, fsize) in fields.items():
            desc = getattr(py, field)
            assert (desc.offset, desc.size) == (offset, fsize), f"{cname}.{field}"


def test_constants():
    _, c = dump()
    assert shmfb.__version__ == "{}.{}.{}".format(c["SHMFB_VERSION_MAJOR"],
                                                  c["SHMFB_VERSION_MINOR"],
                                                  c["SHMFB_VERSION_PATCH"])
    assert shmfb.MAX_CONSUMERS == c["SHMFB_MAX_CONSUMERS"]
    assert shmfb.MAX_DAMAGE == c["SHMFB_MAX_DAMAGE"]
    assert shmfb.NAME_MAX == c["SHMFB_NAME_MAX"]
    assert shmfb.DIM_MAX == c["SHMFB_DIM_MAX"]
    assert shmfb.EVENT_QUEUE == c["SHMFB_EVENT_QUEUE"]
    assert shmfb.KEY_SPECIAL == c["SHMFB_KEY_SPECIAL"]
    assert shmfb.CURSOR_MAX == c["SHMFB_CURSOR_MAX"]
    assert shmfb.MAX_BUFFERS == c["SHMFB_MAX_BUFFERS"]
    assert (shmfb.HOST_DATA_MAX, shmfb.CLIP_TYPES_MAX, shmfb.MIME_MAX, shmfb.TITLE_MAX,
            shmfb.DROP_MAX, shmfb.PATH_MAX) == \
        (c["SHMFB_HOST_DATA_MAX"], c["SHMFB_CLIP_TYPES_MAX"], c["SHMFB_MIME_MAX"],
         c["SHMFB_TITLE_MAX"], c["SHMFB_DROP_MAX"], c["SHMFB_PATH_MAX"])
    assert (_lib.SHARE_UID, _lib.SHARE_ANY, _lib.OWN_IMAGE) == \
        (c["SHMFB_SHARE_UID"], c["SHMFB_SHARE_ANY"], c["SHMFB_OWN_IMAGE"])
    assert _lib.TRUST_UID == c["SHMFB_TRUST_UID"]
    assert (_lib.LIST_STALE, _lib.LIST_REAP) == (c["SHMFB_LIST_STALE"], c["SHMFB_LIST_REAP"])
    enums = [(shmfb.Format, "SHMFB_FORMAT_"), (shmfb.Pacing, "SHMFB_PACING_"),
             (shmfb.FrameFlags, "SHMFB_FRAME_"), (shmfb.WaitFlags, "SHMFB_WAIT_"),
             (shmfb.EventType, "SHMFB_EVENT_"), (shmfb.Button, "SHMFB_BUTTON_"),
             (shmfb.Mod, "SHMFB_MOD_"), (shmfb.CursorState, "SHMFB_CURSOR_"),
             (shmfb.HostType, "SHMFB_HOST_")]
    for cls, prefix in enums:
        cvals = {k[len(prefix):]: v for k, v in c.items()
                 if k.startswith(prefix) and k not in ("SHMFB_EVENT_QUEUE", "SHMFB_CURSOR_MAX",
                                                       "SHMFB_HOST_DATA_MAX")}
        assert cvals == {m.name: int(m) for m in cls}, cls.__name__


def test_every_function_declared():
    header = os.path.join(os.path.dirname(__file__), "..", "..", "include", "shmfb", "shmfb.h")
    with open(header) as f:
        text = f.read()
    exported = set(re.findall(r"SHMFB_EXPORT[^;(]*?\b(shmfb_\w+)\s*\(", text))
    assert exported == set(_lib._PROTOTYPES)

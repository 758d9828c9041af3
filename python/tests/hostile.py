"""White-box helpers for tests that play a hostile producer: they know the
private layout (offsets printed by abi_dump from src/wire.h) and how a name
is laid out in the runtime directory (NAME.lock holds the canonical name,
then the number of the producer's memfd and the region's nonce)."""

import glob
import mmap
import os
import struct
import subprocess

from conftest import RUNTIME_DIR


def wire():
    """{"header.version": 8, ..., "version": 2, "tag": "SHMFB-HO"}"""
    out = subprocess.run([os.environ["SHMFB_ABI_DUMP"]], capture_output=True, text=True,
                         check=True).stdout
    w = {}
    for line in out.splitlines():
        if line.startswith("wire "):
            _, key, value = line.split()
            w[key] = value if key == "tag" else int(value)
    return w


def memfd_path(name):
    """/proc/self/fd/N of the memfd of this process's producer of `name`."""
    for lock in glob.glob(os.path.join(RUNTIME_DIR, "*.lock")):
        with open(lock) as f:
            lines = f.read().splitlines()
        if lines and lines[0] == name:
            return f"/proc/self/fd/{int(lines[1].split()[0])}"
    raise AssertionError(f"no lock file names {name}")


class Region:
    """The shared region of this process's producer of `name`, writable."""

    def __init__(self, name):
        self._f = open(memfd_path(name), "r+b")
        self.m = mmap.mmap(self._f.fileno(), 0)

    def poke(self, offset, fmt, value):
        struct.pack_into(fmt, self.m, offset, value)

    def peek(self, offset, fmt):
        return struct.unpack_from(fmt, self.m, offset)[0]

    def close(self):
        self.m.close()
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def handoff(w, version=None, status=0, token=1, name=b"", tag=None):
    """A handoff message as a hostile peer writes it."""
    msg = bytearray(w["handoff.sizeof"])
    t = (w["tag"] if tag is None else tag).encode()
    msg[w["handoff.tag"]:w["handoff.tag"] + len(t)] = t
    struct.pack_into("<I", msg, w["handoff.version"], w["version"] if version is None else version)
    struct.pack_into("<i", msg, w["handoff.status"], status)
    struct.pack_into("<Q", msg, w["handoff.token"], token)
    msg[w["handoff.name"]:w["handoff.name"] + len(name)] = name
    return bytes(msg)

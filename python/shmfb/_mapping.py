"""Pixel views that can never outlive their memory.

The library's mapping of a framebuffer goes away when its handle is closed,
and numpy cannot be told that an array's memory is gone.  So the views do not
point into the library's mapping: each handle maps the pixel pages a second
time (mremap with old size 0 makes a new mapping of the same shared pages),
and that mapping belongs to the views.  It is unmapped when the handle no
longer needs it and the last view of it is gone, whatever happened to the
handle meanwhile.

A consumer's frame may only be read while it is held.  If views of a frame
are still alive when it is released, its pages under them are replaced, in
one atomic mremap, by a private read-only copy of that frame: the views keep
showing the frame they were taken from instead of the pixels the producer
draws next.  The consumer then maps the shared pages anew for its next
frames.  Touching fresh pages is what costs here (on virtual machines each
first touch may trap to the host), so new mappings are prefaulted in one
call, and the private copies whose views are gone are kept (a few) to be
filled again instead of allocating new pages for every copy.
"""

import ctypes
import os
import threading
import weakref

import numpy as np

from . import _lib
from ._lib import libc

MADV_POPULATE_READ = 22  # Linux 5.14; older kernels refuse it, harmlessly
SPARES = 2


def _fail(what):
    err = ctypes.get_errno()
    return OSError(err, f"{what}: {os.strerror(err)}")


def page_round(n):
    return (n + _lib.PAGE_SIZE - 1) // _lib.PAGE_SIZE * _lib.PAGE_SIZE


class Spares:
    """Private buffers of one length, already touched, for released frames'
    copies.  Closed with its handle; buffers given back later are unmapped."""

    def __init__(self, length):
        self.length = length
        self._free = []
        self._lock = threading.RLock()  # finalizers may run inside a holder
        self._closed = False

    def take(self):
        with self._lock:
            if self._free:
                return self._free.pop()
        # A memfd rather than anonymous memory: the copies are then told
        # apart from the heap in /proc/PID/maps ("/memfd:shmfb-frame").
        fd = os.memfd_create("shmfb-frame", os.MFD_CLOEXEC)
        try:
            os.ftruncate(fd, self.length)
            addr = libc.mmap(None, self.length, _lib.PROT_READ | _lib.PROT_WRITE,
                             _lib.MAP_SHARED, fd, 0)
        finally:
            os.close(fd)
        if addr is None or addr == _lib.MAP_FAILED:
            raise _fail("copying a released frame")
        return addr

    def give(self, addr):
        with self._lock:
            if not self._closed and len(self._free) < SPARES:
                self._free.append(addr)
                return
        libc.munmap(addr, self.length)

    def close(self):
        with self._lock:
            self._closed = True
            free, self._free = self._free, []
        for addr in free:
            libc.munmap(addr, self.length)


def _release(addr, length, state):
    """A mapping's last view is gone: unmap it, or keep a frozen one."""
    if state["spares"] is not None:
        state["spares"].give(addr)
    else:
        libc.munmap(addr, length)


class _Export:
    """The base object of one numpy view; keeps its mapping alive."""

    __slots__ = ("mapping", "__array_interface__", "__weakref__")

    def __init__(self, mapping, shape, strides, readonly):
        self.mapping = mapping
        self.__array_interface__ = {"version": 3, "typestr": "=u4", "shape": shape,
                                    "strides": strides, "data": (mapping.addr, readonly)}


class Mapping:
    """A second mapping of `length` bytes of pixel pages at `addr`."""

    def __init__(self, addr, length, readonly):
        new = libc.mremap(addr, 0, length, _lib.MREMAP_MAYMOVE, None)
        if new is None or new == _lib.MAP_FAILED:
            raise _fail("mapping the pixels")
        self.addr = new
        self.length = length
        self.readonly = readonly
        self._exports = weakref.WeakSet()
        self._state = {"spares": None}
        fin = weakref.finalize(self, _release, new, length, self._state)
        # At interpreter exit the process goes anyway; unmapping then could
        # pull memory from under arrays other finalizers still touch.
        fin.atexit = False
        if readonly and libc.mprotect(new, length, _lib.PROT_READ) != 0:
            fin()
            raise _fail("protecting the pixels")
        libc.madvise(new, length, MADV_POPULATE_READ)

    def view(self, width, height, stride):
        """A (height, width) uint32 numpy view with rows `stride` bytes apart."""
        if height * stride > self.length or width * 4 > stride:
            raise ValueError("view larger than its mapping")
        e = _Export(self, (height, width), (stride, 4), self.readonly)
        self._exports.add(e)
        return np.asarray(e)

    def exported(self):
        """Whether a view of this mapping is still alive."""
        return len(self._exports) > 0

    def freeze(self, nbytes, spares):
        """Replaces the pages with a private read-only copy of their first
        nbytes; once its views are gone the copy goes to `spares`."""
        tmp = spares.take()
        ctypes.memmove(tmp, self.addr, min(nbytes, self.length))
        # The copy stays writable (the views are read-only arrays): making it
        # read-only and writable again on reuse would fault on every page.
        moved = libc.mremap(tmp, self.length, self.length,
                            _lib.MREMAP_MAYMOVE | _lib.MREMAP_FIXED, self.addr)
        if moved != self.addr:
            err = _fail("copying a released frame")
            libc.munmap(tmp, self.length)
            raise err
        self._state["spares"] = spares

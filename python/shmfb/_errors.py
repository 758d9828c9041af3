"""shmfb.Error: the library's negative errno codes as exceptions."""

import builtins
import errno as _errno

from ._lib import lib


def strerror(code):
    """The library's sentence for a return code (0, -errno, or any number)."""
    return lib.shmfb_strerror(int(code)).decode("utf-8", "replace")


class Error(OSError):
    """A libshmfb call failed.

    ``errno`` is the positive errno value, ``code`` the library's negative
    return code, ``strerror`` the library's sentence (shmfb_strerror) and
    ``filename`` the framebuffer name or program, when there is one.  Errors
    that have a built-in counterpart are also instances of it: -ENOENT is a
    FileNotFoundError, -EEXIST a FileExistsError, -ETIMEDOUT a TimeoutError,
    -EPIPE a BrokenPipeError, -ECONNRESET a ConnectionResetError, -EAGAIN a
    BlockingIOError and -EPERM/-EACCES a PermissionError.
    """

    @property
    def code(self):
        return -self.errno if self.errno else 0


Error.__module__ = "shmfb"


_BUILTIN = {
    _errno.ENOENT: builtins.FileNotFoundError,
    _errno.EEXIST: builtins.FileExistsError,
    _errno.ETIMEDOUT: builtins.TimeoutError,
    _errno.EPIPE: builtins.BrokenPipeError,
    _errno.ECONNRESET: builtins.ConnectionResetError,
    _errno.ECONNREFUSED: builtins.ConnectionRefusedError,
    _errno.EAGAIN: builtins.BlockingIOError,
    _errno.EPERM: builtins.PermissionError,
    _errno.EACCES: builtins.PermissionError,
}
_CLASSES = {}


def _class_for(err):
    base = _BUILTIN.get(err)
    if base is None:
        return Error
    cls = _CLASSES.get(base)
    if cls is None:
        cls = type("Error", (Error, base), {"__module__": "shmfb", "__doc__": Error.__doc__})
        cls.__qualname__ = "Error"
        _CLASSES[base] = cls
    return cls


def error(code, filename=None, sentence=None):
    """The exception for a negative return code (with the library's sentence
    unless another is given)."""
    err = -int(code)
    text = strerror(code) if sentence is None else sentence
    args = (err, text) if filename is None else (err, text, filename)
    return _class_for(err)(*args)


def check(code, filename=None, sentence=None):
    """Raises the Error for a negative code; returns the code otherwise."""
    if code < 0:
        raise error(code, filename, sentence)
    return code

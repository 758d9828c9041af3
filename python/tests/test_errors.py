"""Every error the C suites provoke, as the Python API reports it: an
shmfb.Error with the errno, the library's sentence, and the built-in
OSError subclass where there is one."""

import errno
import mmap
import os
import socket
import struct
import subprocess
import sys
import time

import pytest

import shmfb
from conftest import PYTHON

SENTENCES = {
    errno.EINVAL: "invalid argument",
    errno.ENAMETOOLONG: "framebuffer name too long",
    errno.ERANGE: "size larger than the framebuffer's capacity",
    errno.EOVERFLOW: "capacity too large",
    errno.EEXIST: "a framebuffer with that name already exists",
    errno.ENOENT: "no framebuffer with that name",
    errno.EAGAIN: "framebuffer not ready yet, try again",
    errno.EPROTO: "not a shmfb framebuffer (bad magic)",
    errno.EPROTONOSUPPORT: "framebuffer uses another layout version than this library",
    errno.EBADMSG: "framebuffer header is corrupt",
    errno.EMSGSIZE: "shared object is smaller than its header says",
    errno.EUSERS: "no free consumer slot (too many consumers attached)",
    errno.EISCONN: "consumer is already attached",
    errno.ENOTCONN: "consumer is not attached",
    errno.ECONNRESET: "consumer was dropped by the producer for not taking frames",
    errno.ETIMEDOUT: "timed out",
    errno.EPIPE: "producer is gone",
    errno.EBUSY: "producer is still running",
    errno.ENOTSOCK: "no name given and not started by a viewer (SHMFB_SOCKET unset or not a "
                    "socket)",
    errno.EPERM: "framebuffer descriptor is not sealed against shrinking",
}
BUILTIN = {errno.ENOENT: FileNotFoundError, errno.EEXIST: FileExistsError,
           errno.ETIMEDOUT: TimeoutError, errno.EPIPE: BrokenPipeError,
           errno.ECONNRESET: ConnectionResetError, errno.EAGAIN: BlockingIOError,
           errno.EPERM: PermissionError}


def raises(err, fn, *args, filename=None, sentence=None, **kw):
    """Calls fn and checks it raised shmfb.Error for -err, fully described."""
    with pytest.raises(shmfb.Error) as info:
        fn(*args, **kw)
    e = info.value
    assert isinstance(e, OSError)
    assert (e.errno, e.code) == (err, -err), (errno.errorcode.get(e.errno), e)
    if sentence is None:
        sentence = SENTENCES[err]
        assert sentence == shmfb.strerror(-err)
    assert e.strerror == sentence
    assert sentence in str(e) and f"[Errno {err}]" in str(e)
    if err in BUILTIN:
        assert isinstance(e, BUILTIN[err])
    if filename is not None:
        assert e.filename == filename
    return e


def raw_object(name, size, head=b""):
    fd = os.open("/dev/shm" + name, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.ftruncate(fd, size)
        os.write(fd, head)
    finally:
        os.close(fd)


def poke(name, offset, fmt, value):
    """Writes into a framebuffer's header behind the library's back."""
    with open("/dev/shm" + name, "r+b") as f, mmap.mmap(f.fileno(), 4096) as m:
        struct.pack_into(fmt, m, offset, value)


def test_sentences_are_the_librarys():
    for err, text in SENTENCES.items():
        assert shmfb.strerror(-err) == text
    assert len(set(SENTENCES.values())) == len(SENTENCES)
    assert shmfb.strerror(0) == "success"


def test_names(fbname):
    for bad in ["", "/", "a/b", "//a", "bad name", "..", "/."]:
        raises(errno.EINVAL, shmfb.name_check, bad, filename=bad)
    raises(errno.ENAMETOOLONG, shmfb.name_check, "x" * (shmfb.NAME_MAX + 1))
    assert shmfb.name_check("x" * shmfb.NAME_MAX) == "/" + "x" * shmfb.NAME_MAX
    raises(errno.EINVAL, shmfb.Producer, "a/b", 8, 8, filename="a/b")
    raises(errno.EINVAL, shmfb.Producer, "", 8, 8)
    raises(errno.ENAMETOOLONG, shmfb.Producer, "y" * (shmfb.NAME_MAX + 1), 8, 8)
    raises(errno.EINVAL, shmfb.Consumer, "bad name", filename="bad name")


def test_sizes_and_options(fbname):
    for w, h, mw, mh in [(0, 10, None, None), (10, 0, None, None), (-1, 10, None, None),
                         (10, -5, None, None), (10, 10, 0, 10), (10, 10, 10, -1)]:
        raises(errno.EINVAL, shmfb.Producer, fbname, w, h, max_width=mw, max_height=mh)
    raises(errno.EOVERFLOW, shmfb.Producer, fbname, 1, 1, max_width=shmfb.DIM_MAX + 1,
           max_height=10)
    raises(errno.EOVERFLOW, shmfb.Producer, fbname, 1, 1, max_width=2**31 - 1,
           max_height=2**31 - 1)
    raises(errno.ERANGE, shmfb.Producer, fbname, 11, 5, max_width=10, max_height=10)
    raises(errno.ERANGE, shmfb.Producer, fbname, 5, 11, max_width=10, max_height=10)
    # Numbers the bindings do not know go to the library, which refuses them.
    raises(errno.EINVAL, shmfb.Producer, fbname, 4, 4, format=9)
    raises(errno.EINVAL, shmfb.Producer, fbname, 4, 4, pacing=9)
    raises(errno.EINVAL, shmfb.Producer, fbname, 4, 4, timeout_ms=-5)
    assert not os.path.exists("/dev/shm" + fbname)
    with shmfb.Producer(fbname, 10, 8, max_width=100, max_height=80) as p:
        raises(errno.ERANGE, p.resize, 101, 10)
        raises(errno.ERANGE, p.resize, 10, 81)
        raises(errno.EINVAL, p.resize, 0, 10)
        raises(errno.EINVAL, p.wait, 0, events=False, taken=False)
        assert p.size == (10, 8)


def test_exists_and_missing(fbname):
    with shmfb.Producer(fbname, 16, 16):
        raises(errno.EEXIST, shmfb.Producer, fbname, 16, 16, filename=fbname)
        raises(errno.EBUSY, shmfb.reap, fbname, filename=fbname)
    raises(errno.ENOENT, shmfb.Consumer, fbname, filename=fbname)
    raises(errno.ENOENT, shmfb.probe, fbname)
    raises(errno.ENOENT, shmfb.reap, fbname)


def test_not_shmfb(fbname):
    raw_object(fbname, 8192, b"this is not a framebuffer header at all")
    raises(errno.EPROTO, shmfb.Consumer, fbname)
    raises(errno.EPROTO, shmfb.probe, fbname)
    raises(errno.EPROTO, shmfb.reap, fbname)
    os.unlink("/dev/shm" + fbname)
    raw_object(fbname, 3, b"abc")
    raises(errno.EPROTO, shmfb.Consumer, fbname)
    os.unlink("/dev/shm" + fbname)
    raw_object(fbname, 0)
    raises(errno.EAGAIN, shmfb.Consumer, fbname)
    os.unlink("/dev/shm" + fbname)
    raw_object(fbname, 8192)
    raises(errno.EAGAIN, shmfb.Consumer, fbname)


def version_of(name):
    with open("/dev/shm" + name, "rb") as f:
        f.seek(8)
        return struct.unpack("<I", f.read(4))[0]


def test_bad_headers(fbname):
    with shmfb.Producer(fbname, 64, 32, pacing="free"):
        shmfb.Consumer(fbname).close()
        v = version_of(fbname)  # the layout this library writes (and reads)
        for other in [v + 1] + ([v - 1] if v > 1 else []):
            poke(fbname, 8, "<I", other)
            raises(errno.EPROTONOSUPPORT, shmfb.Consumer, fbname)
        poke(fbname, 8, "<I", 0)
        raises(errno.EBADMSG, shmfb.Consumer, fbname)
        poke(fbname, 8, "<I", v)
        shmfb.Consumer(fbname).close()
        for w in (0, 1 << 30, 128):  # max_width
            poke(fbname, 24, "<i", w)
            raises(errno.EBADMSG, shmfb.Consumer, fbname)
        poke(fbname, 24, "<i", 64)
        poke(fbname, 48, "<Q", 12)  # buffer_offset
        raises(errno.EBADMSG, shmfb.Consumer, fbname)


def test_truncated_object(fbname):
    with shmfb.Producer(fbname, 256, 256, pacing="free"):
        os.truncate("/dev/shm" + fbname, 8192)
        raises(errno.EMSGSIZE, shmfb.Consumer, fbname)
        raises(errno.EMSGSIZE, shmfb.probe, fbname)


def test_slots(fbname):
    with shmfb.Producer(fbname, 8, 8, pacing="free") as p:
        cs = [shmfb.Consumer(fbname, attach=True) for _ in range(shmfb.MAX_CONSUMERS)]
        assert p.consumers == shmfb.MAX_CONSUMERS
        extra = shmfb.Consumer(fbname)
        raises(errno.EUSERS, extra.attach)
        raises(errno.ENOTCONN, extra.wait, 0)
        raises(errno.ENOTCONN, extra.send, shmfb.Event.typed("x"))
        raises(errno.EISCONN, cs[0].attach)
        raises(errno.EINVAL, cs[0].release)  # no frame to release
        cs[3].detach()
        raises(errno.ENOTCONN, cs[3].detach)
        extra.attach()
        raises(errno.ETIMEDOUT, cs[0].wait, 0)
        raises(errno.EINVAL, cs[0].send, shmfb.Event(99))
        raises(errno.EINVAL, cs[0].send, shmfb.Event(0))
        for c in cs + [extra]:
            c.close()
        assert p.consumers == 0


def test_peek_before_any_frame(fbname):
    with shmfb.Producer(fbname, 8, 8), shmfb.Consumer(fbname) as c:
        raises(errno.EAGAIN, c.peek)


def test_stuck_consumer_is_dropped(fbname):
    with shmfb.Producer(fbname, 8, 8, timeout_ms=300) as p:
        t0 = time.monotonic()
        for _ in range(100):
            p.present()
        assert time.monotonic() - t0 < 0.3  # nobody attached: never waits
        with shmfb.Consumer(fbname, attach=True) as c:
            t0 = time.monotonic()
            p.present()
            assert 0.25 <= time.monotonic() - t0 < 2
            assert p.consumers == 0
            raises(errno.ECONNRESET, c.wait, 0)
            assert not c.attached
            raises(errno.ENOTCONN, c.wait, 0)
            c.attach()
            assert c.wait(0).seq == 101


def test_producer_closes(fbname):
    p = shmfb.Producer(fbname, 8, 8, pacing="free")
    with shmfb.Consumer(fbname, attach=True) as c:
        assert c.producer_alive
        p.present()
        p.close()
        assert c.wait(1000).seq == 1  # presented before closing: still delivered
        raises(errno.EPIPE, c.wait, 1000, filename=fbname)
        assert not c.producer_alive
        assert c.peek().seq == 1


def test_producer_killed(fbname):
    script = (f"import shmfb, sys; p = shmfb.Producer({fbname!r}, 8, 8, pacing='free'); "
              "p.pixels[0, 0] = 0xFF010203; p.present(); print('up', flush=True); "
              "sys.stdin.read()")
    with subprocess.Popen([PYTHON, "-c", script], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE) as child:
        assert child.stdout.readline() == b"up\n"
        c = shmfb.Consumer(fbname, attach=True)
        assert c.wait(2000).pixels[0, 0] == 0xFF010203
        raises(errno.EBUSY, shmfb.reap, fbname)
        child.kill()
        t0 = time.monotonic()
        raises(errno.EPIPE, c.wait, 3000)
        assert time.monotonic() - t0 < 1
        assert not c.producer_alive
        raises(errno.EISCONN, c.attach)
        c.close()
    assert not shmfb.probe(fbname).alive
    shmfb.reap(fbname)
    raises(errno.ENOENT, shmfb.Consumer, fbname)


def test_spawn_errors(tmp_path):
    missing = "/nonexistent/shmfb-no-such-program"
    # Starting a program fails with the system's sentence, not a framebuffer's.
    raises(errno.ENOENT, shmfb.Consumer.spawn, [missing], filename=missing,
           sentence=os.strerror(errno.ENOENT))
    raises(errno.EINVAL, shmfb.Consumer.spawn, [], sentence=os.strerror(errno.EINVAL))
    # The program exits without creating anything.
    raises(errno.EPIPE, shmfb.Consumer.spawn, [sys.executable, "-c", "pass"], 5000)
    # The program never creates: a bounded wait; it is stopped and reaped.
    t0 = time.monotonic()
    raises(errno.ETIMEDOUT, shmfb.Consumer.spawn, ["sleep", "30"], 200)
    assert time.monotonic() - t0 < 5
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # nothing left to reap


def test_not_spawned():
    env = dict(os.environ)
    env.pop("SHMFB_SOCKET", None)
    check = ("import errno, shmfb\n"
             "try:\n"
             "    shmfb.Producer(None, 4, 4)\n"
             "except shmfb.Error as e:\n"
             "    print(e.errno == errno.ENOTSOCK, e.strerror)\n")
    for sock in (None, "0"):
        if sock is not None:
            env["SHMFB_SOCKET"] = sock  # stdin is not a socket here
        r = subprocess.run([PYTHON, "-c", check], env=env, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, check=True)
        assert r.stdout == f"True {SENTENCES[errno.ENOTSOCK]}\n"


def test_bad_handoffs():
    a, b = socket.socketpair()
    with a, b:
        b.send(b"garbage!")
        raises(errno.EPROTO, shmfb.Consumer.from_socket, a, 1000)
    # A descriptor that is not sealed against shrinking.
    a, b = socket.socketpair()
    fd = os.memfd_create("unsealed", os.MFD_CLOEXEC)
    try:
        os.ftruncate(fd, 65536)
        with a, b:
            socket.send_fds(b, [b"SHMFBFD1"], [fd])  # the handoff tag
            raises(errno.EPERM, shmfb.Consumer.from_socket, a.fileno(), 1000)
    finally:
        os.close(fd)

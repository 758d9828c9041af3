"""Every error the C suites provoke, as the Python API reports it: an
shmfb.Error with the errno, the library's sentence, and the built-in
OSError subclass where there is one."""

import errno
import fcntl
import os
import socket
import subprocess
import sys
import time

import pytest

import hostile
import shmfb
from conftest import PYTHON, live

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
    errno.EACCES: "permission denied",
    errno.ECONNREFUSED: "the producer refused the connection: it has too many (try again)",
    errno.EREMOTEIO: "the producer refused the connection for a reason it did not name",
    errno.EMEDIUMTYPE: "something that is not a framebuffer's file (a link, directory, FIFO, "
                       "device or leased file) stands in the name's place; 'shmfb ls --reap "
                       "NAME' removes it",
    errno.ENOTEMPTY: "a directory that is not empty stands in the name's place; remove it by "
                     "hand",
}
BUILTIN = {errno.ENOENT: FileNotFoundError, errno.EEXIST: FileExistsError,
           errno.ETIMEDOUT: TimeoutError, errno.EPIPE: BrokenPipeError,
           errno.ECONNRESET: ConnectionResetError, errno.EAGAIN: BlockingIOError,
           errno.EPERM: PermissionError, errno.ECONNREFUSED: ConnectionRefusedError}


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
    assert not live(fbname)
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
    raises(errno.ENOENT, shmfb.reap, fbname)  # nothing left behind


def sealed_memfd(data, size):
    fd = os.memfd_create("impostor", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.write(fd, data)
    os.ftruncate(fd, size)
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW)
    return fd


def hostile_open(message, fds=()):
    """Consumer.from_socket on a socket a hostile peer wrote `message` to."""
    a, b = socket.socketpair()
    with a, b:
        if fds:
            socket.send_fds(b, [message], list(fds))
        else:
            b.send(message)
        c = shmfb.Consumer.from_socket(a, 1000)
        c.close()


def test_hostile_handoffs(fbname):
    """Whatever a peer hands over, only a sealed, valid framebuffer opens;
    everything else is refused, each with its own error."""
    w = hostile.wire()
    ok = hostile.handoff(w)
    junk = sealed_memfd(b"this is not a framebuffer header at all", 8192)
    tiny = sealed_memfd(b"abc", 3)
    unsealed = os.memfd_create("unsealed", os.MFD_CLOEXEC)
    os.ftruncate(unsealed, 1 << 20)
    with shmfb.Producer(fbname, 8, 8, pacing="free"):
        real = os.open(hostile.memfd_path(fbname), os.O_RDWR | os.O_CLOEXEC)
        try:
            raises(errno.EPROTO, hostile_open, b"garbage!")
            raises(errno.EPERM, hostile_open, ok, [unsealed])
            raises(errno.EPROTO, hostile_open, ok)  # no descriptor
            raises(errno.EPROTO, hostile_open, ok, [junk])
            raises(errno.EPROTO, hostile_open, ok, [tiny])
            hostile_open(ok, [real])  # the real one opens
            raises(errno.EPROTONOSUPPORT, hostile_open, hostile.handoff(w, version=1), [real])
            raises(errno.EPROTO, hostile_open, hostile.handoff(w, tag="XHMFB-HO"), [real])
            raises(errno.EACCES, hostile_open, hostile.handoff(w, status=errno.EACCES))
            raises(errno.ECONNREFUSED, hostile_open,
                   hostile.handoff(w, status=errno.ECONNREFUSED))
            raises(errno.EREMOTEIO, hostile_open, hostile.handoff(w, status=errno.EUSERS))
            raises(errno.EREMOTEIO, hostile_open, hostile.handoff(w, status=12345), [real])
        finally:
            for fd in (real, junk, tiny, unsealed):
                os.close(fd)


def test_runtime_directory(tmp_path):
    """A runtime directory that is a file, or a default one others may
    enter, is refused."""
    afile = tmp_path / "file"
    afile.write_text("")
    xdg = tmp_path / "xdg"
    (xdg / "shmfb").mkdir(parents=True)
    os.chmod(xdg / "shmfb", 0o755)
    check = ("import errno, shmfb\n"
             "try:\n"
             "    shmfb.Producer('/pytest-rundir', 4, 4)\n"
             "except shmfb.Error as e:\n"
             "    print(errno.errorcode[e.errno], isinstance(e, PermissionError), e.strerror)\n")
    env = dict(os.environ, SHMFB_RUNTIME_DIR=str(afile))
    r = subprocess.run([PYTHON, "-c", check], env=env, capture_output=True, text=True,
                       check=True)
    assert r.stdout == f"ENOTDIR False {os.strerror(errno.ENOTDIR)}\n"
    env = dict(os.environ, XDG_RUNTIME_DIR=str(xdg))
    env.pop("SHMFB_RUNTIME_DIR")
    r = subprocess.run([PYTHON, "-c", check], env=env, capture_output=True, text=True,
                       check=True)
    assert r.stdout == f"EACCES True {SENTENCES[errno.EACCES]}\n"


def test_bad_headers(fbname):
    w = hostile.wire()
    with shmfb.Producer(fbname, 64, 32, pacing="free"), hostile.Region(fbname) as r:
        def refused(err):
            raises(err, shmfb.Consumer, fbname, timeout_ms=300)

        shmfb.Consumer(fbname).close()
        v = r.peek(w["header.version"], "<I")  # the layout this library writes
        assert v == w["version"]
        for other in [v + 1] + ([v - 1] if v > 1 else []):
            r.poke(w["header.version"], "<I", other)
            refused(errno.EPROTONOSUPPORT)
        r.poke(w["header.version"], "<I", 0)
        refused(errno.EBADMSG)
        r.poke(w["header.version"], "<I", v)
        shmfb.Consumer(fbname).close()
        for width in (0, 1 << 30, 128):  # not the layout the stride says
            r.poke(w["header.max_width"], "<i", width)
            refused(errno.EBADMSG)
        r.poke(w["header.max_width"], "<i", 64)
        r.poke(w["header.buffer_offset"], "<Q", 12)
        refused(errno.EBADMSG)
        r.poke(w["header.nbuffers"], "<I", 3)  # without mailbox pacing
        refused(errno.EBADMSG)
        r.poke(w["header.total_size"], "<Q", 2**63 - 1)
        refused(errno.EBADMSG)


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
    # Nothing blocks the name: it is not listed, and a new producer takes it.
    raises(errno.ENOENT, shmfb.probe, fbname)
    raises(errno.ENOENT, shmfb.Consumer, fbname)
    assert not live(fbname)
    with shmfb.Producer(fbname, 16, 16, pacing="free"):
        assert shmfb.probe(fbname).alive and live(fbname)
        raises(errno.EBUSY, shmfb.reap, fbname)
    raises(errno.ENOENT, shmfb.reap, fbname)


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

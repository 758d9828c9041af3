"""The cursor channel: shapes a producer publishes, validated copies a
consumer reads, wake-ups, and a hostile producer's records."""

import errno
import subprocess
import textwrap
import time

import numpy as np
import pytest

import hostile
import shmfb
from conftest import PYTHON
from test_errors import raises


def shape(w, h, salt=0):
    i = np.arange(w * h, dtype=np.uint64).reshape(h, w) + salt
    return (np.uint32(0x80000000) | ((i * 2654435761) >> 8).astype(np.uint32)).astype(np.uint32)


def test_shape_roundtrip(fbname):
    with shmfb.Producer(fbname, 64, 48) as p, shmfb.Consumer(fbname) as c:
        cur = c.cursor()  # before any set: the consumer's own pointer
        assert (cur.seq, cur.state, cur.width, cur.height) == (0, shmfb.CursorState.DEFAULT, 0, 0)
        assert cur.pixels.shape == (0, 0) and c.poll_cursor() is None

        img = shape(17, 23)
        p.set_cursor(img, 16, 22)
        cur = c.poll_cursor()
        assert cur.state is shmfb.CursorState.SHAPE and cur.seq > 0
        assert (cur.width, cur.height, cur.hotspot) == (17, 23, (16, 22))
        assert cur.pixels.dtype == np.uint32 and np.array_equal(cur.pixels, img)
        assert not cur.pixels.flags.writeable
        assert c.poll_cursor() is None  # seen already
        assert c.cursor() == cur

        big = shape(shmfb.CURSOR_MAX, shmfb.CURSOR_MAX, 7)
        p.set_cursor(big.tolist())  # any array-like of words
        assert np.array_equal(c.poll_cursor().pixels, big)
        p.set_cursor(big[::2, ::3])  # not contiguous: copied first
        assert np.array_equal(c.poll_cursor().pixels, big[::2, ::3])
        p.set_cursor("hidden")
        cur = c.poll_cursor()
        assert (cur.state, cur.width, cur.hotspot, cur.pixels.size) == \
            (shmfb.CursorState.HIDDEN, 0, (0, 0), 0)
        seq = cur.seq
        p.set_cursor(None)
        cur = c.poll_cursor()
        assert cur.state is shmfb.CursorState.DEFAULT and cur.seq > seq
        p.set_cursor(shmfb.CursorState.HIDDEN)
        assert c.poll_cursor().state is shmfb.CursorState.HIDDEN
        with shmfb.Consumer(fbname) as c2:  # a second handle has seen nothing yet
            assert c2.poll_cursor().state is shmfb.CursorState.HIDDEN


def test_bad_arguments(fbname):
    with shmfb.Producer(fbname, 64, 48) as p, shmfb.Consumer(fbname) as c:
        img = np.zeros((4, 4), np.uint32)
        raises(errno.EINVAL, p.set_cursor, 3)
        raises(errno.EINVAL, p.set_cursor, shmfb.CursorState.SHAPE)  # no image
        raises(errno.EINVAL, p.set_cursor, np.zeros((4, 0), np.uint32))
        raises(errno.EINVAL, p.set_cursor, np.zeros((0, 4), np.uint32))
        raises(errno.EINVAL, p.set_cursor, np.zeros((4, shmfb.CURSOR_MAX + 1), np.uint32))
        raises(errno.EINVAL, p.set_cursor, np.zeros((shmfb.CURSOR_MAX + 1, 4), np.uint32))
        for hx, hy in [(4, 0), (0, 4), (-1, 0), (0, -1)]:
            raises(errno.EINVAL, p.set_cursor, img, hx, hy)
        with pytest.raises(ValueError, match="2 dimensions"):
            p.set_cursor(np.zeros((2, 2, 4), np.uint32))
        with pytest.raises(ValueError, match="unknown cursorstate"):
            p.set_cursor("spinning")
        assert c.cursor().seq == 0  # nothing was published by the refused calls
        raises(errno.EINVAL, c.wait_any, 0, frame=False, cursor=False)
        # Frames need an attached consumer; the cursor alone does not.
        raises(errno.ENOTCONN, c.wait_any, 0)
        raises(errno.ETIMEDOUT, c.wait_any, 0, frame=False)


def test_wait_any_wakes(fbname):
    """A producer in another process sets the cursor, later presents a
    frame; wait_any reports each as it happens."""
    script = textwrap.dedent(f"""
        import sys, time, shmfb
        with shmfb.Producer({fbname!r}, 64, 48) as p:
            print("ready", flush=True)
            sys.stdin.readline()
            time.sleep(0.1)
            p.set_cursor([[1, 2], [3, 4]], 1, 1)
            time.sleep(0.1)
            p.present()
            sys.stdin.readline()
    """)
    with subprocess.Popen([PYTHON, "-c", script], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout.readline() == "ready\n"
        with shmfb.Consumer(fbname, attach=True) as c:
            child.stdin.write("go\n")
            child.stdin.flush()
            t0 = time.monotonic()
            frame, cur = c.wait_any(5000)
            assert frame is None and time.monotonic() - t0 >= 0.09
            assert cur.hotspot == (1, 1) and cur.pixels.tolist() == [[1, 2], [3, 4]]
            frame, cur = c.wait_any(5000)
            assert cur is None and frame.seq == 1 and frame.held
            frame.release()
            child.stdin.write("end\n")
            child.stdin.flush()
    assert child.returncode == 0


def test_hostile_records(fbname):
    """Whatever a hostile producer writes, a consumer gets -EBADMSG or
    -EAGAIN, never a shape outside the limits."""
    w = hostile.wire()
    with shmfb.Producer(fbname, 64, 48) as p, shmfb.Consumer(fbname) as c:
        p.set_cursor([[1, 2], [3, 4]])
        with hostile.Region(fbname) as r:
            at = r.peek(w["header.cursor_offset"], "<Q")
            bad = [(7, 2, 2, 0, 0), (2, 0, 2, 0, 0), (2, 65, 2, 0, 0), (2, 2, 65, 0, 0),
                   (2, 2, 2, 2, 0), (2, 2, 2, 0, 2), (2, 2, 2, -1, 0), (2, -4, -4, 0, 0),
                   (1, 2, 2, 0, 0), (0, 0, 0, 1, 0), (2, 2**31 - 1, 2, 0, 0),
                   (2, 2, -2**31, 0, 0)]
            for i, (state, width, height, hx, hy) in enumerate(bad):
                r.poke(at + w["cursor.state"], "<I", state)
                r.poke(at + w["cursor.width"], "<i", width)
                r.poke(at + w["cursor.height"], "<i", height)
                r.poke(at + w["cursor.hot_x"], "<i", hx)
                r.poke(at + w["cursor.hot_y"], "<i", hy)
                r.poke(at + w["cursor.seq"], "<Q", 100 + i)
                raises(errno.EBADMSG, c.cursor)
            # A lock left odd: the copy gives up instead of spinning forever.
            lock = r.peek(at + w["cursor.lock"], "<I")
            r.poke(at + w["cursor.lock"], "<I", lock | 1)
            t0 = time.monotonic()
            raises(errno.EAGAIN, c.cursor)
            assert time.monotonic() - t0 < 1
        # The producer never reads its lock back: its next shape is readable.
        p.set_cursor([[1], [2], [3], [4]], 0, 3)
        cur = c.poll_cursor()
        assert cur.height == 4 and cur.pixels[3, 0] == 4

"""Mailbox pacing from Python: the producer draws into an image of its own
that present() brings into the next shared buffer (what that buffer lacks
and what changed), never waits for a consumer holding a frame, and
consumers get the newest complete frame."""

import errno
import time

import numpy as np

import shmfb
from conftest import maps
from test_errors import raises


def test_image_is_the_processes_own(fbname):
    with shmfb.Producer(fbname, 40, 30, max_width=64, max_height=48, pacing="mailbox",
                        buffers=3) as p:
        assert p.pacing is shmfb.Pacing.MAILBOX
        assert shmfb.probe(fbname).pacing is shmfb.Pacing.MAILBOX
        px = p.pixels
        assert px.shape == (30, 40) and px.flags.writeable and not px.any()
        assert np.shares_memory(px, p.pixels)
        addr = px.__array_interface__["data"][0]
        for line in maps():
            lo, hi = (int(v, 16) for v in line.split()[0].split("-"))
            if lo <= addr < hi:
                assert "memfd" not in line  # not a shared buffer: copied at present
    assert px.shape == (30, 40)  # an array of this process: fine after close
    px[...] = 1
    with shmfb.Producer(fbname, 4, 4, pacing=shmfb.Pacing.MAILBOX.value) as p:
        assert p.pacing is shmfb.Pacing.MAILBOX


def test_every_frame_is_the_image_at_its_present(fbname):
    """Whole frames, damaged rectangles and a resize, over three buffers
    that each must be brought up to date: every frame a consumer takes is
    exactly the image as it was when presented."""
    rng = np.random.default_rng(5)
    with shmfb.Producer(fbname, 64, 40, max_width=80, max_height=50, pacing="mailbox",
                        buffers=3) as p, shmfb.Consumer(fbname, attach=True) as c:
        for n in range(40):
            if n == 25:
                p.resize(80, 50)
            px = p.pixels
            h, w = px.shape
            if n % 7 == 0:
                px[...] = rng.integers(0, 2**32, (h, w), dtype=np.uint32)
            else:
                for _ in range(n % 3 + 1):
                    x, y = int(rng.integers(0, w - 8)), int(rng.integers(0, h - 6))
                    rw, rh = int(rng.integers(1, 9)), int(rng.integers(1, 7))
                    px[y:y + rh, x:x + rw] = rng.integers(0, 2**32, dtype=np.uint32)
                    p.damage(x, y, rw, rh)
            want = px.copy()
            seq = p.present()
            with c.wait(1000) as f:
                assert f.seq == seq and f.size == (w, h)
                assert np.array_equal(f.pixels, want), n


def test_present_never_waits_for_a_held_frame(fbname):
    """One buffer held, two for the producer to alternate between."""
    with shmfb.Producer(fbname, 32, 16, pacing="mailbox", buffers=3,
                        timeout_ms=5000) as p, shmfb.Consumer(fbname, attach=True) as c:
        p.pixels[...] = 1
        p.present()
        f = c.wait(1000)
        view = f.pixels
        t0 = time.monotonic()
        for n in range(2, 12):  # a fifo producer would wait (and drop us) here
            p.pixels[...] = n
            p.damage(0, 0, 5, 5)
            p.present()
        assert time.monotonic() - t0 < 4 and p.consumers == 1
        assert (view == 1).all()  # the held frame's buffer is never written
        f.release()
        g = c.wait(1000)
        assert g.seq == 11 and (g.pixels[:5, :5] == 11).all()
        # The damage of the frames it skipped as well as the newest's.
        assert set(g.damage) == {(0, 0, 5, 5)} and g.bounds == (0, 0, 5, 5)
        assert (view == 1).all()  # released: a copy of the frame it showed
        assert p.consumers == 1


def test_mailbox_options_refused(fbname):
    raises(errno.EINVAL, shmfb.Producer, fbname, 8, 8, pacing="mailbox", buffers=1)
    raises(errno.EINVAL, shmfb.Producer, fbname, 8, 8, pacing="mailbox",
           buffers=shmfb.MAX_BUFFERS + 1)
    raises(errno.EINVAL, shmfb.Producer, fbname, 8, 8, pacing="fifo", buffers=2)

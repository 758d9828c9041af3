"""Zero-copy pixel views, and their safety: a view never outlives its memory
and never silently shows a frame other than the one it was taken from."""

import gc
import os
import subprocess
import threading

import numpy as np
import pytest

import shmfb
from conftest import PYTHON, fds, live, maps, pixel_maps


def mapping_of(view):
    """The /proc/self/maps line of the mapping that holds a view's first pixel."""
    addr = view.__array_interface__["data"][0]
    for line in maps():
        lo, hi = (int(v, 16) for v in line.split()[0].split("-"))
        if lo <= addr < hi:
            return line
    raise AssertionError(f"{addr:#x} is not mapped")


def test_views_are_the_shared_pages(fbname):
    """No copy: the views lie in mappings of the framebuffer's shared object,
    and what one process writes another sees without a present."""
    with shmfb.Producer(fbname, 64, 32, pacing="free") as p, \
            shmfb.Consumer(fbname, attach=True) as c:
        px = p.pixels
        mine = mapping_of(px).split()
        assert mine[1] == "rw-s" and " ".join(mine[5:]) == "/memfd:shmfb (deleted)"
        assert np.shares_memory(px, p.pixels) and np.shares_memory(px[3:5, 7:9], p.pixels)
        p.present()
        f = c.wait(1000)
        view = f.pixels
        theirs = mapping_of(view).split()
        assert theirs[1] == "r--s" and theirs[4] == mine[4]  # the same memfd (inode)
        assert np.shares_memory(view, f.pixels)
        # Free pacing: the producer may draw over a held frame; the view shows it at once.
        px[5, 6] = 0xFF00AA00
        assert view[5, 6] == 0xFF00AA00


def test_views_see_another_process_draw(fbname):
    script = (f"import shmfb, sys; p = shmfb.Producer({fbname!r}, 16, 8, pacing='free'); "
              "p.present(); print('presented', flush=True); sys.stdin.readline(); "
              "p.pixels[1, 2] = 0xFF445566; print('drawn', flush=True); sys.stdin.readline()")
    with subprocess.Popen([PYTHON, "-c", script], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout.readline() == "presented\n"
        with shmfb.Consumer(fbname, attach=True) as c:
            view = c.wait(2000).pixels
            assert view[1, 2] == 0
            child.stdin.write("draw\n")
            child.stdin.flush()
            assert child.stdout.readline() == "drawn\n"
            assert view[1, 2] == 0xFF445566  # no present, no copy: the same pages
            child.stdin.write("quit\n")
            child.stdin.flush()
    assert child.returncode == 0


def test_producer_views_outlive_close(fbname):
    p = shmfb.Producer(fbname, 40, 30, max_width=50, max_height=40)
    px = p.pixels
    rows = px[10:20]
    px[...] = 0xFF336699
    p.close()
    assert not live(fbname)
    # Still valid memory (the orphaned buffer), readable and writable.
    assert (rows == 0xFF336699).all()
    rows[...] = 7
    assert (px[10:20] == 7).all()
    with pytest.raises(ValueError, match="closed"):
        p.pixels
    line = mapping_of(px)
    del px, rows
    gc.collect()
    assert line not in maps()  # the last view gone: unmapped


def test_released_frame_views_keep_their_frame(fbname):
    with shmfb.Producer(fbname, 32, 16) as p, shmfb.Consumer(fbname, attach=True) as c:
        def present(value):
            p.pixels[...] = value
            t = threading.Thread(target=p.present)
            t.start()
            return t

        t = present(0xFF000001)
        f1 = c.wait(2000)
        view = f1.pixels
        part = view[4:8, 2:30]
        t.join(0.2)
        assert t.is_alive()  # fifo: the producer waits while we hold the frame
        f1.release()
        t.join(5)
        t = present(0xFF000002)  # draws over the buffer while the old views live
        f2 = c.wait(2000)
        assert (f2.pixels == 0xFF000002).all()
        # The old views show frame 1, read-only, from a private copy.
        assert (view == 0xFF000001).all() and (part == 0xFF000001).all()
        assert not view.flags.writeable
        assert "/memfd:shmfb-frame" in mapping_of(view)
        with pytest.raises(ValueError):
            view[0, 0] = 5
        with pytest.raises(ValueError):
            view.flags.writeable = True
        # The released frame gives no new views.
        with pytest.raises(BufferError, match="frame 1 was released"):
            f1.pixels
        with pytest.raises(BufferError):
            f1.copy()
        f2.release()
        t.join(5)


def test_views_without_survivors_cost_no_copy(fbname):
    """A frame whose views are gone by release is not copied: the next
    frame's views use the same mapping of the shared pages."""
    with shmfb.Producer(fbname, 16, 16, pacing="free") as p, \
            shmfb.Consumer(fbname, attach=True) as c:
        addrs = set()
        for i in range(5):
            p.pixels[...] = i
            p.present()
            f = c.wait(1000)
            assert (f.pixels == i).all()
            addrs.add(f.pixels.__array_interface__["data"][0])
        assert len(addrs) == 1


def test_frame_views_after_close(fbname):
    with shmfb.Producer(fbname, 20, 10, pacing="free") as p:
        c = shmfb.Consumer(fbname, attach=True)
        p.pixels[...] = 0xFFABCDEF
        p.present()
        f = c.wait(1000)
        view = f.pixels
        c.close()
        assert not f.held
        p.pixels[...] = 0  # the producer draws on
        assert (view == 0xFFABCDEF).all()
        with pytest.raises(BufferError):
            f.pixels
        with pytest.raises(ValueError, match="closed"):
            c.wait(0)
        c.close()  # again: nothing


def test_consumer_collected_while_a_view_lives(fbname):
    with shmfb.Producer(fbname, 16, 8) as p:
        c = shmfb.Consumer(fbname, attach=True)
        p.pixels[...] = 1
        t = threading.Thread(target=p.present)
        t.start()
        view = c.wait(2000).pixels
        del c
        gc.collect()  # the consumer and its held frame refer to each other
        t.join(5)
        assert not t.is_alive() and p.consumers == 0
        p.pixels[...] = 2
        assert (view == 1).all()


def test_detach_and_next_wait_release(fbname):
    with shmfb.Producer(fbname, 8, 8, pacing="free") as p, \
            shmfb.Consumer(fbname, attach=True) as c:
        p.present()
        f = c.wait(1000)
        v = f.pixels
        c.detach()
        assert not f.held
        p.pixels[...] = 9
        assert (v == 0).all()
        c.attach()
        p.present()
        g = c.wait(1000)
        w = g.pixels
        p.present()
        h = c.wait(1000)  # releases g first
        assert not g.held and h.held
        p.pixels[...] = 10
        assert (w == 9).all() and (h.pixels == 10).all()


def test_open_close_cycles_leak_nothing(fbname):
    """1,000 producer/consumer open-close cycles with views taken and dropped
    leave no descriptor and no mapping behind."""
    def cycle(i):
        with shmfb.Producer(fbname, 32, 24, max_width=64, max_height=48, pacing="free") as p:
            p.pixels[...] = i
            p.present()
            with shmfb.Consumer(fbname, attach=True) as c:
                f = c.wait(1000)
                v = f.pixels
                assert v[0, 0] == i and mapping_of(v) in pixel_maps()
                f.release()
                assert v[23, 31] == i  # a frozen copy ...
                assert mapping_of(v) in pixel_maps()
                del v  # ... kept as a spare for the next copy, until close
                p.present()
                g = c.wait(1000)
                w = g.pixels
                g.release()
                assert w[0, 0] == i  # that spare, back among the spares:
                del w  # closing the consumer unmaps it
                c.send(shmfb.Event.typed("a"))
            assert p.poll_event().text == "a"

    for i in range(10):  # warm-up: lazily created Python objects
        cycle(i)
    gc.collect()
    fds0, maps0 = fds(), pixel_maps()
    for i in range(1000):
        cycle(i)
    gc.collect()
    assert fds() == fds0
    assert pixel_maps() == maps0
    assert not live(fbname)


def test_spawned_cycles_leak_nothing(tmp_path):
    child = [PYTHON, "-c", "import shmfb, time; p = shmfb.Producer(None, 8, 8); "
             "p.present(); time.sleep(60)"]

    def cycle():
        c = shmfb.Consumer.spawn(child, 10000)
        assert c.wait(5000).seq == 1
        c.close()
        os.kill(c.pid, 15)
        assert c.wait_child(5000) == -15

    cycle()  # warm-up
    gc.collect()
    fds0, maps0 = fds(), pixel_maps()
    for _ in range(5):  # each starts a Python: few, but any leak shows
        cycle()
    gc.collect()
    assert fds() == fds0 and pixel_maps() == maps0

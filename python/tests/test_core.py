"""Producers, consumers, frames, damage, resize and events."""

import os
import subprocess
import textwrap
import threading
import time

import numpy as np
import pytest

import shmfb
from conftest import PYTHON, live


def pattern(seq, w, h):
    """What the test producers draw in frame `seq`."""
    y, x = np.mgrid[0:h, 0:w].astype(np.uint32)
    return np.uint32(0xFF000000) | (np.uint32(seq * 2654435761 & 0xFFFFFFFF) ^ (x << 12) ^ y)


def in_thread(fn, *args):
    t = threading.Thread(target=fn, args=args, daemon=True)
    t.start()
    return t


def test_producer_properties(fbname):
    with shmfb.Producer(fbname.lstrip("/"), 64, 48, max_width=100, max_height=80,
                        format="argb8888", pacing="free", timeout_ms=500) as p:
        assert p.name == fbname
        assert p.size == (64, 48) and (p.width, p.height) == (64, 48)
        assert p.capacity == (100, 80)
        assert p.stride == 400
        assert p.format is shmfb.Format.ARGB8888
        assert p.pacing is shmfb.Pacing.FREE
        assert p.frame == 0 and p.consumers == 0 and p.events_dropped == 0
        px = p.pixels
        assert px.shape == (48, 64) and px.dtype == np.uint32
        assert px.strides == (400, 4) and px.flags.writeable
        assert not px.any()  # a new framebuffer is zeroed
        assert "64x48 free" in repr(p)
        info = shmfb.probe(fbname)
        assert (info.name, info.size, info.capacity) == (fbname, (64, 48), (100, 80))
        assert (info.format, info.pacing, info.alive) == (shmfb.Format.ARGB8888,
                                                          shmfb.Pacing.FREE, True)
        assert info.producer_pid == os.getpid() and info.frames == 0
        assert info.size_bytes >= 400 * 80
        assert not p.closed
    assert p.closed and repr(p) == "<shmfb.Producer closed>"
    with pytest.raises(ValueError, match="closed"):
        p.present()
    p.close()  # again: nothing
    with pytest.raises(FileNotFoundError):
        shmfb.probe(fbname)


def test_defaults_and_enums(fbname):
    with shmfb.Producer(fbname, 8, 4) as p:
        assert p.capacity == (8, 4)
        assert p.format is shmfb.Format.XRGB8888 and p.pacing is shmfb.Pacing.FIFO
    with shmfb.Producer(fbname, 8, 4, format=shmfb.Format.ARGB8888, pacing=1) as p:
        assert p.format is shmfb.Format.ARGB8888 and p.pacing is shmfb.Pacing.FREE
    with shmfb.Producer(fbname, 8, 4, format="ARGB", pacing="FIFO") as p:
        assert p.format is shmfb.Format.ARGB8888 and p.pacing is shmfb.Pacing.FIFO
    with pytest.raises(ValueError, match="unknown pacing 'later'.*fifo, free"):
        shmfb.Producer(fbname, 8, 4, pacing="later")
    with pytest.raises(ValueError, match="unknown format"):
        shmfb.Producer(fbname, 8, 4, format="rgb565")
    assert not live(fbname)


def test_damage_resize_and_frames_in_one_process(fbname):
    with shmfb.Producer(fbname, 32, 16, max_width=64, max_height=40, pacing="free") as p, \
            shmfb.Consumer(fbname) as c:
        assert c.capacity == (64, 40) and c.stride == 256 and c.format is shmfb.Format.XRGB8888
        assert c.name == fbname and not c.attached and c.producer_alive
        assert c.attach() is c and c.attached and p.consumers == 1
        p.pixels[...] = pattern(1, 32, 16)
        assert p.present() == 1
        f = c.wait(1000)
        assert (f.seq, f.size, f.stride) == (1, (32, 16), 256) and not f.at_attach
        assert f.full and f.flags & shmfb.FrameFlags.FULL and not f.resized
        assert f.damage == [shmfb.Rect(0, 0, 32, 16)] and f.bounds == (0, 0, 32, 16)
        assert np.array_equal(f.pixels, pattern(1, 32, 16))
        assert not f.pixels.flags.writeable
        f.release()
        assert not f.held

        p.pixels[2:5, 3:10] = 0xFF00FF00
        p.damage(3, 2, 7, 3)
        p.damage(30, 14, 10, 10)  # clipped to the frame
        p.present()
        with c.wait(1000) as f:
            assert not f.full and f.damage == [(3, 2, 7, 3), (30, 14, 2, 2)]
            assert f.bounds == (3, 2, 29, 14)
            assert (f.pixels[2:5, 3:10] == 0xFF00FF00).all()
        assert not f.held

        p.resize(50, 40)
        assert p.size == (50, 40) and p.pixels.shape == (40, 50)
        p.pixels[...] = pattern(3, 50, 40)
        p.present()
        f = c.wait(1000)
        assert f.size == (50, 40) and f.resized and f.full
        assert np.array_equal(f.copy(), pattern(3, 50, 40))
        out = np.zeros((40, 50), np.uint32)
        assert f.copy(out) is out and np.array_equal(out, pattern(3, 50, 40))
        with pytest.raises(TimeoutError):
            c.wait(0)
        c.detach()
        assert not c.attached and p.consumers == 0
        # Attached after a present: that frame is returned at once, marked.
        p.present()
        c.attach()
        f = c.wait(0)
        assert f.seq == 4 and f.at_attach
        p.present()
        assert not c.wait(1000).at_attach


def test_frames_between_processes(fbname, tmp_path):
    """A producer in another process: every frame arrives whole, in order,
    with the pixels it drew (fifo holds it while we read)."""
    script = textwrap.dedent(f"""
        import sys, numpy as np, shmfb
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        from test_core import pattern
        with shmfb.Producer({fbname!r}, 120, 90) as p:
            print("ready", flush=True)
            sys.stdin.readline()
            for seq in range(1, 31):
                p.pixels[...] = pattern(seq, 120, 90)
                p.present()
    """)
    with subprocess.Popen([PYTHON, "-c", script], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout.readline() == "ready\n"
        with shmfb.Consumer(fbname, attach=True) as c:
            child.stdin.write("go\n")
            child.stdin.flush()
            seen = []
            for f in c.frames(5000):
                assert np.array_equal(f.pixels, pattern(f.seq, 120, 90)), f.seq
                seen.append(f.seq)
            assert seen == list(range(1, 31))  # fifo: none skipped
            assert not c.producer_alive
    assert child.returncode == 0


def test_peek(fbname):
    p = shmfb.Producer(fbname, 10, 6, pacing="free")
    with shmfb.Consumer(fbname) as c:
        with pytest.raises(BlockingIOError) as e:
            c.peek()
        assert isinstance(e.value, shmfb.Error) and e.value.code == -11
        p.pixels[...] = pattern(7, 10, 6)
        p.present()
        f = c.peek()
        assert f.seq == 1 and f.full and not f.held and "peeked" in repr(f)
        p.pixels[...] = 0xFF123456
        assert np.array_equal(f.pixels, pattern(7, 10, 6))  # copied at peek
        assert not f.pixels.flags.writeable
        # The last frame of a gone producer can still be read.
        p.close()
        assert not c.producer_alive
        f = c.peek()
        assert f.seq == 1 and (f.pixels == 0xFF123456).all()


def test_events_every_kind(fbname):
    sent = [shmfb.Event.motion(5, -3, buttons=1, mods=shmfb.Mod.SHIFT),
            shmfb.Event.button_down(shmfb.Button.RIGHT, 7, 8),
            shmfb.Event.button_up(shmfb.Button.RIGHT, 7, 9, mods=shmfb.Mod.CTRL),
            shmfb.Event.wheel(0, -120),
            shmfb.Event.key_down(4, ord("a"), mods=shmfb.Mod.ALT | shmfb.Mod.CAPS),
            shmfb.Event.key_up(41, 0x1B),
            shmfb.Event.typed("\N{EARTH GLOBE EUROPE-AFRICA}"),
            shmfb.Event.focus(True), shmfb.Event.focus(False),
            shmfb.Event.close_request(), shmfb.Event.resize_request(30, 20)]
    with shmfb.Producer(fbname, 40, 20, max_width=50, max_height=25, pacing="free") as p, \
            shmfb.Consumer(fbname, attach=True) as c:
        assert p.poll_event() is None and list(p.events()) == []
        for ev in sent:
            c.send(ev)
        got = list(p.events())
        assert len(got) == len(sent)
        for g, s in zip(got, sent):
            assert (g.type, g.x, g.y, g.code, g.sym, g.mods, g.buttons) == \
                (s.type, s.x, s.y, s.code, s.sym, s.mods, s.buttons), (g, s)
            assert isinstance(g.type, shmfb.EventType) and isinstance(g.mods, shmfb.Mod)
        assert got[1].button is shmfb.Button.RIGHT and got[1].held(shmfb.Button.RIGHT)
        assert got[0].held(shmfb.Button.LEFT) and not got[0].held(shmfb.Button.RIGHT)
        assert got[6].text == "\N{EARTH GLOBE EUROPE-AFRICA}" and got[0].text is None
        c.send(shmfb.Event.resize_request(500, 500))  # clamped to the capacity
        ev = p.poll_event()
        assert ev.type is shmfb.EventType.RESIZE and (ev.x, ev.y) == (50, 25)


def test_frame_requests_and_present_time(fbname):
    with shmfb.Producer(fbname, 4, 4, pacing="free") as p, \
            shmfb.Consumer(fbname, attach=True) as c:
        for _ in range(5):
            c.request_frame()
        ev = p.poll_event()
        assert ev.type is shmfb.EventType.FRAME_REQUEST
        assert p.poll_event() is None  # coalesced until the next present
        t0 = time.monotonic_ns()
        p.present()
        with c.wait(1000) as f:
            assert t0 <= f.time_ns <= time.monotonic_ns()
        p.set_time(123456789)
        p.present()
        with c.wait(1000) as f:
            assert f.time_ns == 123456789
        c.request_frame()
        assert p.poll_event().type is shmfb.EventType.FRAME_REQUEST


def test_event_time_and_drops(fbname):
    with shmfb.Producer(fbname, 4, 4, pacing="free") as p, \
            shmfb.Consumer(fbname, attach=True) as c:
        c.send(shmfb.Event(shmfb.EventType.TEXT, code=65, time_ms=1234))
        assert p.poll_event().time_ms == 1234
        for i in range(shmfb.EVENT_QUEUE + 10):
            c.send(shmfb.Event.typed(chr(0x100 + i)))
        got = list(p.events())
        assert len(got) == shmfb.EVENT_QUEUE and p.events_dropped == 10
        assert got[0].code == 0x100 + 10  # the oldest were dropped


def test_wait_event_and_wait(fbname):
    with shmfb.Producer(fbname, 4, 4) as p, shmfb.Consumer(fbname, attach=True) as c:
        t0 = time.monotonic()
        assert p.wait_event(150) is None
        assert 0.14 <= time.monotonic() - t0 < 2
        assert p.wait(0) == shmfb.WaitFlags(0)
        assert p.wait(0, events=False, taken=True) == shmfb.WaitFlags.TAKEN
        in_thread(lambda: (time.sleep(0.1), c.send(shmfb.Event.typed("x"))))
        ev = p.wait_event(5000)
        assert ev.text == "x"
        c.send(shmfb.Event.typed("y"))
        assert p.wait(1000) == shmfb.WaitFlags.EVENT
        assert p.wait(0, taken=True) == shmfb.WaitFlags.EVENT | shmfb.WaitFlags.TAKEN
        assert p.poll_event().text == "y"


def test_spawned_producer_and_reap(fbname, tmp_path):
    plasma = os.path.join(os.path.dirname(__file__), "..", "examples", "plasma.py")
    with shmfb.Consumer.spawn([PYTHON, plasma, "--size", "64x32", "--fps", "200"]) as c:
        assert c.name is None and c.attached and c.pid > 0
        assert "(spawned)" in repr(c)
        f = c.wait(5000)
        assert f.size == (64, 32)
        c.send(shmfb.Event.close_request())
        f.release()
        assert c.wait_child(10000) == 0
    # A named framebuffer whose producer died without closing: the name is
    # free, its files are listed as stale until reaped.
    script = f"import os, shmfb; p = shmfb.Producer({fbname!r}, 8, 8); os._exit(0)"
    subprocess.run([PYTHON, "-c", script], check=True)
    with pytest.raises(FileNotFoundError):
        shmfb.probe(fbname)
    assert (fbname, False) in shmfb.names(stale=True) and not live(fbname)
    shmfb.reap(fbname)
    assert fbname not in [n for n, _ in shmfb.names(stale=True)]
    with pytest.raises(FileNotFoundError):
        shmfb.reap(fbname)


def test_frame_to_image(fbname):
    with shmfb.Producer(fbname, 5, 3, format="argb", pacing="free") as p, \
            shmfb.Consumer(fbname, attach=True) as c:
        p.pixels[...] = np.arange(15, dtype=np.uint32).reshape(3, 5) * np.uint32(0x01030507)
        p.present()
        f = c.wait(1000)
        im = f.to_image()
        assert im.mode == "RGBA" and im.size == (5, 3)
        a = np.asarray(im).astype(np.uint32)
        words = (a[..., 3] << 24) | (a[..., 0] << 16) | (a[..., 1] << 8) | a[..., 2]
        assert np.array_equal(words, f.pixels)
        rgb = np.asarray(f.to_image(alpha=False)).astype(np.uint32)
        assert rgb.shape == (3, 5, 3)
        assert np.array_equal((rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2],
                              f.pixels & 0xFFFFFF)


def test_name_check():
    assert shmfb.name_check("demo") == "/demo"
    assert shmfb.name_check("/a.b_c-9") == "/a.b_c-9"
    assert shmfb.spawned() == bool(os.environ.get("SHMFB_SOCKET"))

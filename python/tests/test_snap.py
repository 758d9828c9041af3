"""Python and C on either side of a framebuffer, judged by `shmfb snap`."""

import re
import subprocess
import time

import numpy as np
import pytest

import shmfb
from conftest import SPRITE, TOOL, read_png, run_tool


def drawing(w, h, seed):
    """A picture with every bit in play: gradients, noise and a sharp box."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.uint32)
    img = (((x * 255 // max(w - 1, 1)) << 16) | ((y * 255 // max(h - 1, 1)) << 8)
           | rng.integers(0, 256, (h, w), dtype=np.uint32))
    img[h // 4:h // 2, w // 3:w // 2] = 0x00FF00FF
    alpha = rng.integers(0, 256, (h, w), dtype=np.uint32) << 24
    return img | alpha


def snap_while_presenting(p, name, out, *args):
    """Runs `shmfb snap` while presenting the same picture until it is done;
    returns the frame number snap reports."""
    proc = subprocess.Popen([TOOL, "snap", name, out, "--timeout", "5000", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with proc:
        while proc.poll() is None:
            p.present()  # fifo: waits for snap once it is attached
            time.sleep(0.002)
        stdout, stderr = proc.communicate()
    assert proc.returncode == 0, stderr
    m = re.fullmatch(r"(.*): frame (\d+), (\d+)x(\d+)\n", stdout)
    assert m and m.group(1) == out, stdout
    return int(m.group(2)), (int(m.group(3)), int(m.group(4)))


@pytest.mark.parametrize("pacing", ["fifo", "mailbox"])
def test_python_producer_equals_snap_rgb(fbname, tmp_path, pacing):
    # Width not a multiple of anything and a larger capacity: rows are
    # stride apart, not width.
    w, h = 301, 157
    with shmfb.Producer(fbname, w, h, max_width=640, max_height=480, pacing=pacing) as p:
        img = drawing(w, h, 1)
        p.pixels[...] = img
        out = str(tmp_path / "rgb.png")
        seq, size = snap_while_presenting(p, fbname, out)
        assert size == (w, h) and 1 <= seq <= p.frame
        got = read_png(out)
        assert got.shape == (h, w)
        # An XRGB framebuffer is written as RGB: alpha comes back opaque.
        expect = (img & 0x00FFFFFF) | 0xFF000000
        diff = np.argwhere(got != expect)
        assert diff.size == 0, f"{len(diff)} pixels differ, first at {diff[0]}"

        # A damaged rectangle only, after a resize.
        p.resize(200, 100)
        px = p.pixels
        px[...] = drawing(200, 100, 2)
        p.present()
        px[10:30, 40:90] = 0xFF123456
        p.damage(40, 10, 50, 20)
        out2 = str(tmp_path / "damaged.png")
        _, size = snap_while_presenting(p, fbname, out2)
        assert size == (200, 100)
        assert np.array_equal(read_png(out2), (px & 0x00FFFFFF) | 0xFF000000)


def test_python_producer_equals_snap_argb(fbname, tmp_path):
    w, h = 128, 77
    with shmfb.Producer(fbname, w, h, max_width=130, format="argb") as p:
        img = drawing(w, h, 3)
        p.pixels[...] = img
        out = str(tmp_path / "argb.png")
        snap_while_presenting(p, fbname, out, "--alpha")
        assert np.array_equal(read_png(out), img)


def open_when_created(name, timeout=10):
    """An attached consumer of a framebuffer another process is creating."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return shmfb.Consumer(name, attach=True)
        except (FileNotFoundError, BlockingIOError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def test_python_consumer_equals_snap_of_c_producer(fbname, tmp_path):
    """`shmfb demo` draws; the Python consumer holds a frame (so the fifo
    demo waits) while `shmfb snap --now` writes the same frame."""
    demo = subprocess.Popen([TOOL, "demo", fbname, "--size", "320x200", "--max", "400x300",
                             "--fps", "0", "--frames", "2000", "--sprite", SPRITE],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    with demo:
        c = open_when_created(fbname)
        checked = []
        with c:
            # The first frame is the one already out when we attached, which
            # the demo may be drawing over: only the later ones are held still.
            for i, f in enumerate(c.frames(5000)):
                assert not f.at_attach or i == 0
                if f.at_attach:
                    continue
                # The demo changes size every 120 frames and may be at any frame
                # when we attach: 130 frames see both sizes.
                if i in (0, 1, 2, 60) or (f.resized and i > 1) or i >= 130:
                    out = str(tmp_path / f"demo-{f.seq}.png")
                    r = run_tool("snap", fbname, out, "--now")
                    assert r.stdout == f"{out}: frame {f.seq}, {f.width}x{f.height}\n"
                    got = read_png(out)
                    expect = (f.pixels & 0x00FFFFFF) | 0xFF000000
                    assert got.shape == expect.shape and np.array_equal(got, expect), f.seq
                    checked.append((f.seq, f.size))
                if i >= 130 and len({s for _, s in checked}) == 2:
                    break
            f.release()
        demo.terminate()
        _, err = demo.communicate(timeout=10)
    assert demo.returncode == 0, err
    sizes = {s for _, s in checked}
    assert len(checked) >= 5 and (320, 200) in sizes and len(sizes) == 2, checked

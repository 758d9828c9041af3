"""The examples: plasma.py (a producer) and save_frames.py (a PNG consumer)."""

import os
import re
import signal
import subprocess
import sys
import threading

import numpy as np

import shmfb
from conftest import EXAMPLES, PYTHON, live, read_png, run_tool, wait_until

sys.path.insert(0, EXAMPLES)
import plasma  # noqa: E402

PLASMA = os.path.join(EXAMPLES, "plasma.py")
SAVE = os.path.join(EXAMPLES, "save_frames.py")


def opaque(img):
    return (img & 0x00FFFFFF) | 0xFF000000


def test_plasma_by_name_equals_its_render(fbname, tmp_path):
    with subprocess.Popen([PYTHON, PLASMA, "--name", fbname, "--size", "96x64", "--fps", "60"],
                          stderr=subprocess.PIPE, text=True) as proc:
        assert wait_until(lambda: live(fbname) or proc.poll(), 10)
        out = str(tmp_path / "plasma.png")
        r = run_tool("snap", fbname, out, "--timeout", "5000")
        seq = int(re.search(r"frame (\d+), 96x64", r.stdout).group(1))
        # Frame n is presented as sequence number n + 1.
        assert np.array_equal(read_png(out), opaque(plasma.render(seq - 1, 96, 64)))
        with shmfb.Consumer(fbname) as c:
            cur = c.cursor()
            assert cur.state is shmfb.CursorState.SHAPE and cur.hotspot == (5, 5)
            assert np.array_equal(cur.pixels, plasma.crosshair())
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and err == ""
    assert not live(fbname)


def test_plasma_usage_and_errors(fbname):
    r = subprocess.run([PYTHON, PLASMA, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "--size WxH" in r.stdout
    r = subprocess.run([PYTHON, PLASMA, "--size", "0x5"], capture_output=True, text=True)
    assert r.returncode == 2 and "--size" in r.stderr
    r = subprocess.run([PYTHON, PLASMA, "--name", "bad name"], capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr == "plasma.py: bad name: invalid argument\n"
    with shmfb.Producer(fbname, 4, 4):
        r = subprocess.run([PYTHON, PLASMA, "--name", fbname], capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr == f"plasma.py: {fbname}: a framebuffer with that name already exists\n"


def pattern(seq, w, h):
    y, x = np.mgrid[0:h, 0:w].astype(np.uint32)
    return np.uint32(0xFF000000) | (x * np.uint32(seq)) ^ (y << 9)


def test_save_frames_by_name(fbname, tmp_path):
    """Every saved PNG is the frame of the sequence number in its name."""
    stop = threading.Event()
    with shmfb.Producer(fbname, 70, 50) as p:
        def produce():
            while not stop.is_set():
                p.pixels[...] = pattern(p.frame + 1, 70, 50)
                p.present()
                stop.wait(0.005)

        t = threading.Thread(target=produce)
        t.start()
        try:
            r = subprocess.run([PYTHON, SAVE, fbname, str(tmp_path / "out"), "--count", "3",
                                "--every", "2"], capture_output=True, text=True, timeout=60)
        finally:
            stop.set()
            t.join()
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 3
    seqs = []
    for line in lines:
        m = re.fullmatch(r"(.*frame-(\d{6})\.png): 70x50", line)
        assert m, line
        seqs.append(int(m.group(2)))
        assert np.array_equal(read_png(m.group(1)), pattern(seqs[-1], 70, 50)), line
    # --every 2 in a stream where no frame is skipped (fifo).
    assert seqs[1] - seqs[0] == 2 and seqs[2] - seqs[1] == 2
    assert sorted(os.listdir(tmp_path / "out")) == [os.path.basename(v.split(":")[0])
                                                    for v in lines]


def test_save_frames_of_a_spawned_plasma(tmp_path):
    out = tmp_path / "spawned"
    r = subprocess.run([PYTHON, SAVE, str(out), "--count", "2", "--", PYTHON, PLASMA, "--size",
                        "80x60", "--log", str(tmp_path / "events.log")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    files = sorted(os.listdir(out))
    assert len(files) == 2
    for name in files:
        seq = int(name[len("frame-"):-len(".png")])
        assert np.array_equal(read_png(str(out / name)), opaque(plasma.render(seq - 1, 80, 60)))
    # The program was asked to close, and did.
    assert (tmp_path / "events.log").read_text() == "close\n"


def test_save_frames_errors(fbname, tmp_path):
    r = subprocess.run([PYTHON, SAVE, fbname, str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr == f"save_frames.py: {fbname}: no framebuffer with that name\n"
    r = subprocess.run([PYTHON, SAVE, str(tmp_path), "--", "/nonexistent/prog"],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr == "save_frames.py: /nonexistent/prog: No such file or directory\n"
    r = subprocess.run([PYTHON, SAVE, fbname], capture_output=True, text=True)
    assert r.returncode == 2 and "expected NAME OUTDIR" in r.stderr

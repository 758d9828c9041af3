"""Shared fixtures of the Python tests.

Run through ctest (the README's test command), which sets SHMFB_LIBRARY,
SHMFB_TOOL, SHMFB_VIEW, SHMFB_ABI_DUMP, SHMFB_BENCH_PEER, SHMFB_SPRITE and
PYTHONPATH for the build being tested, and in a sanitizer build LD_PRELOAD
(the runtimes).  Each test process keeps its framebuffer names in a runtime
directory of its own (SHMFB_RUNTIME_DIR), which the programs it starts
inherit.
"""

import atexit
import itertools
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest

REQUIRED = ("SHMFB_LIBRARY", "SHMFB_TOOL", "SHMFB_VIEW", "SHMFB_ABI_DUMP", "SHMFB_SPRITE")
missing = [v for v in REQUIRED if not os.environ.get(v)]
if missing:
    raise pytest.UsageError("run these tests through ctest (they need " + ", ".join(missing) +
                            "): bash scripts/test.sh --quick -R python_")

# Programs this process starts (also Python ones importing the tests'
# modules) use the same directory.
RUNTIME_DIR = os.environ.get("SHMFB_PYTEST_RUNTIME_DIR")
if not RUNTIME_DIR:
    RUNTIME_DIR = tempfile.mkdtemp(prefix="shmfb-pytest-")  # 0700, short for socket paths
    os.environ["SHMFB_PYTEST_RUNTIME_DIR"] = RUNTIME_DIR
    atexit.register(shutil.rmtree, RUNTIME_DIR, True)
os.environ["SHMFB_RUNTIME_DIR"] = RUNTIME_DIR

PYTHON = sys.executable
HERE = os.path.dirname(os.path.abspath(__file__))
PYDIR = os.path.dirname(HERE)
EXAMPLES = os.path.join(PYDIR, "examples")
TOOL = os.environ["SHMFB_TOOL"]
VIEW = os.environ["SHMFB_VIEW"]
SPRITE = os.environ["SHMFB_SPRITE"]

_counter = itertools.count()


def foreign_env(**extra):
    """The environment for programs that are not ours (Xvfb, xdotool, pip):
    without the sanitizer runtimes preloaded into Python."""
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    env.update(extra)
    return env


@pytest.fixture
def fbname(request):
    """A framebuffer name unique to this test; files a killed producer left
    behind are removed after."""
    import shmfb
    name = f"/pytest-{os.getpid()}-{next(_counter)}-{request.node.name[:40]}"
    name = "".join(c if c.isalnum() or c in "/._-" else "_" for c in name)
    yield name
    try:
        shmfb.reap(name)
    except (shmfb.Error, ValueError):
        pass


def live(name):
    """Whether a producer of `name` is alive (its name is listed)."""
    import shmfb
    return (name, True) in shmfb.names()


def run_tool(*args, timeout=30, check=True):
    """Runs the shmfb command-line tool; returns the CompletedProcess."""
    r = subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"shmfb {' '.join(args)} exited {r.returncode}: {r.stderr}")
    return r


def read_png(path):
    """A PNG as (height, width) 0xAARRGGBB words (alpha 0xFF for RGB files)."""
    from PIL import Image
    with Image.open(path) as im:
        mode = im.mode
        a = np.asarray(im.convert("RGBA")).astype(np.uint32)
    assert mode in ("RGB", "RGBA"), mode
    return (a[..., 3] << 24) | (a[..., 0] << 16) | (a[..., 1] << 8) | a[..., 2]


def fds():
    return sorted(os.listdir("/proc/self/fd"))


def maps():
    with open("/proc/self/maps") as f:
        return f.read().splitlines()


def pixel_maps():
    """The mappings pixels can live in: framebuffers (memfd "shmfb") and
    released frames' copies (memfd "shmfb-frame").  Python's and the
    sanitizers' own heaps come and go, so the rest is not compared."""
    out = []
    for line in maps():
        f = line.split(maxsplit=5)
        path = f[5] if len(f) > 5 else ""
        if path.startswith("/memfd:"):
            out.append(line)
    return out


def wait_until(pred, timeout=10.0, step=0.02):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


class Xvfb:
    """An X server of our own, on a display number picked at random from a
    wide range (other servers may run at the same time); its lock file naming
    our process is the readiness check."""

    def __init__(self, tmp):
        self.proc = None
        with open(os.path.join(tmp, "xvfb.log"), "w") as log:
            for _ in range(10):
                n = random.randrange(1000, 31000)
                if os.path.exists(f"/tmp/.X{n}-lock") or os.path.exists(f"/tmp/.X11-unix/X{n}"):
                    continue
                p = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1024x768x24",
                                      "-nolisten", "tcp", "-noreset"], stdout=log, stderr=log,
                                     env=foreign_env())
                if wait_until(lambda: p.poll() is not None or self._ready(n, p.pid), 10):
                    if p.poll() is None:
                        self.proc, self.display = p, f":{n}"
                        return
                p.kill()
                p.wait()
        raise AssertionError("could not start Xvfb (see xvfb.log)")

    @staticmethod
    def _ready(n, pid):
        try:
            with open(f"/tmp/.X{n}-lock") as f:
                if f.read().strip() != str(pid):
                    return False
        except OSError:
            return False
        r = subprocess.run(["xdotool", "getdisplaygeometry"], capture_output=True,
                           env=foreign_env(DISPLAY=f":{n}"))
        return r.returncode == 0

    def xdotool(self, *args):
        env = foreign_env(DISPLAY=self.display, LC_ALL="C.UTF-8")  # types UTF-8
        r = subprocess.run(["xdotool", *map(str, args)], capture_output=True, text=True,
                           env=env, timeout=30)
        assert r.returncode == 0, f"xdotool {args}: {r.stderr}"
        return r.stdout

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def xserver(tmp_path):
    x = Xvfb(str(tmp_path))
    yield x
    x.stop()

"""bench/python_consumer.py runs and reports every consumer and ratio (a smoke test:
its timings are not judged here)."""

import os
import re
import subprocess

from conftest import PYDIR, PYTHON

DRIVER = os.path.join(os.path.dirname(PYDIR), "bench", "python_consumer.py")


def test_bench_consumer_smoke():
    r = subprocess.run([PYTHON, DRIVER, "--peer",
                        os.environ["SHMFB_BENCH_PEER"], "--size", "320x240", "--seconds", "0.2",
                        "--rounds", "2"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert re.match(r"consumer frames/s at 320x240, 2 rounds of 0.2 s, \d+ cores, load ", out)
    for mode in ["C view", "python view", "python view-kept", "C copy", "python copy"]:
        m = re.search(rf"^{mode} +([0-9.]+) +([0-9.]+) +([0-9.]+) +([0-9.]+)$", out, re.M)
        assert m, f"no row for {mode}:\n{out}"
        assert float(m.group(1)) > 0
    for ratio in ["python view / C view", "python view-kept / C view", "python copy / C copy"]:
        assert re.search(rf"^{ratio} +[0-9]+\.[0-9]+$", out, re.M), f"no {ratio}:\n{out}"


def test_bench_consumer_usage():
    r = subprocess.run([PYTHON, DRIVER, "--size", "big"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--size 'big' is not WxH" in r.stderr


def test_peer_usage():
    peer = os.environ["SHMFB_BENCH_PEER"]
    r = subprocess.run([peer, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("usage: shmfb-py-bench-peer produce")
    for bad, says in [(["consume", "x", "fast", "1"], "'fast' is neither view nor copy"),
                      (["produce", "x", "0x5"], "'0x5' is not a size WxH"),
                      (["consume", "x", "view", "0"], "'0' is not a number of seconds"),
                      ([], "expected 'produce NAME WxH'")]:
        r = subprocess.run([peer, *bad], capture_output=True, text=True)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, (bad, r.stderr)
        assert r.stderr.startswith(f"shmfb-py-bench-peer: {says}"), (bad, r.stderr)
    r = subprocess.run([peer, "consume", "/pytest-no-such-fb", "view", "1"],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr == "shmfb-py-bench-peer: /pytest-no-such-fb: no framebuffer with that name\n"

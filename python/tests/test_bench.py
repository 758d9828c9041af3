"""bench_consumer.py runs and reports every consumer and ratio (a smoke test:
its timings are not judged here)."""

import os
import re
import subprocess

from conftest import PYDIR, PYTHON


def test_bench_consumer_smoke():
    r = subprocess.run([PYTHON, os.path.join(PYDIR, "bench_consumer.py"), "--peer",
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
    r = subprocess.run([PYTHON, os.path.join(PYDIR, "bench_consumer.py"), "--size", "big"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--size 'big' is not WxH" in r.stderr

#!/usr/bin/env python3
"""Frames per second a Python consumer takes from a C producer, against a C
consumer of the same producer in the same run.

    python3 bench/python_consumer.py --build build-test
    python3 bench/python_consumer.py --build build-test --size 1920x1080 --rounds 5

The producer (shmfb-py-bench-peer, fifo) presents a new frame as soon as the
last one is taken, writing one pixel of it, so the consumer sets the pace.
Consumers, one at a time, interleaved over the rounds:
  C view           wait, read one pixel, release
  python view      wait, read one pixel of frame.pixels, release
  python view-kept the same, but the view is still referenced at the next
                   wait (so each released frame is copied for it)
  C copy           wait, copy the whole frame into its own buffer, release
  python copy      wait, frame.copy(out=own_array), release
Medians over the rounds are printed with their spread, then the ratios.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

# The package is imported from the source tree, beside this folder.
PYDIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python")
MODES = ["C view", "python view", "python view-kept", "C copy", "python copy"]


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", help="the build tree (finds libshmfb and the C peer in it)")
    ap.add_argument("--peer", help="path of shmfb-py-bench-peer (default: in --build)")
    ap.add_argument("--size", default="1920x1080", help="frame size (default 1920x1080)")
    ap.add_argument("--seconds", type=float, default=2.0, help="per measurement (default 2)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    args = ap.parse_args()
    try:
        args.w, args.h = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        ap.error(f"--size '{args.size}' is not WxH")
    if args.build:
        os.environ.setdefault("SHMFB_LIBRARY", os.path.join(args.build, "src", "libshmfb.so"))
        args.peer = args.peer or os.path.join(args.build, "bench", "shmfb-py-bench-peer")
    if not args.peer:
        ap.error("give --build DIR or --peer PATH")
    if args.rounds < 1 or args.seconds <= 0:
        ap.error("--rounds and --seconds must be positive")
    return args


def python_consumer(shmfb, np, name, mode, seconds, w, h):
    out = np.empty((h, w), np.uint32)
    frames = checksum = 0
    kept = None
    with shmfb.Consumer(name, attach=True) as c:
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            f = c.wait(1000)
            if mode == "view":
                checksum += int(f.pixels[h // 2, w // 2])
            elif mode == "view-kept":
                kept = f.pixels
                checksum += int(kept[h // 2, w // 2])
            else:
                f.copy(out)
                checksum += int(out[0, 0])
            f.release()
            frames += 1
        took = time.monotonic() - t0
    del kept
    return frames / took


def c_consumer(peer, name, mode, seconds):
    r = subprocess.run([peer, "consume", name, mode, str(seconds)], capture_output=True,
                       text=True, check=True)
    f = r.stdout.split()
    return int(f[1]) / float(f[3])


def measure(args, shmfb, np, mode, n):
    name = f"/shmfb-bench-consumer-{os.getpid()}-{n}"
    with subprocess.Popen([args.peer, "produce", name, args.size], stdout=subprocess.PIPE,
                          text=True) as prod:
        try:
            if prod.stdout.readline() != "ready\n":
                raise SystemExit(f"python_consumer.py: {args.peer} did not start")
            lang, kind = mode.split(" ")
            if lang == "C":
                return c_consumer(args.peer, name, kind, args.seconds)
            return python_consumer(shmfb, np, name, kind, args.seconds, args.w, args.h)
        finally:
            prod.terminate()


def main():
    args = parse_args()
    sys.path.insert(0, PYDIR)
    import numpy as np
    import shmfb

    fps = {m: [] for m in MODES}
    n = 0
    for _ in range(args.rounds):
        for mode in MODES:
            fps[mode].append(measure(args, shmfb, np, mode, n))
            n += 1
    load = os.getloadavg()[0]
    print(f"consumer frames/s at {args.size}, {args.rounds} rounds of {args.seconds:g} s, "
          f"{os.cpu_count()} cores, load {load:.2f}")
    print(f"{'consumer':<18} {'median':>9} {'min':>9} {'max':>9}  ms/frame")
    med = {}
    for mode in MODES:
        v = fps[mode]
        med[mode] = statistics.median(v)
        print(f"{mode:<18} {med[mode]:9.1f} {min(v):9.1f} {max(v):9.1f}  "
              f"{1000 / med[mode]:.3f}")
    print(f"{'python view / C view':<30} {med['python view'] / med['C view']:.2f}")
    print(f"{'python view-kept / C view':<30} {med['python view-kept'] / med['C view']:.2f}")
    print(f"{'python copy / C copy':<30} {med['python copy'] / med['C copy']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

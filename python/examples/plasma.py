#!/usr/bin/env python3
"""An animated plasma drawn with numpy into a shmfb framebuffer.

    shmfb-view -- python3 python/examples/plasma.py      # the viewer starts it
    python3 python/examples/plasma.py --name /plasma &   # by name ...
    shmfb-view /plasma                                   # ... shown by a viewer

Click or drag to move the plasma's centre, space pauses, Escape or closing
the window quits; a window resize is honoured within the capacity.  The
pointer over it is a crosshair (for consumers that show the producer's).  Frame N
always shows the same picture (render(N, width, height, centre)).
"""

import argparse
import os
import signal
import sys
import time

import numpy as np

try:
    import shmfb
except ModuleNotFoundError:  # run from the source tree without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import shmfb

PROG = os.path.basename(sys.argv[0]) or "plasma.py"


def render(n, width, height, centre=None, out=None):
    """Frame n of the plasma as (height, width) 0xFFRRGGBB words."""
    t = n / 30.0
    cx, cy = centre if centre is not None else (width / 2, height / 2)
    x = np.arange(width, dtype=np.float32)[None, :]
    y = np.arange(height, dtype=np.float32)[:, None]
    v = (np.sin(x * 0.031 + t) + np.sin(y * 0.043 - t * 1.3)
         + np.sin((x + y) * 0.021 + t * 0.7)
         + np.sin(np.hypot(x - cx, y - cy) * 0.06 - t * 2.0))
    phase = v * np.float32(np.pi / 2)
    r = (127.5 + 127.5 * np.sin(phase)).astype(np.uint32)
    g = (127.5 + 127.5 * np.sin(phase + np.float32(2.094))).astype(np.uint32)
    b = (127.5 + 127.5 * np.sin(phase + np.float32(4.189))).astype(np.uint32)
    img = np.uint32(0xFF000000) | (r << 16) | (g << 8) | b
    if out is None:
        return img
    out[...] = img
    return out


def crosshair(n=11):
    """A white crosshair with a dark outline, pointing at its centre."""
    img = np.zeros((n, n), np.uint32)
    img[n // 2 - 1:n // 2 + 2, :] = img[:, n // 2 - 1:n // 2 + 2] = 0xFF000000
    img[n // 2, :] = img[:, n // 2] = 0xFFFFFFFF
    return img


def describe(ev):
    """One line for an input event, as --log writes it."""
    kind = ev.type.name.lower() if isinstance(ev.type, shmfb.EventType) else str(ev.type)
    if ev.type == shmfb.EventType.MOTION:
        return f"{kind} x={ev.x} y={ev.y} buttons={ev.buttons}"
    if ev.type in (shmfb.EventType.BUTTON_DOWN, shmfb.EventType.BUTTON_UP):
        name = getattr(ev.button, "name", ev.button)
        return f"{kind} {name} x={ev.x} y={ev.y} buttons={ev.buttons}"
    if ev.type == shmfb.EventType.WHEEL:
        return f"{kind} dx={ev.x} dy={ev.y}"
    if ev.type in (shmfb.EventType.KEY_DOWN, shmfb.EventType.KEY_UP):
        return f"{kind} code={ev.code} sym={ev.sym:#x} mods={int(ev.mods)}"
    if ev.type == shmfb.EventType.TEXT:
        return f"{kind} U+{ev.code:04X}"
    if ev.type == shmfb.EventType.RESIZE:
        return f"{kind} {ev.x}x{ev.y}"
    return kind


def size_arg(text):
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not WxH") from None
    if w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive size")
    return w, h


def parse_args(argv):
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("--name", help="framebuffer name (default: the viewer's private one "
                    "when started by shmfb-view, else /shmfb-plasma)")
    ap.add_argument("--size", type=size_arg, default=(320, 240), metavar="WxH",
                    help="frame size (default 320x240)")
    ap.add_argument("--max", type=size_arg, metavar="WxH",
                    help="capacity, the largest size a resize may ask for "
                    "(default 1920x1080, or the frame size if larger)")
    ap.add_argument("--fps", type=float, default=30.0, help="frames per second (default 30)")
    ap.add_argument("--frames", type=int, default=0, help="stop after N frames (0: never)")
    ap.add_argument("--log", metavar="FILE", help="write one line per input event to FILE")
    args = ap.parse_args(argv)
    if args.max is None:
        args.max = (max(args.size[0], 1920), max(args.size[1], 1080))
    if args.size[0] > args.max[0] or args.size[1] > args.max[1]:
        ap.error("--size is larger than --max")
    if args.fps <= 0:
        ap.error("--fps must be positive")
    return args


class Plasma:
    def __init__(self, producer, log):
        self.p = producer
        self.log = log
        self.n = 0
        self.centre = None
        self.paused = False
        self.quit = False

    def handle(self, ev):
        if self.log:
            print(describe(ev), file=self.log, flush=True)
        t = ev.type
        if t == shmfb.EventType.BUTTON_DOWN and ev.button == shmfb.Button.LEFT:
            self.centre = (ev.x, ev.y)
        elif t == shmfb.EventType.MOTION and ev.held(shmfb.Button.LEFT):
            self.centre = (ev.x, ev.y)
        elif t == shmfb.EventType.TEXT and ev.text == " ":
            self.paused = not self.paused
        elif t == shmfb.EventType.KEY_DOWN and ev.sym == 0x1B:
            self.quit = True
        elif t == shmfb.EventType.CLOSE:
            self.quit = True
        elif t == shmfb.EventType.RESIZE:
            self.p.resize(ev.x, ev.y)
            self.centre = None

    def draw(self):
        px = self.p.pixels
        render(self.n, px.shape[1], px.shape[0], self.centre, out=px)
        self.p.present()
        if not self.paused:
            self.n += 1

    def run(self, fps, frames):
        c = crosshair()
        self.p.set_cursor(c, c.shape[1] // 2, c.shape[0] // 2)
        period = 1.0 / fps
        next_at = time.monotonic()
        while not self.quit and (frames == 0 or self.p.frame < frames):
            self.draw()
            next_at = max(next_at + period, time.monotonic())
            # The idle loop: input is handled as it arrives, not once a frame.
            while not self.quit:
                left = next_at - time.monotonic()
                if left <= 0:
                    break
                ev = self.p.wait_event(int(left * 1000))
                if ev is not None:
                    self.handle(ev)
            for ev in self.p.events():
                self.handle(ev)


def main(argv=None):
    args = parse_args(argv)
    # SIGTERM (the viewer's "quit now") ends the loop like a close request.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    name = args.name
    if name is None and not shmfb.spawned():
        name = "/shmfb-plasma"
    log = None
    try:
        log = open(args.log, "a", buffering=1) if args.log else None
        with shmfb.Producer(name, *args.size, max_width=args.max[0],
                            max_height=args.max[1]) as p:
            Plasma(p, log).run(args.fps, args.frames)
    except (shmfb.Error, OSError) as e:
        print(f"{PROG}: {getattr(e, 'filename', None) or name or 'framebuffer'}: "
              f"{e.strerror or e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        if log:
            log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

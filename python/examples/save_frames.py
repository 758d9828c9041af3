#!/usr/bin/env python3
"""Saves a framebuffer's frames as PNG files (Pillow).

    python3 save_frames.py /shmfb-demo out/ --count 5
    python3 save_frames.py out/ --count 3 -- python3 plasma.py --size 160x120

Attaches to framebuffer NAME (or starts PROGRAM as its producer, as
shmfb-view does), waits for frames and writes each to OUTDIR/frame-SEQ.png,
printing one line per file.  Only every Kth frame is saved with --every K;
the others are released at once so the producer is not slowed down.  The
frame already out when it attaches is not saved: the producer may be drawing
over it (for the last frame of an idle producer use `shmfb snap --now`).
"""

import argparse
import os
import signal
import sys

try:
    import shmfb
except ModuleNotFoundError:  # run from the source tree without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import shmfb

PROG = os.path.basename(sys.argv[0]) or "save_frames.py"


def parse_args(argv):
    if "--" in argv:
        cut = argv.index("--")
        argv, program = argv[:cut], argv[cut + 1:]
    else:
        program = None
    ap = argparse.ArgumentParser(
        prog=PROG, usage=f"{PROG} [options] NAME OUTDIR\n       {PROG} [options] OUTDIR -- "
        "PROGRAM [ARGS...]", description=__doc__.split("\n\n")[0])
    ap.add_argument("where", nargs="+", metavar="NAME OUTDIR")
    ap.add_argument("--count", type=int, default=1, help="frames to save (default 1)")
    ap.add_argument("--every", type=int, default=1, metavar="K", help="save every Kth frame")
    ap.add_argument("--timeout", type=int, default=5000, metavar="MS",
                    help="longest wait for a frame (default 5000)")
    ap.add_argument("--alpha", action="store_true", help="write RGBA (default: RGBA only "
                    "for ARGB8888 framebuffers)")
    args = ap.parse_args(argv)
    want = 1 if program is not None else 2
    if len(args.where) != want:
        ap.error("expected OUTDIR -- PROGRAM" if program is not None else "expected NAME OUTDIR")
    if program is not None and not program:
        ap.error("no PROGRAM after --")
    if args.count < 1 or args.every < 1:
        ap.error("--count and --every must be at least 1")
    args.program = program
    args.name = None if program is not None else args.where[0]
    args.outdir = args.where[-1]
    return args


def save(consumer, args):
    saved = seen = 0
    for frame in consumer.frames(args.timeout):
        if frame.at_attach:
            continue
        seen += 1
        if (seen - 1) % args.every == 0:
            path = os.path.join(args.outdir, f"frame-{frame.seq:06d}.png")
            frame.save(path, alpha=True if args.alpha else None)
            print(f"{path}: {frame.width}x{frame.height}", flush=True)
            saved += 1
        frame.release()
        if saved == args.count:
            return 0
    print(f"{PROG}: {args.name or args.program[0]}: the producer is gone after {saved} "
          "frames", file=sys.stderr)
    return 1


def stop_program(consumer):
    """Asks the program we started to quit, as a viewer's close button does."""
    try:
        consumer.send(shmfb.Event.close_request())
    except shmfb.Error:
        pass  # already gone, or dropped: the signals below still work
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if consumer.wait_child(2000) is not None:
            return
        os.kill(consumer.pid, sig)
    consumer.wait_child()


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        os.makedirs(args.outdir, exist_ok=True)
        if args.program is not None:
            consumer = shmfb.Consumer.spawn(args.program, args.timeout)
        else:
            consumer = shmfb.Consumer(args.name, attach=True)
        with consumer:
            rc = save(consumer, args)
            if args.program is not None:
                stop_program(consumer)
        return rc
    except OSError as e:
        what = e.filename or args.name or args.outdir
        print(f"{PROG}: {what}: {e.strerror or e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz harness (fuzz_shmfb.c): one file per
scenario, each a program in the harness's input format.  The files are kept
in the tree; run this again only when that format changes.

    python3 tests/fuzz/make_corpus.py [OUT_DIR]   (default: corpus/ beside it)
"""
import os
import struct
import sys

# Operations of the region program (fuzz_shmfb.c, enum and consumer_op()).
POKE32, POKE64, FILL = 0, 1, 2
ATTACH, DETACH, WAIT, RELEASE, PEEK, SEND, OPEN, ALIVE = range(3, 11)
PRESENT, POLL, P_WAIT, CONSUMERS, SET_CURSOR, REOPEN, HELLO, JUNK, CHECKS = range(11, 20)
P_HOST, C_HOST, HOST_MSG = range(20, 23)
SECOND = 0x80  # the operation applies to consumer 1

HEADER, SLOTS, RECORDS, RINGS, CURSOR = range(5)
W_FRAME, W_CURSOR = 4, 8
E_EVENT, E_TAKEN = 1, 2

SPAWNED, NAMED, FREE, ARGB = 0, 2, 4, 8


def region(flags, w, h, *ops):
    return bytes([flags, w - 1, h - 1]) + b"".join(ops)


def op(code, *operands):
    return bytes([code]) + bytes(operands)


def poke32(area, off, value):
    return bytes([POKE32, area]) + struct.pack("<HI", off, value & 0xFFFFFFFF)


def poke64(area, off, value):
    return bytes([POKE64, area]) + struct.pack("<HQ", off, value & (2**64 - 1))


def fill(area, off, length, byte):
    return bytes([FILL, area]) + struct.pack("<HBB", off, length - 1, byte)


def present(x=0, y=0, w=255, h=255, resize=None):
    how, rw, rh = (1, resize[0] - 1, resize[1] - 1) if resize else (0, 0, 0)
    return bytes([PRESENT, how, rw, rh, x & 0xFF, y & 0xFF, w, h])


def event(kind, x=0, y=0, code=0, sym=0, mods=0, buttons=0, fold=0, who=0):
    return bytes([SEND | who, fold]) + struct.pack("<IIiiIIII", kind, 0, x, y, code, sym,
                                                   mods, buttons)


def cursor(state, w=0, h=0, hx=0, hy=0):
    return bytes([SET_CURSOR, state, w, h, hx, hy])


def hello(msg=b"", how=0, token=0):
    out = bytes([HELLO, how, len(msg)]) + msg
    return out + struct.pack("<Q", token) if how & 2 else out


def junk(msg, how=0, who=0):
    return bytes([JUNK | who, how, len(msg)]) + msg


def p_host(how, data=b""):
    return bytes([P_HOST, how, len(data)]) + data


def c_host(how, data=b"", x=0, y=0, who=0):
    out = bytes([C_HOST | who, how, len(data)]) + data
    return out + bytes([x & 0xFF, y & 0xFF]) if how % 4 == 1 else out


# A framed host message; to_producer: from the consumer's end.
def host_msg(kind, payload, to_producer=False, lie=None, who=0):
    how = (2 if to_producer else 0) | (4 if lie is not None else 0)
    out = bytes([HOST_MSG | who, how, kind, len(payload)]) + payload
    return out + struct.pack("<I", lie) if lie is not None else out


def clip_payload(*items):
    table = b"".join(struct.pack("<IIQ", len(m) + 1, 0, len(d)) for m, d in items)
    body = b"".join(m + b"\0" + d for m, d in items)
    return struct.pack("<II", len(items), 0) + table + body


def drop_payload(x, y, *paths):
    return struct.pack("<iiII", x, y, len(paths), 0) + b"".join(p + b"\0" for p in paths)


# Offsets inside the areas (src/wire.h).
SLOT = 64
SLOT_WORD, SLOT_TOKEN, SLOT_TAKEN, SLOT_HEAD, SLOT_TAIL = 0, 8, 16, 36, 40
RECORD = 296
REC_LOCK, REC_WIDTH, REC_HEIGHT, REC_NDAMAGE, REC_SEQ, REC_BUFFER, REC_DAMAGE = (
    0, 4, 8, 12, 16, 24, 32)
FRAME_SEQ, CONS_WAKE, PROD_WAKE, CONS_WAITERS, PROD_WAITERS = 128, 136, 140, 144, 148

MOTION, BDOWN, BUP, WHEEL, KDOWN, KUP, TEXT, FIN, FOUT, CLOSE, RESIZE, FRAME_REQ = range(1, 13)

ALL_EVENTS = b"".join([
    event(MOTION, 5, 6, buttons=1, mods=1),
    event(BDOWN, 5, 6, code=1, buttons=1),
    event(BUP, 5, 6, code=3),
    event(WHEEL, 0, -3),
    event(KDOWN, code=4, sym=ord("a"), mods=2),
    event(KUP, code=0x52, sym=0x40000052),
    event(TEXT, code=0x1F600),
    event(FIN), event(FOUT), event(CLOSE),
    event(RESIZE, 5000, 7),
    event(FRAME_REQ), event(FRAME_REQ),
])

SEEDS = {
    # Normal use, each way of opening.
    "flow-spawned-fifo": region(
        SPAWNED, 16, 12, op(ATTACH), present(1, 2, 3, 4), op(WAIT, W_FRAME), op(RELEASE),
        present(), op(WAIT, 1), op(PEEK), cursor(2, 4, 4, 1, 1), op(WAIT, W_CURSOR),
        op(PEEK), ALL_EVENTS, op(POLL, 15), op(P_WAIT, E_EVENT | E_TAKEN), op(CONSUMERS),
        op(REOPEN), op(ALIVE), op(DETACH)),
    "flow-named-free": region(
        NAMED | FREE | ARGB, 33, 20, op(ATTACH), op(OPEN | SECOND), op(ATTACH | SECOND),
        present(resize=(10, 10)), op(WAIT, W_FRAME), op(WAIT | SECOND, W_FRAME),
        event(TEXT, code=0x41), event(KDOWN, code=4, sym=0x61, who=SECOND), op(POLL, 4),
        op(CHECKS), present(), op(WAIT, W_FRAME | W_CURSOR), op(CONSUMERS), op(ALIVE)),
    "flow-named-fifo-many": region(
        NAMED, 8, 8, op(ATTACH), op(OPEN | SECOND), op(ATTACH | SECOND),
        *[present(i, i, 2, 2) + op(WAIT, W_FRAME) + op(WAIT | SECOND, W_FRAME)
          for i in range(6)],
        op(P_WAIT, E_TAKEN), op(DETACH | SECOND), op(OPEN | SECOND), op(REOPEN)),
    "spawned-second-unknown-token": region(
        SPAWNED | FREE, 8, 8, op(OPEN | SECOND), op(ATTACH | SECOND), op(ATTACH),
        present(), op(CHECKS), op(WAIT | SECOND, W_FRAME), op(CONSUMERS)),
    "stuck-consumers-fifo": region(
        SPAWNED, 4, 4, op(ATTACH), present(), present(), op(WAIT, W_FRAME), op(CONSUMERS)),
    "stuck-consumers-free": region(
        NAMED | FREE, 4, 4, op(ATTACH), present(), op(CHECKS), present(), op(CONSUMERS),
        op(WAIT, W_FRAME)),
    # A peer's writes to the frame records.
    "record-lock-odd": region(
        SPAWNED, 8, 8, op(ATTACH), present(), poke32(RECORDS, RECORD * 2 + REC_LOCK, 1),
        present(), op(WAIT, W_FRAME), present(), op(WAIT, W_FRAME), op(PEEK), op(REOPEN)),
    "record-bad-fields": region(
        NAMED | FREE, 8, 8, op(ATTACH), present(),
        poke32(RECORDS, RECORD + REC_WIDTH, 0x7FFFFFFF),
        poke32(RECORDS, RECORD + REC_NDAMAGE, 1000),
        poke32(RECORDS, RECORD + REC_BUFFER, 5), op(WAIT, W_FRAME), op(PEEK),
        poke32(RECORDS, RECORD + REC_WIDTH, 4), poke32(RECORDS, RECORD + REC_BUFFER, 0),
        poke32(RECORDS, RECORD + REC_DAMAGE, 0x7FFFFFF0),
        poke32(RECORDS, RECORD + REC_DAMAGE + 8, 0x7FFFFFF0), op(PEEK)),
    "record-seq-mismatch": region(
        SPAWNED | FREE, 8, 8, op(ATTACH), present(), poke64(RECORDS, RECORD + REC_SEQ, 77),
        op(WAIT, W_FRAME), poke64(HEADER, FRAME_SEQ, 2**64 - 1), op(WAIT, W_FRAME),
        op(RELEASE), present(), op(WAIT, W_FRAME)),
    "frame-seq-wild": region(
        NAMED, 8, 8, op(ATTACH), poke64(HEADER, FRAME_SEQ, 31), op(WAIT, W_FRAME), op(PEEK),
        present(), op(WAIT, W_FRAME), fill(RECORDS, 0, 256, 0xFF), op(PEEK)),
    # The header and the memfd validated again.
    "header-version": region(
        SPAWNED, 8, 8, poke32(HEADER, 8, 4), op(REOPEN), poke32(HEADER, 8, 0), op(REOPEN),
        poke32(HEADER, 8, 2), op(REOPEN)),
    "header-geometry": region(
        NAMED, 8, 8, poke32(HEADER, 24, 0), op(REOPEN), poke32(HEADER, 24, 16384),
        op(REOPEN), poke32(HEADER, 24, 8), poke64(HEADER, 88, 12), op(REOPEN),
        poke64(HEADER, 88, 4096 * 26), poke64(HEADER, 16, 2**63), op(REOPEN),
        op(OPEN | SECOND)),
    "header-magic": region(
        NAMED, 8, 8, poke64(HEADER, 0, 0), op(REOPEN), op(OPEN | SECOND),
        poke64(HEADER, 104, 1), op(OPEN | SECOND)),
    "header-wake-words": region(
        SPAWNED, 8, 8, op(ATTACH), poke32(HEADER, CONS_WAITERS, 0xFFFFFFFF),
        poke32(HEADER, PROD_WAITERS, 0x80000000), present(), op(WAIT, W_FRAME),
        op(P_WAIT, E_EVENT | E_TAKEN), poke32(HEADER, PROD_WAKE, 7), present()),
    # A peer's writes to the slots.
    "slot-token-forged": region(
        NAMED, 8, 8, op(ATTACH), poke64(SLOTS, SLOT_TOKEN, 12345), op(CHECKS), present(),
        op(WAIT, W_FRAME), op(ATTACH), op(CONSUMERS)),
    "slot-words": region(
        SPAWNED | FREE, 8, 8, op(ATTACH), poke32(SLOTS, SLOT * 3 + SLOT_WORD, 2),
        poke32(SLOTS, SLOT * 5 + SLOT_WORD, 1), op(CHECKS), op(CONSUMERS),
        poke32(SLOTS, SLOT_WORD, 0xFFFFFFFE), op(WAIT, W_FRAME), op(ATTACH), op(RELEASE)),
    "slot-taken-seq": region(
        SPAWNED, 8, 8, op(ATTACH), poke64(SLOTS, SLOT_TAKEN, 2**64 - 1), present(),
        present(), op(P_WAIT, E_TAKEN), op(WAIT, W_FRAME)),
    # A peer's writes to the event rings.
    "ring-head-far": region(
        SPAWNED, 8, 8, op(ATTACH), event(MOTION, 1, 1), event(TEXT, code=0x42),
        poke32(SLOTS, SLOT_HEAD, 0x7FFFFFFF), op(POLL, 15), op(P_WAIT, E_EVENT),
        event(CLOSE), op(POLL, 3)),
    "ring-tail-ahead": region(
        NAMED, 8, 8, op(ATTACH), event(MOTION, 1, 1), poke32(SLOTS, SLOT_TAIL, 5),
        op(POLL, 8), event(CLOSE), op(POLL, 2)),
    "ring-bad-events": region(
        SPAWNED, 8, 8, op(ATTACH), event(MOTION, 1, 1), event(BDOWN, 1, 1, code=1),
        event(TEXT, code=0x41), poke32(RINGS, 0, 99), poke32(RINGS, 32 + 16, 9),
        poke32(RINGS, 64 + 16, 0xD800), op(POLL, 4), event(RESIZE, 1, 1),
        poke32(RINGS, 96 + 8, 0xFFFFFFFF), op(POLL, 2)),
    "ring-folded-events": region(
        NAMED | FREE, 8, 8, op(ATTACH),
        *[event(k, -7, 9000, 0xFFFFFFFF, 0xFFFFFFFF, 0xFF, 0xFF, fold=1) for k in range(12)],
        op(POLL, 15)),
    "ring-full": region(
        SPAWNED, 4, 4, op(ATTACH), *[event(FIN) for _ in range(20)],
        fill(SLOTS, SLOT_HEAD, 1, 0xFF), op(POLL, 15)),
    # The cursor record.
    "cursor-bad": region(
        SPAWNED, 8, 8, cursor(2, 64, 64, 63, 63), op(PEEK), poke32(CURSOR, 8, 1000),
        op(PEEK), poke32(CURSOR, 8, 64), poke32(CURSOR, 16, 64), op(PEEK),
        poke32(CURSOR, 4, 0), op(PEEK), poke32(CURSOR, 0, 3), op(PEEK),
        cursor(1), cursor(3), cursor(2, 65, 1)),
    # The connections.
    "hello-garbage": region(
        NAMED, 8, 8, hello(b"SHMFB-HI"), hello(b"x" * 40, how=8), hello(b"", how=2, token=9),
        hello(b"", how=2 | 4), op(ATTACH), present(), op(CHECKS), op(CONSUMERS),
        hello(b"")),
    "junk-to-consumer": region(
        SPAWNED, 8, 8, op(ATTACH), junk(b"not a handoff"), op(CHECKS), op(WAIT, W_FRAME),
        op(ALIVE)),
    "junk-handoff-to-consumer": region(
        NAMED, 8, 8, op(ATTACH), present(), op(CHECKS),
        junk(b"SHMFB-HO" + struct.pack("<Ii", 2, 0) + bytes(216), how=1), op(CHECKS),
        op(WAIT, W_FRAME), op(ALIVE)),
    "junk-to-producer": region(
        SPAWNED | FREE, 8, 8, op(ATTACH), junk(b"hello?", how=2), op(CHECKS), present(),
        op(CONSUMERS), op(WAIT, W_FRAME)),
}


def handoff(kind, opts, fds=b"", trust=0, split=0, msg=b""):
    return bytes([1, kind, opts]) + fds + struct.pack("<IB", trust, split) + msg


def region_fds(w=8, h=8, argb=0, free=0, pokes=()):
    out = bytes([w - 1, h - 1, argb, free, len(pokes)])
    return out + b"".join(struct.pack("<BHI", a, o, v) for a, o, v in pokes)


def handoff_msg(status=0, token=1, name=b"", version=3, tag=b"SHMFB-HO"):
    return tag + struct.pack("<IiQ", version, status, token) + name.ljust(202, b"\0") + bytes(6)


PASSCRED, CRED, FIX, HANGUP, SEQPACKET, TRUST, SPLIT, PID1 = (1 << i for i in range(8))
NONE, REGION, UNSEALED, PIPE, REGION_PIPE, HEADER_BYTES, MANY = range(7)

SEEDS.update({
    # The host channel, both ways.
    "host-flow-named": region(
        NAMED | FREE, 8, 8, op(ATTACH), p_host(1, b"Title \xe2\x80\x94 x"), p_host(2 | 4),
        p_host(0 | 8 | 128, b"H\xc3\xbcndchen"), op(CHECKS), c_host(3), c_host(3), c_host(3),
        c_host(0 | 128, b"back"), c_host(1 | 8, b"/tmp/a.png", 5, 6), op(CHECKS), p_host(3),
        p_host(3), c_host(2)),
    "host-flow-spawned": region(
        SPAWNED, 8, 8, p_host(1, b"spawned"), c_host(2), c_host(3),
        c_host(1 | 4, b"file:///x", 1, 2), p_host(3), op(OPEN | SECOND), c_host(3, who=SECOND)),
    "host-msgs-to-producer": region(
        NAMED, 8, 8, op(CHECKS),
        host_msg(1, clip_payload((b"text/plain;charset=utf-8", b"ok")), True),
        host_msg(1, clip_payload((b"text/plain;charset=utf-8", b"\xc3(")), True),
        host_msg(4, drop_payload(3, 4, b"/a", b"/b"), True),
        host_msg(4, drop_payload(3, 4, b"/a", b""), True),
        host_msg(2, b"title\0", True), host_msg(5, b"??", True), op(CHECKS), p_host(3),
        p_host(3), p_host(3), host_msg(1, b"", True, lie=0x7FFFFFFF), op(CHECKS), p_host(3)),
    "host-msgs-to-consumer": region(
        SPAWNED | FREE, 8, 8, host_msg(2, b"T\0"), host_msg(3, struct.pack("<II", 1, 0)),
        host_msg(3, struct.pack("<II", 2, 0)), host_msg(4, drop_payload(0, 0, b"/x")),
        host_msg(1, clip_payload((b"a/b", b"1"), (b"A/B", b"2"))), c_host(3), c_host(3),
        c_host(3), host_msg(2, b"T", lie=12), c_host(3), c_host(3)),
    "handoff-valid": handoff(REGION, PASSCRED, region_fds(), msg=handoff_msg()),
    "handoff-valid-creds": handoff(REGION, PASSCRED | CRED, region_fds(16, 4, 1, 1),
                                   msg=handoff_msg(token=2**63)),
    "handoff-split-seqpacket": handoff(REGION, SEQPACKET | SPLIT | HANGUP, region_fds(),
                                       split=100, msg=handoff_msg()),
    "handoff-split-stream": handoff(REGION, SPLIT, region_fds(), split=12, msg=handoff_msg()),
    "handoff-refused": handoff(NONE, 0, msg=handoff_msg(status=13)),
    "handoff-full": handoff(NONE, FIX, msg=handoff_msg(status=87)),
    "handoff-odd-status": handoff(REGION, 0, region_fds(), msg=handoff_msg(status=-5)),
    "handoff-named": handoff(REGION, 0, region_fds(), msg=handoff_msg(name=b"/other")),
    "handoff-unterminated-name": handoff(REGION, 0, region_fds(),
                                         msg=handoff_msg(name=b"n" * 202)),
    "handoff-version": handoff(REGION, 0, region_fds(), msg=handoff_msg(version=4)),
    "handoff-short": handoff(REGION, 0, region_fds(), msg=handoff_msg()[:100]),
    "handoff-no-fd": handoff(NONE, 0, msg=handoff_msg()),
    "handoff-unsealed": handoff(UNSEALED, 0, region_fds() + struct.pack("<BHH", 30, 0, 0),
                                msg=handoff_msg()),
    "handoff-pipe": handoff(PIPE, FIX, msg=handoff_msg()),
    "handoff-region-and-pipe": handoff(REGION_PIPE, PASSCRED, region_fds(), msg=handoff_msg()),
    "handoff-many-fds": handoff(MANY, CRED | PID1 | PASSCRED, region_fds(), msg=handoff_msg()),
    "handoff-header-bytes": handoff(
        HEADER_BYTES, FIX,
        struct.pack("<BHH", 27, 0, 112) +
        struct.pack("<QIIQiiIIIIIIIIQQQQQQ", 0x0A0D0042464D4853, 2, 1024, 27 * 4096, 8, 8, 32,
                    0, 0, 8, 1, 32, 256, 32, 4096, 16384, 81920, 102400, 8192, 99),
        msg=handoff_msg()),
    "handoff-header-tiny": handoff(HEADER_BYTES, FIX, struct.pack("<BHH", 0, 12, 12) +
                                   struct.pack("<QI", 0x0A0D0042464D4853, 2), msg=handoff_msg()),
    "handoff-corrupt-region": handoff(
        REGION, PASSCRED | TRUST, region_fds(pokes=[(HEADER, 16, 1 << 30), (HEADER, 44, 9)]),
        trust=65534, msg=handoff_msg()),
    "handoff-corrupt-records": handoff(
        REGION, 0, region_fds(pokes=[(HEADER, FRAME_SEQ, 1), (RECORDS, RECORD + 4, 99),
                                     (SLOTS, 0, 2)]), msg=handoff_msg()),
    "handoff-hangup": handoff(NONE, HANGUP),
})


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                               "corpus")
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(SEEDS)} seeds written to {out}")


if __name__ == "__main__":
    main()

"""The host channel from Python: clipboard offers both ways, drops, title,
full screen, between a Producer and a Consumer (in this process and in
another one)."""

import subprocess
import textwrap

import pytest

import shmfb
from conftest import PYTHON


def take(c, p, timeout_s=5.0):
    """The consumer's next host message; the producer answers meanwhile."""
    for _ in range(int(timeout_s * 100)):
        m = c.wait_host(10)
        if m is not None:
            return m
        p.dispatch()
    raise AssertionError("no host message came")


def test_clipboard_both_ways(fbname):
    with shmfb.Producer(fbname, 64, 48) as p, shmfb.Consumer(fbname) as c:
        p.dispatch()
        p.offer_clipboard("H\u00fcndchen \u20ac \U0001F600")
        m = take(c, p)
        assert m.type is shmfb.HostType.CLIPBOARD
        assert m.text == "H\u00fcndchen \u20ac \U0001F600"
        png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
        p.offer_clipboard({shmfb.MIME_TEXT: "caption", "image/png": png})
        m = take(c, p)
        assert m.clipboard == {shmfb.MIME_TEXT: b"caption", "image/png": png}
        p.offer_clipboard(None)
        assert take(c, p).clipboard == {}
        assert c.host_message() is None

        c.offer_clipboard({"text/html": "<b>x</b>", shmfb.MIME_TEXT: ""})
        m = p.wait_host(5000)
        assert m.type is shmfb.HostType.CLIPBOARD
        assert m.clipboard == {"text/html": b"<b>x</b>", shmfb.MIME_TEXT: b""}
        assert m.text == ""
        assert p.host_message() is None and p.host_dropped == 0


def test_title_fullscreen_drop(fbname):
    with shmfb.Producer(fbname, 64, 48) as p:
        p.set_title("Scratch \u2014 Projekt")
        p.set_fullscreen()
        with shmfb.Consumer(fbname) as c:  # comes later: learns the state
            m = take(c, p)
            assert (m.type, m.title) == (shmfb.HostType.TITLE, "Scratch \u2014 Projekt")
            m = take(c, p)
            assert (m.type, m.fullscreen) == (shmfb.HostType.FULLSCREEN, True)
            p.set_fullscreen(False)
            assert take(c, p).fullscreen is False

            c.drop(["/tmp/sprite.png", "file:///tmp/caf%C3%A9", "/tmp/\u00e9t\u00e9"], 7, -2)
            m = p.wait_host(5000)
            assert m.type is shmfb.HostType.DROP
            assert (m.x, m.y) == (7, -2)
            assert m.paths == ["/tmp/sprite.png", "file:///tmp/caf%C3%A9", "/tmp/\u00e9t\u00e9"]
            assert list(p.host_messages()) == []


def test_errors(fbname):
    with shmfb.Producer(fbname, 64, 48) as p, shmfb.Consumer(fbname) as c:
        with pytest.raises(shmfb.Error) as e:
            p.offer_clipboard({"application/octet-stream": bytes(shmfb.HOST_DATA_MAX + 1)})
        assert e.value.code == -27 and "16 MiB" in e.value.strerror  # -EFBIG
        with pytest.raises(shmfb.Error) as e:
            p.offer_clipboard({shmfb.MIME_TEXT: b"\xc3("})  # not UTF-8
        assert e.value.code == -22
        with pytest.raises(shmfb.Error):
            p.set_title("x" * (shmfb.TITLE_MAX + 1))
        with pytest.raises(shmfb.Error):
            c.drop([])
        with pytest.raises(TypeError):
            c.offer_clipboard(b"bytes need a MIME type")
        assert c.host_message() is None


def test_producer_in_another_process(fbname, tmp_path):
    """A producer in another process offers 1 MiB and exits; everything it
    sent arrives, then BrokenPipeError."""
    script = textwrap.dedent(f"""
        import shmfb, sys
        with shmfb.Producer({fbname!r}, 16, 16) as p:
            print("ready", flush=True)
            while not p.consumers:
                p.wait(50)
            p.dispatch()
            p.offer_clipboard({{"application/x-test": bytes(range(256)) * 4096}})
            m = p.wait_host(10000)
            print(m.text, flush=True)
            while p.wait_host(50) is None and p.consumers:
                pass
    """)
    proc = subprocess.Popen([PYTHON, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        with shmfb.Consumer(fbname, attach=True) as c:
            m = c.wait_host(10000)
            assert m.clipboard == {"application/x-test": bytes(range(256)) * 4096}
            c.offer_clipboard("got it")
            assert proc.stdout.readline().strip() == "got it"
            c.detach()
            assert proc.wait(10) == 0
            with pytest.raises(BrokenPipeError):
                while c.wait_host(100) is None:
                    pass
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()

"""Waits release the GIL; handles survive being closed from another thread.

The GIL tests set the interpreter's switch interval to 10 s: a thread that
kept the GIL through a blocking call would then hold it until that call
returned, and the other thread could not run the Python code that ends the
wait, so the wait would run into its timeout instead of returning at once.
"""

import sys
import threading
import time

import numpy as np
import pytest

import shmfb


@pytest.fixture
def no_forced_switch():
    old = sys.getswitchinterval()
    sys.setswitchinterval(10.0)
    yield
    sys.setswitchinterval(old)


class Waiter(threading.Thread):
    """Runs fn in a thread and keeps its result, exception and duration."""

    def __init__(self, fn):
        super().__init__(daemon=True)
        self.fn, self.result, self.error, self.took = fn, None, None, None

    def run(self):
        t0 = time.monotonic()
        try:
            self.result = self.fn()
        except BaseException as e:  # noqa: B902 - handed to the test
            self.error = e
        self.took = time.monotonic() - t0

    def started(self):
        self.start()
        time.sleep(0.2)  # sleeping lets it run into its wait
        return self


def test_consumer_wait_releases_the_gil(fbname, no_forced_switch):
    with shmfb.Producer(fbname, 64, 64, pacing="free") as p, \
            shmfb.Consumer(fbname, attach=True) as c:
        w = Waiter(lambda: c.wait(8000)).started()
        assert w.is_alive()
        p.pixels[...] = np.arange(64 * 64, dtype=np.uint32).reshape(64, 64)
        p.present()
        w.join(10)
        assert w.error is None and w.result.seq == 1
        assert w.took < 4


def test_producer_waits_release_the_gil(fbname, no_forced_switch):
    with shmfb.Producer(fbname, 32, 32) as p, shmfb.Consumer(fbname, attach=True) as c:
        w = Waiter(lambda: p.wait_event(8000)).started()
        c.send(shmfb.Event.typed("g"))
        w.join(10)
        assert w.error is None and w.result.text == "g" and w.took < 4
        # A fifo present waits for the consumer to take the frame.
        w = Waiter(p.present).started()
        assert w.is_alive()
        f = c.wait(8000)
        f.release()
        w.join(10)
        assert w.error is None and w.result == 1 and w.took < 1.9  # not dropped as stuck
        assert p.consumers == 1


def test_send_while_another_thread_waits(fbname):
    with shmfb.Producer(fbname, 8, 8, pacing="free") as p, \
            shmfb.Consumer(fbname, attach=True) as c:
        w = Waiter(lambda: c.wait(5000)).started()
        for i in range(200):
            c.send(shmfb.Event.typed(chr(0x41 + i % 26)))
        got = [e.text for e in p.events()]
        assert got == [chr(0x41 + i % 26) for i in range(200)]
        p.present()
        w.join(10)
        assert w.error is None and w.result.seq == 1


def test_close_while_another_thread_waits(fbname):
    with shmfb.Producer(fbname, 8, 8) as p:
        c = shmfb.Consumer(fbname, attach=True)
        w = Waiter(lambda: c.wait(None)).started()
        c.close()
        w.join(5)
        assert not w.is_alive()
        assert isinstance(w.error, ValueError) and "closed" in str(w.error)
        w = Waiter(lambda: p.wait_event(None)).started()
        p.close()
        w.join(5)
        assert not w.is_alive()
        assert isinstance(w.error, ValueError) and "closed" in str(w.error)


def test_views_read_while_another_thread_releases(fbname):
    """A reader thread keeps summing the first frame's view while the main
    thread releases that frame and takes 49 more from a fifo producer thread
    that draws each as soon as the previous one is released: the sum never
    changes (the view's pages are swapped for a copy atomically)."""
    with shmfb.Producer(fbname, 256, 256) as p, shmfb.Consumer(fbname, attach=True) as c:
        def produce():
            for i in range(50):
                p.pixels[...] = i + 3
                p.present()

        producer = Waiter(produce).started()
        view = c.wait(2000).pixels
        assert view[0, 0] == 3
        stop = threading.Event()
        sums = set()

        def reader():
            while not stop.is_set():
                sums.add(int(view.sum(dtype=np.uint64)))

        t = threading.Thread(target=reader)
        t.start()
        for i in range(1, 50):
            f = c.wait(2000)
            assert f.seq == i + 1 and (f.pixels == i + 3).all()
        f.release()
        stop.set()
        t.join()
        producer.join(10)
        assert producer.error is None
        assert sums == {3 * 256 * 256}

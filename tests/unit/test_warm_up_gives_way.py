"""The warm-up thread gives way to messages in work (issue 21, launch to first settled).

It is seconds of pure Python sharing the GIL with the worker's first messages: it waits between
its pieces while a message is in work, resumes when none is, and never waits longer than its
limit in all, so a worker started with a backlog is still warm soon after.
"""

import threading
import time

from app.compose import warming_up


def test_the_warm_up_waits_while_a_message_is_in_work_and_finishes_after():
    in_work = threading.Event()
    in_work.set()
    asked = threading.Event()

    def busy() -> bool:
        asked.set()
        return in_work.is_set()

    thread = warming_up(busy, max_wait=60)
    assert asked.wait(30), "the warm-up never asked whether a message was in work"
    time.sleep(0.5)
    assert thread.is_alive()  # waiting, not warming up
    in_work.clear()
    thread.join(60)
    assert not thread.is_alive()


def test_the_warm_up_waits_no_longer_than_its_limit_in_all():
    asked = []

    def busy() -> bool:
        asked.append(time.monotonic())
        return True  # a backlog: a message always in work

    started = time.monotonic()
    thread = warming_up(busy, max_wait=0.3)
    thread.join(60)
    assert not thread.is_alive()
    assert time.monotonic() - started >= 0.3  # it did give way, for the limit's length
    assert asked[-1] - started >= 0.3 - 0.05  # asking all along (one poll's sleep aside)
    waited_after_the_limit = [t for t in asked if t - started > 0.3 + 0.05]
    assert len(waited_after_the_limit) <= 1, "it went on waiting after its limit"


def test_a_worker_started_idle_warms_up_at_once():
    thread = warming_up(lambda: False, max_wait=60)
    thread.join(60)
    assert not thread.is_alive()

"""The warm-up thread shortens the GIL's switch interval while it runs, and only then.

Seconds of pure-Python warm-up otherwise make every message thread back from a socket wait up
to 5 ms for the GIL (bench/worker.py ``--launch``); the interval is process-wide, so it must
come back once the warm-up is over, or every later thread switch would pay for it.
"""

import sys
import time

from app.compose import WARM_UP_SWITCH_SECONDS, warming_up


def test_the_switch_interval_is_short_during_the_warm_up_and_restored_after():
    before = sys.getswitchinterval()
    assert before > WARM_UP_SWITCH_SECONDS
    thread = warming_up()
    seen: set[float] = set()
    while thread.is_alive():
        seen.add(sys.getswitchinterval())
        time.sleep(0.01)
    thread.join()
    assert WARM_UP_SWITCH_SECONDS in seen
    assert sys.getswitchinterval() == before


def test_overlapping_warm_ups_put_back_the_interval_from_before_the_first():
    """Two workers in one process: the second starts while the first warms up. Each used to put
    back what it found, so the second left the short interval in force for good."""
    before = sys.getswitchinterval()
    first = warming_up()
    second = warming_up()
    first.join()
    second.join()
    assert sys.getswitchinterval() == before

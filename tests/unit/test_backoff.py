import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker.policy import SQS_MAX_VISIBILITY_SECONDS, backoff_ceiling, backoff_seconds


def test_first_retry_waits_at_most_the_base():
    assert backoff_ceiling(1, base=10, cap=900) == 10


def test_each_receive_doubles_the_ceiling():
    assert [backoff_ceiling(n, base=10, cap=900) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]


def test_ceiling_stops_growing_at_the_cap():
    assert backoff_ceiling(20, base=10, cap=900) == 900


def test_huge_receive_counts_stay_within_sqs_limit():
    assert backoff_ceiling(10_000, base=10, cap=10**9) == SQS_MAX_VISIBILITY_SECONDS


def test_receive_count_zero_is_a_caller_bug():
    with pytest.raises(ValueError, match="starts at 1"):
        backoff_seconds(0, base=10, cap=900)


def test_the_draw_scales_the_ceiling():
    assert backoff_seconds(3, base=10, cap=900, rand=lambda: 0.5) == 20
    assert backoff_seconds(3, base=10, cap=900, rand=lambda: 0.999) == 40


def test_a_draw_of_zero_still_waits_a_second():
    assert backoff_seconds(3, base=10, cap=900, rand=lambda: 0.0) == 1


def test_a_zero_base_never_waits():
    assert backoff_seconds(5, base=0, cap=900, rand=lambda: 0.7) == 0


def test_the_same_draw_gives_the_same_delay():
    assert backoff_seconds(4, base=10, cap=900, rand=lambda: 0.3) == backoff_seconds(
        4, base=10, cap=900, rand=lambda: 0.3
    )


def test_messages_failing_together_come_back_spread_out():
    """A hundred messages that failed in the same outage, on their 4th retry (ceiling 80 s)."""
    source = random.Random(7)
    delays = [backoff_seconds(4, base=10, cap=900, rand=source.random) for _ in range(100)]
    assert len(set(delays)) > 40  # without jitter: one value, all 100 back in the same second
    assert max(delays.count(d) for d in set(delays)) < 10
    assert min(delays) >= 1
    assert max(delays) <= 80


@given(st.integers(1, 500), st.integers(0, 600), st.integers(0, 43200), st.floats(0, 1))
def test_delay_stays_within_its_ceiling(count, base, cap, draw):
    delay = backoff_seconds(count, base=base, cap=cap, rand=lambda: draw)
    assert 0 <= delay <= backoff_ceiling(count, base=base, cap=cap)


@given(st.integers(1, 500), st.integers(0, 600), st.integers(0, 43200))
def test_ceiling_never_shrinks_as_receives_grow(count, base, cap):
    assert backoff_ceiling(count, base=base, cap=cap) <= backoff_ceiling(
        count + 1, base=base, cap=cap
    )

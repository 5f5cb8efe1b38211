import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker.backoff import SQS_MAX_VISIBILITY_SECONDS, backoff_seconds


def test_first_retry_waits_the_base():
    assert backoff_seconds(1, base=10, cap=900) == 10


def test_each_receive_doubles_the_wait():
    assert [backoff_seconds(n, base=10, cap=900) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]


def test_wait_stops_growing_at_the_cap():
    assert backoff_seconds(20, base=10, cap=900) == 900


def test_huge_receive_counts_stay_within_sqs_limit():
    assert backoff_seconds(10_000, base=10, cap=10**9) == SQS_MAX_VISIBILITY_SECONDS


def test_receive_count_zero_is_a_caller_bug():
    with pytest.raises(ValueError, match="starts at 1"):
        backoff_seconds(0, base=10, cap=900)


@given(st.integers(1, 500), st.integers(0, 600), st.integers(0, 43200))
def test_backoff_never_shrinks_as_receives_grow(count, base, cap):
    assert backoff_seconds(count, base=base, cap=cap) <= backoff_seconds(
        count + 1, base=base, cap=cap
    )

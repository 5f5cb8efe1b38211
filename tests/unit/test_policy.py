"""The worker's policy on its own: the final outcome, and the DLQ limit's counting."""

import pytest

from bookings import ParseError, PermanentError, TransientError
from tests.support.clock import FakeClock
from worker.outcomes import Ending, Outcome, ReasonClass
from worker.policy import DlqLimit, RetryPolicy, combine
from worker.queue import PRIOR_RECEIVES, Received

PARSE = Outcome.of_error(ParseError("cannot read start"))
STEP = Outcome.of_error(PermanentError("scc said no", step="scc"))
DONE = Outcome(Ending.DONE, "confirmed: ran calendar", ReasonClass.PUBLISHED)
RETRY = Outcome.of_error(TransientError("scc timed out", step="scc"))


def received(receive_count: int = 1, prior: int = 0) -> Received:
    attributes = {PRIOR_RECEIVES: str(prior)} if prior else {}
    return Received("m-1", "r-1", "{}", receive_count=receive_count, attributes=attributes)


def test_a_retry_within_the_budget_stays_a_retry_and_one_past_it_is_dead_lettered():
    policy = RetryPolicy(max_receive_count=3, base_seconds=10, max_seconds=900)
    assert policy.final(received(2), RETRY) is RETRY
    final = policy.final(received(2, prior=1), RETRY)
    assert final.ending is Ending.DEAD_LETTER
    assert final.reason == "retries exhausted after 3 receives: scc timed out"


def test_contention_never_spends_the_budget():
    waiting = Outcome(Ending.RETRY, "lease held", ReasonClass.LEASE, contention=True)
    policy = RetryPolicy(max_receive_count=1, base_seconds=10, max_seconds=900)
    assert policy.final(received(5), waiting) is waiting


def test_the_contention_delay_is_capped_at_sqs_s_fifteen_minutes():
    policy = RetryPolicy(max_receive_count=3, base_seconds=600, max_seconds=3600, rand=lambda: 1)
    assert policy.retry_delay(received(3)) == 2400
    assert policy.contention_delay(received()) == 600
    busy = Received("m", "r", "{}", attributes={"charterhand.contention_retries": "4"})
    assert policy.contention_delay(busy) == 900


def test_combine_takes_the_most_urgent_outcome():
    assert combine([DONE, RETRY]).ending is Ending.RETRY


def test_the_limit_trips_on_the_nth_dead_letter_of_one_class_in_a_row():
    limit = DlqLimit(count=3, window_seconds=60, clock=FakeClock())
    assert [limit.observe(PARSE) for _ in range(2)] == [None, None]
    stop = limit.observe(PARSE)
    assert stop is not None
    assert (stop.reason_class, stop.count, stop.window_seconds) == (ReasonClass.PARSE, 3, 60)
    assert limit.observe(PARSE) is None  # it says so once
    assert limit.tripped == stop


@pytest.mark.parametrize("between", [DONE, STEP])
def test_a_handled_message_or_another_class_starts_the_count_again(between):
    limit = DlqLimit(count=3, window_seconds=60, clock=FakeClock())
    seen = [limit.observe(o) for o in (PARSE, PARSE, between, PARSE, PARSE)]
    assert seen == [None] * 5
    assert limit.observe(PARSE) is not None


def test_retries_neither_count_nor_end_the_run():
    limit = DlqLimit(count=2, window_seconds=60, clock=FakeClock())
    assert limit.observe(PARSE) is None
    assert limit.observe(RETRY) is None
    assert limit.observe(PARSE) is not None


def test_dead_letters_older_than_the_window_do_not_count():
    clock = FakeClock()
    limit = DlqLimit(count=3, window_seconds=60, clock=clock)
    limit.observe(PARSE)
    clock.advance(50)
    limit.observe(PARSE)
    clock.advance(20)  # the first is now 70 s old
    assert limit.observe(PARSE) is None
    clock.advance(5)
    assert limit.observe(PARSE) is not None


def test_a_limit_needs_a_count_and_a_window():
    with pytest.raises(ValueError, match="a count of 1 or more"):
        DlqLimit(count=0)

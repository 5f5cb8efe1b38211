"""The worker's policy on its own: the final outcome, and the DLQ limit's counting."""

from dataclasses import replace

import pytest

from bookings import ParseError, PermanentError, TransientError
from worker.outcomes import Ending, Outcome, ReasonClass
from worker.policy import DlqLimit, IntakeStop, RetryPolicy, Streak, combine
from worker.queue import PRIOR_RECEIVES, Received

PARSE = Outcome.of_error(ParseError("cannot read start"), admitted=True)
STEP = Outcome.of_error(PermanentError("scc said no", step="scc"), admitted=True)
DONE = Outcome(Ending.DONE, "confirmed: ran calendar", ReasonClass.PUBLISHED, admitted=True)
RETRY = Outcome.of_error(TransientError("scc timed out", step="scc"), admitted=True)


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


def run(limit: DlqLimit, outcomes: list[Outcome], times: list[float] | None = None) -> Streak:
    """The run after ``outcomes`` (at ``times``, one second apart by default), as counted."""
    streak = Streak()
    for outcome, now in zip(outcomes, times or range(len(outcomes)), strict=True):
        if limit.counts(outcome):
            streak = limit.after(streak, outcome, float(now))
    return streak


def test_the_limit_trips_on_the_nth_dead_letter_of_one_class_in_a_row():
    limit = DlqLimit(count=3, window_seconds=60)
    assert limit.stop(run(limit, [PARSE, PARSE]), 2) is None
    stop = limit.stop(run(limit, [PARSE] * 3), 2)
    assert stop == IntakeStop(ReasonClass.PARSE, 3, 60, 2)


@pytest.mark.parametrize("between", [DONE, STEP])
def test_a_handled_message_or_another_class_starts_the_count_again(between):
    limit = DlqLimit(count=3, window_seconds=60)
    assert limit.stop(run(limit, [PARSE, PARSE, between, PARSE, PARSE]), 5) is None
    assert limit.stop(run(limit, [PARSE, PARSE, between, PARSE, PARSE, PARSE]), 6) is not None


def test_retries_neither_count_nor_end_the_run():
    limit = DlqLimit(count=2, window_seconds=60)
    assert not limit.counts(RETRY)
    assert limit.stop(run(limit, [PARSE, RETRY, PARSE]), 3) is not None


def test_outsider_mail_neither_counts_nor_ends_the_run():
    """Only admitted mail counts: what fails before admission, anyone could have sent."""
    limit = DlqLimit(count=2, window_seconds=60)
    outsider_dead = replace(PARSE, admitted=False)
    outsider_ignored = Outcome(Ending.IGNORED, "SES spam verdict FAIL", ReasonClass.UNTRUSTED)
    assert not limit.counts(outsider_dead)
    assert not limit.counts(outsider_ignored)
    assert limit.stop(run(limit, [outsider_dead] * 5), 5) is None
    assert limit.stop(run(limit, [PARSE, outsider_ignored, PARSE]), 3) is not None


def test_dead_letters_older_than_the_window_do_not_count():
    limit = DlqLimit(count=3, window_seconds=60)
    assert limit.stop(run(limit, [PARSE] * 3, [0, 50, 70]), 70) is None  # the first is 70 s old
    assert limit.stop(run(limit, [PARSE] * 4, [0, 50, 70, 75]), 75) is not None


def test_the_run_keeps_only_the_latest_count_of_times():
    limit = DlqLimit(count=3, window_seconds=600)
    streak = run(limit, [PARSE] * 10)
    assert streak.times == (7.0, 8.0, 9.0)


def test_a_limit_needs_a_count_and_a_window():
    with pytest.raises(ValueError, match="a count of 1 or more"):
        DlqLimit(count=0)

"""The DLQ limit's shared record: the same contract on moto's DynamoDB and on the in-memory
stand-in the loop's tests use, and workers counting at once on the real table lose no count."""

from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from bookings import ParseError
from state.intake import IntakeRecord, IntakeRecords
from tests.support.clock import FakeClock
from tests.support.intake import MemoryIntakeRecords
from worker.intake import SharedDlqLimit
from worker.outcomes import Ending, Outcome, ReasonClass
from worker.policy import DlqLimit

PARSE = Outcome.of_error(ParseError("cannot read start"), admitted=True)
DONE = Outcome(Ending.DONE, "confirmed: ran calendar", ReasonClass.PUBLISHED, admitted=True)


@pytest.fixture(params=["dynamodb", "memory"])
def records(request):
    if request.param == "memory":
        return MemoryIntakeRecords()
    stack = request.getfixturevalue("stack")
    return IntakeRecords(stack.table_name, boto3.client("dynamodb"))


def test_a_new_table_holds_an_empty_record(records):
    assert records.load() == IntakeRecord()


def test_a_write_over_the_version_it_read_is_kept(records):
    first = IntakeRecord().next(streak_class="parse", streak_times=(1.0,))
    assert records.write(first, over=0) == (True, first)
    second = first.next(streak_times=(1.0, 2.0))
    assert records.write(second, over=1) == (True, second)
    assert records.load() == second


def test_a_write_over_a_stale_version_is_refused_with_the_record_as_it_is(records):
    kept = IntakeRecord().next(streak_class="parse", streak_times=(1.0,))
    records.write(kept, over=0)
    late = IntakeRecord().next(streak_class="step", streak_times=(5.0,))
    assert records.write(late, over=0) == (False, kept)


def test_a_handled_message_ends_the_run_and_changes_nothing_without_one(records):
    assert records.end_streak() == IntakeRecord()
    records.write(IntakeRecord().next(streak_class="parse", streak_times=(1.0,)), over=0)
    ended = records.end_streak()
    assert (ended.version, ended.streak_class, ended.streak_times) == (2, None, ())
    assert records.end_streak() == ended


def test_resume_clears_the_stop_and_says_what_it_was(records):
    stopped = IntakeRecord().next(
        stopped_class="parse", stopped_count=2, stopped_window=300.0, stopped_at=1000.0
    )
    records.write(stopped, over=0)
    before, after = records.resume()
    assert before == stopped
    assert not after.stopped
    assert not records.load().stopped
    assert records.load().version == 2


def test_workers_counting_at_once_lose_no_dead_letter(stack):
    """Two workers of four threads each, 40 dead letters: the run holds all 40."""
    table = IntakeRecords(stack.table_name, boto3.client("dynamodb"))
    limits = [
        SharedDlqLimit(DlqLimit(count=1000, window_seconds=3600), table, clock=FakeClock())
        for _ in range(2)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: limits[i % 2].observe(PARSE), range(40)))
    record = table.load()
    assert (record.streak_class, len(record.streak_times)) == ("parse", 40)
    limits[0].observe(DONE)
    assert table.load().streak_class is None


def test_the_limit_trips_once_across_workers(stack):
    table = IntakeRecords(stack.table_name, boto3.client("dynamodb"))
    limits = [
        SharedDlqLimit(DlqLimit(count=5, window_seconds=3600), table, clock=FakeClock())
        for _ in range(2)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        stops = list(pool.map(lambda i: limits[i % 2].observe(PARSE), range(12)))
    assert len([s for s in stops if s is not None]) == 1
    assert all(limit.stopped() is not None for limit in limits)


def _counted(client, calls: list[str]):
    client.meta.events.register(
        "before-send", lambda event_name, **_: calls.append(event_name.rsplit(".", 1)[-1])
    )
    return client


def test_a_success_with_no_run_about_costs_no_request(stack):
    """Issue 21: the common path (the worker looked at the record within ``refresh_seconds``
    and it held no run) writes nothing per done message; one look per refresh is all."""
    calls: list[str] = []
    table = IntakeRecords(stack.table_name, _counted(boto3.client("dynamodb"), calls))
    looked = FakeClock(0)
    limit = SharedDlqLimit(DlqLimit(count=5), table, refresh_seconds=5, monotonic=looked)
    assert limit.stopped() is None  # the loop's look before a receive
    for _ in range(20):
        limit.observe(DONE)
    assert calls == ["GetItem"]


def test_a_run_another_worker_opened_is_ended_by_a_success_within_the_refresh(stack):
    """The bound: a run opened after this worker's last look survives its successes until that
    look is ``refresh_seconds`` old; then a success writes (or the next look sees the run) and
    ends it."""
    table = IntakeRecords(stack.table_name, boto3.client("dynamodb"))
    seen_here, seen_there = FakeClock(0), FakeClock(0)
    here = SharedDlqLimit(DlqLimit(count=5), table, refresh_seconds=5, monotonic=seen_here)
    there = SharedDlqLimit(DlqLimit(count=5), table, refresh_seconds=5, monotonic=seen_there)
    assert here.stopped() is None
    there.observe(PARSE)
    here.observe(DONE)  # looked 0 s ago, no run then: within the bound, not ended yet
    assert table.load().streak_class == "parse"
    seen_here.advance(5)
    here.observe(DONE)  # the last look is 5 s old: the success writes
    assert table.load().streak_class is None

    there.observe(PARSE)
    seen_here.advance(5)
    assert here.stopped() is None  # the next look sees the run ...
    seen_here.advance(1)  # ... and a success soon after (a fresh look) ends it
    here.observe(DONE)
    assert table.load().streak_class is None


def test_a_run_this_worker_opened_is_ended_by_its_next_success(stack):
    calls: list[str] = []
    table = IntakeRecords(stack.table_name, _counted(boto3.client("dynamodb"), calls))
    limit = SharedDlqLimit(DlqLimit(count=5), table, refresh_seconds=5, monotonic=FakeClock(0))
    assert limit.stopped() is None
    limit.observe(PARSE)
    limit.observe(DONE)
    assert table.load().streak_class is None
    assert calls.count("UpdateItem") == 1
    limit.observe(DONE)  # and the one after writes nothing: its own write said no run
    assert calls.count("UpdateItem") == 1

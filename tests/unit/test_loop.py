"""The worker's loop over the in-memory queue, on a clock that moves when told: no moto, no
sleeping. Each message ends in one outcome, carried out on the queue; retries back off with
jitter and end in the DLQ once the budget is spent; messages in work stay hidden; the outcome
hook hears of each settled message once; the DLQ limit stops intake."""

import io
import json
import threading
import time
from collections.abc import Iterator

import pytest
import structlog

from aws.logs import configure_logging
from tests.support.clock import FakeClock
from tests.support.intake import MemoryIntakeRecords
from tests.support.memory_queue import MemoryQueue
from tests.support.queues import BOOKING, Reports, ScriptedHandler, drain, make_worker
from worker.intake import SharedDlqLimit
from worker.loop import STOPPED_ELSEWHERE, STOPPED_HERE
from worker.outcomes import Outcome, ReasonClass
from worker.policy import DlqLimit
from worker.queue import CONTENTION, PRIOR_RECEIVES, Received


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def dlq(clock: FakeClock) -> MemoryQueue:
    return MemoryQueue(clock=clock)


@pytest.fixture
def queue(clock: FakeClock, dlq: MemoryQueue) -> MemoryQueue:
    return MemoryQueue(clock=clock, dead_letters=dlq, max_receive_count=5)


@pytest.fixture
def reports() -> Reports:
    return Reports()


@pytest.fixture
def handler() -> Iterator[ScriptedHandler]:
    handler = ScriptedHandler()
    yield handler
    handler.release()


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    out = io.StringIO()
    configure_logging("INFO", stream=out)
    yield out
    structlog.reset_defaults()


def lines(out: io.StringIO, event: str) -> list[dict[str, object]]:
    parsed = [json.loads(line) for line in out.getvalue().splitlines()]
    return [line for line in parsed if line.get("event") == event]


def test_a_done_message_is_deleted_and_reported_once(queue, handler, reports, clock, log_lines):
    queue.send("done")
    worker = make_worker(queue, handler, reports, clock=clock)
    drain(worker)
    assert reports.endings() == ["done"]
    assert reports.outcomes[0][1].booking_key == BOOKING
    assert len(queue) == 0
    worker.stop()
    [line] = lines(log_lines, "message settled")  # the key is named booking_key, as everywhere
    assert (line["booking_key"], "booking_id" in line) == (BOOKING, False)


def test_a_retry_hides_the_message_for_its_jittered_backoff(queue, handler, reports, clock):
    queue.send("transient")
    worker = make_worker(queue, handler, reports, retry_base_seconds=10, clock=clock)
    worker._run_once(wait_seconds=0)
    assert worker.wait_idle(10)
    assert reports.endings() == ["retry"]
    # the first retry's ceiling is 10 s; a draw of 0.5 waits 5 s of them
    clock.advance(4)
    assert queue.receive(max_messages=10, wait_seconds=0, visibility_timeout=0) == []
    clock.advance(1)
    [again] = queue.receive(max_messages=10, wait_seconds=0, visibility_timeout=0)
    assert (again.body, again.receive_count) == ("transient", 2)
    worker.stop()


def test_the_backoff_doubles_with_each_receive(queue, handler, reports, clock):
    queue.send("transient")
    worker = make_worker(
        queue, handler, reports, retry_base_seconds=10, max_receive_count=5, clock=clock
    )
    worker._run_once(wait_seconds=0)  # the first receive fails: a retry
    waits = []
    for _ in range(3):
        assert worker.wait_idle(10)
        failed_at = clock()
        while worker._run_once(wait_seconds=0) == 0:  # the loop finds it once it is visible
            clock.advance(1)
        waits.append(clock() - failed_at)
    assert waits == [5, 10, 20]  # half of 10, 20, 40: the draw is 0.5
    worker.stop()


def test_a_persistent_fault_is_dead_lettered_once_the_budget_is_spent(
    queue, dlq, handler, reports, clock
):
    queue.send("transient")
    drain(make_worker(queue, handler, reports, max_receive_count=3, clock=clock))
    assert reports.endings() == ["retry", "retry", "dead-letter"]
    [(_id, body, attributes)] = dlq.stored()
    assert body == "transient"
    assert attributes["charterhand.reason"] == (
        "retries exhausted after 3 receives: calendar sandbox said no (transient)"
    )
    assert attributes["charterhand.receive_count"] == "3"
    assert (attributes["charterhand.step"], attributes["charterhand.booking_key"]) == (
        "calendar",
        BOOKING,
    )
    assert "charterhand.booking_id" not in attributes
    assert len(queue) == 0


def test_a_permanent_error_is_dead_lettered_at_once(queue, dlq, handler, reports, clock):
    queue.send("permanent")
    drain(make_worker(queue, handler, reports, clock=clock))
    assert reports.endings() == ["dead-letter"]
    [(_id, _body, attributes)] = dlq.stored()
    assert attributes["charterhand.error_class"] == "PermanentError"
    assert attributes["charterhand.receive_count"] == "1"
    assert attributes["charterhand.first_failure"] == "2027-01-15T08:00:00Z"


def test_lease_contention_is_re_sent_fresh_and_spends_no_budget(queue, handler, reports, clock):
    queue.send("waiting")
    worker = make_worker(queue, handler, reports, retry_base_seconds=10, clock=clock)
    worker._run_once(wait_seconds=0)
    assert worker.wait_idle(10)
    [(_id, body, attributes)] = queue.stored()
    assert (body, attributes[CONTENTION], attributes[PRIOR_RECEIVES]) == ("waiting", "1", "0")
    assert queue.receive(max_messages=1, wait_seconds=0, visibility_timeout=0) == []  # delayed
    clock.advance(5)
    [copy] = queue.receive(max_messages=1, wait_seconds=0, visibility_timeout=0)
    assert (copy.receive_count, copy.spent) == (1, 1)
    worker.stop()


def test_a_message_in_work_stays_hidden_past_its_visibility_timeout(queue, handler, reports, clock):
    queue.send("block")
    worker = make_worker(queue, handler, reports, visibility_timeout_seconds=30, clock=clock)
    worker._run_once(wait_seconds=0)
    clock.advance(20)  # past half the timeout: due for extending
    worker.extend_visibility()
    clock.advance(20)  # 40 s after the receive: without the extension it would be visible
    assert queue.receive(max_messages=1, wait_seconds=0, visibility_timeout=0) == []
    handler.release()
    assert worker.wait_idle(10)
    assert reports.endings() == ["done"]
    worker.stop()


def test_stopping_returns_unfinished_messages_to_the_queue_at_once(queue, handler, reports, clock):
    queue.send("block")
    worker = make_worker(queue, handler, reports, clock=clock)
    worker.shutdown_deadline_seconds = 0.2
    worker._run_once(wait_seconds=0)
    worker.stop()
    assert handler.closed
    [back] = queue.receive(max_messages=1, wait_seconds=0, visibility_timeout=0)
    assert back.body == "block"  # visible without waiting out the 30 s timeout
    assert reports.outcomes == []


def test_the_hook_hears_of_each_settled_message_exactly_once(queue, handler, reports, clock):
    for body in ("done", "ignored", "transient", "permanent", "done", "done"):
        queue.send(body)

    def report_then_break(message: Received, outcome: Outcome) -> None:
        reports.outcome(message, outcome)
        raise RuntimeError("a broken hook")  # costs no message, and no second report

    worker = make_worker(queue, handler, reports, max_receive_count=2, clock=clock)
    worker.on_outcome = report_then_break
    drain(worker)
    settles = [(m.message_id, m.receive_count) for m, _ in reports.outcomes]
    assert len(settles) == len(set(settles)) == len(handler.handled) == 7  # one retry: 7 settles
    assert sorted(reports.endings()) == sorted(
        ["done", "ignored", "retry", "dead-letter", "dead-letter", "done", "done"]
    )
    assert len(queue) == 0
    worker.stop()


def shared(
    records: MemoryIntakeRecords, clock: FakeClock, count: int, refresh: float = 0
) -> SharedDlqLimit:
    """A DLQ limit on ``records`` (``refresh`` 0: every look reads the record)."""
    return SharedDlqLimit(
        DlqLimit(count=count, window_seconds=300), records, refresh_seconds=refresh, clock=clock
    )


def test_the_dlq_limit_stops_intake_and_leaves_the_rest_in_the_queue(
    queue, dlq, handler, reports, clock, log_lines
):
    for _ in range(6):
        queue.send("parse")
    limit = shared(MemoryIntakeRecords(), clock, count=3)
    worker = make_worker(queue, handler, reports, threads=1, dlq_limit=limit, clock=clock)
    drain(worker)
    assert reports.endings() == ["dead-letter"] * 3
    assert len(dlq) == 3
    assert len(queue) == 3  # one received and returned unworked, two never received
    assert [(s.reason_class, s.count) for s in reports.stops] == [(ReasonClass.PARSE, 3)]
    assert worker.intake_stopped == reports.stops[0]
    assert worker._run_once(wait_seconds=0) == 0  # takes nothing more
    [line] = lines(log_lines, STOPPED_HERE)
    assert (line["level"], line["reason_class"], line["dead_letters"]) == ("error", "parse", 3)
    worker.stop()


def test_run_once_ends_when_the_limit_stops_intake(queue, handler, reports, clock):
    for _ in range(5):
        queue.send("permanent")
    limit = shared(MemoryIntakeRecords(), clock, count=2)
    worker = make_worker(queue, handler, reports, threads=1, dlq_limit=limit, clock=clock)
    worker.run(once=True)
    assert reports.endings() == ["dead-letter"] * 2
    assert len(queue) == 3
    assert [s.reason_class for s in reports.stops] == [ReasonClass.STEP]  # reported when tripped


def test_a_message_handled_between_dead_letters_keeps_the_worker_going(
    queue, handler, reports, clock
):
    for body in ("parse", "parse", "done", "parse", "parse", "permanent", "parse"):
        queue.send(body)
    limit = shared(MemoryIntakeRecords(), clock, count=3)
    drain(make_worker(queue, handler, reports, threads=1, dlq_limit=limit, clock=clock))
    assert reports.stops == []
    assert len(queue) == 0


def test_mail_that_never_passed_admission_stops_nothing(queue, handler, reports, clock):
    for body in ("parse", "outsider-parse", "outsider-ignored", "parse"):
        queue.send(body)  # neither counts nor ends the run of admitted dead letters
    for _ in range(5):
        queue.send("outsider-parse")
    queue.send("done")
    records = MemoryIntakeRecords()
    worker = make_worker(queue, handler, reports, threads=1, dlq_limit=shared(records, clock, 3))
    drain(worker)
    assert reports.stops == []
    assert reports.endings().count("dead-letter") == 8
    assert len(queue) == 0
    assert records.load().streak_class is None  # the done one ended the run of two


def test_one_worker_s_stop_stops_the_others(queue, handler, reports, clock, log_lines):
    records = MemoryIntakeRecords()
    first, second = (
        make_worker(queue, handler, reports, threads=1, dlq_limit=shared(records, clock, 2))
        for _ in range(2)
    )
    for _ in range(2):
        queue.send("parse")
    drain(first)
    queue.send("done")
    assert second._run_once(wait_seconds=0) == 0
    assert second.intake_stopped == first.intake_stopped
    assert len(queue) == 1  # waits for the resume
    [line] = lines(log_lines, STOPPED_ELSEWHERE)
    assert (line["reason_class"], line["dead_letters"]) == ("parse", 2)
    assert len(reports.stops) == 2  # each worker reports (the alarm's metric)
    first.stop()
    second.stop()


def test_dead_letters_counted_by_two_workers_add_up(queue, handler, reports, clock):
    records = MemoryIntakeRecords()
    workers = [
        make_worker(queue, handler, reports, threads=1, dlq_limit=shared(records, clock, 4))
        for _ in range(2)
    ]
    for _ in range(2):
        for worker in workers:
            queue.send("parse")
            drain(worker)
    queue.send("done")
    assert [w._run_once(wait_seconds=0) for w in workers] == [0, 0]
    assert all(w.intake_stopped is not None for w in workers)
    assert [s.count for s in reports.stops][:1] == [4]
    for worker in workers:
        worker.stop()


def test_a_resume_starts_every_stopped_worker_again_without_a_restart(
    queue, handler, reports, clock, log_lines
):
    records = MemoryIntakeRecords()
    workers = [
        make_worker(queue, handler, reports, threads=1, dlq_limit=shared(records, clock, 1))
        for _ in range(2)
    ]
    queue.send("parse")
    drain(workers[0])
    queue.send("done")
    assert [w._run_once(wait_seconds=0) for w in workers] == [0, 0]
    records.resume()
    drain(workers[1])
    assert reports.endings() == ["dead-letter", "done"]
    assert all(w.intake_stopped is None for w in workers[1:])
    assert workers[0]._run_once(wait_seconds=0) == 0  # nothing left, but it looked
    assert workers[0].intake_stopped is None
    assert len(lines(log_lines, "intake resumed: taking messages again")) == 2
    for worker in workers:
        worker.stop()


def test_a_worker_looks_at_the_record_at_most_once_per_refresh(queue, handler, reports, clock):
    records = MemoryIntakeRecords()
    looked = FakeClock(0)
    limit = SharedDlqLimit(
        DlqLimit(count=1), records, refresh_seconds=5, clock=clock, monotonic=looked
    )
    worker = make_worker(queue, handler, reports, threads=1, dlq_limit=limit)
    for _ in range(20):
        worker._run_once(wait_seconds=0)
    assert records.requests["load"] == 1
    looked.advance(5)
    worker._run_once(wait_seconds=0)
    assert records.requests["load"] == 2
    worker.stop()


def test_a_stopped_worker_keeps_reporting_until_resumed_then_works_again(
    queue, handler, reports, clock, monkeypatch
):
    monkeypatch.setattr("worker.loop.INTAKE_STOPPED_REPORT_SECONDS", 0.05)
    monkeypatch.setattr("worker.loop.INTAKE_LOOK_SECONDS", 0.01)
    for body in ("permanent", "done"):
        queue.send(body)
    records = MemoryIntakeRecords()
    worker = make_worker(
        queue, handler, reports, threads=1, dlq_limit=shared(records, clock, 1), clock=clock
    )
    loop = threading.Thread(target=worker.run)
    loop.start()
    deadline = time.monotonic() + 10
    while len(reports.stops) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(reports.stops) >= 3  # the alarm's metric, again and again
    assert reports.endings() == ["dead-letter"]
    assert [body for _, body, _ in queue.stored()] == ["done"]  # never taken
    records.resume()
    while len(reports.endings()) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.stop()
    loop.join(10)
    assert not loop.is_alive()
    assert reports.endings() == ["dead-letter", "done"]  # taken once resumed, in the same run

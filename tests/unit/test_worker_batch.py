"""The Lambda's batches (worker.batch): Lambda's SQS records read as the loop's messages, and what
the event source mapping is told for each ending, on the in-memory queue with a scripted handler.
The full cases, with the real handler and on moto too: the entry points' contract test
(tests/integration/test_entry_points_contract.py).
"""

import json

from tests.support.clock import FakeClock
from tests.support.event_source import EventSourceMapping, record_of
from tests.support.intake import MemoryIntakeRecords
from tests.support.memory_queue import MemoryQueue
from tests.support.paths import aws_events_dir
from tests.support.queues import Reports, ScriptedHandler
from worker.batch import INTAKE_HOLD_SECONDS, BatchWorker, received_from_record
from worker.intake import SharedDlqLimit
from worker.policy import DlqLimit, RetryPolicy
from worker.queue import Received
from worker.settling import Settler


def batches(
    queue: MemoryQueue, handler: ScriptedHandler, reports: Reports, **kwargs
) -> BatchWorker:
    policy = RetryPolicy(max_receive_count=3, base_seconds=60, max_seconds=900, rand=lambda: 0.5)
    return BatchWorker(
        handler=handler,
        settler=Settler(queue, policy, clock=queue.clock),
        threads=2,
        on_outcome=reports.outcome,
        on_intake_stopped=reports.stopped,
        **kwargs,
    )


def test_a_lambda_sqs_record_reads_as_the_loops_message():
    """AWS's own sample event (../shared/aws-events/sqsEvent.json, with its provenance)."""
    sample = json.loads((aws_events_dir() / "sqsEvent.json").read_text())
    message = received_from_record(sample["Records"][0])
    assert (message.message_id, message.body) == (
        "059f36b4-87a3-44ab-83d2-661975830a7d",
        "Test message.",
    )
    assert message.receipt_handle == "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a..."
    assert (message.receive_count, message.sent_at, message.first_received_at) == (
        1,
        1545082649.183,
        1545082649.185,
    )
    assert message.attributes == {"testAttr": "100"}


def test_a_record_made_from_a_message_reads_back_the_same():
    message = Received(
        "m-1",
        "rh-1",
        "body",
        4,
        1_800_000_000.5,
        1_799_999_999.25,
        {"charterhand.replay_count": "2"},
    )
    assert received_from_record(record_of(message)) == message


def test_only_retried_and_unsettled_messages_are_reported_failed():
    clock = FakeClock()
    dlq = MemoryQueue(clock=clock)
    queue = MemoryQueue(clock=clock, dead_letters=dlq, max_receive_count=8)
    for body in ("done", "ignored", "permanent", "transient", "no-such-script"):
        queue.send(body)
    reports = Reports()
    mapping = EventSourceMapping(
        queue, lambda e, _c: batches(queue, ScriptedHandler(), reports).work(e["Records"])
    )
    assert mapping.poll_once() == 5
    failed = {item["itemIdentifier"] for item in mapping.answers[0]["batchItemFailures"]}
    bodies = {mid: body for mid, body, _ in queue.stored()}
    assert sorted(bodies[mid] for mid in failed) == ["no-such-script", "transient"]
    assert sorted(reports.endings()) == ["dead-letter", "done", "ignored", "retry"]
    [(_, letter, _)] = dlq.stored()
    assert letter == "permanent"
    clock.advance(31)  # the crash's receive timeout (30 s) is over; the retry's backoff (30 s) too
    assert sorted(
        m.body for m in queue.receive(max_messages=10, wait_seconds=0, visibility_timeout=30)
    ) == [
        "no-such-script",
        "transient",
    ]


def test_lease_contention_is_re_sent_and_the_old_copy_left_to_be_deleted():
    clock = FakeClock()
    queue = MemoryQueue(clock=clock)
    queue.send("waiting")
    reports = Reports()
    mapping = EventSourceMapping(
        queue, lambda e, _c: batches(queue, ScriptedHandler(), reports).work(e["Records"])
    )
    mapping.poll_once()
    assert mapping.answers[0]["batchItemFailures"] == []
    [(_, body, attributes)] = queue.stored()
    assert (body, attributes["charterhand.contention_retries"]) == ("waiting", "1")


def test_a_stopped_intake_leaves_the_batch_on_the_queue_and_stops_the_mapping():
    clock = FakeClock()
    queue = MemoryQueue(clock=clock, dead_letters=MemoryQueue(clock=clock), max_receive_count=8)
    limit = SharedDlqLimit(
        DlqLimit(count=2, window_seconds=300), MemoryIntakeRecords(), clock=clock
    )
    handler, reports, stops = ScriptedHandler(), Reports(), []
    worker = batches(queue, handler, reports, dlq_limit=limit)
    mapping = EventSourceMapping(
        queue, lambda e, _c: worker.work(e["Records"], on_stopped=lambda: stops.append(1))
    )
    queue.send("parse")
    queue.send("parse")
    mapping.poll_once()  # two admitted dead letters of one class: the limit (2) stops intake
    assert reports.endings() == ["dead-letter", "dead-letter"]
    assert (len(reports.stops), len(stops)) == (1, 1)
    queue.send("done")
    mapping.poll_once()
    assert [body for body, _ in handler.handled] == ["parse", "parse"]  # not worked
    [(message_id, _body, _)] = queue.stored()
    assert mapping.answers[1]["batchItemFailures"] == [{"itemIdentifier": message_id}]
    assert (len(reports.stops), len(stops)) == (2, 2)
    clock.advance(INTAKE_HOLD_SECONDS - 1)
    assert queue.receive(max_messages=10, wait_seconds=0, visibility_timeout=30) == []

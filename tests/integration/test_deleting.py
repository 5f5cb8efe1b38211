"""Settled messages deleted in batches against moto's server: ten to a request, none forgotten."""

import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import boto3
import pytest

from tests.support.pipeline import queue_size
from worker.deleting import DeleteBatcher, Settled
from worker.outcomes import Ending, Outcome, ReasonClass
from worker.queue import Received, SqsQueue


@pytest.fixture
def sqs():
    client = boto3.client("sqs")
    client.requests = Counter()  # type: ignore[attr-defined]

    def count(event_name: str, **_: Any) -> None:
        client.requests[event_name.rsplit(".", 1)[-1]] += 1  # type: ignore[attr-defined]

    client.meta.events.register("before-send.sqs", count)
    return client


@pytest.fixture
def queue(stack, sqs):
    return SqsQueue(queue_url=stack.queue_url, dlq_url=stack.dlq_url, client=sqs)


class Reports:
    """What the batcher reported: every message settled or refused, with its reason."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.refused: dict[str, str] = {}
        #: the thread each batch was reported on
        self.threads: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, batch: Sequence[Settled], refused: Mapping[str, str]) -> None:
        with self.lock:
            self.threads.append(threading.current_thread().name)
            self.batches.append([item.message.message_id for item in batch])
            self.refused.update(refused)


def received(sqs: Any, stack: Any, count: int) -> list[Received]:
    for start in range(0, count, 10):
        sqs.send_message_batch(
            QueueUrl=stack.queue_url,
            Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(min(10, count - start))],
        )
    messages: list[Received] = []
    while len(messages) < count:
        answer = sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10)
        messages += [Received.from_sqs(m) for m in answer.get("Messages", [])]
    return messages


def settled(message: Received) -> Settled:
    return Settled(
        message,
        Outcome(Ending.DONE, "confirmed: ran calendar", ReasonClass.PUBLISHED),
        time.perf_counter(),
    )


def handed_over(
    queue: SqsQueue, messages: list[Received], linger_seconds: float
) -> tuple[DeleteBatcher, Reports]:
    """A batcher holding ``messages``, settled, and what it will report."""
    reports = Reports()
    batcher = DeleteBatcher(queue.delete_batch, reports, linger_seconds=linger_seconds)
    for message in messages:
        assert batcher.add(settled(message))
    return batcher, reports


def test_ten_settled_messages_go_in_one_request(stack, sqs, queue):
    messages = received(sqs, stack, 10)
    batcher, reports = handed_over(queue, messages, linger_seconds=30)
    assert batcher.wait_empty(10)  # long before the 30 s linger: ten make a batch
    batcher.stop()
    assert reports.batches == [[m.message_id for m in messages]]
    assert sqs.requests["DeleteMessageBatch"] == 1
    assert queue_size(sqs, stack.queue_url) == 0


def test_a_lone_message_is_deleted_once_the_linger_is_over(stack, sqs, queue):
    [message] = received(sqs, stack, 1)
    batcher, reports = handed_over(queue, [message], linger_seconds=0.2)
    assert batcher.wait_empty(10)
    batcher.stop()
    assert reports.batches == [[message.message_id]]
    assert queue_size(sqs, stack.queue_url) == 0


def test_a_refused_receipt_is_reported_with_its_reason_and_the_rest_deleted(stack, sqs, queue):
    good = received(sqs, stack, 2)
    stale = Received(message_id="gone", receipt_handle="not-a-receipt-handle", body="x")
    batcher, reports = handed_over(queue, [*good, stale], linger_seconds=0.05)
    assert batcher.wait_empty(10)
    batcher.stop()
    assert list(reports.refused) == ["not-a-receipt-handle"]
    assert reports.refused["not-a-receipt-handle"].startswith("deleting the message: ")
    assert queue_size(sqs, stack.queue_url) == 0


def test_stop_deletes_what_waits_at_once(stack, sqs, queue):
    batcher, reports = handed_over(queue, received(sqs, stack, 3), linger_seconds=60)
    started = time.monotonic()
    batcher.stop()
    assert time.monotonic() - started < 10  # not the 60 s linger
    assert sum(len(batch) for batch in reports.batches) == 3
    assert queue_size(sqs, stack.queue_url) == 0


def test_a_stopped_batcher_hands_messages_back(stack, sqs, queue):
    [message] = received(sqs, stack, 1)
    batcher = DeleteBatcher(queue.delete_batch, Reports(), linger_seconds=0.05)
    batcher.stop()
    assert not batcher.add(settled(message))


def test_a_flush_sends_what_waits_without_lingering(queue, sqs, stack):
    messages = received(sqs, stack, 3)
    batcher, reports = handed_over(queue, messages, linger_seconds=600)
    batcher.flush()
    assert batcher.pending == 0  # sent by the flush itself, on this thread
    assert reports.threads == [threading.current_thread().name]
    assert sorted(mid for batch in reports.batches for mid in batch) == sorted(
        m.message_id for m in messages
    )
    assert sqs.requests["DeleteMessageBatch"] == 1
    batcher.stop()


def test_without_a_flush_a_lone_message_lingers(queue, sqs, stack):
    [message] = received(sqs, stack, 1)
    batcher, reports = handed_over(queue, [message], linger_seconds=600)
    assert not batcher.wait_empty(0.5)
    assert reports.batches == []
    batcher.stop()  # stopping deletes it at once
    assert reports.batches == [[message.message_id]]


def test_send_now_deletes_what_waits_on_the_caller_s_thread_before_returning(queue, sqs, stack):
    first, second, last = received(sqs, stack, 3)
    batcher, reports = handed_over(queue, [first, second], linger_seconds=600)
    assert batcher.add(settled(last), send_now=True)
    # back from add: already deleted, in one request, and reported on this thread
    assert reports.batches == [[first.message_id, second.message_id, last.message_id]]
    assert reports.threads == [threading.current_thread().name]
    assert sqs.requests["DeleteMessageBatch"] == 1
    assert batcher.pending == 0
    assert queue_size(sqs, stack.queue_url) == 0
    batcher.stop()
    assert sqs.requests["DeleteMessageBatch"] == 1  # nothing left to send twice


def test_a_message_sent_now_wakes_no_deleter_thread(queue, sqs, stack):
    [message] = received(sqs, stack, 1)
    before = set(threading.enumerate())
    reports = Reports()
    batcher = DeleteBatcher(queue.delete_batch, reports, linger_seconds=600)
    assert batcher.add(settled(message), send_now=True)
    assert reports.threads == [threading.current_thread().name]
    assert "deleter" not in {t.name for t in set(threading.enumerate()) - before}
    batcher.stop()
    assert queue_size(sqs, stack.queue_url) == 0


def test_more_than_a_batch_sent_now_goes_in_batches_of_ten(queue, sqs, stack):
    messages = received(sqs, stack, 12)
    batcher, reports = handed_over(queue, messages[:11], linger_seconds=600)
    assert batcher.add(settled(messages[11]), send_now=True)
    assert sorted(len(batch) for batch in reports.batches) == [2, 10]
    assert batcher.pending == 0
    batcher.stop()
    assert queue_size(sqs, stack.queue_url) == 0

"""The same cases against both queues: :class:`~tests.support.memory_queue.MemoryQueue` (what
the loop's own tests run on) and :class:`~worker.queue.SqsQueue` on moto's SQS server. What the
in-memory queue promises, SQS does; and the worker's loop ends each message the same way on
both."""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import boto3
import pytest

from tests.support.clock import FakeClock
from tests.support.memory_queue import MemoryQueue
from tests.support.queues import (
    Reports,
    ScriptedHandler,
    drain,
    make_worker,
    messages_in,
)
from worker.queue import MessageQueue, Received, SqsQueue

#: the local stack's redrive policy: ``provision(max_receive_count=3)`` sets 3 + 2
REDRIVE_AFTER = 5


@dataclass
class Backend:
    """A queue with its DLQ, and what a test needs around them."""

    queue: MessageQueue
    send: Callable[..., None]
    depth: Callable[[], int]
    dead_letters: Callable[[], list[tuple[str, dict[str, str]]]]
    #: let ``seconds`` pass for the queue (a clock moved, or a real wait on SQS)
    pass_time: Callable[[float], None]


def memory_backend() -> Backend:
    clock = FakeClock()
    dlq = MemoryQueue(clock=clock)
    queue = MemoryQueue(clock=clock, dead_letters=dlq, max_receive_count=REDRIVE_AFTER)

    def send(body: str, attributes: dict[str, str] | None = None) -> None:
        queue.send(body, attributes)

    return Backend(
        queue=queue,
        send=send,
        depth=lambda: len(queue),
        dead_letters=lambda: [(body, attrs) for _, body, attrs in dlq.stored()],
        pass_time=clock.advance,
    )


def sqs_backend(stack) -> Backend:
    sqs = boto3.client("sqs")

    def send(body: str, attributes: dict[str, str] | None = None) -> None:
        sqs.send_message(
            QueueUrl=stack.queue_url,
            MessageBody=body,
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value}
                for name, value in (attributes or {}).items()
            },
        )

    def depth() -> int:
        return messages_in(sqs, stack.queue_url)

    def dead_letters() -> list[tuple[str, dict[str, str]]]:
        letters = SqsQueue(queue_url=stack.dlq_url, dlq_url="", client=sqs).receive(
            max_messages=10, wait_seconds=0, visibility_timeout=30
        )
        return [(letter.body, dict(letter.attributes)) for letter in letters]

    return Backend(
        queue=SqsQueue(queue_url=stack.queue_url, dlq_url=stack.dlq_url, client=sqs),
        send=send,
        depth=depth,
        dead_letters=dead_letters,
        pass_time=time.sleep,
    )


@pytest.fixture(params=["memory", "sqs"])
def backend(request) -> Iterator[Backend]:
    if request.param == "memory":
        yield memory_backend()
    else:
        yield sqs_backend(request.getfixturevalue("stack"))


def receive(backend: Backend, visibility_timeout: int = 30) -> list[Received]:
    return backend.queue.receive(
        max_messages=10, wait_seconds=0, visibility_timeout=visibility_timeout
    )


# --- the queue ---------------------------------------------------------------------------------


def test_a_message_is_received_once_with_its_body_attributes_and_count(backend):
    backend.send("hello", {"charterhand.replay_count": "1"})
    [message] = receive(backend)
    assert (message.body, message.receive_count) == ("hello", 1)
    assert message.attributes == {"charterhand.replay_count": "1"}
    assert message.sent_at is not None
    assert receive(backend) == []  # hidden while its visibility timeout lasts


def test_a_message_not_deleted_comes_back_after_its_timeout_counted_again(backend):
    backend.send("hello")
    [first] = receive(backend, visibility_timeout=1)
    assert receive(backend) == []
    backend.pass_time(1.5)
    [again] = receive(backend)
    assert (again.message_id, again.receive_count) == (first.message_id, 2)
    assert again.receipt_handle != first.receipt_handle
    assert again.first_received_at is not None


def test_changing_visibility_hides_a_message_or_returns_it_at_once(backend):
    backend.send("hello")
    [message] = receive(backend)
    backend.queue.change_visibility_batch([message], 0)  # returned to the queue
    [again] = receive(backend, visibility_timeout=0)
    assert again.receive_count == 2
    backend.queue.change_visibility(again, 1)  # hidden a second from now
    assert receive(backend) == []
    backend.pass_time(1.5)
    assert [m.receive_count for m in receive(backend)] == [3]


def test_deleted_messages_are_gone_and_a_stale_receipt_is_refused_with_its_reason(backend):
    for body in ("a", "b", "c"):
        backend.send(body)
    messages: list[Received] = []
    while len(messages) < 3:
        messages += receive(backend)
    backend.queue.delete(messages[0])
    stale = Received(message_id="gone", receipt_handle="not-a-receipt-handle", body="x")
    refused = backend.queue.delete_batch([messages[1], stale, messages[2]])
    assert list(refused) == ["not-a-receipt-handle"]
    assert refused["not-a-receipt-handle"].startswith("deleting the message: ")
    assert backend.depth() == 0


def test_a_dead_letter_carries_the_body_unchanged_and_prefixed_attributes(backend):
    backend.send('{"Type": "Notification"}')
    [message] = receive(backend)
    backend.queue.dead_letter(message, {"reason": "cannot read start", "receive_count": "1"})
    assert backend.dead_letters() == [
        (
            '{"Type": "Notification"}',
            {"charterhand.reason": "cannot read start", "charterhand.receive_count": "1"},
        )
    ]
    assert backend.depth() == 1  # the original stays until deleted


def test_a_re_sent_message_is_a_fresh_copy_held_back_for_its_delay(backend):
    backend.send("hello")
    [message] = receive(backend, visibility_timeout=0)
    [message] = receive(backend)
    assert message.receive_count == 2
    backend.queue.resend(message, {"charterhand.contention_retries": "1"}, 1)
    backend.queue.delete(message)
    assert receive(backend) == []
    backend.pass_time(1.5)
    [copy] = receive(backend)
    assert copy.message_id != message.message_id
    assert (copy.body, copy.receive_count) == ("hello", 1)
    assert copy.attributes == {"charterhand.contention_retries": "1"}


def test_redrive_moves_a_message_received_too_often_to_the_dlq(backend):
    backend.send("poison")
    counts = [m.receive_count for _ in range(REDRIVE_AFTER) for m in receive(backend, 0)]
    assert counts == [1, 2, 3, 4, 5]
    assert receive(backend, 0) == []  # moved on this receive instead of delivered
    assert [body for body, _ in backend.dead_letters()] == ["poison"]
    assert backend.depth() == 0


# --- the worker's loop on it ---------------------------------------------------------------------


def test_the_loop_deletes_done_and_ignored_and_dead_letters_a_permanent_error(backend):
    for body in ("done", "ignored", "permanent"):
        backend.send(body)
    reports = Reports()
    worker = make_worker(backend.queue, ScriptedHandler(), reports)
    drain(worker)
    worker.stop()
    assert sorted(reports.endings()) == ["dead-letter", "done", "ignored"]
    [(body, attributes)] = backend.dead_letters()
    assert body == "permanent"
    assert attributes["charterhand.error_class"] == "PermanentError"
    assert attributes["charterhand.receive_count"] == "1"
    assert backend.depth() == 0


def test_the_loop_retries_then_dead_letters_once_the_budget_is_spent(backend):
    backend.send("transient")
    reports = Reports()
    worker = make_worker(backend.queue, ScriptedHandler(), reports, max_receive_count=3)
    drain(worker)
    worker.stop()
    assert reports.endings() == ["retry", "retry", "dead-letter"]
    [(_body, attributes)] = backend.dead_letters()
    assert attributes["charterhand.reason"].startswith("retries exhausted after 3 receives: ")
    assert backend.depth() == 0


def test_the_loop_re_sends_lease_contention_without_spending_the_budget(backend):
    backend.send("waiting")
    reports = Reports()
    worker = make_worker(backend.queue, ScriptedHandler(), reports, max_receive_count=1)
    for _ in range(2):
        assert worker._run_once(wait_seconds=0) == 1
        assert worker.wait_idle(10)
    worker.stop()
    assert reports.endings() == ["retry", "retry"]  # never a dead-letter, though the budget is 1
    [copy] = receive(backend)
    assert (copy.receive_count, copy.contention_retries, copy.spent) == (1, 2, 1)
    assert backend.dead_letters() == []

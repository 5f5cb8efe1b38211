"""The same cases through both entry points of the worker, on both queues: the long-running loop
(``charterhand worker``, Fargate mode) and the Lambda entry point (``app.worker_lambda``, Lambda
mode, its event source mapping played by tests/support/event_source.py), each on the in-memory
queue and on moto's SQS. One composition (:func:`app.compose.build_worker`: the real
MessageHandler, retry policy and settler, recording publishers, the stack's S3 and table): the
entry points differ only in how messages arrive and how a delete is carried out.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

import boto3
import pytest

from app.compose import Clients, build_worker
from app.worker_lambda import LambdaEntry
from sandbox.ingest import ingest
from tests.integration.test_queue_contract import Backend, memory_backend, sqs_backend
from tests.support.event_source import EventSourceMapping
from tests.support.mail import EventMailReader, email_for, event
from tests.support.queues import Reports
from tests.support.recording import Fault, Recorder, recording_publishers
from worker.loop import Worker
from worker.settling import Settler

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

#: the receive's visibility timeout, short so a test can see a retry's own backoff outlast it
RECEIVE_VISIBILITY = 1
#: retry_base_seconds with the jitter drawn at 0.5: the first retry hides the message 30 s
RETRY_BASE = 60


@dataclass
class SendOnly:
    """The one SQS call ``sandbox.ingest`` makes, onto either backend."""

    send: Callable[..., None]

    def send_message(self, *, QueueUrl: str, MessageBody: str) -> None:
        self.send(MessageBody)


@dataclass
class Entry:
    """One entry point over one backend: ``poll()`` takes one batch through it."""

    poll: Callable[[], int]
    reports: Reports
    #: the Lambda's answers (the loop has none)
    answers: list[Any]


def compose(stack: Any, recorder: Recorder, backend: Backend, reports: Reports) -> Worker:
    """The worker as ``build_worker`` composes it, on ``backend``'s queue, jitter fixed."""
    settings = stack.settings(
        forwarder_allowlist=["dana@sailjada.com"],
        poll_wait_seconds=0,
        retry_base_seconds=RETRY_BASE,
        max_receive_count=3,
    )
    built = build_worker(
        settings,
        Clients.from_environment(),
        publishers=recording_publishers(recorder),
        reader=EventMailReader(),
        on_outcome=reports.outcome,
    )
    policy = replace(built.settler.policy, rand=lambda: 0.5)
    return Worker(
        handler=built.handler,
        settler=Settler(backend.queue, policy),
        threads=2,
        visibility_timeout_seconds=RECEIVE_VISIBILITY,
        poll_wait_seconds=0,
        shutdown_deadline_seconds=5,
        delete_linger_seconds=0.01,
        on_outcome=built.on_outcome,
        dlq_limit=built.dlq_limit,
        on_intake_stopped=built.on_intake_stopped,
    )


@pytest.fixture(params=["memory", "sqs"])
def backend(request, stack) -> Backend:
    return memory_backend() if request.param == "memory" else sqs_backend(stack)


@pytest.fixture(params=["loop", "lambda"])
def entry(request, stack, recorder, backend) -> Iterator[Entry]:
    reports = Reports()
    worker = compose(stack, recorder, backend, reports)
    if request.param == "loop":

        def poll() -> int:
            received = worker._run_once(wait_seconds=0)
            assert worker.wait_idle(10)
            return received

        yield Entry(poll, reports, [])
        worker.stop()
    else:
        mapping = EventSourceMapping(
            backend.queue, LambdaEntry.of(worker).handle, visibility_timeout=RECEIVE_VISIBILITY
        )
        yield Entry(mapping.poll_once, reports, mapping.answers)


def send_email(stack: Any, backend: Backend, raw: bytes) -> None:
    ingest(
        raw,
        s3=boto3.client("s3"),
        sqs=cast("SQSClient", SendOnly(backend.send)),  # its one call: send_message
        bucket=stack.inbound_bucket,
        prefix="raw/",
        queue_url=stack.queue_url,
    )


def test_a_booking_is_published_and_done(stack, backend, entry, recorder):
    send_email(stack, backend, email_for(event()))
    assert entry.poll() == 1
    assert entry.reports.endings() == ["done"]
    assert entry.reports.outcomes[0][1].booking_key == "boatsetter:xhqgmdh"
    assert len(recorder.completed()) == 6
    assert backend.depth() == 0
    assert all(answer["batchItemFailures"] == [] for answer in entry.answers)


def test_a_non_booking_is_ignored_and_deleted(stack, backend, entry, recorder):
    send_email(stack, backend, email_for(None, not_a_booking=True))
    assert entry.poll() == 1
    [(_, outcome)] = entry.reports.outcomes
    assert (outcome.ending.value, outcome.reason) == ("ignored", "not a booking: a newsletter")
    assert recorder.completed() == []
    assert backend.depth() == 0


def test_an_unreadable_body_is_dead_lettered_with_its_reason(backend, entry):
    backend.send("Test message.")
    assert entry.poll() == 1
    assert entry.reports.endings() == ["dead-letter"]
    [(body, attributes)] = backend.dead_letters()
    assert body == "Test message."
    assert attributes["charterhand.reason"] == "unreadable body: body is not JSON"
    assert attributes["charterhand.error_class"] == "UnreadableBody"
    assert attributes["charterhand.receive_count"] == "1"
    assert backend.depth() == 0


def test_a_transient_failure_is_retried_hidden_for_its_backoff(stack, backend, entry, recorder):
    recorder.faults = {"scc": Fault("transient", times=1)}
    send_email(stack, backend, email_for(event()))
    assert entry.poll() == 1
    [(message, outcome)] = entry.reports.outcomes
    assert (outcome.ending.value, outcome.step) == ("retry", "scc")
    if entry.answers:  # the Lambda told SQS to keep it
        assert entry.answers[0]["batchItemFailures"] == [{"itemIdentifier": message.message_id}]
    backend.pass_time(RECEIVE_VISIBILITY + 1.5)
    # past the receive's own timeout: still hidden, for the 30 s the retry policy chose
    assert entry.poll() == 0
    assert backend.depth() == 1
    assert backend.dead_letters() == []


# waiting out the 30 s backoff on SQS would be real time: the in-memory queue's clock shows it
@pytest.mark.parametrize("backend", ["memory"], indirect=True)
def test_a_retried_message_comes_back_after_its_backoff_and_is_done(
    stack, backend, entry, recorder
):
    recorder.faults = {"scc": Fault("transient", times=1)}
    send_email(stack, backend, email_for(event()))
    entry.poll()
    backend.pass_time(31)
    assert entry.poll() == 1
    assert entry.reports.endings() == ["retry", "done"]
    assert entry.reports.outcomes[1][0].receive_count == 2
    assert backend.depth() == 0

"""Each message to exactly one outcome, carried out on SQS and logged: against moto's server."""

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from sandbox.stack import LocalStack
from tests.support.mail import email_for, event
from tests.support.pipeline import queue_size, send_raw
from tests.support.recording import Fault
from worker.loop import Worker


@pytest.fixture
def s3():
    return boto3.client("s3")


def drain(worker: Worker, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        received = worker._run_once(wait_seconds=0)
        worker.wait_idle(10)
        if received == 0:
            return
    raise AssertionError("queue did not drain")


def outcomes(log_lines: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [line for line in log_lines() if line["event"] == "message settled"]


def dead_letters(sqs: Any, stack: LocalStack) -> list[dict[str, str]]:
    messages = sqs.receive_message(
        QueueUrl=stack.dlq_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", [])
    return [
        {k: v["StringValue"] for k, v in m.get("MessageAttributes", {}).items()}
        | {"body": m["Body"]}
        for m in messages
    ]


def test_booking_email_is_published_deleted_and_logged_done(
    stack, make_worker, recorder, sqs, log_lines
):
    send_raw(stack, email_for(event()))
    drain(make_worker())
    [line] = outcomes(log_lines)
    assert (line["outcome"], line["booking_key"]) == ("done", "boatsetter:xhqgmdh")
    assert {"message_id", "reason", "duration_ms"} <= set(line)
    assert len(recorder.completed()) == 6
    assert queue_size(sqs, stack.queue_url) == 0


def test_duplicate_delivery_is_done_without_publishing_again(
    stack, make_worker, recorder, log_lines
):
    raw = email_for(event())
    send_raw(stack, raw, message_id="ses-dup")
    send_raw(stack, raw, message_id="ses-dup")
    drain(make_worker())
    lines = outcomes(log_lines)
    done = [line for line in lines if line["outcome"] == "done"]
    assert len(done) == 2
    assert "duplicate" in done[1]["reason"]
    # copies worked at the same moment wait for the booking's lease: a retry, never a re-run
    assert all(line["error_class"] == "LeaseHeld" for line in lines if line["outcome"] == "retry")
    assert len(recorder.completed()) == 6


def test_not_a_booking_is_deleted_and_logged_ignored(stack, make_worker, recorder, sqs, log_lines):
    send_raw(stack, email_for(None, not_a_booking=True))
    drain(make_worker())
    [line] = outcomes(log_lines)
    assert (line["outcome"], line["reason"]) == ("ignored", "not a booking: a newsletter")
    assert queue_size(sqs, stack.queue_url) == 0
    assert recorder.completed() == []


def test_spam_is_ignored_and_the_email_stays_in_s3(stack, make_worker, s3, log_lines):
    message_id = send_raw(stack, email_for(event()), verdicts={"spam": "FAIL"})
    drain(make_worker())
    [line] = outcomes(log_lines)
    assert (line["outcome"], line["reason"]) == ("ignored", "SES spam verdict FAIL")
    assert s3.head_object(Bucket=stack.inbound_bucket, Key=f"raw/{message_id}")


def test_forward_from_a_mailbox_not_allowlisted_is_ignored(stack, make_worker, recorder, log_lines):
    send_raw(stack, email_for(event(), forwarded_by="mallory@evil.example"))
    drain(make_worker())
    [line] = outcomes(log_lines)
    assert line["outcome"] == "ignored"
    assert "forwarder_allowlist" in line["reason"]
    assert recorder.completed() == []


def test_unreadable_body_is_dead_lettered_on_the_first_attempt(stack, make_worker, sqs, log_lines):
    sqs.send_message(QueueUrl=stack.queue_url, MessageBody="Test message.")
    drain(make_worker())
    [letter] = dead_letters(sqs, stack)
    assert letter["body"] == "Test message."
    assert letter["charterhand.reason"] == "unreadable body: body is not JSON"
    assert letter["charterhand.error_class"] == "UnreadableBody"
    assert letter["charterhand.receive_count"] == "1"
    assert letter["charterhand.first_failure"].endswith("Z")
    assert outcomes(log_lines)[0]["outcome"] == "dead-letter"
    assert queue_size(sqs, stack.queue_url) == 0


def test_missing_s3_object_is_dead_lettered_on_the_first_attempt(stack, make_worker, sqs, s3):
    message_id = send_raw(stack, email_for(event()))
    s3.delete_object(Bucket=stack.inbound_bucket, Key=f"raw/{message_id}")
    drain(make_worker())
    [letter] = dead_letters(sqs, stack)
    assert (
        letter["charterhand.reason"]
        == f"reading s3://{stack.inbound_bucket}/raw/{message_id}: NoSuchKey"
    )
    assert letter["charterhand.step"] == "fetch"


def test_unreadable_booking_email_is_dead_lettered_with_its_reason(stack, make_worker, sqs):
    send_raw(stack, email_for(None, unreadable=True))
    drain(make_worker())
    [letter] = dead_letters(sqs, stack)
    assert letter["charterhand.error_class"] == "ParseError"
    assert letter["charterhand.step"] == "parse"
    assert "without a date" in letter["charterhand.reason"]


def test_transient_step_fault_is_retried_with_backoff_then_succeeds(
    stack, make_worker, recorder, sqs, log_lines
):
    recorder.faults = {"scc": Fault("transient", times=1)}
    send_raw(stack, email_for(event()))
    drain(make_worker())
    kinds = [(line["outcome"], line.get("step")) for line in outcomes(log_lines)]
    assert kinds == [("retry", "scc"), ("done", None)]
    assert len(recorder.completed("scc")) == 1
    assert dead_letters(sqs, stack) == []


def test_retry_hides_the_message_for_the_backoff(stack, make_worker, recorder, sqs):
    recorder.faults = {"scc": Fault("transient", times=1)}
    send_raw(stack, email_for(event()))
    worker = make_worker(retry_base_seconds=30)
    worker._run_once(wait_seconds=0)
    worker.wait_idle(10)
    visible = sqs.receive_message(QueueUrl=stack.queue_url, WaitTimeSeconds=0).get("Messages", [])
    assert visible == []
    assert queue_size(sqs, stack.queue_url) == 1


def test_persistent_fault_ends_in_the_dlq_with_its_reason(
    stack, make_worker, recorder, sqs, log_lines
):
    recorder.faults = {"calendar": Fault("transient", times=100)}
    send_raw(stack, email_for(event()))
    drain(make_worker(max_receive_count=3))
    [letter] = dead_letters(sqs, stack)
    assert letter["charterhand.reason"] == (
        "retries exhausted after 3 receives: calendar sandbox said no (transient)"
    )
    assert (letter["charterhand.step"], letter["charterhand.booking_key"]) == (
        "calendar",
        "boatsetter:xhqgmdh",
    )
    assert [line["outcome"] for line in outcomes(log_lines)] == ["retry", "retry", "dead-letter"]


def test_permanent_step_fault_is_dead_lettered_at_once(stack, make_worker, recorder, sqs):
    recorder.faults = {"scc": Fault("permanent", times=100)}
    send_raw(stack, email_for(event()))
    drain(make_worker())
    [letter] = dead_letters(sqs, stack)
    assert (letter["charterhand.receive_count"], letter["charterhand.error_class"]) == (
        "1",
        "PermanentError",
    )


def test_every_message_is_logged_once_without_contact_details(stack, make_worker, sqs, log_lines):
    send_raw(stack, email_for(event()))
    send_raw(stack, email_for(None, not_a_booking=True))
    sqs.send_message(QueueUrl=stack.queue_url, MessageBody='{"renter": "maya@example.com"}')
    drain(make_worker())
    lines = outcomes(log_lines)
    assert len({line["message_id"] for line in lines}) == len(lines) == 3
    text = "\n".join(json.dumps(line) for line in log_lines())
    assert "maya@example.com" not in text
    assert "Maya" not in text


def test_messages_settled_before_shutdown_are_deleted_not_released(
    stack, make_worker, sqs, log_lines
):
    for booking_id in ("aaaaaaa", "bbbbbbb"):
        send_raw(stack, email_for(event(booking_id=booking_id)))
    worker = make_worker()
    worker._deletes.linger_seconds = 60  # settled messages wait for their batch...
    worker._deletes.flush = lambda: None  # (not sent early because nothing else is in work)
    worker._run_once(wait_seconds=0)
    deadline = time.monotonic() + 20
    while worker.in_flight and time.monotonic() < deadline:
        time.sleep(0.05)
    assert worker._deletes.pending == 2
    worker.signal_shutdown()
    worker.stop()  # ...until the worker stops: then they are deleted at once
    assert [line["outcome"] for line in outcomes(log_lines)] == ["done", "done"]
    assert queue_size(sqs, stack.queue_url) == 0


def test_with_nothing_else_in_work_a_done_message_is_deleted_without_lingering(
    stack, make_worker, sqs, log_lines
):
    send_raw(stack, email_for(event()))
    worker = make_worker()
    worker._deletes.linger_seconds = 60  # a batch would wait a minute for company
    worker._run_once(wait_seconds=0)
    assert worker._wait_for_work(20)
    assert worker._deletes.wait_empty(20)  # well before the minute: none can come
    assert [line["outcome"] for line in outcomes(log_lines)] == ["done"]
    assert queue_size(sqs, stack.queue_url) == 0


def test_with_nothing_else_in_work_the_settling_thread_sends_the_delete_itself(
    stack, make_worker, sqs, log_lines
):
    send_raw(stack, email_for(event()))
    before = set(threading.enumerate())  # other tests' workers may have theirs
    worker = make_worker()
    worker._run_once(wait_seconds=0)
    assert worker._wait_for_work(20)
    # deleted and logged before its thread was free: no hand-off to the batcher's thread
    assert worker._deletes.pending == 0
    assert [line["outcome"] for line in outcomes(log_lines)] == ["done"]
    assert "deleter" not in {thread.name for thread in set(threading.enumerate()) - before}
    assert queue_size(sqs, stack.queue_url) == 0

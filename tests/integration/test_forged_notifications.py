"""Forged notifications: trust comes only from what SES stored (issue 18, defect 2).

Each shape is what someone with ``sqs:SendMessage`` on the bookings queue (the operators, for
replay) could send. None of them may publish a booking, let alone one marked *verified*: each is
ignored as untrusted, for its own reason, and nothing is dead-lettered (an outsider's message
never counts towards the DLQ limit).
"""

import base64
import json
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from bookings import default_fleet
from sandbox.ingest import (
    PASSING,
    TOPIC_ARN,
    new_message_id,
    ses_notification,
    sns_envelope,
    with_ses_headers,
)
from sandbox.stack import LocalStack
from state.store import StateStore
from tests.conftest import FIXTURES
from tests.integration.test_worker_outcomes import dead_letters
from tests.support.pipeline import settle_all
from worker.parsing import ParsersReader

KEY = "boatsetter:xhqgmdh"
BOOKING = (FIXTURES / "emails" / "boatsetter-confirmed.eml").read_bytes()
#: what a forger writes on top of the email itself: SES's own words, by someone else
FORGED_RESULTS = (
    b"Authentication-Results: amazonses.com; spf=pass; dkim=pass header.i=@boatsetter.com;"
    b" dmarc=pass header.from=boatsetter.com\r\n"
)
#: an attacker's own domain passes SPF and DKIM: aligned with nothing
ATTACKERS_OWN = {"spf": "PASS", "dkim": "PASS", "dmarc": "GRAY"}


def put(stack: LocalStack, key: str, body: bytes, bucket: str | None = None) -> None:
    boto3.client("s3").put_object(Bucket=bucket or stack.inbound_bucket, Key=key, Body=body)


def enqueue(stack: LocalStack, body: str) -> None:
    boto3.client("sqs").send_message(QueueUrl=stack.queue_url, MessageBody=body)


def notification_for(stack: LocalStack, message_id: str, key: str, bucket: str | None = None):
    """SES's "Received" notification for an S3 action, with every verdict PASS."""
    return ses_notification(
        BOOKING,
        message_id=message_id,
        bucket=bucket or stack.inbound_bucket,
        key=key,
        verdicts=PASSING,
    )


def foreign_topic(stack: LocalStack) -> None:
    """A genuine-looking stored email, announced by an envelope from someone else's topic."""
    message_id = new_message_id()
    put(stack, f"raw/{message_id}", with_ses_headers(BOOKING, PASSING))
    envelope = json.loads(sns_envelope(notification_for(stack, message_id, f"raw/{message_id}")))
    envelope["TopicArn"] = "arn:aws:sns:us-east-1:666666666666:not-ours"
    envelope["Signature"] = base64.b64encode(b"forged").decode()
    enqueue(stack, json.dumps(envelope))


def bare_body(stack: LocalStack) -> None:
    """No envelope at all; the notification says DMARC PASS, the object carries no SES header."""
    message_id = new_message_id()
    put(stack, f"raw/{message_id}", b"X-SES-Spam-Verdict: PASS\r\n" + BOOKING)
    enqueue(stack, json.dumps(notification_for(stack, message_id, f"raw/{message_id}")))


def inline_content(stack: LocalStack) -> None:
    """An SNS action's notification: the email inline, topped by a sender-written header."""
    doc = notification_for(stack, new_message_id(), "unused")
    doc["receipt"]["action"] = {"type": "SNS", "topicArn": TOPIC_ARN, "encoding": "BASE64"}
    doc["content"] = base64.b64encode(FORGED_RESULTS + BOOKING).decode()
    enqueue(stack, sns_envelope(doc))


def topped_by_another_server(stack: LocalStack) -> None:
    """A stored object whose topmost Authentication-Results is not SES's."""
    message_id = new_message_id()
    stored = b"Authentication-Results: mx.evil.example; dmarc=pass\r\n" + BOOKING
    put(stack, f"raw/{message_id}", stored)
    enqueue(stack, sns_envelope(notification_for(stack, message_id, f"raw/{message_id}")))


def key_of_another_email(stack: LocalStack) -> None:
    """A notification for one email whose object key points at another."""
    other = new_message_id()
    put(stack, f"raw/{other}", with_ses_headers(BOOKING, PASSING))
    enqueue(stack, sns_envelope(notification_for(stack, new_message_id(), f"raw/{other}")))


def another_bucket(stack: LocalStack) -> None:
    """An object in a bucket that is not the inbound bucket."""
    bucket = f"elsewhere-{uuid.uuid4().hex[:8]}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    message_id = new_message_id()
    put(stack, f"raw/{message_id}", with_ses_headers(BOOKING, PASSING), bucket=bucket)
    notification = notification_for(stack, message_id, f"raw/{message_id}", bucket=bucket)
    enqueue(stack, sns_envelope(notification))


def attackers_own_domain(stack: LocalStack) -> None:
    """SES stored it: SPF and DKIM pass for the attacker's own domain, nothing for the From's."""
    message_id = new_message_id()
    stored = with_ses_headers(BOOKING, {**PASSING, **ATTACKERS_OWN}, dkim_domain="evil.example")
    put(stack, f"raw/{message_id}", stored)
    enqueue(stack, sns_envelope(notification_for(stack, message_id, f"raw/{message_id}")))


#: shape → how it is sent, and the opening of the reason it is ignored for
SHAPES: dict[str, tuple[Callable[[LocalStack], None], str]] = {
    "foreign topic, forged signature": (
        foreign_topic,
        "untrusted notification: an SNS envelope from a topic that is not the inbound topic",
    ),
    "bare body, no envelope": (bare_body, "no Authentication-Results from SES"),
    "inline content": (inline_content, "untrusted notification: the email is not stored in S3"),
    "topped by another server's header": (
        topped_by_another_server,
        "no Authentication-Results from SES",
    ),
    "key of another email": (key_of_another_email, "object key does not match SES's messageId"),
    "another bucket": (another_bucket, "object is in bucket"),
    "the attacker's own domain": (attackers_own_domain, "From domain not authenticated"),
}


@pytest.fixture
def run(stack: LocalStack, make_worker, log_lines) -> Callable[..., list[dict[str, Any]]]:
    def send_and_work(send: Callable[[LocalStack], None]) -> list[dict[str, Any]]:
        send(stack)
        settle_all(make_worker(ParsersReader(default_fleet())))
        return [line for line in log_lines() if line["event"] == "message settled"]

    return send_and_work


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_forged_notification_is_ignored_as_untrusted_and_publishes_nothing(
    run, stack, sqs, shape
):
    send, reason = SHAPES[shape]
    [line] = run(send)
    assert line["outcome"] == "ignored", line
    assert line["reason"].startswith(reason), line["reason"]
    assert StateStore(stack.table_name, boto3.client("dynamodb")).load(KEY).booking is None
    assert dead_letters(sqs, stack) == []


def test_an_object_outside_the_inbound_prefix_is_ignored(run, stack):
    def outside(stack: LocalStack) -> None:
        message_id = new_message_id()
        put(stack, f"elsewhere/{message_id}", with_ses_headers(BOOKING, PASSING))
        record = {
            "eventSource": "aws:s3",
            "eventName": "ObjectCreated:Put",
            "s3": {
                "bucket": {"name": stack.inbound_bucket},
                "object": {"key": f"elsewhere/{message_id}"},
            },
        }
        enqueue(stack, json.dumps({"Records": [record]}))

    [line] = run(outside)
    assert line["outcome"] == "ignored"
    assert line["reason"] == "object key is not under the inbound prefix 'raw/'"


def test_what_ses_really_stores_and_announces_is_published_verified(run, stack):
    """The control: the same email, as SES stores and announces it, is admitted and verified."""

    def genuine(stack: LocalStack) -> None:
        message_id = new_message_id()
        put(stack, f"raw/{message_id}", with_ses_headers(BOOKING, PASSING))
        enqueue(stack, sns_envelope(notification_for(stack, message_id, f"raw/{message_id}")))

    [line] = run(genuine)
    assert line["outcome"] == "done"
    assert line["reason"].startswith("confirmed (verified): ran")

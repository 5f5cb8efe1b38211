"""Run the real worker (real parsers, recording publishers) over sample emails on a local stack."""

import time
from typing import Any

import boto3

from app.compose import Clients, build_worker
from sandbox.ingest import ingest
from sandbox.stack import LocalStack
from tests.conftest import FIXTURES
from tests.support.recording import Recorder, recording_publishers

EMAILS = FIXTURES / "emails"


def send_raw(stack: LocalStack, raw: bytes, **kwargs: Any) -> str:
    """One email in, as SES delivers it (``kwargs``: verdicts, message_id); its SES messageId."""
    return ingest(
        raw,
        s3=boto3.client("s3"),
        sqs=boto3.client("sqs"),
        bucket=stack.inbound_bucket,
        prefix="raw/",
        queue_url=stack.queue_url,
        **kwargs,
    )


def queue_size(sqs: Any, url: str) -> int:
    """Messages on the queue, visible or in flight."""
    attrs = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )


def ingest_sample(stack: LocalStack, name: str) -> str:
    """One sample email (``tests/fixtures/emails/<name>``) in, as SES delivers it."""
    return send_raw(stack, (EMAILS / name).read_bytes())


def work_queue(
    stack: LocalStack,
    recorder: Recorder,
    *emails: str,
    seconds: float = 30,
    **overrides: Any,
) -> None:
    """Ingest ``emails``, then let one worker settle everything in the queue (``overrides``:
    settings beyond the stack's, such as ``parsing``)."""
    settings = stack.settings(
        poll_wait_seconds=0, retry_base_seconds=0, max_receive_count=3, **overrides
    )
    worker = build_worker(
        settings, Clients.from_environment(), publishers=recording_publishers(recorder)
    )
    for name in emails:
        ingest_sample(stack, name)
    try:
        deadline = time.monotonic() + seconds
        while worker._run_once(wait_seconds=0) and time.monotonic() < deadline:
            worker.wait_idle(10)
        worker.wait_idle(10)
    finally:
        worker.signal_shutdown()
        worker.stop()


def settle_all(worker: Any, seconds: float = 30) -> None:
    """Let ``worker`` settle everything on its queue (retries made visible at once included)."""
    deadline = time.monotonic() + seconds
    while worker._run_once(wait_seconds=0) and time.monotonic() < deadline:
        worker.wait_idle(10)
    worker.wait_idle(10)

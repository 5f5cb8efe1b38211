"""Taught without a deploy: a renamed label dead-letters naming the word it did not know; the
operator adds the word under ``[parsing]``, replays by reason, and the booking publishes once."""

import json
import os

import boto3

from tests.support.cli import charterhand
from tests.support.emailkit import CONFIRMED_ROWS, confirmed
from tests.support.pipeline import send_raw, work_queue
from tests.support.recording import Recorder

#: the template renamed "Booking ID" to a word the parser has never seen
RENAMED = [("Charter token", value) if label == "Booking ID" else (label, value)
           for label, value in CONFIRMED_ROWS]  # fmt: skip


def dlq(aws, stack, *args: str):
    env = {**os.environ, **aws.env(), **stack.env()}
    return charterhand("dlq", *args, env=env)


def test_a_renamed_label_is_taught_in_settings_and_replayed(aws, stack, tmp_path):
    send_raw(stack, confirmed(rows=RENAMED).as_bytes())
    recorder = Recorder(path=tmp_path / "calls.jsonl")
    work_queue(stack, recorder)

    listed = [json.loads(line) for line in dlq(aws, stack, "ls", "--json").stdout.splitlines()]
    assert len(listed) == 1
    reason = listed[0]["reason"]
    assert reason.startswith("boatsetter confirmed email: cannot read booking_id")
    assert "labels not known: 'charter token'" in reason
    assert not recorder.completed("scc")

    replay = dlq(aws, stack, "replay", "--reason", "labels not known: 'charter token'")
    assert "replayed 1, left 0 in the DLQ" in replay.stdout, replay.stderr
    work_queue(stack, recorder, parsing={"labels": {"booking_id": ["Charter token"]}})

    assert [call["booking"] for call in recorder.completed("scc")] == ["boatsetter:xhqgmdh"]
    assert len(recorder.completed("calendar")) == 1
    assert dlq(aws, stack, "ls", "--json").stdout.strip() == ""
    sqs = boto3.client("sqs")
    attrs = sqs.get_queue_attributes(QueueUrl=stack.queue_url, AttributeNames=["All"])
    assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "0"

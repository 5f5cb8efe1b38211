"""The SES-events consumer long-polls (issue 20, point 6): one receive per 20 s while its queue
is empty, not one a second (3,600 receives an hour against the cost table's 180)."""

import threading
from typing import Any

import boto3

from sandbox.table import create_table
from state.ses_events import SesEventLog
from worker.ses_events import LONG_POLL_SECONDS, SesEventConsumer

TABLE = "charterhand-state"


def test_the_consumer_waits_twenty_seconds_on_each_receive(aws):
    create_table(boto3.client("dynamodb"), TABLE)
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName="ses-events")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="not an SES event")  # the receive returns at once
    stop = threading.Event()
    waits: list[int] = []

    def seen(params: dict[str, Any], **_: Any) -> None:
        waits.append(params["WaitTimeSeconds"])
        stop.set()  # one receive is enough to see how long it would wait

    sqs.meta.events.register("provide-client-params.sqs.ReceiveMessage", seen)
    consumer = SesEventConsumer(sqs, queue, SesEventLog(TABLE, boto3.client("dynamodb")))
    runner = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    runner.start()
    runner.join(timeout=30)
    assert not runner.is_alive()
    assert waits == [LONG_POLL_SECONDS] == [20]

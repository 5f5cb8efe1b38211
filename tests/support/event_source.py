"""What Lambda's SQS event source mapping does around the function, over any
:class:`worker.queue.MessageQueue`: receive a batch (with the attributes the mapping asks for),
hand it in as Lambda's SQS event (``Records[]``, camelCase, as in
``../shared/aws-events/sqsEvent.json``), then delete every message the answer's
``batchItemFailures`` does not name (``ReportBatchItemFailures``). Not shipped: AWS runs this.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from worker.queue import Received

#: the bookings queue's ARN as the mapping names it in each record
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:charterhand-bookings"


def record_of(message: Received, source_arn: str = QUEUE_ARN) -> dict[str, Any]:
    """One message as a Lambda SQS event record."""
    attributes = {"ApproximateReceiveCount": str(message.receive_count)}
    if message.sent_at is not None:
        attributes["SentTimestamp"] = str(int(message.sent_at * 1000))
    if message.first_received_at is not None:
        attributes["ApproximateFirstReceiveTimestamp"] = str(int(message.first_received_at * 1000))
    return {
        "messageId": message.message_id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": attributes,
        "messageAttributes": {
            name: {"stringValue": value, "dataType": "String"}
            for name, value in message.attributes.items()
        },
        "eventSource": "aws:sqs",
        "eventSourceARN": source_arn,
        "awsRegion": "us-east-1",
    }


@dataclass
class FunctionContext:
    """The few fields of Lambda's context object the entry point reads."""

    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:charterhand-worker"


@dataclass
class EventSourceMapping:
    """One mapping from a queue to a function (``function(event, context) -> answer``)."""

    queue: Any  # a MessageQueue
    function: Callable[[Mapping[str, Any], object], Mapping[str, Any]]
    batch_size: int = 10
    visibility_timeout: int = 30
    source_arn: str = QUEUE_ARN
    answers: list[Mapping[str, Any]] = field(default_factory=list)

    def poll_once(self) -> int:
        """One batch through the function; how many messages it held."""
        messages = self.queue.receive(
            max_messages=self.batch_size, wait_seconds=0, visibility_timeout=self.visibility_timeout
        )
        if not messages:
            return 0
        event = {"Records": [record_of(m, self.source_arn) for m in messages]}
        answer = self.function(event, FunctionContext())
        self.answers.append(answer)
        failed = {item["itemIdentifier"] for item in answer["batchItemFailures"]}
        done = [m for m in messages if m.message_id not in failed]
        if done:
            self.queue.delete_batch(done)
        return len(messages)

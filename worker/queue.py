"""The message queue the worker reads: receive, delete, visibility, the DLQ, re-sends, and the
format of the attributes the worker (and ``ops.dlq``) write on messages.

:class:`MessageQueue` is the seam; :class:`SqsQueue` carries it out on SQS (the requests the
worker has always made, one each: no retries hidden here). The loop's tests run on an in-memory
stand-in with the SQS behaviour the worker relies on (``tests/support/memory_queue.py``: not
shipped); ``tests/integration/test_queue_contract.py`` runs the same cases on both.

Every method raises a :class:`bookings.CharterhandError` when the queue fails (classified by
:func:`aws.errors.classify`: transient or permanent).
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from aws.clients import client as aws_client
from aws.errors import classify

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageAttributeValueTypeDef

#: every attribute the worker and the DLQ tools write on a message starts with this
ATTRIBUTE_PREFIX = "charterhand."
#: contention retries so far (a re-sent message's attribute)
CONTENTION = ATTRIBUTE_PREFIX + "contention_retries"
#: receives spent on real failures by the copies before this one
PRIOR_RECEIVES = ATTRIBUTE_PREFIX + "prior_receives"
#: when the message first failed: kept across re-sends and replays
FIRST_FAILURE = ATTRIBUTE_PREFIX + "first_failure"
#: how often ``charterhand dlq replay`` put it back on the queue
REPLAY_COUNT = ATTRIBUTE_PREFIX + "replay_count"

#: SQS's largest batch (receive, delete, change visibility, send)
MAX_BATCH = 10


def message_attributes(values: Mapping[str, str]) -> dict[str, "MessageAttributeValueTypeDef"]:
    """String attributes as SQS takes them (names as given: prefix them first)."""
    return {name: {"DataType": "String", "StringValue": value} for name, value in values.items()}


def ours(attributes: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """A received message's ``charterhand.*`` string attributes, without the prefix."""
    return {
        name.removeprefix(ATTRIBUTE_PREFIX): str(value.get("StringValue", ""))
        for name, value in attributes.items()
        if name.startswith(ATTRIBUTE_PREFIX)
    }


@dataclass(frozen=True)
class Received:
    """One message as received, with what settling it needs."""

    message_id: str
    receipt_handle: str
    body: str
    receive_count: int = 1
    first_received_at: float | None = None
    sent_at: float | None = None
    #: its string message attributes, names whole (``charterhand.replay_count``)
    attributes: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_sqs(cls, message: Mapping[str, Any]) -> "Received":
        attrs = message.get("Attributes", {})
        return cls(
            message_id=message["MessageId"],
            receipt_handle=message["ReceiptHandle"],
            body=message.get("Body", ""),
            receive_count=int(attrs.get("ApproximateReceiveCount", "1")),
            first_received_at=_epoch_ms(attrs.get("ApproximateFirstReceiveTimestamp")),
            sent_at=_epoch_ms(attrs.get("SentTimestamp")),
            attributes={
                name: value["StringValue"]
                for name, value in message.get("MessageAttributes", {}).items()
                if "StringValue" in value
            },
        )

    @property
    def spent(self) -> int:
        """Receives spent on real failures, this copy's included: what the retry budget counts."""
        return self.receive_count + _count(self.attributes.get(PRIOR_RECEIVES))

    @property
    def contention_retries(self) -> int:
        return _count(self.attributes.get(CONTENTION))


class MessageQueue(Protocol):
    """The bookings queue with its dead-letter queue, as the worker uses them."""

    def receive(
        self, *, max_messages: int, wait_seconds: int, visibility_timeout: int
    ) -> list[Received]:
        """Up to ``max_messages`` (at most ten), each hidden for ``visibility_timeout`` s."""
        ...

    def delete(self, message: Received) -> None:
        """Delete one message for good."""
        ...

    def delete_batch(self, messages: Sequence[Received]) -> dict[str, str]:
        """Delete up to ten messages in one request; ``{receipt handle: reason}`` for those the
        queue refused."""
        ...

    def change_visibility(self, message: Received, seconds: int) -> None:
        """Hide one message for ``seconds`` from now (0: visible at once)."""
        ...

    def change_visibility_batch(self, messages: Iterable[Received], seconds: int) -> None:
        """Hide messages for ``seconds`` from now, ten to a request."""
        ...

    def dead_letter(self, message: Received, attributes: Mapping[str, str]) -> None:
        """Send the body, unchanged, to the dead-letter queue with ``attributes`` (names without
        the prefix). The message itself stays until deleted."""
        ...

    def resend(self, message: Received, attributes: Mapping[str, str], delay_seconds: int) -> None:
        """Send the body again as a fresh message (receive count 1) with ``attributes`` (names
        whole), hidden for ``delay_seconds``. The old copy stays until deleted."""
        ...


class SqsQueue:
    """:class:`MessageQueue` on SQS. Builds its own client only when none is given."""

    def __init__(self, *, queue_url: str, dlq_url: str, client: "SQSClient | None" = None) -> None:
        self.queue_url = queue_url
        self.dlq_url = dlq_url
        self.client = client or aws_client("sqs")

    def receive(
        self, *, max_messages: int, wait_seconds: int, visibility_timeout: int
    ) -> list[Received]:
        response = self._call(
            "receiving messages",
            self.client.receive_message,
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=wait_seconds,
            VisibilityTimeout=visibility_timeout,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return [Received.from_sqs(m) for m in response.get("Messages", [])]

    def delete(self, message: Received) -> None:
        self._call(
            "deleting the message",
            self.client.delete_message,
            QueueUrl=self.queue_url,
            ReceiptHandle=message.receipt_handle,
        )

    def delete_batch(self, messages: Sequence[Received]) -> dict[str, str]:
        if not messages:
            return {}
        if len(messages) > MAX_BATCH:
            raise ValueError("SQS deletes at most ten messages per request")
        response = self._call(
            "deleting messages",
            self.client.delete_message_batch,
            QueueUrl=self.queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m.receipt_handle} for i, m in enumerate(messages)
            ],
        )
        return {
            messages[int(failed["Id"])].receipt_handle: "deleting the message: "
            + str(failed.get("Code", "error"))
            for failed in response.get("Failed", [])
        }

    def change_visibility(self, message: Received, seconds: int) -> None:
        self._call(
            "changing the message's visibility",
            self.client.change_message_visibility,
            QueueUrl=self.queue_url,
            ReceiptHandle=message.receipt_handle,
            VisibilityTimeout=seconds,
        )

    def change_visibility_batch(self, messages: Iterable[Received], seconds: int) -> None:
        batch = list(messages)
        for start in range(0, len(batch), MAX_BATCH):
            entries = [
                {"Id": str(i), "ReceiptHandle": m.receipt_handle, "VisibilityTimeout": seconds}
                for i, m in enumerate(batch[start : start + MAX_BATCH])
            ]
            self._call(
                "changing messages' visibility",
                self.client.change_message_visibility_batch,
                QueueUrl=self.queue_url,
                Entries=entries,
            )

    def dead_letter(self, message: Received, attributes: Mapping[str, str]) -> None:
        self._call(
            "sending to the dead-letter queue",
            self.client.send_message,
            QueueUrl=self.dlq_url,
            MessageBody=message.body,
            MessageAttributes=message_attributes(
                {ATTRIBUTE_PREFIX + name: value for name, value in attributes.items()}
            ),
        )

    def resend(self, message: Received, attributes: Mapping[str, str], delay_seconds: int) -> None:
        self._call(
            "re-sending the message",
            self.client.send_message,
            QueueUrl=self.queue_url,
            MessageBody=message.body,
            DelaySeconds=delay_seconds,
            MessageAttributes=message_attributes(attributes),
        )

    def _call(self, doing: str, method: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return method(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, doing) from exc


def _count(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _epoch_ms(value: str | None) -> float | None:
    return int(value) / 1000 if value else None

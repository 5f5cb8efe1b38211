"""SES's own report on the emails we send: its configuration set's events, in the state table.

SES publishes an event for every email it accepted (Send), and later Delivery, Bounce, Complaint,
Reject, ... through the configuration set's event destination (terraform: SNS topic → SQS queue,
``infra/terraform/ses_events.tf``). Each event carries the email's tags (``mail.tags``), among
them ``charterhand-send=<tag>`` that :func:`publishers.deliveries.send_once` put on the send. The
worker records each event under that tag and SES's message id, so a send whose answer was lost
can be settled from what SES itself saw instead of being sent blindly again.

Items: ``pk = sesmail#<tag>``, ``sk = <SES message id>#<event type>``, with the message id, the
event type and time, and a TTL. One partition per send: a strongly consistent query answers
"did SES take it, and under which id?". SNS delivers at least once: a repeat overwrites itself.

:class:`SesEventConsumer` is the worker's small consumer of that queue, on a thread of its own
in the worker process (``ses_events_queue_url``). In tests, moto emits no SES events:
``sandbox.ses.SesStandIn`` publishes the same SNS-wrapped event JSON in SES's place.
"""

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import structlog
from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import classify
from bookings import CharterhandError
from publishers.transport.mail import SEND_TAG

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import DeleteMessageBatchRequestEntryTypeDef

log = structlog.get_logger("charterhand.ses_events")

PREFIX = "sesmail#"


@dataclass(frozen=True)
class SesEvent:
    """One SES event about one email, reduced to what settles a send."""

    event_type: str
    message_id: str
    tag: str | None
    timestamp: str = ""


def parse_event(body: str) -> SesEvent | None:
    """An SQS body (SNS envelope, or the event itself with raw delivery) → the event; None for
    anything that is not an SES event (SNS's subscription confirmation, a test message, ...)."""
    try:
        data: Any = json.loads(body)
        if isinstance(data, Mapping) and data.get("Type") == "Notification":
            data = json.loads(data.get("Message", ""))
    except (TypeError, ValueError):
        return None
    if not isinstance(data, Mapping):
        return None
    kind = data.get("eventType") or data.get("notificationType")  # events, or feedback notices
    mail = data.get("mail")
    if not isinstance(kind, str) or not isinstance(mail, Mapping):
        return None
    message_id = mail.get("messageId")
    if not isinstance(message_id, str) or not message_id:
        return None
    tags = mail.get("tags")
    values = tags.get(SEND_TAG) if isinstance(tags, Mapping) else None
    tag = values[0] if isinstance(values, list) and values and isinstance(values[0], str) else None
    return SesEvent(kind, message_id, tag, str(mail.get("timestamp", "")))


class SesEventLog:
    """SES events in the state table, by our send tag and SES's message id."""

    def __init__(
        self,
        table_name: str,
        client: "DynamoDBClient | None" = None,
        *,
        keep_days: int = 35,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table_name = table_name
        self._client = client or boto3.client("dynamodb")
        self._keep_seconds = keep_days * 86400
        self._clock = clock

    def record(self, event: SesEvent) -> None:
        """Keep one event (events without our tag are not ours to settle: ignored)."""
        if event.tag is None:
            return
        now = int(self._clock())
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item={
                    "pk": {"S": PREFIX + event.tag},
                    "sk": {"S": f"{event.message_id}#{event.event_type}"},
                    "message_id": {"S": event.message_id},
                    "event_type": {"S": event.event_type},
                    "mail_timestamp": {"S": event.timestamp or "-"},
                    "recorded_at": {"N": str(now)},
                    "expires_at": {"N": str(now + self._keep_seconds)},
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, "recording an SES event") from exc

    def reported(self, tag: str) -> str | None:
        """The SES message id of any event recorded for ``tag``, or None."""
        try:
            answer = self._client.query(
                TableName=self.table_name,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": PREFIX + tag}},
                ConsistentRead=True,
                Limit=1,
            )
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, "reading SES events") from exc
        items = answer.get("Items", [])
        return items[0]["message_id"]["S"] if items else None


class SesEventConsumer:
    """Moves SES events from their SQS queue into the state table; runs on its own thread."""

    def __init__(self, sqs: "SQSClient", queue_url: str, events: SesEventLog) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.events = events

    def poll_once(self, wait_seconds: int = 1) -> int:
        """Receive up to ten events, record them, delete what was recorded; how many came."""
        try:
            messages = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
            ).get("Messages", [])
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, "receiving SES events") from exc
        done: list[DeleteMessageBatchRequestEntryTypeDef] = []
        for message in messages:
            event = parse_event(message.get("Body", ""))
            if event is None:
                log.warning("not an SES event; dropped", message_id=message["MessageId"])
            else:
                try:
                    self.events.record(event)
                except CharterhandError as exc:  # comes back after its visibility timeout
                    log.warning("could not record an SES event", error=exc.reason)
                    continue
            done.append({"Id": str(len(done)), "ReceiptHandle": message["ReceiptHandle"]})
        if done:
            try:
                self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=done)
            except (ClientError, BotoCoreError) as exc:  # recorded twice later: harmless
                log.warning("could not delete SES events", error=str(exc))
        return len(messages)

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set; one failure never ends the loop."""
        while not stop.is_set():
            try:
                self.poll_once()
            except CharterhandError as exc:
                log.warning("SES event consumer: trying again", error=exc.reason)
                stop.wait(1.0)
            except Exception as exc:
                log.error("SES event consumer: unexpected error", exc_info=exc)
                stop.wait(1.0)

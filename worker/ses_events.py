"""SES's own report on the emails we send: its configuration set's events, in the state table.

SES publishes an event for every email it accepted (Send), and later Delivery, Bounce, Complaint,
Reject, ... through the configuration set's event destination (terraform: SNS topic → SQS queue,
``infra/terraform/ses_events.tf``). Each event carries the email's tags (``mail.tags``), among them
``charterhand-send=<tag>`` that :func:`publishers.deliveries.send_once` put on the send. The worker
records each event under that tag and SES's message id (:class:`state.ses_events.SesEventLog`), so a
send whose answer was lost can be settled from what SES itself saw instead of being sent blindly
again.

:class:`SesEventConsumer` is the worker's small consumer of that queue, on a thread of its own
in the worker process (``ses_events_queue_url``). In tests, moto emits no SES events:
``sandbox.ses.SesStandIn`` publishes the same SNS-wrapped event JSON in SES's place.
"""

import json
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import classify
from bookings import CharterhandError
from publishers.transport.mail import SEND_TAG
from state.ses_events import SesEvent, SesEventLog

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import DeleteMessageBatchRequestEntryTypeDef

log = structlog.get_logger("charterhand.ses_events")

#: SQS's longest wait: an idle queue costs one receive per 20 s (180 an hour), not one a second
LONG_POLL_SECONDS = 20


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


class SesEventConsumer:
    """Moves SES events from their SQS queue into the state table; runs on its own thread."""

    def __init__(
        self,
        sqs: "SQSClient",
        queue_url: str,
        events: SesEventLog,
        wait_seconds: int = LONG_POLL_SECONDS,
    ) -> None:
        """``wait_seconds``: each receive's long-poll wait (the worker's ``poll_wait_seconds``)."""
        self.sqs = sqs
        self.queue_url = queue_url
        self.events = events
        self.wait_seconds = wait_seconds

    def poll_once(self, wait_seconds: int | None = None) -> int:
        """Receive up to ten events, record them, delete what was recorded; how many came."""
        try:
            messages = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=self.wait_seconds if wait_seconds is None else wait_seconds,
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

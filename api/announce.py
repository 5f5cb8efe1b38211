"""Telling the worker that a crew answer was recorded: one small message on the bookings queue.

The links API records the answer (the member's click is never lost to a mail outage) and then
puts ``{"charterhand": "crew-answer", "booking": ...}`` (:mod:`bookings.tasks`) on the bookings
queue, where the worker, which already sends the manager's mail once (the delivery log), tells
the manager of a decline at once. The message names only the booking: the worker reads the
answers themselves from the state table. If it cannot be sent, the answer stays recorded and the
worker's hourly crew check finds the decline and tells the manager then.
"""

from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import classify
from bookings.tasks import crew_answer_body

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class Announcer(Protocol):
    """Tells the worker that a booking's crew answers changed."""

    def answered(self, booking_key: str) -> None: ...


class QueueAnnouncer:
    """Puts the answer's message on the bookings queue (``answers_queue_url``)."""

    def __init__(self, sqs: "SQSClient", queue_url: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url

    def answered(self, booking_key: str) -> None:
        try:
            body = crew_answer_body(booking_key)
            self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=body)
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, "telling the worker of a crew answer") from exc

"""What an operator wants to know at a glance: are the queues healthy, and where is each booking?

Reads only. The main queue is never received from here (a receive would count against a
message's ``maxReceiveCount``); the age of its oldest message comes from CloudWatch. The DLQ is
browsed (nobody else consumes it) for the age of its oldest dead letter.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bookings import missing_fields
from bookings.slugs import CREW_PAGE_STEP
from ops.dlq import DeadLetterQueue
from state.audit import AuditState
from state.links import LinksState
from state.photos import PhotoArrivals
from state.steps import StepState
from state.store import BookingRecord, StateStore

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient


@dataclass(frozen=True)
class QueueHealth:
    """Depth and age of one queue."""

    name: str
    waiting: int
    in_flight: int
    delayed: int
    oldest_age_seconds: int | None


@dataclass(frozen=True)
class BookingStatus:
    """One booking: its state, each step's, and the crew's answers."""

    key: str
    status: str
    boat: str
    start: str
    end: str
    as_of: str
    updated_at: str
    #: step → published | failed (a step that never ran is absent: it is pending)
    steps: dict[str, str]
    #: a worker holds the booking's lease right now
    in_progress: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)
    #: step → the URL it published (guest_page, crew_page), and the photo ``gallery``
    links: dict[str, str] = field(default_factory=dict)
    #: guests' photos that arrived for it (as S3 told the worker: state.photos)
    photos: int = 0
    #: how the booking's newest email was proven the platform's ("" before provenance existed)
    provenance: str = ""
    #: fields its platform normally sends that no email of it gave (bookings.carried)
    missing: list[str] = field(default_factory=list)
    #: with a missing field, the label-like words its emails used that no field is known by
    unread_labels: list[str] = field(default_factory=list)


def queue_health(
    sqs: "SQSClient",
    url: str,
    *,
    oldest_age: Callable[[str], int | None],
) -> QueueHealth:
    """Depth from SQS's attributes; the oldest message's age from ``oldest_age(queue name)``."""
    attrs = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    name = url.rstrip("/").rsplit("/", 1)[-1]
    return QueueHealth(
        name=name,
        waiting=int(attrs.get("ApproximateNumberOfMessages", "0")),
        in_flight=int(attrs.get("ApproximateNumberOfMessagesNotVisible", "0")),
        delayed=int(attrs.get("ApproximateNumberOfMessagesDelayed", "0")),
        oldest_age_seconds=oldest_age(name),
    )


def cloudwatch_oldest_age(
    cloudwatch: "CloudWatchClient", now: datetime
) -> Callable[[str], int | None]:
    """SQS's ``ApproximateAgeOfOldestMessage`` over the last 10 minutes; None without data."""

    def read(queue_name: str) -> int | None:
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/SQS",
            MetricName="ApproximateAgeOfOldestMessage",
            Dimensions=[{"Name": "QueueName", "Value": queue_name}],
            StartTime=now - timedelta(minutes=10),
            EndTime=now,
            Period=60,
            Statistics=["Maximum"],
        ).get("Datapoints", [])
        if not points:
            return None
        latest = max(points, key=lambda p: p["Timestamp"])
        return int(latest.get("Maximum", 0))

    return read


def dead_letter_oldest_age(dlq: DeadLetterQueue, now: datetime) -> Callable[[str], int | None]:
    """The oldest dead letter's age, read from the DLQ itself."""

    def read(_queue_name: str) -> int | None:
        letters = dlq.browse()
        if not letters:
            return None
        return int((now - min(letter.sent_at for letter in letters)).total_seconds())

    return read


def recent_bookings(
    client: "DynamoDBClient", table_name: str, limit: int = 10
) -> list[BookingStatus]:
    """The ``limit`` most recently updated bookings, newest first (:meth:`StateStore.updated`)."""
    newest = sorted(StateStore(table_name, client).updated(), reverse=True)[:limit]
    found = (booking_status(client, table_name, key, updated_at) for updated_at, key in newest)
    return [status for status in found if status is not None]


def booking_status(
    client: "DynamoDBClient", table_name: str, key: str, updated_at: str = ""
) -> BookingStatus | None:
    """One booking's state, each step's, its published links and crew answers; None if unknown."""
    record = StateStore(table_name, client).load(key)
    if record.booking is None:
        return None
    booking = record.booking
    return BookingStatus(
        key=key,
        status=booking.status.value,
        boat=booking.boat,
        start=booking.start.isoformat(),
        end=booking.end.isoformat(),
        as_of=booking.as_of.isoformat(),
        updated_at=updated_at,
        steps={
            name: step.status or StepState.PENDING for name, step in sorted(record.steps.items())
        },
        in_progress=record.lease_expires is not None and record.lease_expires > time.time(),
        errors={
            name: step.last_error
            for name, step in record.steps.items()
            if step.status is StepState.FAILED and step.last_error
        },
        answers=crew_answers(client, table_name, key),
        links=links_of(record),
        photos=PhotoArrivals(table_name=table_name, dynamodb=client).count(key),
        provenance=booking.provenance.text if booking.provenance else "",
        missing=list(missing := missing_fields(booking)),
        unread_labels=list(booking.unread_labels) if missing else [],
    )


def links_of(record: BookingRecord) -> dict[str, str]:
    """What the booking's steps published (``url``), and its photo gallery (the crew page's)."""
    links = {
        name: step.external_ids["url"]
        for name, step in sorted(record.steps.items())
        if "url" in step.external_ids
    }
    gallery = record.step(CREW_PAGE_STEP).external_ids.get("gallery_url")
    return {**links, "gallery": gallery} if gallery else links


def crew_answers(client: "DynamoDBClient", table_name: str, key: str) -> dict[str, str]:
    """``{crew id: confirmed | declined}`` as the links API recorded them."""
    return LinksState(table_name=table_name, dynamodb=client).answers(key)


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class FindingStatus:
    """One open audit finding (a missed booking, a booking gone from a platform, a feed that
    cannot be read): what it says and since when (UTC ISO 8601)."""

    kind: str
    boat: str
    source: str
    sentence: str
    since: str


def open_findings(client: "DynamoDBClient", table_name: str) -> list[FindingStatus]:
    """The audit's open findings, oldest first (``state.audit``)."""
    found = AuditState(table_name, client).open_findings()
    return [
        FindingStatus(
            kind=item.kind,
            boat=item.boat,
            source=item.source,
            sentence=item.sentence,
            since=datetime.fromtimestamp(item.first_seen, UTC).isoformat(timespec="seconds"),
        )
        for item in sorted(found, key=lambda f: (f.first_seen, f.key))
    ]

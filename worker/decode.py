"""SQS body → where the raw email is, and how the body said so (the SNS envelope's topic).

Bodies we understand (see ``../shared/aws-events``):

* an SES "Received" notification with an S3 action, delivered raw or inside an SNS envelope, or
  as Lambda's ``Records[].ses`` shape (an SNS action's notification names no stored email: its
  inline content is never decoded, and admission refuses it as untrusted);
* an S3 event notification (direct or inside SNS) with one or more records and URL-encoded keys;
* an S3 "Object Created" event from EventBridge (its keys are not URL-encoded);
* S3's ``s3:TestEvent``, SNS subscription confirmations, SES sending notifications: nothing to do;
* the worker's own tasks (:mod:`bookings.tasks`), put on the queue directly (never inside an SNS
  envelope): a crew answer recorded on a booking, the hourly crew check, the hourly audit. Each
  only asks the worker to look at what the state table holds, so one sent by anyone else can do
  no harm.
* an S3 event notification from the photos bucket (``photos_bucket``, when the worker has one): a
  guest's photo arrived (:class:`PhotoRef`), for ``worker.photos``, never read as an email.

Anything else is unreadable: a permanent fault, dead-lettered with its reason on the first attempt.
Reasons name the shape, never values, so no address or subject reaches a log.

Nothing here is trusted: the notification's own verdicts are not even kept. ``trust.admit``
decides on where the email is (bucket, prefix, messageId, the envelope's topic) and on what SES
wrote on top of the stored email.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

from bookings import PermanentError
from bookings.tasks import AUDIT, CREW_ANSWER, CREW_CHECK, TASK_FIELD, TaskKind, is_booking_key


class UnreadableBody(PermanentError):
    """The SQS body is not a shape we know; retrying will not change it."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"unreadable body: {reason}", step="decode")


@dataclass(frozen=True)
class EmailRef:
    """One email a message points at: an S3 object (no object: an SNS action's notification,
    whose inline content is never read)."""

    bucket: str | None = None
    key: str | None = None
    #: SES's messageId: the dedup id when known (never SQS's MessageId: a replay has a new one)
    ses_message_id: str | None = None
    #: the SNS envelope's TopicArn ("" when it had none); None when the body came in none
    sns_topic_arn: str | None = None
    #: when SES received the email (the notification's ``mail.timestamp``): ``as_of`` may not be
    #: later; None for S3 events (the parsers then read SES's own Received header)
    received_at: datetime | None = None

    @property
    def where(self) -> str:
        """Where the raw email is, for logs and errors."""
        if self.bucket is None or self.key is None:
            return "inline SES content (not read)"
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class Task:
    """One of the worker's own tasks: which, and the booking it is about (a crew answer's)."""

    kind: TaskKind
    booking_key: str | None = None


@dataclass(frozen=True)
class PhotoRef:
    """A guest's photo S3 stored in the photos bucket, and when (the event's ``eventTime``)."""

    bucket: str
    key: str
    at: datetime | None = None


@dataclass(frozen=True)
class Decoded:
    """What a body says: emails to read, photos that arrived, a task of the worker's own, or
    why there is nothing to do (``ignored``)."""

    emails: tuple[EmailRef, ...] = ()
    ignored: str | None = None
    photos: tuple[PhotoRef, ...] = ()
    task: Task | None = None


def decode_body(body: str, *, photos_bucket: str | None = None) -> Decoded:
    """Decode one SQS message body; raises :class:`UnreadableBody` for anything we do not know.
    S3 records of ``photos_bucket`` are photos that arrived, not emails."""
    doc = _load(body, "body")
    if TASK_FIELD in doc:
        return Decoded(task=_task(doc))
    return _decode(doc, depth=0, topic=None, photos_bucket=photos_bucket)


def _task(doc: dict[str, Any]) -> Task:
    """The worker's own task, exactly as :mod:`bookings.tasks` writes it, or unreadable."""
    kind = doc.get(TASK_FIELD)
    if kind == CREW_CHECK and set(doc) == {TASK_FIELD}:
        return Task(CREW_CHECK)
    if kind == AUDIT and set(doc) == {TASK_FIELD}:
        return Task(AUDIT)
    if kind == CREW_ANSWER and set(doc) == {TASK_FIELD, "booking"}:
        if not is_booking_key(doc["booking"]):
            raise UnreadableBody("a crew answer task names no booking key")
        return Task(CREW_ANSWER, doc["booking"])
    raise UnreadableBody(f"an unknown task ({kind!s:.20}) or fields {sorted(doc)[:4]}")


def _load(text: Any, what: str) -> dict[str, Any]:
    if not isinstance(text, str):
        raise UnreadableBody(f"{what} is not a string")
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise UnreadableBody(f"{what} is not JSON") from exc
    if not isinstance(doc, dict):
        raise UnreadableBody(f"{what} is JSON but not an object")
    return doc


def _decode(
    doc: dict[str, Any], depth: int, topic: str | None, photos_bucket: str | None = None
) -> Decoded:
    """``topic``: the outermost SNS envelope's TopicArn, once one was opened."""
    if depth > 2:
        raise UnreadableBody("envelopes nested too deep")
    sns_type = doc.get("Type")
    if sns_type in ("SubscriptionConfirmation", "UnsubscribeConfirmation"):
        return Decoded(ignored=f"SNS {sns_type} for {doc.get('TopicArn', 'an unknown topic')}")
    if sns_type == "Notification" and "Message" in doc:
        if topic is None:
            arn = doc.get("TopicArn")
            topic = arn if isinstance(arn, str) else ""
        return _decode(_load(doc["Message"], "SNS Message"), depth + 1, topic, photos_bucket)
    if doc.get("Event") == "s3:TestEvent":
        return Decoded(ignored="s3:TestEvent")
    if "notificationType" in doc:
        return _ses_notification(doc, topic)
    if doc.get("source") == "aws.s3" and "detail" in doc:
        return _eventbridge(doc, topic)
    records = doc.get("Records")
    if isinstance(records, list):
        return _records(records, topic, photos_bucket)
    raise UnreadableBody(f"unrecognised JSON object with keys {sorted(doc)[:8]}")


def _records(records: list[Any], topic: str | None, photos_bucket: str | None) -> Decoded:
    if not records:
        raise UnreadableBody("Records is empty")
    emails: list[EmailRef] = []
    photos: list[PhotoRef] = []
    skipped: list[str] = []
    for record in records:
        if not isinstance(record, dict):
            raise UnreadableBody("a record is not an object")
        source = record.get("eventSource")
        if source == "aws:s3":
            name = str(record.get("eventName", ""))
            if not name.startswith("ObjectCreated"):
                skipped.append(name or "an unnamed S3 event")
                continue
            s3 = _object(record, "s3")
            bucket = _string(_object(s3, "bucket"), "name", "S3 record bucket.name")
            key = _string(_object(s3, "object"), "key", "S3 record object.key")
            if photos_bucket is not None and bucket == photos_bucket:
                at = _timestamp(record.get("eventTime"))
                photos.append(PhotoRef(bucket=bucket, key=unquote_plus(key), at=at))
                continue
            emails.append(EmailRef(bucket=bucket, key=unquote_plus(key), sns_topic_arn=topic))
        elif source == "aws:ses":
            emails.extend(_ses_notification(_object(record, "ses"), topic).emails)
        else:
            raise UnreadableBody(f"a record from {source or 'an unknown source'!s:.40}")
    if not emails and not photos:
        return Decoded(ignored=f"no object created ({', '.join(sorted(set(skipped)))})")
    return Decoded(emails=tuple(emails), photos=tuple(photos))


def _eventbridge(doc: dict[str, Any], topic: str | None) -> Decoded:
    kind = doc.get("detail-type")
    if kind != "Object Created":
        return Decoded(ignored=f"EventBridge S3 {kind!s:.40}")
    detail = _object(doc, "detail")
    bucket = _string(_object(detail, "bucket"), "name", "EventBridge detail.bucket.name")
    key = _string(_object(detail, "object"), "key", "EventBridge detail.object.key")
    return Decoded(emails=(EmailRef(bucket=bucket, key=key, sns_topic_arn=topic),))


def _ses_notification(doc: dict[str, Any], topic: str | None) -> Decoded:
    kind = doc.get("notificationType", "Received")  # Lambda's Records[].ses has no type
    if kind != "Received":
        return Decoded(ignored=f"SES {kind!s:.40} notification, not received mail")
    receipt = _object(doc, "receipt")
    mail = _object(doc, "mail")
    action = _object(receipt, "action")
    message_id = mail.get("messageId")
    ses_id = message_id if isinstance(message_id, str) and message_id else None
    at = _timestamp(mail.get("timestamp"))
    action_type = action.get("type")
    if action_type == "S3":
        bucket = _string(action, "bucketName", "SES action.bucketName")
        key = _string(action, "objectKey", "SES action.objectKey")
        ref = EmailRef(
            bucket=bucket, key=key, ses_message_id=ses_id, sns_topic_arn=topic, received_at=at
        )
        return Decoded(emails=(ref,))
    if action_type == "SNS":  # the email inline, stored nowhere: named, never read
        return Decoded(emails=(EmailRef(ses_message_id=ses_id, sns_topic_arn=topic),))
    raise UnreadableBody(f"SES notification with a {action_type!s:.20} action and no email in it")


def _timestamp(value: Any) -> datetime | None:
    """SES's ``mail.timestamp`` ("2027-03-02T17:14:05.000Z"); None when absent or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def _object(doc: dict[str, Any], name: str) -> dict[str, Any]:
    value = doc.get(name)
    if not isinstance(value, dict):
        raise UnreadableBody(f"{name} is missing or not an object")
    return value


def _string(doc: dict[str, Any], name: str, what: str) -> str:
    value = doc.get(name)
    if not isinstance(value, str) or not value:
        raise UnreadableBody(f"{what} is missing")
    return value

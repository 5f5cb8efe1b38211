"""Do what SES inbound does with an email: store it raw in S3, then notify the queue.

SES's S3 action writes the raw MIME to ``s3://<inbound>/<prefix><messageId>`` (the key's last
segment is the notification's ``mail.messageId``) with its own headers on top (the verdicts
``X-SES-Spam-Verdict`` and ``X-SES-Virus-Verdict``, then its ``Authentication-Results``, above
every header the sender wrote), and publishes a "Received" notification to the inbound topic,
which SNS wraps in an envelope naming that topic (``TOPIC_ARN``: the sandbox stack's
``inbound_topic_arn``) on its way into SQS. ``charterhand ingest``,
the tests, the bench and the demo all go through here, so they feed the worker exactly what
production does.
"""

import json
import secrets
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

VERDICT_NAMES = ("spam", "virus", "spf", "dkim", "dmarc")
PASSING = dict.fromkeys(VERDICT_NAMES, "PASS")
#: the inbound topic the sandbox announces mail on (the worker trusts envelopes from it alone)
TOPIC_ARN = "arn:aws:sns:us-east-1:000000000000:charterhand-inbound"


def new_message_id() -> str:
    """An id shaped like SES's (lower-case base32, 40 characters)."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(40))


def with_ses_headers(
    raw: bytes, verdicts: Mapping[str, str], *, dkim_domain: str | None = None
) -> bytes:
    """The raw email as SES stores it: its verdict headers prepended to the original bytes.

    ``Authentication-Results`` is shaped as SES writes it, each result tied to a domain: DKIM to
    the signer (``dkim_domain``, by default the From domain, as a platform signs its own mail),
    DMARC to the From domain.
    """
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    senders = [addr for _, addr in getaddresses(headers.get_all("From", [])) if addr]
    domain = senders[0].rpartition("@")[2].lower() if senders else "unknown.invalid"
    envelope_from = senders[0] if senders else f"bounce@{domain}"
    results = "".join(
        [
            f"\r\n spf={verdicts['spf'].lower()} (spfCheck: domain of {domain} designates "
            f"192.0.2.25 as permitted sender) client-ip=192.0.2.25; "
            f"envelope-from={envelope_from}; helo=mail.{domain};",
            f"\r\n dkim={verdicts['dkim'].lower()} header.i=@{dkim_domain or domain};",
            f"\r\n dmarc={verdicts['dmarc'].lower()} header.from={domain};",
        ]
    )
    lines = [
        f"X-SES-Spam-Verdict: {verdicts['spam']}",
        f"X-SES-Virus-Verdict: {verdicts['virus']}",
        f"Authentication-Results: amazonses.com;{results}",
    ]
    return ("\r\n".join(lines) + "\r\n").encode() + raw


def ses_notification(
    raw: bytes,
    *,
    message_id: str,
    bucket: str,
    key: str,
    verdicts: Mapping[str, str],
    recipients: list[str] | None = None,
    topic_arn: str = TOPIC_ARN,
    received_at: datetime | None = None,
) -> dict[str, Any]:
    """An SES "Received" notification for an S3 action, as SES publishes it.

    ``received_at`` is SES's receipt (``mail.timestamp``); by default now, or a minute after the
    email's own Date when that is later: the sandbox's emails are dated when their story happens
    (2027), and SES never receives an email before it was written (the worker refuses a date
    later than the receipt)."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    at = received_at or _received(str(headers.get("Date", "")))
    now = at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    to = [addr for _, addr in getaddresses(headers.get_all("To", [])) if addr]
    sender = [addr for _, addr in getaddresses(headers.get_all("From", [])) if addr]
    return {
        "notificationType": "Received",
        "receipt": {
            "timestamp": now,
            "processingTimeMillis": 1,
            "recipients": recipients or to,
            **{f"{name}Verdict": {"status": verdicts[name]} for name in VERDICT_NAMES},
            "action": {
                "type": "S3",
                "topicArn": topic_arn,
                "bucketName": bucket,
                "objectKey": key,
            },
        },
        "mail": {
            "timestamp": now,
            "source": sender[0] if sender else "",
            "messageId": message_id,
            "destination": recipients or to,
            "headersTruncated": False,
            "headers": [{"name": k, "value": str(v)} for k, v in headers.items()],
            "commonHeaders": {
                "from": [str(v) for v in headers.get_all("From", [])],
                "to": [str(v) for v in headers.get_all("To", [])],
                "subject": str(headers.get("Subject", "")),
                "date": str(headers.get("Date", "")),
                "messageId": str(headers.get("Message-ID", "")),
            },
        },
    }


def _received(date: str) -> datetime:
    """Now, or a minute after ``date`` (an email's Date header) when that is later."""
    now = datetime.now(UTC)
    try:
        written = parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError):
        return now
    if written is None or written.tzinfo is None:
        return now
    return max(now, written + timedelta(minutes=1))


def sns_envelope(message: Mapping[str, Any], topic_arn: str = TOPIC_ARN) -> str:
    """The SNS → SQS envelope (raw message delivery off) around a notification."""
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "TopicArn": topic_arn,
            "Subject": "Amazon SES Email Receipt Notification",
            "Message": json.dumps(message),
            "Timestamp": datetime.now(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "SignatureVersion": "1",
            "Signature": "",
            "SigningCertURL": "",
            "UnsubscribeURL": "",
        }
    )


def ingest(
    raw: bytes,
    *,
    s3: "S3Client",
    sqs: "SQSClient",
    bucket: str,
    prefix: str,
    queue_url: str,
    verdicts: Mapping[str, str] | None = None,
    message_id: str | None = None,
    dkim_domain: str | None = None,
    topic_arn: str | None = None,
) -> str:
    """Store ``raw`` as SES would and enqueue its notification, announced on ``topic_arn`` (by
    default the sandbox's); returns the SES messageId."""
    topic_arn = topic_arn or TOPIC_ARN
    verdicts = {**PASSING, **(verdicts or {})}
    message_id = message_id or new_message_id()
    key = f"{prefix}{message_id}"
    stored = with_ses_headers(raw, verdicts, dkim_domain=dkim_domain)
    s3.put_object(Bucket=bucket, Key=key, Body=stored)
    notification = ses_notification(
        raw, message_id=message_id, bucket=bucket, key=key, verdicts=verdicts, topic_arn=topic_arn
    )
    sqs.send_message(QueueUrl=queue_url, MessageBody=sns_envelope(notification, topic_arn))
    return message_id

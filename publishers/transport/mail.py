"""Composing a MIME email (text, HTML, attachments) and sending it raw through SES v2.

Raw sending is what lets one email carry both parts and an ``.ics``. The booking key travels in
an ``X-Charterhand-Booking`` header so a bounce or complaint can be traced to its booking without
logging any address.

SES takes no idempotency key, so a send is never repeated blindly: the client the mailer builds
makes **one attempt** (no SDK retry), and a failure says whether SES may have accepted the email
(:class:`SendOutcomeUnknown`: a 5xx, a timeout or a connection lost after the request went out)
or surely did not (:class:`NotSent`: refused, throttled, or never reached). Each send carries a
message tag (``charterhand-send=<tag>``), which SES copies into every event it publishes about
the email (``mail.tags``), so :func:`publishers.deliveries.send_once` can match SES's own report
to a send whose answer was lost.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from typing import TYPE_CHECKING

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
)

import aws.clients
from aws.errors import http_status, translate
from bookings import CharterhandError, PermanentError, TransientError
from publishers.transport import mime

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    #: e.g. ``text/calendar``
    mime_type: str
    #: content-type parameters, e.g. ``{"method": "REQUEST"}``
    params: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Email:
    """A composed email: its ``From`` as written and the bytes SES sends."""

    sender: str
    raw: bytes

    def as_bytes(self) -> bytes:
        return self.raw


def compose(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    reply_to: str | None = None,
    attachments: Sequence[Attachment] = (),
    headers: Mapping[str, str] | None = None,
) -> Email:
    """A multipart/mixed email: alternative (text, HTML), then the attachments.

    Written directly (:mod:`publishers.transport.mime`): the ``email`` package's header registry
    parses and refolds every header it is given, about 2.5 ms an email, most of a booking's email
    CPU. What the direct writer does not handle exactly (a header it would have to fold, an odd
    attachment name, a non-ASCII address) goes through the ``email`` package as before."""
    fields = {"From": sender, "To": to, "Reply-To": reply_to or "", "Subject": subject}
    for value in (*fields.values(), *(headers or {}).values()):
        if "\r" in value or "\n" in value:  # as the email package refuses them: no injection
            raise ValueError("header values may not contain linefeed or carriage return")
    message_id = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    raw = mime.multipart_email(
        sender=sender,
        to=to,
        reply_to=reply_to,
        subject=subject,
        message_id=message_id,
        headers=headers or {},
        text=text,
        html=html,
        attachments=[(a.filename, a.content, a.mime_type, a.params or {}) for a in attachments],
    )
    if raw is None:
        raw = _with_email_package(
            sender=sender,
            to=to,
            subject=subject,
            text=text,
            html=html,
            reply_to=reply_to,
            attachments=attachments,
            headers=headers,
            message_id=message_id,
        ).as_bytes()
    return Email(sender=sender, raw=raw)


def _with_email_package(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    reply_to: str | None,
    attachments: Sequence[Attachment],
    headers: Mapping[str, str] | None,
    message_id: str,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for item in attachments:
        maintype, _, subtype = item.mime_type.partition("/")
        message.add_attachment(
            item.content,
            maintype=maintype,
            subtype=subtype,
            filename=item.filename,
            params=dict(item.params or {}),
        )
    return message


#: the SES message tag that carries a send's idempotency tag into SES's events
SEND_TAG = "charterhand-send"


class NotSent(TransientError):
    """SES surely did not accept the email (throttled, or never reached): safe to send again."""


class NotSentPermanently(PermanentError):
    """SES refused the email (bad address, unverified sender, ...): sending again will not help."""


class SendOutcomeUnknown(TransientError):
    """The request reached SES but its answer was lost (5xx, timeout, connection dropped): SES
    may have accepted the email. Do not send again before SES's own events say it did not."""


def ses_client(config: Config | None = None) -> "SESV2Client":
    """An SES v2 client from the one factory that makes one attempt per send (an SDK retry after
    a lost answer is a second email to a person); ``config`` (a pool size) is merged under that."""
    one_attempt = aws.clients.ONE_ATTEMPT
    return aws.clients.client("sesv2", one_attempt if config is None else config.merge(one_attempt))


def send_failure(exc: Exception, system: str) -> CharterhandError:
    """What a failed send means for sending again (see the module docstring)."""
    error = translate(exc, system)
    if isinstance(exc, ClientError):  # SES answered: it took the email only if it failed after
        if http_status(exc) >= 500:
            return SendOutcomeUnknown(f"{error.reason}: SES may have accepted the email")
        return NotSent(error.reason) if error.transient else NotSentPermanently(error.reason)
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):  # no request went out
        return NotSent(error.reason)
    if not error.transient:  # no credentials or region: nothing went out either
        return NotSentPermanently(error.reason)
    return SendOutcomeUnknown(f"{error.reason}: SES may have accepted the email")


class Mailer:
    """Sends raw email through SES v2 and returns SES's message id."""

    def __init__(
        self, client: "SESV2Client | None" = None, configuration_set: str | None = None
    ) -> None:
        self._client = client or ses_client()
        self._configuration_set = configuration_set

    def send(
        self, message: Email | EmailMessage, *, system: str = "SES", tag: str | None = None
    ) -> str:
        """Send once, tagged ``charterhand-send=<tag>``; a failure is :class:`NotSent`,
        :class:`NotSentPermanently` or :class:`SendOutcomeUnknown`."""
        extra: dict[str, object] = {}
        if self._configuration_set:
            extra["ConfigurationSetName"] = self._configuration_set
        if tag:
            extra["EmailTags"] = [{"Name": SEND_TAG, "Value": tag}]
        try:
            answer = self._client.send_email(
                FromEmailAddress=(
                    message.sender if isinstance(message, Email) else str(message["From"])
                ),
                Content={"Raw": {"Data": message.as_bytes()}},
                **extra,  # type: ignore[arg-type]
            )
        except (ClientError, BotoCoreError) as exc:
            raise send_failure(exc, system) from exc
        return answer["MessageId"]

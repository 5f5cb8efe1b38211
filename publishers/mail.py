"""Composing a MIME email (text, HTML, attachments) and sending it raw through SES v2.

Raw sending is what lets one email carry both parts and an ``.ics``. The booking key travels in
an ``X-Charterhand-Booking`` header so a bounce or complaint can be traced to its booking without
logging any address.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import translate

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
) -> EmailMessage:
    """A multipart/mixed email: alternative (text, HTML), then the attachments."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
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


class Mailer:
    """Sends raw email through SES v2 and returns SES's message id."""

    def __init__(
        self, client: "SESV2Client | None" = None, configuration_set: str | None = None
    ) -> None:
        self._client = client or boto3.client("sesv2")
        self._configuration_set = configuration_set

    def send(self, message: EmailMessage, *, system: str = "SES") -> str:
        """Send; SES failures become TransientError (throttling, 5xx) or PermanentError."""
        extra = {"ConfigurationSetName": self._configuration_set} if self._configuration_set else {}
        try:
            answer = self._client.send_email(
                FromEmailAddress=str(message["From"]),
                Content={"Raw": {"Data": message.as_bytes()}},
                **extra,  # type: ignore[arg-type]
            )
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, system) from exc
        return answer["MessageId"]

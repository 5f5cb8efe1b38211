"""The mail a provider sends to confirm forwarding into our inbox: recognised, and read.

Only Gmail sends one: when an owner adds ``bookings@in.<domain>`` as a forwarding address, Gmail
mails it a confirmation link and code from ``forwarding-noreply@google.com`` (subject
"(#123456789) Gmail Forwarding Confirmation - Receive Mail from owner@gmail.com", in the Gmail
user's language). Outlook.com and Microsoft 365 send none: their forwarding (a mailbox rule, or
the admin's forwarding setting) takes effect without the target confirming anything.

Recognised by what cannot be forged, in any language: Google's own forwarding sender, proven by
SES for google.com (aligned DMARC or DKIM: :func:`authenticated`, decided by ``trust.admission``
on the header block), and a body carrying the ``vf-`` link on Google's own mail-settings host
(:func:`read`). A subject never decides: a booking whose subject carries "Gmail (#123456)" is
read as a booking. Mail from Google's forwarding sender that SES did not prove is ignored, never
passed on; Google's own without a link we can read is loud (dead-lettered).
"""

import re
from dataclasses import dataclass
from email.message import Message

from parsers.mime import bodies, decode_message, decode_words, header_sender, header_text
from trust.authresults import AuthenticationResults, alignment

PROVIDER = "Gmail"
SENDER = "forwarding-noreply@google.com"
DOMAIN = "google.com"
#: the confirm link; its ``uf-`` twin in the same mail cancels the request and is never taken
_LINK = re.compile(
    r"https://(?:mail-settings|mail)\.google\.com/mail/(?:u/\d+/)?vf-[^\s<>\"')\]]+", re.IGNORECASE
)
_SUBJECT_CODE = re.compile(r"\(#(\d{6,12})\)")
_BODY_CODE = re.compile(r"(?<![\d#/=-])(\d{9})(?!\d)")
_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


@dataclass(frozen=True)
class Confirmation:
    """What the manager needs to finish setting up forwarding."""

    provider: str
    #: the mailbox that asked to forward into our inbox (None when the mail does not say)
    mailbox: str | None
    code: str | None
    link: str


def authenticated(headers: Message, results: AuthenticationResults | None) -> bool:
    """Google's own forwarding sender, proven by SES for google.com."""
    sender = header_sender(headers).address
    return sender == SENDER and alignment(results, DOMAIN) is not None


def read(raw: bytes) -> Confirmation | None:
    """The link, code and requesting mailbox; None when the mail has no confirm link."""
    message = decode_message(raw)
    found = bodies(message)
    text = found.text or ""
    html = found.html or ""
    link = _first(_LINK, text) or _first(_LINK, html.replace("&amp;", "&"))
    if link is None:
        return None
    subject = header_text(message, "Subject")
    code = _first(_SUBJECT_CODE, subject, group=1) or _first(_BODY_CODE, text, group=1)
    return Confirmation(PROVIDER, _mailbox(message, subject, text), code, link)


def _mailbox(message: Message, subject: str, text: str) -> str | None:
    """The requesting Gmail address: named in the subject, else the first in the body that is
    neither a recipient (our inbox) nor Google's."""
    to = decode_words(message.get("To", ""))
    recipients = {str(a).lower() for a in _ADDRESS.findall(to)}
    skip = recipients | {SENDER}
    for source in (subject, text):
        for candidate in _ADDRESS.findall(source):
            address = str(candidate).lower().rstrip(".")
            if address not in skip and not address.endswith("@" + DOMAIN):
                return address
    return None


def _first(pattern: re.Pattern[str], text: str, group: int = 0) -> str | None:
    match = pattern.search(text)
    return str(match.group(group)).rstrip(".,;") if match else None

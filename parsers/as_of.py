"""The original's moment (``as_of``), never later than what it must precede.

An email's moment is its own Date, or, when forwarded, the original's (the attached original's
Date, or the date the forward quotes, read by ``parsers.quoted_date``). A date that names no zone
is the forwarder's wall clock and takes the forwarder's offset (``Original.as_of``). It must not be
later than the moment SES received the email, nor (beyond a forwarding device's clock skew) than
the forward that quoted it: a reading that is, is refused and named, and the email is then a
``ParseError``, because a moment from the future would win over every newer email.

The receipt is SES's notification's ``mail.timestamp`` when the worker has it; otherwise the
topmost ``Received`` header SES wrote on the stored object; otherwise (a file parsed by hand) the
email's own outer Date.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message
from types import EllipsisType
from zoneinfo import ZoneInfo

from parsers.forwarding import Original
from parsers.mime import header_date, parse_rfc_date

#: how far behind the platform's clock a forwarding device's own may run
SKEW = timedelta(minutes=5)
#: SES's inbound endpoint, as it names itself in the Received header it adds
_SES = re.compile(r"\bby\s+inbound-smtp\.[a-z0-9-]+\.amazonaws\.com\b", re.IGNORECASE)


@dataclass(frozen=True)
class Receipt:
    """When the email reached us, and who says so (for ``--explain`` and errors)."""

    at: datetime
    said_by: str


@dataclass(frozen=True)
class Moment:
    """``as_of``, or None and why not; and where it came from."""

    value: datetime | None
    problem: str | None
    how: str


def receipt_of(
    msg: Message, given: datetime | None = None, date: datetime | EllipsisType | None = ...
) -> Receipt | None:
    """SES's receipt of ``msg``: ``given`` (the notification's), else SES's own topmost Received
    header, else the email's outer Date (``date`` when the caller read it already, as
    :func:`parsers.mime.header_date` does); None when none is known."""
    if given is not None:
        return Receipt(given, "SES's notification")
    received = msg.get_all("Received") or []
    if received and _SES.search(" ".join(str(received[0]).split())):
        at = parse_rfc_date(" ".join(str(received[0]).rpartition(";")[2].split()))
        if at is not None:
            return Receipt(at, "the Received header SES wrote")
    outer = header_date(msg) if isinstance(date, EllipsisType) else date
    return Receipt(outer, "the email's own Date (no receipt time known)") if outer else None


def moment(
    original: Original, zone: ZoneInfo | None, receipt: Receipt | None, *, explain: bool = True
) -> Moment:
    """The original's moment in ``zone`` (the boat's) or the forwarder's offset, checked.
    Without ``explain``, ``how`` is left empty: only ``--explain`` shows it."""
    value = original.as_of(zone)
    if original.quoted_date:
        what = f"the forward's quoted date {original.quoted_date!r}"
    elif original.forwarded and original.forward_date is not None:
        what = "the attached original's Date"
    else:
        what = "the email's Date"
    how = _how(original, what, value) if explain else ""
    if value is None:
        return Moment(None, original.date_problem, how)
    forward = original.forward_date
    if forward is not None and value > forward + SKEW:
        problem = f"{what} reads as {value.isoformat()}, later than the forward that quoted it"
        return Moment(None, f"{problem} ({forward.isoformat()})", how)
    if receipt is not None and value > receipt.at:
        problem = f"{what} reads as {value.isoformat()}, later than SES received the email"
        return Moment(None, f"{problem} ({receipt.at.isoformat()}, {receipt.said_by})", how)
    if receipt is not None and explain:
        how += f"; not later than SES's receipt ({receipt.at.isoformat()}, {receipt.said_by})"
    return Moment(value, None, how)


def _how(original: Original, what: str, value: datetime | None) -> str:
    """Where the moment was read from, and how (for ``--explain``)."""
    if not original.quoted_date:
        attached = original.forwarded and original.forward_date is not None
        return what if attached else "the original's Date header"
    how = f"{what} ({original.date_how}; read as {_languages(original)})"
    if value is not None and original.written_date and original.written_date.tzinfo is None:
        how += f", in the forwarder's offset {_offset(value)}"
    return how


def _languages(original: Original) -> str:
    return ", ".join(sorted(original.languages)) or "any language"


def _offset(value: datetime) -> str:
    offset = value.utcoffset() or timedelta()
    sign = "-" if offset < timedelta() else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"

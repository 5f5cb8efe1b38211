"""Raw MIME → BookingEvent, or NotABooking, or a ParseError. Pure: no I/O.

``parse_email`` raises ``bookings.NotABooking`` or ``bookings.ParseError`` and nothing else,
whatever the bytes (a property test holds it to that).
"""

import hashlib
from collections.abc import Callable
from datetime import datetime

from bookings import BookingEvent, Fleet, NotABooking, ParseError
from parsers import date_words
from parsers.as_of import receipt_of
from parsers.envelope import Envelope, read_envelope
from parsers.forward_words import header_inside
from parsers.forwarding import Hop
from parsers.opened import OpenedEmail, open_email
from parsers.registry import SOURCES, notice_rule, source_for
from parsers.vocabulary import BUILT_IN, Vocabulary

__all__ = [
    "BUILT_IN",
    "SOURCES",
    "Envelope",
    "Hop",
    "OpenedEmail",
    "Vocabulary",
    "email_identity",
    "explain_email",
    "open_email",
    "parse_email",
    "read_envelope",
    "warm_up",
]


def warm_up(pause: Callable[[], None] = lambda: None) -> None:
    """Load now (worker start) what the first forward would otherwise load: the pattern of
    quoted headers written on one line, every language's date words and dateparser's data
    (:func:`parsers.date_words.warm_up`); ``pause`` is called between pieces, no lock held."""
    header_inside()
    pause()
    date_words.warm_up(pause)


#: the field each header of the original is read as
_READ_AS = {"Subject": "kind", "Date": "as_of"}


def parse_email(
    raw: bytes | OpenedEmail,
    fleet: Fleet,
    vocabulary: Vocabulary = BUILT_IN,
    trace: dict[str, str] | None = None,
    received_at: datetime | None = None,
) -> BookingEvent:
    """What one booking email says, read from its raw bytes (forwarded or not), or from the
    email :func:`open_email` opened (to read its envelope too without decoding it twice).
    ``trace``, when given, is filled with where each field came from (:func:`explain_email`).
    ``received_at`` is SES's receipt of the email (its notification's ``mail.timestamp``); without
    it, the topmost Received header SES wrote, else the outer Date, bounds ``as_of``
    (``parsers.as_of``).

    ``NotABooking`` only on positive evidence (its ``rule`` names it); a platform's email, or a
    forward that carries one, that cannot be read is a ``ParseError``.
    """
    opened = open_email(raw, vocabulary)
    rule = notice_rule(opened.message)
    if rule is not None:
        raise NotABooking(f"{rule} (mail about mail, not a booking)", rule=rule)
    original = opened.original
    source = source_for(original)
    if original.repeated:
        names = " and ".join(original.repeated)
        raise ParseError(
            f"{source.name} email: the original gives its {names} more than once; which one "
            "the platform wrote cannot be told (a signature proves only the last)",
            source=source.name,
            missing=[_READ_AS[name] for name in original.repeated],
        )
    receipt = receipt_of(opened.message, received_at, opened.date)
    return source.read(original, fleet, trace, receipt)


def explain_email(
    raw: bytes, fleet: Fleet, vocabulary: Vocabulary = BUILT_IN
) -> tuple[BookingEvent | NotABooking | ParseError, dict[str, str], Envelope]:
    """What ``parse_email`` says of ``raw``, where each field came from, and the envelope."""
    opened = open_email(raw, vocabulary)
    trace: dict[str, str] = {}
    envelope = read_envelope(opened, fleet.boats[0].zone)
    try:
        return parse_email(opened, fleet, vocabulary, trace), trace, envelope
    except (NotABooking, ParseError) as exc:
        return exc, trace, envelope


def email_identity(raw: bytes) -> str:
    """The dedup id of an email when SES's messageId is unknown: a hash of the exact bytes."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()

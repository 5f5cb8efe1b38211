"""Raw MIME → BookingEvent, or NotABooking, or a ParseError. Pure: no I/O.

``parse_email`` raises ``bookings.NotABooking`` or ``bookings.ParseError`` and nothing else,
whatever the bytes (a property test holds it to that).
"""

import hashlib

from bookings import BookingEvent, Fleet
from parsers.envelope import Envelope, read_envelope
from parsers.opened import OpenedEmail, open_email
from parsers.registry import SOURCES, source_for

__all__ = [
    "SOURCES",
    "Envelope",
    "OpenedEmail",
    "email_identity",
    "open_email",
    "parse_email",
    "read_envelope",
]


def parse_email(raw: bytes | OpenedEmail, fleet: Fleet) -> BookingEvent:
    """What one booking email says, read from its raw bytes (forwarded or not), or from the
    email :func:`open_email` opened (to read its envelope too without decoding it twice)."""
    original = open_email(raw).original
    return source_for(original).read(original, fleet)


def email_identity(raw: bytes) -> str:
    """The dedup id of an email when SES's messageId is unknown: a hash of the exact bytes."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()

"""What the worker needs to know about a raw email, behind one small interface.

The real implementation is the parsers package (``parsers.parse_email``, ``email_identity``,
``read_envelope``); keeping the worker on this protocol keeps the loop testable on its own and
the parsers free of anything the worker does.
"""

from dataclasses import dataclass
from typing import Protocol

from bookings import BookingEvent


@dataclass(frozen=True)
class Envelope:
    """Who an email is really from, and which mailbox forwarded it to us (None: not forwarded)."""

    original_sender: str | None
    forwarded_by: str | None
    #: the email's own From: the domain SES's Authentication-Results speak to
    from_address: str | None = None
    #: how it was forwarded: None (direct) | "auto" | "inline" | "attachment"
    style: str | None = None
    #: the attached original's exact bytes (``attachment`` style): its own DKIM signature may
    #: prove the platform wrote it
    attached_original: bytes | None = None


class MailReader(Protocol):
    def identity(self, raw: bytes) -> str:
        """A stable dedup id for an email whose SES messageId is unknown."""
        ...

    def envelope(self, raw: bytes) -> Envelope:
        """The original sender and the forwarding mailbox."""
        ...

    def parse(self, raw: bytes) -> BookingEvent:
        """The booking event; raises ``NotABooking`` or ``ParseError`` and nothing else."""
        ...

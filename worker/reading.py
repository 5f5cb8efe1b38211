"""What the worker needs to know about a raw email, behind one small interface.

The real implementation is the parsers package (``parsers.parse_email``, ``email_identity``,
``read_envelope``); keeping the worker on this protocol keeps the loop testable on its own and
the parsers free of anything the worker does.
"""

from datetime import datetime
from typing import Protocol

from bookings import BookingEvent
from trust.origin import MailOrigin


class MailReader(Protocol):
    def identity(self, raw: bytes) -> str:
        """A stable dedup id for an email whose SES messageId is unknown."""
        ...

    def origin(self, raw: bytes) -> MailOrigin:
        """Who the email is from and how it reached us: the original sender, the forwarding
        mailboxes (what admission checks)."""
        ...

    def parse(self, raw: bytes, received_at: datetime | None = None) -> BookingEvent:
        """The booking event; raises ``NotABooking`` or ``ParseError`` and nothing else.
        ``received_at`` is when SES received the email, when its notification says."""
        ...

    def forget(self) -> None:
        """Drop whatever this thread keeps of the email it read last: the worker is done with it,
        and its bytes no longer count against the memory budget."""
        ...

"""What the worker needs to know about a raw email, behind one small interface.

The real implementation is the parsers package (``parsers.parse_email``, ``email_identity``,
``read_envelope``); keeping the worker on this protocol keeps the loop testable on its own and
the parsers free of anything the worker does.
"""

from dataclasses import dataclass
from typing import Protocol

from bookings import BookingEvent
from parsers import Hop


@dataclass(frozen=True)
class MailOrigin:
    """Who an email is really from, and which mailboxes forwarded it to us.

    ``forwarded_by`` is the outermost forwarder (None: not forwarded, or not nameable); ``hops``
    every forwarding step from the inbox side inwards, each naming its mailbox exactly or saying
    why it cannot (``Hop.problem``). Admission checks every hop. What the worker keeps of
    ``parsers.Envelope`` (the parser's sender facts), plus the attached original's bytes.
    """

    original_sender: str | None
    forwarded_by: str | None
    #: the email's own From: the domain SES's Authentication-Results speak to
    from_address: str | None = None
    #: how it was forwarded: None (direct) | "auto" | "inline" | "attachment"
    style: str | None = None
    #: the attached original's exact bytes (``attachment`` style): its own DKIM signature may
    #: prove the platform wrote it
    attached_original: bytes | None = None
    hops: tuple[Hop, ...] = ()


class MailReader(Protocol):
    def identity(self, raw: bytes) -> str:
        """A stable dedup id for an email whose SES messageId is unknown."""
        ...

    def origin(self, raw: bytes) -> MailOrigin:
        """Who the email is from and how it reached us: the original sender, the forwarding
        mailboxes (what admission checks)."""
        ...

    def parse(self, raw: bytes) -> BookingEvent:
        """The booking event; raises ``NotABooking`` or ``ParseError`` and nothing else."""
        ...

    def forget(self) -> None:
        """Drop whatever this thread keeps of the email it read last: the worker is done with it,
        and its bytes no longer count against the memory budget."""
        ...

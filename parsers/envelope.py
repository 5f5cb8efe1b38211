"""Who an email is really from: what the worker's admission step checks before parsing."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from parsers.forwarding import Hop
from parsers.mime import header_sender, header_text
from parsers.opened import OpenedEmail, open_email
from parsers.registry import platform_of


@dataclass(frozen=True)
class Envelope:
    """The sender facts of one email.

    ``from_address`` is the raw message's own From (what SES's SPF/DKIM/DMARC verdicts speak to);
    ``original_sender`` the platform's address when forwarded (else the same); ``forwarder`` the
    outermost mailbox that forwarded it, None when it came straight to us (or when that mailbox
    cannot be named: ``hops`` then says why). ``hops`` is every forwarding step, from the inbox
    side inwards, each naming its mailbox exactly or marked unnameable; admission checks each.
    """

    from_address: str | None
    original_sender: str | None
    original_sender_name: str
    source: str | None  # the platform whose own domain sent the original; None for any other
    forwarder: str | None
    forward_style: str | None  # None | "auto" | "inline" | "attachment"
    hops: tuple[Hop, ...]
    subject: str
    as_of: datetime | None
    message_id: str | None


def read_envelope(raw: bytes | OpenedEmail, zone: ZoneInfo | None = None) -> Envelope:
    """The envelope of ``raw``; unknown facts are None. Raises only a ``ParseError``, for MIME
    nested too deep to decode (``parsers.nesting``).

    ``zone`` is where a forward's zone-less quoted Date is most likely written (the fleet's);
    see ``parsers.forwarding``.
    """
    opened = open_email(raw)
    msg, original = opened.message, opened.original
    return Envelope(
        from_address=header_sender(msg).address,
        original_sender=original.sender,
        original_sender_name=original.sender_name,
        source=platform.name if (platform := platform_of(original.sender)) else None,
        forwarder=original.forwarder,
        forward_style=original.style,
        hops=original.hops,
        subject=original.subject,
        as_of=original.as_of(zone),
        message_id=header_text(msg, "Message-ID").strip("<> ") or None,
    )

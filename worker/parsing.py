"""The parsers package behind the worker's :class:`~worker.reading.MailReader` interface.

Built with the fleet and the operator's taught vocabulary (``[parsing]`` in settings).
"""

import threading
from datetime import datetime

import parsers
from bookings import BookingEvent, Fleet
from parsers.attached import attached_original
from trust.origin import MailOrigin


class ParsersReader:
    """Reads raw emails with ``parsers`` for one fleet."""

    def __init__(self, fleet: Fleet, vocabulary: parsers.Vocabulary = parsers.BUILT_IN) -> None:
        self.fleet = fleet
        self.vocabulary = vocabulary
        self._last = threading.local()

    def identity(self, raw: bytes) -> str:
        return parsers.email_identity(raw)

    def origin(self, raw: bytes) -> MailOrigin:
        opened = self._opened(raw)
        found = parsers.read_envelope(opened)
        attached = any(hop.style == "attachment" for hop in found.hops)  # at any depth
        return MailOrigin(
            original_sender=found.original_sender,
            forwarded_by=found.forwarder,
            from_address=found.from_address,
            style=found.forward_style,
            attached_original=attached_original(raw, opened.message) if attached else None,
            hops=found.hops,
        )

    def parse(self, raw: bytes, received_at: datetime | None = None) -> BookingEvent:
        opened = self._opened(raw)
        return parsers.parse_email(opened, self.fleet, self.vocabulary, received_at=received_at)

    def forget(self) -> None:
        self._last.__dict__.clear()

    def _opened(self, raw: bytes) -> parsers.OpenedEmail:
        """The email this thread is reading, decoded once for its origin and its parse."""
        last = self._last
        if getattr(last, "raw", None) is not raw:
            last.raw, last.opened = raw, parsers.open_email(raw, self.vocabulary)
        opened: parsers.OpenedEmail = last.opened
        return opened

"""The parsers package behind the worker's :class:`~worker.reading.MailReader` interface."""

import parsers
from bookings import BookingEvent, Fleet
from worker.reading import Envelope


class ParsersReader:
    """Reads raw emails with ``parsers`` for one fleet."""

    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet

    def identity(self, raw: bytes) -> str:
        return parsers.email_identity(raw)

    def envelope(self, raw: bytes) -> Envelope:
        found = parsers.read_envelope(raw)
        return Envelope(original_sender=found.original_sender, forwarded_by=found.forwarder)

    def parse(self, raw: bytes) -> BookingEvent:
        return parsers.parse_email(raw, self.fleet)

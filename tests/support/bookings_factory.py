"""Bookings for tests, built the way the worker gets them: from a BookingEvent."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bookings import Booking, BookingEvent, Kind

PACIFIC = ZoneInfo("America/Los_Angeles")


def booking(**changes: Any) -> Booking:
    """A confirmed three-hour Boatsetter charter on JADA, with ``changes`` applied to the event."""
    fields: dict[str, Any] = {
        "source": "boatsetter",
        "kind": Kind.CONFIRMED,
        "booking_id": "xhqgmdh",
        "boat": "JADA",
        "renter_name": "Maria Lopez",
        "start": datetime(2031, 6, 14, 10, 0, tzinfo=PACIFIC),
        "end": datetime(2031, 6, 14, 13, 0, tzinfo=PACIFIC),
        "party_size": 6,
        "notes": "Birthday on board, we bring a cake",
        "gross": "840.75",
        "as_of": datetime(2031, 5, 1, 9, 30, tzinfo=PACIFIC),
    }
    fields.update(changes)
    return Booking.from_event(BookingEvent(**fields))

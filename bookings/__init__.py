"""The domain: bookings, the events that change them, money, margin and crew. Pure, no I/O."""

from bookings.booking import Booking, reduce
from bookings.carried import FIELD_NAMES, missing_fields
from bookings.errors import (
    CharterhandError,
    NotABooking,
    NotInFleet,
    ParseError,
    PermanentError,
    TransientError,
    UnknownBoat,
    UnknownCrew,
    Waiting,
)
from bookings.events import BookingEvent
from bookings.kinds import Kind
from bookings.margin import Margin, MarginPolicy
from bookings.provenance import Provenance
from bookings.roster import Boat, CrewAssignment, CrewMember, Fleet, default_fleet

__all__ = [
    "FIELD_NAMES",
    "Boat",
    "Booking",
    "BookingEvent",
    "CharterhandError",
    "CrewAssignment",
    "CrewMember",
    "Fleet",
    "Kind",
    "Margin",
    "MarginPolicy",
    "NotABooking",
    "NotInFleet",
    "ParseError",
    "PermanentError",
    "Provenance",
    "TransientError",
    "UnknownBoat",
    "UnknownCrew",
    "Waiting",
    "default_fleet",
    "missing_fields",
    "reduce",
]

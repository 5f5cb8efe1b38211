"""The fields a platform's booking emails normally carry, and which of them a booking lacks.

A booking whose emails never gave one of these is still published (a missing gross is no reason
to keep a charter off the calendar), but it is not silent: the manager's summary, ``charterhand
status`` and the ``MissingValues`` metric name the field, with the label-like words the emails
used that no field is known by, so the operator can teach the word (``[parsing]``).

A meeting point is carried by neither platform's booking emails today (the boat's configured
one stands in), so it is not expected of them: expecting it would flag every booking.
"""

from collections.abc import Mapping

from bookings.booking import Booking

#: per platform, the fields its confirmation, request and change emails carry
CARRIED: Mapping[str, tuple[str, ...]] = {
    "boatsetter": ("gross", "party_size"),
    "getmyboat": ("gross", "party_size"),
}
#: every field any platform is expected to carry (the metric's ``Field`` values)
EXPECTED_FIELDS: tuple[str, ...] = tuple(
    dict.fromkeys(name for names in CARRIED.values() for name in names)
)
#: how a person reads each field's name
FIELD_NAMES: Mapping[str, str] = {
    "gross": "gross",
    "party_size": "party size",
    "meeting_point": "meeting point",
}


def missing_fields(booking: Booking) -> tuple[str, ...]:
    """The fields the booking's platform normally sends that no email of it stated; none for a
    cancelled booking (nobody needs its margin)."""
    if not booking.is_live:
        return ()
    return tuple(name for name in CARRIED.get(booking.source, ()) if getattr(booking, name) is None)

"""The ``.ics`` invitation crew emails carry, so the charter lands in their own calendar.

UID is stable per booking, so each new email updates (or, with METHOD:CANCEL, removes) the same
calendar event instead of adding one. SEQUENCE is derived from the booking's order (its ``as_of``
and kind), so it rises with every newer state and any delivery order gives the same number, with
no counter to store.
"""

from datetime import UTC, datetime

import icalendar

from bookings import Booking

SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def uid(booking: Booking) -> str:
    """One event per booking, whichever email told us about it."""
    return f"{booking.key.replace(':', '-')}-crew@charterhand"


def sequence(booking: Booking) -> int:
    """Minutes since 2020 × 4 + kind rank: rises with each newer state; fits 32 bits for ages."""
    minutes = int((booking.as_of - SEQUENCE_EPOCH).total_seconds() // 60)
    return minutes * 4 + booking.status.rank


def invitation(
    booking: Booking,
    *,
    summary: str,
    description: str,
    organizer: str,
    attendee: str,
    attendee_name: str,
    url: str | None,
) -> bytes:
    """METHOD:REQUEST for a live booking, METHOD:CANCEL (STATUS:CANCELLED) for a cancelled one."""
    live = booking.is_live
    event = icalendar.Event()
    event.add("uid", uid(booking))
    event.add("sequence", sequence(booking))
    event.add("dtstamp", booking.as_of.astimezone(UTC))
    # UTC: every client shows it in its own zone, and no VTIMEZONE (thousands of lines for a
    # zone's full history) has to travel with it
    event.add("dtstart", booking.start.astimezone(UTC))
    event.add("dtend", booking.end.astimezone(UTC))
    event.add("summary", summary)
    event.add("description", description)
    if booking.meeting_point:
        event.add("location", booking.meeting_point)
    if url:
        event.add("url", url)
    event.add("status", "CONFIRMED" if live else "CANCELLED")
    event.add("organizer", f"mailto:{organizer}")
    event.add(
        "attendee",
        f"mailto:{attendee}",
        parameters={"CN": attendee_name, "ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"},
    )
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//charterhand//crew email//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST" if live else "CANCEL")
    calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical

"""The ``.ics`` invitation crew emails carry, so the charter lands in their own calendar.

UID is stable per booking, so each new email updates (or, with METHOD:CANCEL, removes) the same
calendar event instead of adding one. SEQUENCE is derived from the booking's order (its ``as_of``
and kind), so it rises with every newer state and any delivery order gives the same number, with
no counter to store.
"""

from datetime import UTC, datetime

from bookings import Booking
from publishers.transport.ics_writer import Property, Uri, calendar

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
    # UTC: every client shows it in its own zone, and no VTIMEZONE (thousands of lines for a
    # zone's full history) has to travel with it
    event: list[Property] = [
        ("uid", uid(booking), {}),
        ("sequence", sequence(booking), {}),
        ("dtstamp", booking.as_of.astimezone(UTC), {}),
        ("dtstart", booking.start.astimezone(UTC), {}),
        ("dtend", booking.end.astimezone(UTC), {}),
        ("summary", summary, {}),
        ("description", description, {}),
    ]
    if booking.meeting_point:
        event.append(("location", booking.meeting_point, {}))
    if url:
        event.append(("url", Uri(url), {}))
    event += [
        ("status", "CONFIRMED" if live else "CANCELLED", {}),
        ("organizer", Uri(f"mailto:{organizer}"), {}),
        (
            "attendee",
            Uri(f"mailto:{attendee}"),
            {"CN": attendee_name, "ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"},
        ),
    ]
    head: list[Property] = [
        ("prodid", "-//charterhand//crew email//EN", {}),
        ("version", "2.0", {}),
        ("method", "REQUEST" if live else "CANCEL", {}),
    ]
    return calendar(head, event)

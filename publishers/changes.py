"""What changed between the booking a step last published and the booking now, for people.

Crew emails and the manager's summary both say "what changed, old → new"; this is the one place
that decides how each field reads.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bookings import Booking
from bookings.money import format_usd
from templates.filters import day, span


@dataclass(frozen=True)
class Change:
    """One field, as a person reads it before and after."""

    label: str
    old: str
    new: str


def _when(b: Booking) -> str:
    return f"{day(b.start)}, {span(b.start, b.end)}"


def _text(value: object) -> str:
    return "—" if value in (None, "") else str(value)


Field = tuple[str, Callable[[Booking], str]]

#: what crew care about
CREW_FIELDS: tuple[Field, ...] = (
    ("When", _when),
    ("Boat", lambda b: b.boat),
    ("Party size", lambda b: _text(b.party_size)),
    ("Meeting point", lambda b: _text(b.meeting_point)),
    ("Renter", lambda b: b.renter_name),
    ("Renter's notes", lambda b: _text(b.notes)),
)
#: what the booking manager cares about: all of it
MANAGER_FIELDS: tuple[Field, ...] = (
    ("Status", lambda b: b.status.value),
    *CREW_FIELDS,
    ("Gross", lambda b: "—" if b.gross is None else format_usd(b.gross)),
)


def changes(
    previous: Booking | None, current: Booking, fields: Sequence[Field] = CREW_FIELDS
) -> list[Change]:
    """The fields whose reading differs; empty for a first publication."""
    if previous is None:
        return []
    found = []
    for label, read in fields:
        old, new = read(previous), read(current)
        if old != new:
            found.append(Change(label, old, new))
    return found

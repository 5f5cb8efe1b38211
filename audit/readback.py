"""What reading one published record back says, and the seam each downstream system's reader fills.

A reader compares what a system holds now with what the state says a step published (the step's
recorded ids, and the payload its publisher makes of the booking it published). It says one of
three things: the record matches, it is missing (deleted, or cancelled, by hand), or it was
edited (a field we published reads back different; fields the system adds are not ours to
compare). A read that fails is not a verdict: the reader raises the error family of the failure
(a transient one is tried again on the next run), or :class:`NotReadable` when the system has
no reads at all.
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from bookings import Booking
from publishers.base import Publisher
from state.store import StepRecord

#: how a person names each audited step's record
RECORD_NAMES = {
    "calendar": "calendar entry",
    "scc": "SCC event",
    "guest_page": "guest page",
    "crew_page": "crew page",
}


class Verdict(StrEnum):
    """What reading a record back found."""

    MATCH = "match"
    MISSING = "missing"
    EDITED = "edited"


@dataclass(frozen=True)
class Seen:
    """One record read back: its verdict, what differs (field names, never values), and the
    incident: a short digest of what was found, the repair's own idempotency key (the same
    missing or edited record repaired twice makes one repair; the next incident is another)."""

    verdict: Verdict
    detail: str = ""
    incident: str = ""


MATCH = Seen(Verdict.MATCH)


class NotReadable(Exception):
    """The system answers no reads (405 / 501): its records cannot be audited."""


class Readback(Protocol):
    """Reads one step's published record back from its system."""

    @property
    def publisher(self) -> Publisher:
        """The publisher whose records this reads (the repair publishes through it)."""
        ...

    def read(self, booking: Booking, step: StepRecord) -> Seen:
        """The record ``step`` says was published for ``booking``, as the system holds it now.

        Raises ``TransientError`` / ``PermanentError`` when the read fails, ``NotReadable``
        when the system has no reads."""
        ...


def incident(*parts: Any) -> str:
    """A short, stable digest of what a read found (16 hex digits)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def differing_fields(expected: Mapping[str, Any], found: Mapping[str, Any]) -> list[str]:
    """The fields we published whose value reads back different, sorted. Lists compare as
    sets of values (a system may reorder crew), and an empty text reads as absent."""
    return sorted(
        name for name, value in expected.items() if _norm(value) != _norm(found.get(name))
    )


def _norm(value: Any) -> Any:
    if value in (None, ""):
        return None
    if isinstance(value, list):
        return sorted(json.dumps(v, sort_keys=True, default=str) for v in value)
    return value

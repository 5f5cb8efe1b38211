"""What the audit found, one type for the platform feeds and the downstream read-back."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class FindingKind(StrEnum):
    """What kind of thing the audit saw; metrics and alarms read this, never the sentence."""

    #: a span booked on a platform's calendar with no live booking we read an email for
    MISSED_BOOKING = "missed-booking"
    #: a live booking whose span is gone from its platform's calendar
    GONE_FROM_PLATFORM = "gone-from-platform"
    #: a platform feed that could not be fetched or read (timeout, too big, not iCal)
    FEED_UNREADABLE = "feed-unreadable"
    #: a published record (calendar entry, SCC event, page) that is missing downstream
    DOWNSTREAM_MISSING = "downstream-missing"
    #: a published record that differs from what the state says was published
    DOWNSTREAM_EDITED = "downstream-edited"
    #: a missing or edited record published again (once)
    REPAIRED = "repaired"
    #: a downstream system that cannot be read back
    NOT_AUDITABLE = "not-auditable"


@dataclass(frozen=True)
class Finding:
    """One thing the audit saw, said for a person (``sentence``) and keyed for "once" (``key``)."""

    kind: FindingKind
    #: the boat the finding is about (the fleet's boat name), or "" when it is about a system
    boat: str
    #: "boatsetter" / "getmyboat" for a platform finding; the step ("calendar", "scc",
    #: "guest_page", ...) for a downstream one
    source: str
    #: the operator-readable sentence, e.g. "booked on GetMyBoat for Sat 12 Jun 2027 10:00-14:00,
    #: but no booking email was read"
    sentence: str
    #: the booking it is about, when there is one
    booking_key: str | None = None
    #: the span it is about, when there is one (aware datetimes)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    #: which occurrence, where one record can go wrong again later (a repair: what was found)
    incident: str = ""

    @property
    def key(self) -> str:
        """Stable identity: the same finding on the next run has the same key (told once)."""
        span = ""
        if self.starts_at is not None and self.ends_at is not None:
            span = f"{self.starts_at.isoformat()}/{self.ends_at.isoformat()}"
        parts = (self.kind.value, self.boat, self.source, self.booking_key or "", span)
        return "|".join((*parts, self.incident) if self.incident else parts)

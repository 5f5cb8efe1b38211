"""A booking's current state, and the reduction that keeps it convergent."""

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from bookings.events import AwareDatetime, BookingEvent
from bookings.kinds import Kind
from bookings.provenance import Provenance


class Booking(BaseModel):
    """The stored state of one booking: exactly the newest event, nothing merged.

    Merging fields from older emails would make the state depend on delivery order; taking the
    newest event whole keeps every order of delivery ending in the same state.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    source: str
    booking_id: str
    status: Kind
    boat: str
    renter_name: str
    #: the boat's IANA zone. JSON keeps only an offset ("-07:00"), so without the zone a stored
    #: booking would render "PDT" as "-07:00" and look changed to every step that shows a time
    timezone: str | None = None
    start: AwareDatetime
    end: AwareDatetime
    party_size: int | None = None
    gross: Decimal | None = None
    notes: str | None = None
    meeting_point: str | None = None
    as_of: AwareDatetime
    #: how the newest email was proven the platform's (None: stored before provenance existed)
    provenance: Provenance | None = None

    @field_validator("start", "end")
    @classmethod
    def _in_boat_zone(cls, value: datetime, info: ValidationInfo) -> datetime:
        """Start and end always in the boat's zone, however the booking was built or stored."""
        zone = info.data.get("timezone")
        return value.astimezone(ZoneInfo(zone)) if zone else value

    @classmethod
    def from_event(cls, event: BookingEvent) -> "Booking":
        """The state an event alone describes."""
        zone = event.start.tzinfo
        return cls(
            key=event.key,
            status=event.kind,
            timezone=zone.key if isinstance(zone, ZoneInfo) else None,
            **event.model_dump(exclude={"kind"}),
        )

    @property
    def order(self) -> tuple[datetime, int, bool, str]:
        """Newest wins; then kind; then the verified twin (the same email, direct and forwarded);
        then content, so even twin emails converge whatever the order."""
        digest = hashlib.sha256(self.model_dump_json().encode()).hexdigest()
        verified = self.provenance is not None and self.provenance.verified
        return (self.as_of, self.status.rank, verified, digest)

    @property
    def is_live(self) -> bool:
        return self.status.is_live

    @property
    def duration(self) -> timedelta:
        """Real elapsed time: a night charter across a DST change is an hour shorter or longer.

        (Python subtracts two datetimes of the same zone by wall clock, so compare in UTC.)
        """
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)

    @property
    def hours(self) -> Decimal:
        """Charter length in hours, exact (a 2 h 30 min charter is 2.5)."""
        return Decimal(int(self.duration.total_seconds())) / Decimal(3600)

    @property
    def renter_first_name(self) -> str:
        """All a guest-facing page may show of the renter."""
        parts = self.renter_name.split()
        return parts[0] if parts else ""


def reduce(current: Booking | None, event: BookingEvent) -> Booking:
    """Stored state ⊕ event → new state: the newer of the two wins, the older changes nothing."""
    candidate = Booking.from_event(event)
    if current is None or candidate.order > current.order:
        return candidate
    return current

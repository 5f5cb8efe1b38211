"""A booking's current state, and the reduction that keeps it convergent."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from bookings.events import AwareDatetime, BookingEvent
from bookings.kinds import Kind
from bookings.provenance import Provenance
from bookings.stamps import GROUPS, Stamp, canonical, stated

#: how many label-like words a booking keeps for the operator (the first, in sorted order)
MAX_UNREAD_LABELS = 10


class Booking(BaseModel):
    """The stored state of one booking: each field as the newest email that stated it said it.

    Each group of fields carries the :class:`Stamp` of the email that set it; the status, the
    provenance and ``as_of`` are the newest email's (ties by kind, then the proven twin). A
    merge takes, field by field, the greater of two stamps (a max over a total order), so it is
    commutative and associative: every order of delivery ends in the same state.
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
    #: the newest email's own date (the newest of all the emails applied)
    as_of: AwareDatetime
    #: how the newest email was proven the platform's (None: stored before provenance existed)
    provenance: Provenance | None = None
    #: the email that set each stated group of fields (:data:`bookings.stamps.GROUPS`)
    stamps: dict[str, Stamp] = Field(default_factory=dict)
    #: label-like words the emails used that no field is known by: label words only, never a
    #: value (what an operator may teach under ``[parsing]`` when a field is missing)
    unread_labels: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _stamped(cls, data: Any) -> Any:
        """A booking stored before stamps existed (or built whole, as tests do): every field it
        holds was set by its newest email, so each takes that email's stamp. This is how stored
        bookings migrate: lazily, on read, and for good at their next write."""
        if not isinstance(data, dict) or data.get("stamps"):
            return data
        provenance = data.get("provenance")
        if isinstance(provenance, dict):
            verified = bool(provenance.get("verified"))
        else:
            verified = bool(provenance is not None and getattr(provenance, "verified", False))
        stamp = {"as_of": data.get("as_of"), "kind": data.get("status"), "verified": verified}
        stamps = {group: stamp for group in GROUPS if stated(group, data)}
        return {**data, "stamps": stamps}

    @field_validator("start", "end")
    @classmethod
    def _in_boat_zone(cls, value: datetime, info: ValidationInfo) -> datetime:
        """Start and end always in the boat's zone, however the booking was built or stored."""
        zone = info.data.get("timezone")
        return value.astimezone(ZoneInfo(zone)) if zone else value

    @classmethod
    def from_event(cls, event: BookingEvent) -> "Booking":
        """The state an event alone describes: the groups it states carry its stamp."""
        zone = event.start.tzinfo
        fields = event.model_dump(exclude={"kind"})
        verified = event.provenance is not None and event.provenance.verified
        stamp = Stamp(as_of=event.as_of, kind=event.kind, verified=verified)
        return cls(
            key=event.key,
            status=event.kind,
            timezone=zone.key if isinstance(zone, ZoneInfo) else None,
            **{
                **fields,
                "unread_labels": tuple(sorted(set(event.unread_labels)))[:MAX_UNREAD_LABELS],
            },
            stamps={group: stamp for group in GROUPS if stated(group, fields)},
        )

    @property
    def head(self) -> tuple[datetime, int, bool, str]:
        """Whose status, provenance and ``as_of`` the booking shows: the newest email; then the
        higher kind; then the verified twin (the same email, direct and forwarded); then the
        exact text, so even twin emails converge whatever the order."""
        verified = self.provenance is not None and self.provenance.verified
        exact = canonical([self.as_of.isoformat(), self.provenance and self.provenance.text])
        return (self.as_of, self.status.rank, verified, exact)

    def merge(self, other: "Booking") -> "Booking":
        """This state and ``other`` (of the same booking) as one: per field, the newer word."""
        if other.key != self.key:
            raise ValueError(f"cannot merge {other.key} into {self.key}")
        head = max(self, other, key=lambda b: b.head)
        values = dict(head)
        stamps: dict[str, Stamp] = {}
        for group, names in GROUPS.items():
            holders = [b for b in (self, other) if group in b.stamps]
            if not holders:
                continue
            winner = max(holders, key=lambda b: b._claim(group))
            stamps[group] = winner.stamps[group]
            values.update({name: getattr(winner, name) for name in names})
        labels = sorted(set(self.unread_labels) | set(other.unread_labels))
        values.update(stamps=stamps, unread_labels=tuple(labels[:MAX_UNREAD_LABELS]))
        return Booking(**values)

    def _claim(self, group: str) -> tuple[tuple[datetime, int, bool], str]:
        """How strong this state's word on ``group`` is: its stamp, then the exact value."""
        stamp = self.stamps[group]
        exact = [stamp.as_of.isoformat(), *(getattr(self, name) for name in GROUPS[group])]
        return (stamp.order, canonical(exact))

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
    """Stored state ⊕ event → new state, field by field: each field keeps the word of the newest
    email that stated it, so an email that leaves a field out never erases it, and an older one
    fills only what nobody newer said. ``current`` itself when the event changes nothing."""
    candidate = Booking.from_event(event)
    if current is None:
        return candidate
    merged = current.merge(candidate)
    return current if merged.model_dump_json() == current.model_dump_json() else merged

"""What one email says about a booking."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from bookings.kinds import Kind
from bookings.provenance import Provenance

BOOKING_ID_PATTERNS: dict[str, re.Pattern[str]] = {
    "boatsetter": re.compile(r"[a-z]{7}"),
    "getmyboat": re.compile(r"[0-9]{4,12}"),
}


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must carry a time zone")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


class BookingEvent(BaseModel):
    """One booking email, understood.

    ``as_of`` is the email's own Date (the original message's when forwarded); it orders events so
    that the newest email wins whatever order they arrive in.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(description="boatsetter | getmyboat")
    kind: Kind
    booking_id: str
    boat: str = Field(description="the configured boat's name, e.g. JADA")
    renter_name: str
    start: AwareDatetime
    end: AwareDatetime
    party_size: int | None = Field(default=None, ge=1, le=500)
    gross: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    notes: str | None = None
    meeting_point: str | None = None
    as_of: AwareDatetime
    #: how the email was proven the platform's; set by the worker's admission, not by parsers
    provenance: Provenance | None = None
    #: label-like words the email used that no field is known by: the label part only, never a
    #: value, so they may be shown and logged (an operator teaches them under ``[parsing]``)
    unread_labels: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Self:
        pattern = BOOKING_ID_PATTERNS.get(self.source)
        if pattern is None:
            raise ValueError(f"unknown source {self.source!r}")
        if not pattern.fullmatch(self.booking_id):
            raise ValueError(f"{self.source} booking id {self.booking_id!r} is malformed")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if self.end - self.start > timedelta(days=14):
            raise ValueError("a charter longer than 14 days is not plausible")
        return self

    @property
    def key(self) -> str:
        """The booking's identity: ``<source>:<booking id>``."""
        return f"{self.source}:{self.booking_id}"

    @property
    def order(self) -> tuple[datetime, int]:
        """Newest wins; ties broken by kind (request < confirmed < modified < cancelled)."""
        return (self.as_of, self.kind.rank)

    def summary(self) -> str:
        """One line a person can read."""
        return (
            f"{self.kind.value} {self.key} on {self.boat}: {self.renter_name}, "
            f"{self.start:%a %d %b %Y %H:%M}-{self.end:%H:%M %Z}"
        )

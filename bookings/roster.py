"""The fleet and its people: which boat a listing means, and who crews it for how much."""

import re
from decimal import Decimal
from typing import Literal, Self
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from bookings.booking import Booking
from bookings.errors import NotInFleet, UnknownBoat, UnknownCrew
from bookings.margin import Margin, MarginPolicy

DEFAULT_TIMEZONE = "America/Los_Angeles"


class CrewMember(BaseModel):
    """A person who sails: a captain or a deckhand."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$", description="stable id, used in links")
    name: str
    email: EmailStr | None = None
    phone: str | None = Field(
        default=None,
        max_length=40,
        description="how the manager reaches them at short notice (shown to the manager only)",
    )
    role: Literal["captain", "crew"] = "crew"
    hourly_rate: Decimal | None = Field(default=None, ge=0, description="None = the policy's rate")
    scc_id: str | None = Field(default=None, description="ShipCaptainCrew's id for this person")

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name


class Boat(BaseModel):
    """A boat in the fleet, and how booking platforms name it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="short name used everywhere, e.g. JADA")
    listing_names: list[str] = Field(
        default_factory=list,
        description="words a platform's listing title carries for this boat (name always counts)",
    )
    timezone: str = DEFAULT_TIMEZONE
    meeting_point: str | None = None
    map_url: str | None = None
    captain: str | None = Field(default=None, description="crew member id of the captain")
    crew: list[str] = Field(default_factory=list, description="crew member ids assigned by default")
    call_minutes_before: int = Field(default=60, ge=0, le=600)
    checklist: list[str] = Field(default_factory=list)
    what_to_bring: list[str] = Field(default_factory=list)
    photo_url: str | None = Field(
        default=None,
        description="the boat's photo on the guest page: an https URL, or a path on the site",
        pattern=r"^(https://[^\s\"'<>]+|/[^/\s\"'<>][^\s\"'<>]*)$",
    )
    day_phone: str | None = Field(
        default=None,
        description="the number guests call on the day (shown on the guest page)",
        pattern=r"^\+?[0-9 ().-]{6,24}$",
    )
    whatsapp: str | None = Field(
        default=None,
        description="the WhatsApp number for the day, international form (+1 619 555 0134)",
        pattern=r"^\+?[0-9 ().-]{6,24}$",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone, at start-up rather than at the first email
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def tel_link(self) -> str | None:
        """``tel:+16195550134`` for the day's phone number."""
        return f"tel:+{_digits(self.day_phone)}" if self.day_phone else None

    @property
    def whatsapp_link(self) -> str | None:
        """``https://wa.me/16195550134``: WhatsApp's own click-to-chat link."""
        return f"https://wa.me/{_digits(self.whatsapp)}" if self.whatsapp else None

    def matches(self, listing: str) -> bool:
        """True when a listing title names this boat as a whole word (``JADA - 50' ...``)."""
        for name in [self.name, *self.listing_names]:
            if re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", listing, re.IGNORECASE):
                return True
        return False


def _digits(number: str | None) -> str:
    return "".join(c for c in number or "" if c.isdigit())


class CrewAssignment(BaseModel):
    """Who sails a booking."""

    model_config = ConfigDict(frozen=True)

    captain: CrewMember | None
    crew: list[CrewMember]

    @property
    def everyone(self) -> list[CrewMember]:
        return [m for m in [self.captain, *self.crew] if m is not None]


class Fleet(BaseModel):
    """Boats and people, from configuration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    boats: list[Boat] = Field(min_length=1)
    people: list[CrewMember] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        ids = {p.id for p in self.people}
        for boat in self.boats:
            for ref in [boat.captain, *boat.crew]:
                if ref is not None and ref not in ids:
                    raise ValueError(f"boat {boat.name}: crew member {ref!r} is not in people")
        return self

    def boat_for_listing(self, listing: str) -> Boat | None:
        """The configured boat a listing title names; None when none or several match."""
        found = [b for b in self.boats if b.matches(listing)]
        return found[0] if len(found) == 1 else None

    def boat(self, name: str) -> Boat:
        """The boat called ``name``; ``UnknownBoat`` when the fleet has none."""
        for boat in self.boats:
            if boat.name == name:
                return boat
        raise UnknownBoat(name)

    def person(self, person_id: str) -> CrewMember:
        """The person with id ``person_id``; ``UnknownCrew`` when the fleet has none."""
        for person in self.people:
            if person.id == person_id:
                return person
        raise UnknownCrew(person_id)

    def assign(self, booking: Booking) -> CrewAssignment:
        """The boat's captain and default crew for this booking; ``UnknownBoat`` for a boat the
        fleet does not have (its crew ids always resolve: the fleet is validated so)."""
        boat = self.boat(booking.boat)
        captain = self.person(boat.captain) if boat.captain else None
        return CrewAssignment(captain=captain, crew=[self.person(c) for c in boat.crew])

    def margin(self, booking: Booking, policy: MarginPolicy) -> Margin | None:
        """The booking's margin with this fleet's crew and rates; None without a gross."""
        if booking.gross is None:
            return None
        try:
            crew = self.assign(booking)
        except NotInFleet:
            return policy.compute(booking.gross, booking.hours)
        return policy.compute(
            booking.gross,
            booking.hours,
            crew_rates=[m.hourly_rate for m in crew.crew] or None,
            captain_rate=crew.captain.hourly_rate if crew.captain else None,
        )


def default_fleet() -> Fleet:
    """The embedded default: JADA in San Diego with one captain and one deckhand."""
    return Fleet(
        boats=[
            Boat(
                name="JADA",
                timezone=DEFAULT_TIMEZONE,
                meeting_point="Harbor Island West Marina, 2040 Harbor Island Dr, San Diego, CA",
                map_url="https://maps.google.com/?q=2040+Harbor+Island+Dr+San+Diego+CA",
                captain="sam",
                crew=["alex"],
                checklist=[
                    "Fuel and water topped up",
                    "Life jackets counted for the party size",
                    "Cooler iced, ice bags aboard",
                    "Heads clean and stocked",
                    "Safety briefing card aboard",
                ],
                what_to_bring=["Soft-soled shoes", "Sunscreen and a hat", "A warm layer"],
            )
        ],
        people=[
            CrewMember(
                id="sam",
                name="Sam Rivera",
                email="sam@example.com",
                phone="+1 619 555 0101",
                role="captain",
                scc_id="scc-sam",
            ),
            CrewMember(
                id="alex",
                name="Alex Chen",
                email="alex@example.com",
                phone="+1 619 555 0102",
                role="crew",
                scc_id="scc-alex",
            ),
        ],
    )

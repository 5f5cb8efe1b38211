"""A booking platform as data, and the one reader that turns its email into a ``BookingEvent``.

What differs between platforms (their domains, the shape of a booking id, where the id and the
renter's name hide) is a ``Source``; how fields are found is shared, so a template that moves a
label or swaps "Guests" for "Group size" is read the same way for every platform.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TypeVar
from urllib.parse import parse_qsl, urlsplit

from pydantic import ValidationError

from bookings import Boat, BookingEvent, Fleet, Kind, NotABooking, ParseError
from parsers.as_of import Receipt, moment
from parsers.document import Document, Pair
from parsers.forwarding import Original
from parsers.html import CELL
from parsers.links import expand, urls_in
from parsers.value_rules import labelled_name, name_in_prose, same_value
from parsers.values import (
    ForeignCurrency,
    NonexistentLocalTime,
    add_elapsed,
    find_amount,
    find_count,
    find_date,
    find_duration,
    find_time,
    find_time_range,
    localize,
)
from parsers.vocabulary import Vocabulary
from parsers.wording import bare_subject, classify

T = TypeVar("T")
#: the fields a booking event cannot do without, in the order a ParseError names them
REQUIRED = ("kind", "booking_id", "boat", "renter_name", "start", "end", "as_of")
MAX_NOTES = 2000
MAX_HEADLINES = 4
#: fields whose values are read, not taken as written: two cells of one row must agree
_STRUCTURED = frozenset({"date", "time", "start", "end", "duration", "gross", "party_size"})
#: the event's field each label's field gives
_EVENT_FIELD = {
    "renter": "renter_name",
    "date": "start",
    "time": "start",
    "duration": "end",
}
#: a link's query parameter that names a booking ("booking_id", "reservationId", "trip")
_ID_PARAMETER = re.compile(r"(?:booking|reservation|trip|request)(?:[_-]?id)?", re.IGNORECASE)
#: "Booking request #5201746", "Reservation #xhqgmdh": an id a reference gives in prose
_REFERENCE = re.compile(
    r"\b(?:booking|reservation|trip|request|confirmation|charter|order|rental)s?"
    r"(?:\s+(?:request|id|number|no\.?|ref(?:erence)?|code))?\s*#\s*(?P<id>[A-Za-z0-9]{4,12})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Source:
    """One booking platform."""

    name: str
    #: the platform's own domains; mail from these or their subdomains only
    domains: tuple[str, ...]
    #: a booking id, whole (after lowercasing and dropping a leading "#")
    booking_id: re.Pattern[str]
    #: where a booking id sits in the platform's URLs (group ``id``)
    id_in_url: re.Pattern[str]
    #: the renter's name in a subject or in the body's sentences (group ``name``)
    renter_in_subject: tuple[re.Pattern[str], ...] = ()
    renter_in_body: tuple[re.Pattern[str], ...] = field(default=())

    def id_in_link(self, url: str) -> str | None:
        """The booking id a link to one of the platform's bookings carries: in its path
        (``/owner/bookings/<id>/respond/``, ``/en/inbox/<id>``) or in a query parameter named
        for a booking (``?booking_id=<id>``)."""
        match = self.id_in_url.search(url)
        if match and self.booking_id.fullmatch(match.group("id")):
            return match.group("id")
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        if not self.trusts((parts.hostname or "").lower()):
            return None
        for key, value in parse_qsl(parts.query):
            token = value.strip().lower()
            if _ID_PARAMETER.fullmatch(key) and self.booking_id.fullmatch(token):
                return token
        return None

    def trusts(self, domain: str) -> bool:
        """The platform's own domain or a subdomain of it; look-alikes are not."""
        return any(domain == d or domain.endswith("." + d) for d in self.domains)

    def imitated_by(self, domain: str) -> bool:
        """A domain that borrows the platform's name without being its own."""
        brands = {d.split(".")[0] for d in self.domains}
        return not self.trusts(domain) and any(brand in domain for brand in brands)

    def read(
        self,
        original: Original,
        fleet: Fleet,
        trace: dict[str, str] | None = None,
        receipt: Receipt | None = None,
    ) -> BookingEvent:
        """The event ``original`` announces. ``trace``, when given, is filled with where each
        field came from (the body, line and rule), for ``charterhand parse --explain``;
        ``receipt`` is when SES received the email (``as_of`` may not be later)."""
        return _Reading(self, original, fleet, trace, receipt).event()


class _Reading:
    """One email being read for one source; fields are looked up lazily, text body first."""

    def __init__(
        self,
        source: Source,
        original: Original,
        fleet: Fleet,
        trace: dict[str, str] | None,
        receipt: Receipt | None = None,
    ) -> None:
        self.source = source
        self.receipt = receipt
        self.original = original
        self.fleet = fleet
        self.trace = trace
        #: fields found but unreadable, with why (a skipped hour, a foreign currency, ...)
        self.unreadable: dict[str, str] = {}

    # --- the whole ---------------------------------------------------------------------------

    def event(self) -> BookingEvent:
        subject = bare_subject(self.original.subject)
        vocabulary = self._vocabulary()
        kind, reason = classify(subject, self._headlines(), vocabulary)
        self._note_kind(subject, kind, reason)
        if reason:
            raise NotABooking(f"{self.source.name} {reason}", rule=reason)
        booking_id = self._first(self._booking_id_in, "booking_id") or self._reference(subject)
        day = self._first(self._date, "start")
        if booking_id is None and day is None and self.original.bulk:
            raise NotABooking(
                f"{self.source.name} newsletter (List-Unsubscribe) with no booking fields",
                rule="bulk mail",
            )
        boat = self._boat()
        renter = self._renter(subject)
        start, end = self._when(day, boat)
        zone = (boat or self.fleet.boats[0]).zone
        read = moment(self.original, zone, self.receipt, explain=self.trace is not None)
        as_of = read.value
        if as_of is None and read.problem:
            self.unreadable["as_of"] = read.problem
        if self.trace is not None:
            self.trace["as_of"] = read.how
        found = {
            "kind": kind,
            "booking_id": booking_id,
            "boat": boat,
            "renter_name": renter,
            "start": start,
            "end": end,
            "as_of": as_of,
        }
        gross = self._gross()
        missing = [name for name in REQUIRED if found[name] is None]
        missing += [name for name in self.unreadable if name not in missing]
        if missing:
            raise self._error(kind, missing)
        assert boat is not None  # for mypy: both are in REQUIRED
        assert kind is not None
        try:
            return BookingEvent(
                source=self.source.name,
                kind=kind,
                booking_id=booking_id,
                boat=boat.name,
                renter_name=renter,
                start=start,
                end=end,
                party_size=self._party_size(),
                gross=gross,
                notes=self._notes(),
                meeting_point=self._meeting_point(),
                as_of=as_of,
                unread_labels=tuple(self._unknown_labels()),
            )
        except ValidationError as exc:
            fields = [str(err["loc"][0]) if err["loc"] else "end" for err in exc.errors()]
            for name, err in zip(fields, exc.errors(), strict=True):
                self.unreadable[name] = err["msg"]
            raise self._error(kind, list(dict.fromkeys(fields))) from exc

    def _error(self, kind: Kind | None, missing: list[str]) -> ParseError:
        what = f"{self.source.name} {kind.value if kind else 'booking'} email"
        reason = f"{what}: cannot read {', '.join(missing)}"
        if self.unreadable:
            reason += " (" + "; ".join(self.unreadable.values()) + ")"
        unknown = self._unknown_labels()
        if unknown:
            reason += "; labels not known: " + ", ".join(repr(label) for label in unknown)
        return ParseError(
            reason, source=self.source.name, kind=kind.value if kind else None, missing=missing
        )

    # --- helpers -------------------------------------------------------------------------------

    def _first(self, read: Callable[[Document], T | None], field_name: str) -> T | None:
        """What the bodies say, text before HTML: a value only one of them gives is read, and
        values both give must agree (``value_rules.same_value``), or the field is unreadable:
        which one is right is not ours to guess."""
        found: T | None = None
        trace = self.trace
        try:
            for doc in self.original.content.both:
                value = read(doc)
                if value is None:
                    continue
                if found is None:
                    found = value
                    self.trace = None  # the trace says where the value read came from
                elif not same_value(found, value):
                    self._unreadable(field_name, "the text and HTML bodies disagree on {}")
                    return None
        finally:
            self.trace = trace
        return found

    def _unreadable(self, field_name: str, why: str) -> None:
        """Name the event's field a label's field stands for, and why it cannot be read."""
        name = _EVENT_FIELD.get(field_name, field_name)
        self.unreadable[name] = why.format(name.replace("_", " "))

    def _labelled(self, field_name: str, read: Callable[[str], T | None]) -> T | None:
        return self._first(lambda doc: self._from_pairs(doc, field_name, read), field_name)

    def _from_pairs(
        self, doc: Document, field_name: str, read: Callable[[str], T | None]
    ) -> T | None:
        """The first value a pair labelled for ``field_name`` gives that ``read`` accepts.

        A table row with several value cells that each read differently ("Time | 10 AM - 1 PM
        | 2 PM - 5 PM", no column says which is new) leaves the field unreadable.
        """
        for pair in doc.labelled(field_name):
            value = read(pair.value)
            if value is not None:
                if field_name in _STRUCTURED and self._two_values(pair, read):
                    self._unreadable(field_name, "a row gives two {} values, neither marked new")
                    return None
                self._note(field_name, doc, pair.line, f"label {pair.label!r} names {field_name}")
                return value
        return None

    @staticmethod
    def _two_values(pair: Pair, read: Callable[[str], object]) -> bool:
        readings = [read(cell) for cell in pair.cells]
        distinct: list[object] = []
        for reading in readings:
            if reading is not None and not any(same_value(reading, d) for d in distinct):
                distinct.append(reading)
        return len(distinct) > 1

    def _note(self, field_name: str, doc: Document, line: int, rule: str) -> None:
        if self.trace is None:
            return
        body = "text body" if doc is self.original.content.text_doc else "HTML body"
        shown = doc.lines[line].replace(CELL, " | ") if 0 <= line < len(doc.lines) else ""
        self.trace[field_name] = f"{body} line {line + 1}: {shown!r} ({rule})"

    def _note_kind(self, subject: str, kind: Kind | None, reason: str | None) -> None:
        if self.trace is None:
            return
        said = reason or (kind.value if kind else None)
        if said is None:
            self.trace["kind"] = "neither the subject nor the headline names a kind"
            return
        vocabulary = self._vocabulary()
        where = "subject" if classify(subject, [], vocabulary) != (None, None) else "headline"
        self.trace["kind"] = f"{where} says {said!r}"

    def _headlines(self) -> list[str]:
        """The body's first lines above its first field (a heading, a greeting, a lead-in)."""
        for doc in self.original.content.docs():
            first_pair = doc.pairs[0].line if doc.pairs else len(doc.lines)
            lines = [line.replace(CELL, " ") for line in doc.lines[:first_pair] if line]
            if lines:
                return lines[:MAX_HEADLINES]
        return []

    def _vocabulary(self) -> Vocabulary:
        return self.original.content.vocabulary

    def _unknown_labels(self) -> list[str]:
        """Label-like words in the bodies that no field is known by (at most ten): the label
        words only, never the values beside them, so they may be logged and shown."""
        found: dict[str, None] = {}
        for doc in self.original.content.docs():
            found.update(dict.fromkeys(doc.unknown_labels))
        return list(found)[:10]

    # --- fields ------------------------------------------------------------------------------

    def _booking_id_in(self, doc: Document) -> str | None:
        """The booking id a label gives, else a "#1234567" reference, else the one in the
        platform's (tracked) links."""
        labelled = self._from_pairs(doc, "booking_id", self._booking_id_of)
        if labelled:
            return labelled
        referenced = self._reference(doc.text)
        if referenced:
            return referenced
        for url in expand([*doc.links, *urls_in(doc.text)]):
            found = self.source.id_in_link(url)
            if found:
                if self.trace is not None:
                    self.trace["booking_id"] = f"a {self.source.name} booking link in the body"
                return found
        return None

    def _reference(self, text: str) -> str | None:
        """The id of a "Booking request #5201746" reference in ``text`` (a subject, a body)."""
        for match in _REFERENCE.finditer(text):
            found = self._booking_id_of(match.group("id"))
            if found:
                if self.trace is not None:
                    self.trace["booking_id"] = "a #-reference to the booking"
                return found
        return None

    def _booking_id_of(self, value: str) -> str | None:
        token = value.strip().lstrip("#").strip().lower()
        return token if self.source.booking_id.fullmatch(token) else None

    def _boat(self) -> Boat | None:
        listing = self._labelled("boat", lambda value: value)
        if listing is not None:
            boat = self._labelled("boat", self.fleet.boat_for_listing)
            if boat is None:
                # the listing's own words stay out: a reason names fields, never the email's text
                boats = ", ".join(b.name for b in self.fleet.boats)
                self.unreadable["boat"] = f"the listing names none of the boats {boats}"
            return boat
        named = self._first(lambda doc: self.fleet.boat_for_listing(doc.text), "boat")
        if named is not None:
            if self.trace is not None:
                self.trace["boat"] = "the boat's name in the body"
            return named
        if len(self.fleet.boats) == 1:
            if self.trace is not None:
                self.trace["boat"] = "the fleet's only boat"
            return self.fleet.boats[0]
        return None

    def _renter(self, subject: str) -> str | None:
        labelled = self._labelled("renter", labelled_name)
        if labelled:
            return labelled
        in_body = self._first(
            lambda doc: next(filter(None, map(doc.search_name, self.source.renter_in_body)), None),
            "renter_name",
        )
        if in_body:
            return in_body
        for pattern in self.source.renter_in_subject:
            match = pattern.search(subject)
            name = name_in_prose(match.group("name")) if match else None
            if name:
                if self.trace is not None:
                    self.trace["renter"] = f"the subject ({self.source.name}'s subject pattern)"
                return name
        return None

    def _date(self, doc: Document) -> date | None:
        for field_name in ("date", "start", "time"):
            day = self._from_pairs(doc, field_name, find_date)
            if day is not None:
                return day
        return None

    def _when(self, day: date | None, boat: Boat | None) -> tuple[datetime | None, datetime | None]:
        span = self._labelled("time", find_time_range) or self._labelled("date", find_time_range)
        start_time: time | None = span[0] if span else self._labelled("start", find_time)
        end_time: time | None = span[1] if span else self._labelled("end", find_time)
        end_day = None if span else self._labelled("end", find_date)
        if day is None or start_time is None:
            return None, None
        # without a boat no event is built; its times are still checked so the error is complete
        zone = (boat or self.fleet.boats[0]).zone
        try:
            start = localize(day, start_time, zone)
        except NonexistentLocalTime as exc:
            self.unreadable["start"] = str(exc)
            return None, None
        try:
            if end_time is not None:
                end = localize(end_day or day, end_time, zone)
                if end <= start and end_day is None:  # past midnight: "8:00 PM - 1:00 AM"
                    end = localize(day + timedelta(days=1), end_time, zone)
            elif (duration := self._labelled("duration", _duration)) is not None:
                end = add_elapsed(start, duration)
            else:
                return start, None
        except NonexistentLocalTime as exc:
            self.unreadable["end"] = str(exc)
            return start, None
        return start, end

    def _gross(self) -> Decimal | None:
        try:
            return self._labelled("gross", find_amount)
        except ForeignCurrency:
            self.unreadable["gross"] = "the amount is not in US dollars"
            return None

    def _party_size(self) -> int | None:
        return self._labelled("party_size", lambda v: n if (n := find_count(v)) else None)

    def _notes(self) -> str | None:
        notes = self._labelled("notes", lambda v: v.strip() or None)
        return notes[:MAX_NOTES] if notes else None

    def _meeting_point(self) -> str | None:
        def place(value: str) -> str | None:
            if find_time(value) or find_date(value) or len(value) > 200:
                return None
            return value.strip() or None

        return self._labelled("meeting_point", place)


def _duration(value: str) -> timedelta | None:
    return find_duration(value, bare_number_is_hours=True)

"""Per-field newest wins: an email changes the fields it states and leaves the others."""

from datetime import timedelta
from decimal import Decimal

from bookings import BookingEvent, Kind, MarginPolicy, default_fleet, reduce
from tests.support.mail import event

CONFIRMED = event(Kind.CONFIRMED).model_copy(
    update={"notes": "Birthday: bring a cake knife", "meeting_point": "Dock C"}
)


def _notice(kind: Kind, minutes: int, **stated: object) -> BookingEvent:
    """A later email of ``kind`` that states only the required fields and ``stated``."""
    base = CONFIRMED.model_dump()
    base.update(party_size=None, gross=None, notes=None, meeting_point=None)
    base.update(kind=kind, as_of=CONFIRMED.as_of + timedelta(minutes=minutes), **stated)
    return BookingEvent(**base)


def test_a_change_notice_without_the_gross_keeps_it_and_the_margin():
    moved = CONFIRMED.start + timedelta(hours=2)
    notice = _notice(Kind.MODIFIED, 30, start=moved, end=moved + timedelta(hours=3))
    state = reduce(reduce(None, CONFIRMED), notice)
    assert state.status is Kind.MODIFIED
    assert state.start == moved
    assert (state.gross, state.party_size) == (Decimal("840.75"), 6)
    assert (state.notes, state.meeting_point) == ("Birthday: bring a cake knife", "Dock C")
    assert default_fleet().margin(state, MarginPolicy()) is not None


def test_a_cancellation_keeps_what_it_does_not_restate():
    state = reduce(reduce(None, CONFIRMED), _notice(Kind.CANCELLED, 60))
    assert state.status is Kind.CANCELLED
    assert state.gross == Decimal("840.75")


def test_an_older_email_arriving_late_fills_only_what_nobody_newer_stated():
    notice = _notice(Kind.MODIFIED, 30, party_size=8)
    state = reduce(reduce(None, notice), CONFIRMED)
    assert state.status is Kind.MODIFIED
    assert state.party_size == 8  # the newer email's
    assert state.gross == Decimal("840.75")  # only the older one stated it
    assert state.as_of == notice.as_of


def test_each_field_remembers_the_email_that_set_it():
    notice = _notice(Kind.MODIFIED, 30, party_size=8)
    state = reduce(reduce(None, CONFIRMED), notice)
    assert state.stamps["party_size"].as_of == notice.as_of
    assert state.stamps["gross"].as_of == CONFIRMED.as_of

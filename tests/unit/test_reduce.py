from datetime import datetime
from itertools import permutations
from zoneinfo import ZoneInfo

from bookings import BookingEvent, Kind, Provenance, reduce
from tests.support.mail import event as sample_event

LA = ZoneInfo("America/Los_Angeles")


def _event(kind: Kind, as_of: datetime, start_hour: int) -> BookingEvent:
    """The shared sample event, moved to ``start_hour`` and dated ``as_of``."""
    base = sample_event(kind)
    start = base.start.replace(hour=start_hour)
    changes: dict[str, object] = {"start": start, "end": start + (base.end - base.start)}
    changes["as_of"] = as_of
    if kind is Kind.CANCELLED:
        changes["gross"] = None
    return BookingEvent(**{**base.model_dump(), **changes})


EVENTS = [
    _event(Kind.CONFIRMED, datetime(2027, 3, 2, 9, tzinfo=LA), 10),
    _event(Kind.MODIFIED, datetime(2027, 3, 20, 9, tzinfo=LA), 14),
    _event(Kind.CANCELLED, datetime(2027, 4, 1, 8, tzinfo=LA), 14),
]


def test_every_order_of_delivery_ends_in_the_newest_state():
    finals = set()
    for order in permutations(EVENTS):
        state = None
        for event in order:
            state = reduce(state, event)
        assert state is not None
        finals.add(state.model_dump_json())
    assert len(finals) == 1
    assert '"status":"cancelled"' in finals.pop()


def test_an_older_email_changes_nothing():
    newest = reduce(None, EVENTS[1])
    assert reduce(newest, EVENTS[0]) is newest


def test_equally_new_emails_break_ties_by_kind():
    same_time = datetime(2027, 3, 2, 9, tzinfo=LA)
    confirmed = _event(Kind.CONFIRMED, same_time, 10)
    cancelled = _event(Kind.CANCELLED, same_time, 10)
    assert reduce(reduce(None, cancelled), confirmed).status is Kind.CANCELLED
    assert reduce(reduce(None, confirmed), cancelled).status is Kind.CANCELLED


def test_a_stored_booking_renders_its_times_as_the_original_did():
    """JSON keeps an offset, not a zone: the zone travels with the booking so "PDT" stays "PDT"
    and a re-delivered email does not look like a change to the steps that show times."""
    booking = reduce(None, EVENTS[0])
    stored = type(booking).model_validate_json(booking.model_dump_json())
    assert f"{stored.start:%Z}" == f"{booking.start:%Z}" == "PDT"
    assert stored.model_dump_json() == booking.model_dump_json()


def test_the_verified_twin_of_an_email_wins_whatever_the_order():
    """The same email, straight from the platform and forwarded inline: the proven one is kept."""
    base = sample_event(Kind.CONFIRMED)
    verified = base.model_copy(update={"provenance": Provenance(verified=True, proof="DMARC pass")})
    forwarded = base.model_copy(
        update={"provenance": Provenance(verified=False, forwarded_by="dana@sailjada.com")}
    )
    for first, second in ((verified, forwarded), (forwarded, verified)):
        state = reduce(reduce(None, first), second)
        assert state.provenance is not None
        assert state.provenance.verified

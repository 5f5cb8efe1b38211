"""Every order of delivery converges: a property test over 3–6 emails of one booking whose
fields overlap, some stating a field and some leaving it out, some equally new.

Two orders of the same emails must end in the same stored state (byte for byte, as JSON) and
give every real publisher the same step input (so the same downstream artifacts); and each field
must hold what the newest email that stated it said.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings import Booking, BookingEvent, Kind, MarginPolicy, Provenance, default_fleet, reduce
from publishers.base import Publisher
from publishers.calendar import CalendarPublisher
from publishers.crew_email import CrewEmailPublisher, CrewEmailSettings
from publishers.crew_page import CrewPagePublisher
from publishers.guest_page import GuestPagePublisher
from publishers.scc import SccPublisher
from publishers.summary import SummaryPublisher, SummarySettings
from publishers.transport.site import SiteBucket
from worker.orchestrate import input_hash

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

LA = ZoneInfo("America/Los_Angeles")
BASE = datetime(2027, 3, 1, 9, tzinfo=LA)
FLEET = default_fleet()
NOTHING: Any = None  # input_of reaches no transport


class NoLinks:
    def issue(self, booking_key: str, crew_id: str, expires_at: datetime) -> str:
        return "0" * 16 + "." + "s" * 43

    def revoke(self, booking_key: str, crew_id: str) -> None:
        pass


def publishers() -> list[Publisher]:
    site = SiteBucket(s3=cast("S3Client", None), bucket="site", base_url="https://jada.example")
    links = "https://links.jada.example"
    return [
        CalendarPublisher(NOTHING),
        SccPublisher(NOTHING, FLEET),
        GuestPagePublisher(
            site=site,
            fleet=FLEET,
            links_api_base_url=links,
            photos_upload_origin="https://photos.example",
            signing_key=b"k" * 32,
        ),
        CrewPagePublisher(site=site, fleet=FLEET, signing_key=b"k" * 32, links_api_base_url=links),
        CrewEmailPublisher(
            FLEET,
            CrewEmailSettings(
                from_address="bookings@jada.example",
                manager_address="manager@jada.example",
                links_api_base_url=links,
            ),
            NoLinks(),
            NOTHING,
            NOTHING,
        ),
        SummaryPublisher(
            FLEET,
            MarginPolicy(),
            SummarySettings(
                from_address="bookings@jada.example",
                manager_address="manager@jada.example",
                webhook_url="https://script.example/exec",
            ),
            NOTHING,
        ),
    ]


PUBLISHERS = publishers()


def maybe(*values: object) -> st.SearchStrategy[Any]:
    return st.sampled_from([None, *values])


@st.composite
def emails(draw: st.DrawFn) -> BookingEvent:
    """One email of booking boatsetter:xhqgmdh: a few choices per field so that they overlap,
    three moments (so ties happen), the same moment written in two zones."""
    minutes = draw(st.sampled_from([0, 30, 60]))
    zone = draw(st.sampled_from([LA, UTC]))
    start = draw(
        st.sampled_from(
            [datetime(2027, 5, 30, 10, tzinfo=LA), datetime(2027, 5, 30, 14, tzinfo=LA)]
        )
    )
    return BookingEvent(
        source="boatsetter",
        kind=draw(st.sampled_from(list(Kind))),
        booking_id="xhqgmdh",
        boat="JADA",
        renter_name=draw(st.sampled_from(["Maya Thompson", "Maya Thompson-Reid"])),
        start=start,
        end=start + timedelta(hours=draw(st.sampled_from([2, 3]))),
        party_size=draw(maybe(4, 6)),
        gross=draw(maybe(Decimal("840.75"), Decimal("900.00"))),
        notes=draw(maybe("Birthday", "No host/hostess")),
        meeting_point=draw(maybe("Dock C", "Dock D")),
        as_of=(BASE + timedelta(minutes=minutes)).astimezone(zone),
        provenance=draw(
            maybe(
                Provenance(verified=True, proof="DMARC pass for boatsetter.com"),
                Provenance(verified=False, forwarded_by="dana@sailjada.com"),
            )
        ),
        unread_labels=tuple(draw(st.sets(st.sampled_from(["trip total", "seats", "pier"])))),
    )


def deliver(order: list[BookingEvent], *, stored: bool) -> Booking:
    """Reduce in ``order``; ``stored``: through JSON between emails, as the state table keeps it."""
    state: Booking | None = None
    for event in order:
        if stored and state is not None:
            state = Booking.model_validate_json(state.model_dump_json())
        state = reduce(state, event)
    assert state is not None
    return state


def newest_word(events: list[BookingEvent], name: str) -> object:
    """What the newest email that stated ``name`` said, when that email is the only one that
    new (same moment, kind and proof); ``...`` when several tie, ``None`` when none stated it."""
    stating = [e for e in events if getattr(e, name) is not None]
    if not stating:
        return None

    def rank(e: BookingEvent) -> tuple[datetime, int, bool]:
        return (e.as_of, e.kind.rank, bool(e.provenance and e.provenance.verified))

    top = max(map(rank, stating))
    values = {getattr(e, name) for e in stating if rank(e) == top}
    return values.pop() if len(values) == 1 else ...


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(emails(), min_size=3, max_size=6), data=st.data())
def test_every_order_of_delivery_ends_in_the_same_state_and_step_inputs(events, data):
    first = deliver(events, stored=False)
    for _ in range(3):
        order = data.draw(st.permutations(events))
        other = deliver(order, stored=True)
        assert other.model_dump_json() == first.model_dump_json()
        for publisher in PUBLISHERS:
            assert input_hash(publisher.input_of(other)) == input_hash(publisher.input_of(first))

    newest = max(events, key=lambda e: (e.as_of, e.kind.rank))
    assert first.status is newest.kind
    assert first.as_of == newest.as_of
    for name in ("party_size", "gross", "notes", "meeting_point", "renter_name", "start"):
        expected = newest_word(events, name)
        if expected is not ...:
            assert getattr(first, name) == expected, name

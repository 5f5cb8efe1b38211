"""What the crew page says, rendered without any AWS; links come from a recording issuer."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import pytest

from bookings import Kind
from bookings.roster import Boat, CrewMember, Fleet
from publishers.base import CrewLinkIssuer
from publishers.crew_page import CrewPagePublisher, crew_page_id
from publishers.transport.site import SiteBucket
from tests.support.bookings_factory import booking

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

NO_S3 = cast("S3Client", None)  # rendering needs no S3
HOSTILE = "<script>window.pwned=1</script> & \"quotes\" 'single'"


class RecordingIssuer:
    """Issues predictable tokens and remembers what it was asked for."""

    def __init__(self) -> None:
        self.issued: list[tuple[str, str, datetime]] = []

    def issue(self, booking_key: str, crew_id: str, expires_at: datetime) -> str:
        self.issued.append((booking_key, crew_id, expires_at))
        return f"{len(self.issued):016x}.{'s' * 43}"


def fleet() -> Fleet:
    return Fleet(
        boats=[
            Boat(
                name="JADA",
                meeting_point="Harbor Island West Marina",
                captain="sam",
                crew=["alex"],
                call_minutes_before=45,
                checklist=["Fuel topped up", "Ice aboard"],
            )
        ],
        people=[
            CrewMember(id="sam", name="Sam Rivera", role="captain"),
            CrewMember(id="alex", name="Alex Chen", role="crew"),
        ],
    )


def publisher(
    issuer: RecordingIssuer | None = None, now: datetime = datetime(2031, 5, 1, tzinfo=UTC)
) -> CrewPagePublisher:
    return CrewPagePublisher(
        site=SiteBucket(s3=NO_S3, bucket="site", base_url="https://jada.example"),
        fleet=fleet(),
        signing_key=b"k" * 32,
        links=issuer or RecordingIssuer(),
        links_api_base_url="https://links.jada.example/",
        clock=lambda: now,
    )


def render(issuer: RecordingIssuer | None = None, **changes: Any) -> str:
    p = publisher(issuer)
    b = booking(**changes)
    return p.render(p.input_of(b), p._links_for(b, p.input_of(b)))


def test_page_id_is_128_bits_stable_per_booking_and_keyed():
    first = crew_page_id(b"k" * 32, "boatsetter:xhqgmdh")
    assert len(first) == 32
    assert int(first, 16) >= 0
    assert crew_page_id(b"k" * 32, "boatsetter:xhqgmdh") == first
    assert crew_page_id(b"k" * 32, "boatsetter:abcdefg") != first
    assert crew_page_id(b"j" * 32, "boatsetter:xhqgmdh") != first


def test_shows_full_details_party_size_call_time_and_renters_full_name():
    html = render(party_size=9)
    assert "Maria Lopez" in html
    assert "<dt>Party size</dt><dd>9</dd>" in html
    assert "<strong>9:15 AM</strong>" in html  # 45 minutes before a 10:00 start
    assert "10:00 AM – 1:00 PM PDT" in html
    assert "Harbor Island West Marina" in html


def test_lists_the_crew_and_the_boats_checklist():
    html = render()
    assert "<td>Sam Rivera</td>" in html
    assert "<td>Captain</td>" in html
    assert "<td>Alex Chen</td>" in html
    assert "Fuel topped up" in html
    assert "Ice aboard" in html


def test_each_crew_member_gets_confirm_and_decline_links_with_their_own_token():
    issuer = RecordingIssuer()
    html = render(issuer)
    assert [(key, crew) for key, crew, _ in issuer.issued] == [
        ("boatsetter:xhqgmdh", "sam"),
        ("boatsetter:xhqgmdh", "alex"),
    ]
    token = f"{1:016x}.{'s' * 43}"
    assert f'href="https://links.jada.example/crew/{token}/confirm"' in html
    assert f'href="https://links.jada.example/crew/{token}/decline"' in html


def test_tokens_expire_a_day_after_the_charter_ends():
    issuer = RecordingIssuer()
    render(issuer)
    expires = {e for _, _, e in issuer.issued}
    assert expires == {datetime(2031, 6, 15, 20, 0, tzinfo=UTC)}  # 13:00 PDT + 1 day


def test_hostile_note_and_name_render_as_text():
    html = render(notes=HOSTILE, renter_name=HOSTILE)
    assert "<script>window.pwned" not in html
    assert (
        "&lt;script&gt;window.pwned=1&lt;/script&gt; &amp; &#34;quotes&#34; &#39;single&#39;"
        in html
    )


def test_is_marked_noindex_and_keeps_its_path_out_of_referers():
    html = render()
    assert '<meta name="robots" content="noindex, nofollow, noarchive">' in html
    assert '<meta name="referrer" content="no-referrer">' in html


def test_cancelled_page_says_do_not_sail_and_issues_no_tokens():
    issuer = RecordingIssuer()
    html = render(issuer, kind=Kind.CANCELLED)
    assert "Cancelled: do not sail" in html
    assert "/confirm" not in html
    assert issuer.issued == []


def test_recording_issuer_fits_the_protocol():
    assert isinstance(RecordingIssuer(), CrewLinkIssuer)


def test_short_signing_key_is_refused():
    with pytest.raises(ValueError, match="at least 16 bytes"):
        CrewPagePublisher(
            site=SiteBucket(s3=NO_S3, bucket="s", base_url="https://x"),
            fleet=fleet(),
            signing_key=b"short",
            links=RecordingIssuer(),
            links_api_base_url="https://x",
        )

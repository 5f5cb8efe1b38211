"""What the crew page says, rendered without any AWS. The page is the same for every member and
holds no token: each member's own links reach it in their email (``#t=<token>``)."""

import re
from typing import TYPE_CHECKING, Any, cast

import pytest

from bookings import Kind
from bookings.roster import Boat, CrewMember, Fleet
from publishers.crew_page import CrewPagePublisher, crew_page_id
from publishers.transport.site import SiteBucket
from tests.support.bookings_factory import booking

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

NO_S3 = cast("S3Client", None)  # rendering needs no S3
HOSTILE = "<script>window.pwned=1</script> & \"quotes\" 'single'"


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


def publisher() -> CrewPagePublisher:
    return CrewPagePublisher(
        site=SiteBucket(s3=NO_S3, bucket="site", base_url="https://jada.example"),
        fleet=fleet(),
        signing_key=b"k" * 32,
        links_api_base_url="https://links.jada.example/",
    )


def render(**changes: Any) -> str:
    p = publisher()
    return p.render(p.input_of(booking(**changes)))


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


def markup(html: str) -> str:
    """The page without its inline script (which names the API's paths it may call)."""
    return re.sub(r"<script.*?</script>", "", html, flags=re.DOTALL)


def test_the_sheet_holds_no_answer_link_and_no_token():
    """Anyone the sheet is forwarded to must not be able to answer for the crew."""
    html = markup(render())
    assert "/crew/" not in html.replace("https://links.jada.example", "")
    assert "/confirm" not in html
    assert "/decline" not in html
    assert not re.search(r"[0-9a-f]{16}\.[A-Za-z0-9_-]{43}", html)


def test_each_row_names_its_member_for_the_members_own_link():
    html = render()
    assert '<tr data-crew="sam">' in html
    assert '<tr data-crew="alex">' in html
    assert 'data-answers-from="https://links.jada.example"' in html


def test_the_script_may_ask_only_the_links_api_for_answers():
    html = render()
    (policy,) = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert "connect-src https://links.jada.example" in policy.split("; ")


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


def test_cancelled_page_says_do_not_sail_and_asks_for_no_answers():
    html = markup(render(kind=Kind.CANCELLED))
    assert "Cancelled: do not sail" in html
    assert "data-answers-from" not in html


def test_short_signing_key_is_refused():
    with pytest.raises(ValueError, match="at least 16 bytes"):
        CrewPagePublisher(
            site=SiteBucket(s3=NO_S3, bucket="s", base_url="https://x"),
            fleet=fleet(),
            signing_key=b"short",
            links_api_base_url="https://x",
        )


def test_links_the_bookings_private_photo_gallery_at_the_pages_own_id():
    page = render()
    page_id = crew_page_id(b"k" * 32, "boatsetter:xhqgmdh")
    (href,) = re.findall(r'id="gallery-link" href="([^"]+)"', page)
    assert href == f"https://links.jada.example/photos/xhqgmdh-{page_id}"
    assert publisher().input_of(booking())["gallery_url"] == href

"""What the guest page says, and what it must never say, rendered without any AWS."""

import base64
import hashlib
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import icalendar
import pytest

from bookings import Kind, PermanentError, default_fleet
from bookings.slugs import guest_slug
from publishers.guest_page import GuestPagePublisher, guest_calendar
from publishers.transport.site import SiteBucket
from tests.support.bookings_factory import booking

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

NO_S3 = cast("S3Client", None)  # rendering needs no S3
HOSTILE = "<script>window.pwned=1</script>\"&'<img src=x onerror=alert(1)>"


KEY = b"k" * 32
SLUG = guest_slug(KEY, "boatsetter:xhqgmdh")


def publisher() -> GuestPagePublisher:
    return GuestPagePublisher(
        site=SiteBucket(s3=NO_S3, bucket="site", base_url="https://jada.example"),
        fleet=default_fleet(),
        signing_key=KEY,
        links_api_base_url="https://links.jada.example",
        photos_upload_origin="https://charterhand-photos.s3.amazonaws.com",
    )


def render(**changes: Any) -> str:
    p = publisher()
    return p.render(p.input_of(booking(**changes)))


def test_shows_boat_day_and_time_in_the_boats_zone():
    # 17:00 UTC is 10:00 in San Diego in June
    html = render(
        start=datetime(2031, 6, 14, 17, 0, tzinfo=UTC), end=datetime(2031, 6, 14, 20, 0, tzinfo=UTC)
    )
    assert "<h1>JADA</h1>" in html
    assert "Saturday, June 14, 2031" in html
    assert "10:00 AM – 1:00 PM PDT" in html
    assert "(3 hours)" in html


def test_shows_meeting_point_map_captain_and_what_to_bring():
    html = render()
    assert "Harbor Island West Marina, 2040 Harbor Island Dr, San Diego, CA" in html
    assert 'href="https://maps.google.com/?q=2040+Harbor+Island+Dr+San+Diego+CA"' in html
    assert "Sam will skipper JADA" in html
    assert "Rivera" not in html  # the captain's first name only
    assert "<li>Sunscreen and a hat</li>" in html


def test_a_meeting_point_from_the_booking_gets_a_map_search_link():
    html = render(meeting_point="Shelter Island Dock C & 2nd")
    assert "Shelter Island Dock C &amp; 2nd" in html
    assert (
        "https://www.google.com/maps/search/?api=1&amp;query=Shelter+Island+Dock+C+%26+2nd" in html
    )


def test_shows_only_the_renters_first_name_and_no_amount_or_note():
    html = render(renter_name="Maria Lopez-Garcia", gross="1234.56", notes="call me at 555-0100")
    assert "Hi Maria," in html
    assert "Lopez" not in html
    assert "1234" not in html
    assert "1,234" not in html
    assert "$" not in html
    assert "555-0100" not in html


def test_hostile_renter_name_renders_as_text():
    html = render(renter_name=f"{HOSTILE} Smith")
    assert "<script>window.pwned" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;&#34;&amp;&#39;&lt;img" in html


def test_cancelled_booking_says_so_plainly_and_offers_no_upload_or_calendar():
    html = render(kind=Kind.CANCELLED)
    assert "This charter has been cancelled" in html
    assert "<title>Cancelled: " in html
    assert 'id="photo-form"' not in html
    assert "<script>" not in html
    assert "Add to calendar" not in html


def test_request_says_it_awaits_confirmation():
    assert "Waiting for confirmation" in render(kind=Kind.REQUEST)


def test_live_booking_has_the_upload_form_pointing_at_the_links_api():
    html = render()
    assert f'data-endpoint="https://links.jada.example/g/{SLUG}/photos"' in html
    assert '<label for="photo-input">' in html
    assert 'accept="image/*"' in html
    assert 'role="status"' in html


def test_links_the_calendar_file_by_absolute_path():
    assert f'href="/g/{SLUG}.ics" download="JADA-{SLUG}.ics"' in render()


def test_page_is_small_and_self_contained():
    html = render()
    assert len(html.encode()) < 60 * 1024
    assert not re.search(r"<(script|img|iframe)[^>]+src=", html)
    assert "<link" not in html
    assert "@import" not in html
    assert "url(" not in html
    assert 'name="robots" content="noindex' in html


def found(pattern: str, text: str) -> str:
    match = re.search(pattern, text, re.S)
    assert match is not None, pattern
    return match[1]


def test_policy_allows_exactly_the_inline_script_and_style():
    html = render()
    policy = found(r'Content-Security-Policy" content="([^"]+)"', html).replace("&#39;", "'")
    script = found(r"<script>(.*?)</script>", html)
    style = found(r"<style>(.*?)</style>", html)

    def sha(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert f"script-src {sha(script)}" in policy
    assert f"style-src {sha(style)}" in policy
    assert "default-src 'none'" in policy
    expected = "connect-src https://charterhand-photos.s3.amazonaws.com https://links.jada.example"
    assert expected in policy


def test_input_changes_when_what_the_page_shows_changes():
    p = publisher()
    assert p.input_of(booking()) != p.input_of(booking(meeting_point="Dock C"))
    assert p.input_of(booking()) == p.input_of(booking())


def test_unknown_boat_is_a_permanent_error():
    with pytest.raises(PermanentError, match="boat 'Nautilus' is not in the fleet"):
        publisher().input_of(booking(boat="Nautilus"))


def test_calendar_file_has_a_stable_uid_and_marks_cancellation():
    p = publisher()
    live = icalendar.Calendar.from_ical(guest_calendar(p.input_of(booking()), "https://x/g/a"))
    gone = icalendar.Calendar.from_ical(
        guest_calendar(
            p.input_of(booking(kind=Kind.CANCELLED, as_of=datetime(2031, 5, 2, tzinfo=UTC))),
            "https://x/g/a",
        )
    )
    (event,) = live.walk("VEVENT")
    (cancelled,) = gone.walk("VEVENT")
    assert event["UID"] == cancelled["UID"] == "boatsetter-xhqgmdh-guest@charterhand"
    assert event["STATUS"] == "CONFIRMED"
    assert cancelled["STATUS"] == "CANCELLED"
    assert cancelled.decoded("SEQUENCE") > event.decoded("SEQUENCE")
    assert event.decoded("DTSTART") == datetime(2031, 6, 14, 17, 0, tzinfo=UTC)

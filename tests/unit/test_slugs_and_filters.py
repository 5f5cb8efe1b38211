import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings.slugs import SLUG_PATTERN, booking_keys_for_slug, guest_slug, legacy_slug
from templates.filters import duration, span

PACIFIC = ZoneInfo("America/Los_Angeles")
KEY = b"test-link-signing-key-0123456789"


def test_slug_is_the_booking_id_and_an_hmac_nobody_can_count_to():
    slug = guest_slug(KEY, "getmyboat:1234567")
    booking_id, code = slug.split("-")
    assert booking_id == "1234567"
    assert re.fullmatch(r"[a-z2-7]{16}", code)  # 80 bits of HMAC-SHA256 under the link key
    assert slug != guest_slug(KEY, "getmyboat:1234568")
    assert slug != guest_slug(b"another-link-signing-key-0123456", "getmyboat:1234567")
    assert slug == guest_slug(KEY, "getmyboat:1234567")  # stable: links already sent still work


def test_slug_of_the_longest_ids_fits_the_cloudfront_function():
    assert SLUG_PATTERN.fullmatch(guest_slug(KEY, "getmyboat:123456789012"))
    assert len(guest_slug(KEY, "boatsetter:xhqgmdh")) == 7 + 1 + 16


def test_slug_refuses_what_the_cloudfront_function_would_404():
    with pytest.raises(ValueError, match="cannot be a guest page slug"):
        guest_slug(KEY, "boatsetter:abc_def")


def test_the_legacy_slug_was_the_booking_id():
    assert legacy_slug("xhqgmdh") == "xhqgmdh"


@pytest.mark.parametrize(
    ("slug", "keys"),
    [
        ("xhqgmdh", ["boatsetter:xhqgmdh"]),
        ("1234567", ["getmyboat:1234567"]),
        ("xhqgmdh-abcdefghijklmnop", ["boatsetter:xhqgmdh"]),
        ("1234567-abcdefghijklmnop", ["getmyboat:1234567"]),
        ("1234567-abcdefghijklmno", []),  # a code one character short
        ("1234567-abcdefghijklmno1", []),  # not base32
        ("abc", []),
        ("../etc", []),
    ],
)
def test_slug_leads_back_to_the_booking_keys_it_may_stand_for(slug, keys):
    assert booking_keys_for_slug(slug) == keys


def test_span_names_the_end_day_past_midnight():
    start = datetime(2031, 6, 14, 22, 0, tzinfo=PACIFIC)
    assert span(start, start + timedelta(hours=3)) == "10:00 PM – Sun, Jun 15, 1:00 AM PDT"


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(60, "1 hour"), (180, "3 hours"), (150, "2 h 30 min"), (45, "45 min")],
)
def test_duration_reads_like_speech(minutes, text):
    assert duration(timedelta(minutes=minutes)) == text

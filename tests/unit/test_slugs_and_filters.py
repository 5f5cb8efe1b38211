from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings.slugs import booking_keys_for_slug, guest_slug
from templates.filters import duration, span

PACIFIC = ZoneInfo("America/Los_Angeles")


def test_slug_is_the_booking_id():
    assert guest_slug("xhqgmdh") == "xhqgmdh"
    assert guest_slug("1234567") == "1234567"


def test_slug_refuses_what_the_cloudfront_function_would_404():
    with pytest.raises(ValueError, match="cannot be a guest page slug"):
        guest_slug("abc_def")


@pytest.mark.parametrize(
    ("slug", "keys"),
    [
        ("xhqgmdh", ["boatsetter:xhqgmdh"]),
        ("1234567", ["getmyboat:1234567"]),
        ("abc", []),
        ("../etc", []),
    ],
)
def test_slug_leads_back_to_the_booking_key(slug, keys):
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

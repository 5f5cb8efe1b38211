"""Charters on the days daylight saving starts (2027-03-14) and ends (2027-11-07)."""

from datetime import timedelta

import pytest

from bookings import Booking, ParseError, default_fleet
from parsers import parse_email
from tests.support.emailkit import CONFIRMED_ROWS, message, text_body

FLEET = default_fleet()


def parse_day(date: str, time: str):
    rows = [(k, v) for k, v in CONFIRMED_ROWS if k not in {"Date", "Time"}]
    rows += [("Date", date), ("Time", time)]
    return parse_email(message(text=text_body(rows)).as_bytes(), FLEET)


def test_daytime_charter_on_dst_start_day_is_in_daylight_time():
    event = parse_day("Sunday, March 14, 2027", "10:00 AM - 1:00 PM")
    assert event.start.isoformat() == "2027-03-14T10:00:00-07:00"
    assert event.end.isoformat() == "2027-03-14T13:00:00-07:00"


def test_daytime_charter_on_dst_end_day_is_in_standard_time():
    event = parse_day("Sun, Nov 7, 2027", "10am - 1pm")
    assert event.start.isoformat() == "2027-11-07T10:00:00-08:00"
    assert event.end.isoformat() == "2027-11-07T13:00:00-08:00"


def test_night_charter_across_dst_start_is_an_hour_shorter():
    event = parse_day("2027-03-14", "1:00 AM - 4:00 AM")
    assert event.start.isoformat() == "2027-03-14T01:00:00-08:00"
    assert event.end.isoformat() == "2027-03-14T04:00:00-07:00"
    assert Booking.from_event(event).hours == 2


def test_night_charter_across_dst_end_is_an_hour_longer():
    event = parse_day("2027-11-07", "12:00 AM - 3:00 AM")
    assert event.end.isoformat() == "2027-11-07T03:00:00-08:00"
    assert Booking.from_event(event).hours == 4


def test_repeated_hour_on_dst_end_is_the_first_one():
    event = parse_day("2027-11-07", "1:30 AM - 5:00 AM")
    assert event.start.utcoffset() == timedelta(hours=-7)


def test_start_in_the_skipped_hour_is_a_clear_parse_error():
    with pytest.raises(ParseError) as failed:
        parse_day("2027-03-14", "2:30 AM - 5:00 AM")
    assert failed.value.missing == ["start", "end"]
    assert "02:30 does not exist on 2027-03-14 in America/Los_Angeles" in failed.value.reason


def test_end_in_the_skipped_hour_is_a_clear_parse_error():
    with pytest.raises(ParseError) as failed:
        parse_day("2027-03-14", "12:00 AM - 2:15 AM")
    assert failed.value.missing == ["end"]
    assert "02:15 does not exist" in failed.value.reason


def test_duration_across_dst_end_is_real_elapsed_time():
    rows = [(k, v) for k, v in CONFIRMED_ROWS if k not in {"Date", "Time"}]
    rows += [("Start", "Sun, Nov 7, 2027 12:00 AM"), ("Duration", "3 hour(s)")]
    event = parse_email(message(text=text_body(rows)).as_bytes(), FLEET)
    assert event.end.isoformat() == "2027-11-07T02:00:00-08:00"

"""The value readers: the formats people and templates write dates, times and money in."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

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

LA = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(
    "text",
    [
        "Saturday, May 30, 2027",
        "Sat, May 30, 2027",
        "30 May 2027",
        "May 30 2027",
        "2027-05-30",
        "May 30th, 2027",
        "Sat. 30th of May, 2027",
        "5/30/2027",
        "Depart: 30 May 2027 - 2:00 PM",
    ],
)
def test_dates(text):
    assert find_date(text) == date(2027, 5, 30)


@pytest.mark.parametrize("text", ["February 30, 2027", "May 2027", "30/30/2027", "tomorrow", ""])
def test_not_dates(text):
    assert find_date(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:00 AM", time(10, 0)),
        ("10am", time(10, 0)),
        ("10 am", time(10, 0)),
        ("10 a.m.", time(10, 0)),
        ("14:00", time(14, 0)),
        ("12:30 PM", time(12, 30)),
        ("12 am", time(0, 0)),
        ("noon", time(12, 0)),
        ("4 Sep 2027 - 2:00 PM", time(14, 0)),
        ("at 6:20:21 PM PDT", time(18, 20)),
    ],
)
def test_times(text, expected):
    assert find_time(text) == expected


@pytest.mark.parametrize("text", ["10", "13:00 PM", "25:00", "2027", "(3 hours)"])
def test_not_times(text):
    assert find_time(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:00 AM - 1:00 PM (3 hours)", (time(10), time(13))),
        ("10am–1pm", (time(10), time(13))),
        ("10 am to 1 pm", (time(10), time(13))),
        ("10 - 1 pm", (time(10), time(13))),
        ("1 - 4 pm", (time(13), time(16))),
        ("14:00-17:30", (time(14), time(17, 30))),
        ("8:00 PM - 1:00 AM", (time(20), time(1))),
        ("Sunday, May 30, 2027 10:00 AM - 1:00 PM", (time(10), time(13))),
    ],
)
def test_time_ranges(text, expected):
    assert find_time_range(text) == expected


def test_a_date_and_one_time_is_not_a_range():
    assert find_time_range("4 Sep 2027 - 2:00 PM") is None


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("3 hour(s)", 3),
        ("3 hours", 3),
        ("3 hour", 3),
        ("2.5 hrs", 2.5),
        ("4h", 4),
        ("2 hours 30 minutes", 2.5),
        ("90 minutes", 1.5),
    ],
)
def test_durations(text, hours):
    assert find_duration(text) == timedelta(hours=hours)


def test_a_bare_number_is_hours_only_when_the_label_says_so():
    assert find_duration("3") is None
    assert find_duration("3", bare_number_is_hours=True) == timedelta(hours=3)


def test_absurd_durations_are_not_read():
    assert find_duration("999 hours") is None


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("$1,120.00", "1120.00"),
        ("USD $990.00", "990.00"),
        ("US$990", "990.00"),
        ("990 USD", "990.00"),
        ("$840.75", "840.75"),
        ("1.120,00", "1120.00"),
        ("1 120,00", "1120.00"),
        ("1,120", "1120.00"),
        ("$2,400", "2400.00"),
        ("Total (May 30): $780.00", "780.00"),
        ("-$168.15 fee, then $672.60", "672.60"),
    ],
)
def test_amounts(text, amount):
    assert find_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["€990.00", "990 EUR", "£50"])
def test_foreign_amounts_are_refused(text):
    with pytest.raises(ForeignCurrency):
        find_amount(text)


@pytest.mark.parametrize(
    ("text", "count"),
    [("6", 6), ("5 Guests", 5), ("4 adults, 2 children", 6), ("12 passengers", 12)],
)
def test_counts(text, count):
    assert find_count(text) == count


def test_dst_start_skipped_hour_does_not_exist():
    with pytest.raises(NonexistentLocalTime, match="02:30 does not exist on 2027-03-14"):
        localize(date(2027, 3, 14), time(2, 30), LA)


def test_dst_end_repeated_hour_is_the_first_one():
    first = localize(date(2027, 11, 7), time(1, 30), LA)
    assert first.utcoffset() == timedelta(hours=-7)


def test_elapsed_time_across_dst_end_is_real_time():
    start = localize(date(2027, 11, 7), time(0, 0), LA)
    end = add_elapsed(start, timedelta(hours=3))
    assert end.replace(tzinfo=None) == datetime(2027, 11, 7, 2, 0)
    assert end.utcoffset() == timedelta(hours=-8)

"""A forward's quoted date, in any language, is read right or not at all: never guessed."""

from datetime import datetime, timedelta, timezone

import pytest

from bookings import ParseError, default_fleet
from parsers import parse_email
from parsers.quoted_date import read_quoted_date
from tests.support.emailkit import CONFIRMED_ROWS, gmail_manual_forward, html_table, text_body

PST = timezone(timedelta(hours=-8))
FORWARDED = datetime(2027, 5, 13, 8, 0, tzinfo=PST)


def test_a_day_first_language_reads_the_day_first():
    read = read_quoted_date("12/05/2027 10:00", frozenset({"fr"}), FORWARDED)
    assert read.value == datetime(2027, 5, 12, 10, 0)


def test_english_is_settled_by_the_forward_that_follows_within_days():
    # 5 Dec would be after the forward: impossible; 12 May is the day before it
    read = read_quoted_date("12/05/2027 10:00", frozenset({"en"}), FORWARDED)
    assert read.value == datetime(2027, 5, 12, 10, 0)


def test_a_reading_after_the_forward_is_never_taken():
    forwarded = datetime(2027, 3, 20, 8, 0, tzinfo=PST)  # 3 Apr is later: only 4 Mar remains
    read = read_quoted_date("4/3/2027 10:00", frozenset({"en"}), forwarded)
    assert read.value == datetime(2027, 3, 4, 10, 0)


def test_an_ambiguous_date_stays_unread_and_says_why():
    forwarded = datetime(2027, 6, 20, 8, 0, tzinfo=PST)  # 3 Apr and 4 Mar are both weeks back
    read = read_quoted_date("4/3/2027 10:00", frozenset({"en"}), forwarded)
    assert read.value is None
    assert "ambiguous" in (read.problem or "")


@pytest.mark.parametrize(
    ("text", "languages"),
    [
        ("mar. 2 mars 2027 à 09:14", {"fr"}),
        ("Di., 2. März 2027 um 09:14", {"de"}),
        ("2027年3月2日(火) 9:14", {"ja"}),
        ("вт, 2 мар. 2027 г. в 09:14", {"ru"}),
        ("tis 2 mars 2027 kl. 09:14", {"sv"}),
        ("Tue, Mar 2, 2027 at 9:14 AM", {"en"}),
    ],
)
def test_written_out_dates_in_many_languages(text, languages):
    read = read_quoted_date(text, frozenset(languages), datetime(2027, 3, 2, 10, tzinfo=PST))
    assert read.value == datetime(2027, 3, 2, 9, 14)


def test_a_zone_written_in_the_date_is_kept():
    read = read_quoted_date("March 2, 2027 at 9:14:00 AM PST", frozenset({"en"}))
    assert read.value == datetime(2027, 3, 2, 9, 14, tzinfo=PST)


def test_an_ambiguous_quoted_date_makes_the_booking_a_parse_error():
    raw = gmail_manual_forward(
        text_body(CONFIRMED_ROWS),
        html_table(CONFIRMED_ROWS),
        quoted_date="4/3/2027 10:00",
        date=datetime(2027, 6, 20, 8, 0, tzinfo=PST),
    ).as_bytes()
    with pytest.raises(ParseError) as failed:
        parse_email(raw, default_fleet())
    assert failed.value.missing == ["as_of"]
    assert "ambiguous" in failed.value.reason

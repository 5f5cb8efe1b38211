"""A forward's quoted date, in any language, is read right or not at all: never guessed."""

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bookings import ParseError, default_fleet
from parsers import parse_email
from parsers.quoted_date import read_quoted_date
from tests.support.emailkit import (
    CONFIRMED_ROWS,
    LA,
    confirmed,
    gmail_manual_forward,
    html_table,
    text_body,
)
from tests.support.forwardkit import LANGUAGES, gmail, outlook

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


# --- issue 17: a date is read or refused, never invented ---------------------------------------

LA_WINTER = timezone(timedelta(hours=-8))
LA_SUMMER = timezone(timedelta(hours=-7))


def _forward(quoted_date: str, forwarded_at: datetime) -> bytes:
    return gmail_manual_forward(
        text_body(CONFIRMED_ROWS),
        html_table(CONFIRMED_ROWS),
        quoted_date=quoted_date,
        date=forwarded_at,
    ).as_bytes()


def test_a_phone_clients_garbled_date_is_read_as_written_not_as_now():
    # a Spanish phone client: a two-digit year, the 12-hour clock written "a. m.", the zone in
    # brackets; dateparser's relative reader took the leftovers for "now"
    spanish = next(lang for lang in LANGUAGES if lang.code == "es")
    lang = replace(spanish, when="2/3/27 9:14 a. m. (GMT-08:00)")
    raw = gmail(lang, text_body(CONFIRMED_ROWS), html_table(CONFIRMED_ROWS)).as_bytes()
    event = parse_email(raw, default_fleet())
    assert event.as_of == datetime(2027, 3, 2, 9, 14, tzinfo=LA_WINTER)


@pytest.mark.parametrize(
    ("text", "languages"),
    [
        ("2 days ago", {"en"}),
        ("yesterday at 9:14 AM", {"en"}),
        ("hace 2 días", {"es"}),
        ("in 3 hours", {"en"}),
        ("heute um 09:14", {"de"}),
        ("9:14", {"en"}),
        ("March 2027", {"en"}),
    ],
)
def test_a_relative_or_partial_date_is_refused(text, languages):
    read = read_quoted_date(text, frozenset(languages), FORWARDED)
    assert read.value is None
    assert read.problem


def test_a_zone_less_english_date_takes_the_forwarders_offset():
    # Outlook 2013 in English: "Sent: 12 May 2027 16:37", forwarded from a phone at -07:00
    forwarded = datetime(2027, 5, 13, 8, 0, tzinfo=LA_SUMMER)
    assert read_quoted_date("12 May 2027 16:37", frozenset({"en"}), forwarded).value == datetime(
        2027, 5, 12, 16, 37
    )
    raw = _forward("12 May 2027 16:37", forwarded)
    assert parse_email(raw, default_fleet()).as_of == datetime(2027, 5, 12, 16, 37, tzinfo=LA)


@pytest.mark.parametrize(
    ("text", "languages"),
    [
        # Apple Mail: a time word, dots in the time, seconds and a zone
        ("2. marts 2027 kl. 09.14.00 PST", {"da"}),
        ("2. maaliskuuta 2027 klo 9.14.00 UTC-8", {"fi"}),
        ("2. ožujka 2027. u 09:14:00 PST", {"hr"}),
    ],
)
def test_apple_mails_time_words(text, languages):
    read = read_quoted_date(text, frozenset(languages), datetime(2027, 3, 2, 10, tzinfo=PST))
    assert read.value == datetime(2027, 3, 2, 9, 14, tzinfo=PST)


def test_gmail_portuguese_writes_a_s_before_the_time():
    forwarded = datetime(2027, 3, 2, 10, tzinfo=PST)
    read = read_quoted_date("terça, 02/03/2027 à(s) 09:14", frozenset({"pt"}), forwarded)
    assert read.value == datetime(2027, 3, 2, 9, 14)
    # Gmail labels its block in English ("Date:") even when the date is in Portuguese
    read = read_quoted_date("terça, 02/03/2027 à(s) 09:14", frozenset({"en"}), forwarded)
    assert read.value == datetime(2027, 3, 2, 9, 14)


def test_a_quoted_date_later_than_the_forward_is_a_parse_error_naming_it():
    raw = _forward("Tue, Mar 2, 2027 at 11:14 AM", datetime(2027, 3, 2, 10, 1, tzinfo=LA))
    with pytest.raises(ParseError) as failed:
        parse_email(raw, default_fleet())
    assert failed.value.missing == ["as_of"]
    assert "Tue, Mar 2, 2027 at 11:14 AM" in failed.value.reason
    assert "later than the forward" in failed.value.reason


def test_a_date_later_than_ses_receipt_is_a_parse_error_naming_it():
    raw = _forward("Tue, Mar 2, 2027 at 9:14 AM", datetime(2027, 3, 2, 10, 1, tzinfo=LA))
    received = datetime(2027, 3, 2, 9, 10, tzinfo=LA)  # SES's clock: before the quoted moment
    with pytest.raises(ParseError) as failed:
        parse_email(raw, default_fleet(), received_at=received)
    assert "later than SES received" in failed.value.reason
    assert "Tue, Mar 2, 2027 at 9:14 AM" in failed.value.reason
    ok = parse_email(raw, default_fleet(), received_at=received + timedelta(hours=1))
    assert ok.as_of == datetime(2027, 3, 2, 9, 14, tzinfo=LA)


def test_a_direct_emails_date_later_than_ses_receipt_is_a_parse_error():
    raw = confirmed(date=datetime(2027, 3, 2, 9, 14, tzinfo=LA)).as_bytes()
    with pytest.raises(ParseError) as failed:
        parse_email(raw, default_fleet(), received_at=datetime(2027, 3, 2, 9, 0, tzinfo=LA))
    assert failed.value.missing == ["as_of"]


def test_the_topmost_ses_received_header_bounds_the_date_when_no_notification_says():
    msg = gmail_manual_forward(
        text_body(CONFIRMED_ROWS),
        html_table(CONFIRMED_ROWS),
        quoted_date="Tue, Mar 2, 2027 at 9:14 AM",
        date=datetime(2027, 3, 2, 11, 0, tzinfo=LA),  # the phone's clock runs late
    )
    received = (
        "from mail-wr1-f54.google.com (mail-wr1-f54.google.com [209.85.221.54]) by "
        "inbound-smtp.us-west-2.amazonaws.com with SMTP id 0abc for bookings@in.sailjada.com; "
        "Tue, 02 Mar 2027 17:10:00 +0000 (UTC)"
    )
    raw = f"Received: {received}\r\n".encode() + msg.as_bytes()
    with pytest.raises(ParseError) as failed:
        parse_email(raw, default_fleet())
    assert "later than SES received" in failed.value.reason


def test_no_cache_keeps_a_moment_between_emails():
    assert not hasattr(read_quoted_date, "cache_info")
    from parsers import quoted_date

    assert not any(hasattr(getattr(quoted_date, n), "cache_info") for n in dir(quoted_date))


def test_warm_up_loads_every_language_before_the_first_forward():
    from parsers import date_words, quoted_date, warm_up

    warm_up()
    known = {date_words.DATEPARSER_CODE.get(code, code) for code in date_words.languages()}
    assert {"fr", "de", "ja", "nb", "pt"} <= known
    loaded = {codes[0] for codes, order in quoted_date._parsers if codes and order is None}
    assert {"fr", "de", "ja", "nb", "pt"} <= loaded
    assert {"fr", "de", "ja", "nb", "pt"} <= set(date_words._tables)


def test_explain_tells_how_the_date_was_read_and_what_bounds_it():
    from parsers import explain_email

    german = next(lang for lang in LANGUAGES if lang.code == "de")
    raw = outlook(german, text_body(CONFIRMED_ROWS), html_table(CONFIRMED_ROWS)).as_bytes()
    event, trace, _ = explain_email(raw, default_fleet())
    assert not isinstance(event, Exception)
    said = trace["as_of"]
    assert "'02.03.2027 09:14'" in said
    assert "day first as de writes it" in said
    assert "in the forwarder's offset -08:00" in said
    assert "not later than SES's receipt" in said
    assert "the email's own Date" in said


#: run in a fresh interpreter, so what other tests loaded cannot hide what a first forward loads
_FIRST_FORWARDS = r"""
import json, time
from dataclasses import replace
from dateparser.languages.loader import LocaleDataLoader
from bookings import NotABooking, ParseError, default_fleet
from parsers import parse_email, warm_up
from tests.support.emailkit import CONFIRMED_ROWS, html_table, text_body
from tests.support.forwardkit import LANGUAGES, gmail

warm_up()
before = set(LocaleDataLoader._loaded_locales), set(LocaleDataLoader._loaded_languages)
spent = []
for code, when in [
    ("es", "2/3/27 9:14 a. m. (GMT-08:00)"),  # read by dateparser in its language
    ("de", "Di. 02.03.27 um 9:14 Uhr (MEZ)"),  # day and month could swap: both orders tried
    ("da", "2/3/2027 klokken 9.14 ved frokost"),  # read in no language: every locale is tried
]:
    lang = replace(next(lang for lang in LANGUAGES if lang.code == code), when=when)
    raw = gmail(lang, text_body(CONFIRMED_ROWS), html_table(CONFIRMED_ROWS)).as_bytes()
    started = time.perf_counter()
    try:
        parse_email(raw, default_fleet())
    except (NotABooking, ParseError):
        pass
    spent.append(time.perf_counter() - started)
after = set(LocaleDataLoader._loaded_locales), set(LocaleDataLoader._loaded_languages)
print(json.dumps({
    "locales": sorted(after[0] - before[0]),
    "languages": sorted(after[1] - before[1]),
    "slowest": max(spent),
}))
"""


def test_the_first_forwards_load_no_dateparser_language_data_after_warm_up():
    # dateparser loads a locale's data the first time one of its readers needs it; a date no
    # language reads makes its any-language reader load all two hundred (seconds, on a forward)
    root = Path(__file__).resolve().parents[2]
    ran = subprocess.run(
        [sys.executable, "-c", _FIRST_FORWARDS],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    loaded = json.loads(ran.stdout.strip().splitlines()[-1])
    assert loaded["locales"] == []
    assert loaded["languages"] == []

"""Whatever the bytes, parse_email ends as an event, NotABooking or a ParseError: nothing else."""

import os
from email.message import EmailMessage

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings import BookingEvent, NotABooking, ParseError, default_fleet
from parsers import parse_email, read_envelope
from tests.conftest import FIXTURES

SAMPLES = [p.read_bytes() for p in sorted((FIXTURES / "emails").glob("*.eml"))]
FLEET = default_fleet()
LABELS = [
    "Booking ID",
    "Reservation #",
    "Boat",
    "Listing",
    "Renter",
    "Guest",
    "Date",
    "Time",
    "Start",
    "End",
    "Depart",
    "Duration",
    "Passengers",
    "Group size",
    "Booking total",
    "Renter Payments",
    "Message from Maya",
    "From",
    "Sent",
    "Subject",
    "Departure",
]
SUBJECTS = [
    "Booking confirmed: Maya T. on Sun, May 30",
    "New booking request from Ben C.",
    "Booking updated: Maya T. on Sun, May 30",
    "Booking cancelled: Maya T. on Sun, May 30",
    "Booking Confirmed!",
]
#: values that reach the readers' deeper paths, beside arbitrary text
VALUES = [
    "xhqgmdh",
    "#4817263",
    "JADA - 50' Classic Sailing Yacht",
    "Maya Thompson",
    "Sunday, May 30, 2027",
    "2027-03-14",
    "Sun, Nov 7, 2027",
    "10:00 AM - 1:00 PM (3 hours)",
    "2:30 AM",
    "1:30 am",
    "10 - 1 pm",
    "8:00 PM - 1:00 AM",
    "4 Sep 2027 - 2:00 PM",
    "3 hour(s)",
    "999999 hours",
    "$1,120.00",
    "1.120,00",
    "EUR 50",
    "USD $99999999999999.99",
    "0",
    "600",
    "4 adults, 2 children",
    "Sun, May 2, 2027 at 6:20 PM",
    "Boatsetter <no-reply@boatsetter.com>",
]
#: a readable booking, so that mutations around it also end as events
COMPLETE = [
    ("Booking ID", "xhqgmdh"),
    ("Reservation #", "4817263"),
    ("Boat", "JADA"),
    ("Renter", "Maya Thompson"),
    ("Date", "Sunday, May 30, 2027"),
    ("Time", "10:00 AM - 1:00 PM"),
]
#: ``FUZZ_EXAMPLES=20000 pytest tests/unit/test_parse_never_crashes.py`` to search harder by hand
SETTINGS = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "250")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def outcome(raw: bytes) -> str:
    """Parse ``raw``; any exception other than the two allowed ones fails the test."""
    try:
        event = parse_email(raw, FLEET)
    except NotABooking as exc:
        return "ignored" if exc.reason else "ignored without a reason"
    except ParseError as exc:
        return "unparseable" if exc.reason and exc.missing else "unparseable without a reason"
    assert isinstance(event, BookingEvent)
    return "event"


@SETTINGS
@given(st.binary(max_size=4096))
def test_random_bytes(raw: bytes):
    assert outcome(raw) in {"event", "ignored", "unparseable"}
    read_envelope(raw)  # never raises either


@SETTINGS
@given(st.sampled_from(SAMPLES), st.floats(min_value=0, max_value=1))
def test_truncated_samples(sample: bytes, fraction: float):
    raw = sample[: int(len(sample) * fraction)]
    assert outcome(raw) in {"event", "ignored", "unparseable"}
    read_envelope(raw)


@SETTINGS
@given(
    st.sampled_from(SAMPLES),
    st.lists(
        st.tuples(st.floats(min_value=0, max_value=1), st.binary(min_size=0, max_size=8)),
        min_size=1,
        max_size=12,
    ),
)
def test_mutated_samples(sample: bytes, edits: list[tuple[float, bytes]]):
    raw = bytearray(sample)
    for where, replacement in edits:
        at = int(len(raw) * where)
        raw[at : at + len(replacement) or at + 1] = replacement
    assert outcome(bytes(raw)) in {"event", "ignored", "unparseable"}
    read_envelope(bytes(raw))


@SETTINGS
@given(
    st.sampled_from(["no-reply@boatsetter.com", "no-reply@getmyboat.com"]),
    st.one_of(st.sampled_from(SUBJECTS), st.text(max_size=60)),
    st.lists(
        st.tuples(
            st.sampled_from(LABELS), st.one_of(st.sampled_from(VALUES), st.text(max_size=40))
        ),
        max_size=14,
    ),
    st.sampled_from(["plain", "html", "cells"]),
    st.sampled_from(["utf-8", "windows-1252", "iso-8859-1"]),
    st.booleans(),
)
def test_generated_booking_like_emails(sender, subject, rows, layout, charset, complete):
    """Decoded bodies full of labels with arbitrary values: the readers' own edge cases."""
    if complete:
        rows = [*COMPLETE, *rows]
    msg = EmailMessage()
    msg["From"] = f"Platform <{sender}>"
    msg["Subject"] = " ".join(subject.split())
    msg["Date"] = "Tue, 02 Mar 2027 09:14:00 -0800"
    if layout == "plain":
        body, subtype = "\n".join(f"{label}: {value}" for label, value in rows), "plain"
    elif layout == "html":
        body = "".join(f"<p><b>{label}</b> {value}</p>" for label, value in rows)
        subtype = "html"
    else:
        cells = "".join(f"<tr><td>{label}</td><td>{value}</td></tr>" for label, value in rows)
        body, subtype = f"<table>{cells}</table>", "html"
    try:
        msg.set_content(body, subtype=subtype, charset=charset)
    except UnicodeEncodeError:
        msg.set_content(body, subtype=subtype, charset="utf-8")
    assert outcome(msg.as_bytes()) in {"event", "ignored", "unparseable"}


def test_deeply_nested_html_ends_as_a_parse_error():
    html = "<div>" * 20000 + "Booking ID: xhqgmdh" + "</div>" * 20000
    msg = EmailMessage()
    msg["From"] = "Boatsetter <no-reply@boatsetter.com>"
    msg["Subject"] = "Booking confirmed"
    msg["Date"] = "Tue, 02 Mar 2027 09:14:00 -0800"
    msg.set_content(html, subtype="html")
    assert outcome(msg.as_bytes()) == "unparseable"

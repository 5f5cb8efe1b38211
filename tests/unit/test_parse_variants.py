"""The same booking, written every way platforms and mail software write it, reads the same.

Nothing here comes from the fixture files: each email is built with the standard library, so the
parser is shown to be tolerant rather than matched to five samples.
"""

from datetime import datetime
from decimal import Decimal

import pytest

from bookings import Boat, Fleet, ParseError, default_fleet
from parsers import parse_email
from tests.support.emailkit import (
    CONFIRMED_ROWS,
    END,
    GETMYBOAT,
    LA,
    START,
    confirmed,
    html_paragraphs,
    html_table,
    message,
    text_body,
)

FLEET = default_fleet()


def with_row(label: str, value: str, replacing: str | None = None) -> list[tuple[str, str]]:
    """The confirmed rows with one row replaced (by its label) or added."""
    rows = [(k, v) for k, v in CONFIRMED_ROWS if k != (replacing or label)]
    return [*rows, (label, value)]


def parse_rows(rows, layout: str = "text"):
    if layout == "text":
        msg = message(text=text_body(rows))
    elif layout == "table":
        msg = message(html=html_table(rows))
    else:
        msg = message(html=html_paragraphs(rows))
    return parse_email(msg.as_bytes(), FLEET)


# --- bodies, charsets, transfer encodings ---------------------------------------------------


@pytest.mark.parametrize("charset", ["utf-8", "windows-1252", "iso-8859-1"])
@pytest.mark.parametrize("cte", ["quoted-printable", "base64"])
@pytest.mark.parametrize("alternatives", ["text", "html", "both"])
def test_charsets_and_transfer_encodings(charset, cte, alternatives):
    rows = with_row("Renter", "Zoë Ångström-Núñez")
    text = (
        text_body(rows, notes="Café au lait for 6, s’il vous plaît")
        if alternatives != "html"
        else None
    )
    html = (
        html_table(rows, notes="Café au lait for 6, s’il vous plaît")
        if alternatives != "text"
        else None
    )
    if charset == "iso-8859-1":  # no curly apostrophe in Latin-1
        text = text.replace("’", "'") if text else None
        html = html.replace("’", "'") if html else None
    msg = message(text=text, html=html, charset=charset, cte=cte)
    event = parse_email(msg.as_bytes(), FLEET)
    assert event.renter_name == "Zoë Ångström-Núñez"
    assert event.notes is not None
    assert event.notes.startswith("Café au lait for 6, s")
    assert (event.start, event.end) == (START, END)


def test_windows_1252_labelled_as_latin_1():
    """Mail software labels Windows-1252 text (curly quotes) as ISO-8859-1; read what was meant."""
    body = text_body(CONFIRMED_ROWS, notes="We’ll bring “snacks”").encode("windows-1252")
    raw = (
        b"From: Boatsetter <no-reply@boatsetter.com>\r\nSubject: Booking confirmed: Maya T.\r\n"
        b"Date: Tue, 02 Mar 2027 09:14:00 -0800\r\nContent-Type: text/plain; charset=iso-8859-1"
        b"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body
    )
    assert parse_email(raw, FLEET).notes == "We’ll bring “snacks”"


def test_encoded_word_subject():
    msg = confirmed(subject="=?utf-8?q?Booking_confirmed=3A_Zo=C3=AB_T=2E_on_Sun=2C_May_30?=")
    assert parse_email(msg.as_bytes(), FLEET).kind == "confirmed"


# --- layouts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["text", "table", "paragraphs"])
def test_layouts(layout):
    event = parse_rows(CONFIRMED_ROWS, layout)
    assert (event.booking_id, event.renter_name, event.start, event.end) == (
        "xhqgmdh",
        "Maya Thompson",
        START,
        END,
    )


def test_fields_in_any_order():
    event = parse_rows(list(reversed(CONFIRMED_ROWS)))
    assert (event.booking_id, event.start, event.end, event.party_size) == (
        "xhqgmdh",
        START,
        END,
        6,
    )


def test_label_and_value_on_separate_lines():
    lines = "\n".join(f"{label}\n{value}\n" for label, value in CONFIRMED_ROWS)
    msg = message(text="Booking confirmed\n\n" + lines)
    event = parse_email(msg.as_bytes(), FLEET)
    assert (event.booking_id, event.renter_name, event.start) == ("xhqgmdh", "Maya Thompson", START)


def test_definition_list_html():
    items = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in CONFIRMED_ROWS)
    msg = message(html=f"<html><body><h1>Your boat is booked!</h1><dl>{items}</dl></body></html>")
    assert parse_email(msg.as_bytes(), FLEET).start == START


def test_label_cells_with_colons_and_bold_markup():
    rows = [(f"**{k}:**", v) for k, v in CONFIRMED_ROWS]
    event = parse_rows(rows, "table")
    assert (event.booking_id, event.gross) == ("xhqgmdh", Decimal("840.75"))


def test_hidden_preheader_text_is_not_read():
    rows = [(k, v) for k, v in CONFIRMED_ROWS if k != "Booking ID"]
    html = html_table(rows)  # its hidden preheader says "Booking ID zzzzzzz"
    msg = message(html=html, subject="Booking confirmed: Maya T. on Sun, May 30")
    with pytest.raises(ParseError) as failed:
        parse_email(msg.as_bytes(), FLEET)
    assert failed.value.missing == ["booking_id"]


# --- labels that vary -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("Passengers", "6"),
        ("Guests", "6"),
        ("Group size", "6 Guests"),
        ("Party size", "6"),
        ("Number of guests", "4 adults, 2 children"),
    ],
)
def test_party_size_labels(label, value):
    assert parse_rows(with_row(label, value, replacing="Passengers")).party_size == 6


@pytest.mark.parametrize("label", ["Renter", "Guest name", "Booked by", "Customer"])
def test_renter_labels(label):
    assert (
        parse_rows(with_row(label, "Maya Thompson", replacing="Renter")).renter_name
        == "Maya Thompson"
    )


@pytest.mark.parametrize("label", ["Boat", "Listing", "Vessel", "Yacht"])
def test_boat_labels(label):
    assert parse_rows(with_row(label, "JADA - 50' Classic", replacing="Boat")).boat == "JADA"


@pytest.mark.parametrize(
    "label", ["Booking ID", "Booking #", "Reservation number", "Confirmation code"]
)
def test_booking_id_labels(label):
    assert parse_rows(with_row(label, "xhqgmdh", replacing="Booking ID")).booking_id == "xhqgmdh"


@pytest.mark.parametrize(
    "value",
    [
        "Saturday, May 30, 2027",
        "Sat, May 30, 2027",
        "30 May 2027",
        "May 30 2027",
        "2027-05-30",
    ],
)
def test_date_formats(value):
    assert parse_rows(with_row("Date", value)).start == START


@pytest.mark.parametrize(
    "value", ["10:00 AM - 1:00 PM", "10am - 1pm", "10 am to 1 pm", "10:00-13:00", "10 - 1 pm"]
)
def test_time_formats(value):
    event = parse_rows(with_row("Time", value))
    assert (event.start, event.end) == (START, END)


@pytest.mark.parametrize(
    ("start", "end"),
    [("10:00 AM", "1:00 PM"), ("10am", "1pm"), ("10 am", "1 pm"), ("10:00", "13:00")],
)
def test_separate_start_and_end_rows(start, end):
    rows = [r for r in CONFIRMED_ROWS if r[0] != "Time"] + [
        ("Start time", start),
        ("End time", end),
    ]
    event = parse_rows(rows, "table")
    assert (event.start, event.end) == (START, END)


@pytest.mark.parametrize("duration", ["3 hour(s)", "3 hours", "3h", "180 minutes"])
def test_start_and_duration(duration):
    rows = [r for r in CONFIRMED_ROWS if r[0] != "Time"]
    rows += [("Departure time", "10:00 AM"), ("Duration", duration)]
    event = parse_rows(rows)
    assert (event.start, event.end) == (START, END)


def test_departure_with_date_and_time_in_one_value():
    rows = [r for r in CONFIRMED_ROWS if r[0] not in {"Time", "Date"}]
    rows += [("Depart", "30 May 2027 - 10:00 AM"), ("Duration", "3 hour")]
    event = parse_rows(rows, "paragraphs")
    assert (event.start, event.end) == (START, END)


def test_a_charter_past_midnight_ends_the_next_day():
    event = parse_rows(with_row("Time", "8:00 PM - 1:00 AM"))
    assert event.end == datetime(2027, 5, 31, 1, 0, tzinfo=LA)


@pytest.mark.parametrize(
    ("label", "value", "gross"),
    [
        ("Booking total", "$1,120.00", "1120.00"),
        ("Renter Payments", "USD $990.00", "990.00"),
        ("Total", "990 USD", "990.00"),
        ("Trip total", "1.120,00", "1120.00"),
    ],
)
def test_amounts(label, value, gross):
    assert parse_rows(with_row(label, value, replacing="Booking total")).gross == Decimal(gross)


def test_payout_and_fee_lines_are_not_the_gross():
    rows = [r for r in CONFIRMED_ROWS if r[0] != "Booking total"]
    rows += [("Boatsetter fee", "-$168.15"), ("Your earnings", "$672.60")]
    assert parse_rows(rows).gross is None


def test_renter_text_is_not_read_as_fields():
    """A renter who writes "Time: ..." in their message changes nothing."""
    rows = [r for r in CONFIRMED_ROWS if r[0] != "Time"]
    body = text_body(rows).replace("Boatsetter, Inc.", "Time: 10:00 AM - 1:00 PM")
    body = body.replace("Hi Dana,", "Message from Maya:\nTime: 6:00 PM - 11:00 PM please\n")
    msg = message(text=body)
    event = parse_email(msg.as_bytes(), FLEET)
    assert (event.start, event.end) == (START, END)
    assert event.notes == "Time: 6:00 PM - 11:00 PM please"


def test_boat_is_the_fleet_boat_the_listing_names():
    fleet = Fleet(boats=[Boat(name="JADA"), Boat(name="Osprey", listing_names=["Osprey 42"])])
    msg = message(text=text_body(with_row("Boat", "Osprey 42 - Sport Fisher")))
    assert parse_email(msg.as_bytes(), fleet).boat == "Osprey"


def test_start_and_end_are_in_the_boats_zone():
    fleet = Fleet(boats=[Boat(name="JADA", timezone="America/New_York")])
    event = parse_email(message(text=text_body(CONFIRMED_ROWS)).as_bytes(), fleet)
    assert event.start.isoformat() == "2027-05-30T10:00:00-04:00"


def test_getmyboat_reservation_number_from_a_click_tracking_link():
    html = (
        "<html><body><h2>Booking Confirmed!</h2>"
        "<p>Keisha Brown just confirmed payment for your listing.</p>"
        '<p>Listing: "JADA - Classic 50ft Sailing Yacht"</p><p>Depart: 4 Sep 2027 - 2:00 PM</p>'
        "<p>Duration: 3 hour</p><p>Group Size: 5 Guests</p><p>Renter Payments: USD $990.00</p>"
        '<p><a href="https://email.getmyboat.com/c/eJx?u=1&amp;p=aHR0cHM6Ly93d3cuZ2V0bXlib2F0'
        'LmNvbS9pbmJveC81NTUxMjM0Lz91dG1fc291cmNlPWVtYWls">View Reservation</a></p></body></html>'
    )
    event = parse_email(
        message(sender=GETMYBOAT, subject="Booking Confirmed!", html=html).as_bytes(), FLEET
    )
    assert (event.source, event.booking_id, event.renter_name) == (
        "getmyboat",
        "5551234",
        "Keisha Brown",
    )


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("New Booking Request", "request"),
        ("Booking Confirmed!", "confirmed"),
        ("Your booking was changed", "modified"),
        ("Booking Canceled", "cancelled"),
    ],
)
def test_getmyboat_kinds(subject, kind):
    rows = [
        ("Reservation #", "4817263"),
        ("Listing", "JADA"),
        ("Renter", "Keisha Brown"),
        ("Depart", "4 Sep 2027 - 2:00 PM"),
        ("Duration", "3 hours"),
    ]
    event = parse_email(
        message(sender=GETMYBOAT, subject=subject, text=text_body(rows, heading="")).as_bytes(),
        FLEET,
    )
    assert (event.kind, event.booking_id) == (kind, "4817263")


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("New booking request from Ben C.", "request"),
        ("Booking confirmed: Maya T. on Sun, May 30", "confirmed"),
        ("Booking updated: Maya T. on Sun, May 30", "modified"),
        ("Booking changed: Maya T. on Sun, May 30", "modified"),
        ("Booking cancelled: Maya T. on Sun, May 30", "cancelled"),
        ("Booking canceled: Maya T. on Sun, May 30", "cancelled"),
        ("Fwd: Booking confirmed: Maya T. on Sun, May 30", "confirmed"),
    ],
)
def test_boatsetter_kinds(subject, kind):
    assert parse_email(confirmed(subject=subject).as_bytes(), FLEET).kind == kind


def test_kind_from_the_heading_when_the_subject_says_nothing():
    msg = message(
        subject="Maya T. on Sun, May 30",
        text=text_body(CONFIRMED_ROWS, heading="Booking cancelled"),
    )
    assert parse_email(msg.as_bytes(), FLEET).kind == "cancelled"

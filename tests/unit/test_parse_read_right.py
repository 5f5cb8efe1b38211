"""Issue 17, points 3 and 5: values are what they claim, and wider layouts read only new values.

One test per defect the issue names; each failed on the code before the fix (see the note in
/work/notes/values.md). Emails are built with the standard library (tests.support.emailkit).
"""

from datetime import datetime
from decimal import Decimal
from html import escape

import pytest

from bookings import NotABooking, ParseError, default_fleet
from parsers import parse_email, read_envelope
from tests.support.emailkit import (
    CONFIRMED_ROWS,
    END,
    FORWARDED_AT,
    FORWARDER,
    GETMYBOAT,
    INBOX,
    LA,
    START,
    html_table,
    message,
    outlook_forward,
    text_body,
)

FLEET = default_fleet()
#: the same booking moved to the afternoon (what a change notice announces)
NEW_START = datetime(2027, 5, 30, 14, 0, tzinfo=LA)
NEW_END = datetime(2027, 5, 30, 17, 0, tzinfo=LA)
GMB_ROWS = [
    ("Listing", '"JADA - Classic 50ft Sailing Yacht"'),
    ("Depart", "4 Sep 2027 - 2:00 PM"),
    ("Duration", "3 hours"),
    ("Group Size", "5 Guests"),
]


def without(*labels: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in CONFIRMED_ROWS if k not in labels]


def failure_of(raw: bytes) -> ParseError:
    with pytest.raises(ParseError) as failed:
        parse_email(raw, FLEET)
    return failed.value


def getmyboat(lead: str, rows: list[tuple[str, str]], subject: str = "Booking Canceled") -> bytes:
    text = f"{subject}\n\n{lead}\n\n" + "".join(f"{k}: {v}\n" for k, v in rows)
    return message(sender=GETMYBOAT, subject=subject, text=text).as_bytes()


# --- point 3: a renter's name is a name -------------------------------------------------------


def test_a_name_in_prose_loses_the_sentence_words_before_it():
    raw = getmyboat(
        "Unfortunately, Marcus Oyelaran has cancelled your booking.",
        [("Reservation #", "4817263"), *GMB_ROWS],
    )
    assert parse_email(raw, FLEET).renter_name == "Marcus Oyelaran"


def test_a_name_in_prose_loses_the_verbs_after_it():
    raw = getmyboat(
        "Marcus Oyelaran has just cancelled your booking.",
        [("Reservation #", "4817263"), *GMB_ROWS],
    )
    assert parse_email(raw, FLEET).renter_name == "Marcus Oyelaran"


@pytest.mark.parametrize("body", ["text", "html"])
def test_a_labelled_name_with_markup_is_read_as_written(body):
    rows = [*without("Renter"), ("Renter", "Maya <b>Thompson</b>")]
    msg = message(text=text_body(rows)) if body == "text" else message(html=html_table(rows))
    assert parse_email(msg.as_bytes(), FLEET).renter_name == "Maya <b>Thompson</b>"


# --- point 3: notes end where the template resumes --------------------------------------------


def test_notes_in_text_end_at_the_next_section():
    body = text_body(without("Booking total")).replace(
        "Boatsetter, Inc.",
        "Message from Maya:\nPlease bring ice\nPayment summary\nTotal paid by renter $840.75\n"
        "Boatsetter, Inc.",
    )
    event = parse_email(message(text=body).as_bytes(), FLEET)
    assert (event.notes, event.gross) == ("Please bring ice", Decimal("840.75"))


def test_notes_in_html_end_at_the_reply_button_and_footer():
    html = html_table(CONFIRMED_ROWS).replace(
        "</body>",
        "<h2>Message from Maya</h2><div>Please bring ice</div><div><a href='https://www.boats"
        "etter.com/inbox'>Reply</a></div><div>Boatsetter, Inc. · 200 S Andrews Ave</div></body>",
    )
    assert parse_email(message(html=html).as_bytes(), FLEET).notes == "Please bring ice"


# --- point 3: the text and HTML bodies agree, or the disagreement is named --------------------


def test_text_and_html_that_disagree_on_a_value_are_refused():
    rows = without("Booking total")
    raw = message(
        text=text_body([*rows, ("Booking total", "$840.75")]),
        html=html_table([*rows, ("Booking total", "$940.75")]),
    ).as_bytes()
    failed = failure_of(raw)
    assert failed.missing == ["gross"]
    assert "text and HTML bodies disagree" in failed.reason
    assert "940" not in failed.reason  # a reason names fields, never the email's words


def test_a_value_only_the_html_gives_is_read():
    rows = without("Booking total")
    raw = message(
        text=text_body(rows), html=html_table([*rows, ("Booking total", "$840.75")])
    ).as_bytes()
    assert parse_email(raw, FLEET).gross == Decimal("840.75")


# --- point 5: colon-less rows and the gross's many labels --------------------------------------


@pytest.mark.parametrize(
    "label",
    ["Total paid by renter", "Total trip cost", "Total (USD)", "Total charged", "Trip total"],
)
def test_gross_in_a_colonless_table_row(label):
    html = html_table([*without("Booking total"), (label, "$1,260.00")])
    assert parse_email(message(html=html).as_bytes(), FLEET).gross == Decimal("1260.00")


def test_gross_in_a_text_row_written_with_a_pipe():
    body = text_body(without("Booking total")) + "\nTotal paid by renter | $1,260.00\n"
    assert parse_email(message(text=body).as_bytes(), FLEET).gross == Decimal("1260.00")


# --- point 5: new vs previous -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "$840.75 → $1,260.00",
        "$840.75 -> $1,260.00",
        "(previously $840.75) $1,260.00",
        "was $840.75, now $1,260.00",
        "$1,260.00 (was $840.75)",
        "$1,260.00 (previously: $840.75)",
    ],
)
def test_only_the_new_amount_is_read(value):
    rows = [*without("Booking total"), ("Booking total", value)]
    msg = message(subject="Booking updated: Maya T.", text=text_body(rows))
    assert parse_email(msg.as_bytes(), FLEET).gross == Decimal("1260.00")


@pytest.mark.parametrize("order", ["original first", "new first"])
def test_original_and_new_time_rows_read_the_new_time(order):
    rows = [("Original time", "10:00 AM - 1:00 PM"), ("New time", "2:00 PM - 5:00 PM")]
    if order == "new first":
        rows.reverse()
    msg = message(subject="Booking updated: Maya T.", text=text_body([*without("Time"), *rows]))
    event = parse_email(msg.as_bytes(), FLEET)
    assert (event.start, event.end) == (NEW_START, NEW_END)


@pytest.mark.parametrize(("old", "new"), [("Previous", "Updated"), ("Before", "After")])
def test_previous_and_updated_columns_read_the_updated_column(old, new):
    table = (
        f"<table><tr><th></th><th>{old}</th><th>{new}</th></tr>"
        "<tr><td>Time</td><td>10:00 AM - 1:00 PM</td><td>2:00 PM - 5:00 PM</td></tr>"
        "<tr><td>Booking total</td><td>$840.75</td><td>$1,260.00</td></tr></table>"
    )
    html = html_table(without("Time", "Booking total")).replace("</body>", table + "</body>")
    event = parse_email(message(subject="Booking updated", html=html).as_bytes(), FLEET)
    assert (event.start, event.end, event.gross) == (NEW_START, NEW_END, Decimal("1260.00"))


def test_a_row_with_two_values_and_no_column_names_is_not_guessed():
    table = "<table><tr><td>Time</td><td>10:00 AM - 1:00 PM</td><td>2:00 PM - 5:00 PM</td></tr>"
    html = html_table(without("Time")).replace("</body>", table + "</table></body>")
    failed = failure_of(message(subject="Booking updated", html=html).as_bytes())
    assert "start" in failed.missing


@pytest.mark.parametrize(
    "strike",
    [
        ("<s>", "</s>"),
        ("<del>", "</del>"),
        ("<strike>", "</strike>"),
        ("<span style='text-decoration: line-through'>", "</span>"),
    ],
)
def test_struck_through_old_values_are_not_read(strike):
    opening, closing = strike
    rows = [*without("Time"), ("Time", "@OLD@ 2:00 PM - 5:00 PM")]
    html = html_table(rows).replace("@OLD@", f"{opening}10:00 AM - 1:00 PM{closing}")
    event = parse_email(message(subject="Booking updated", html=html).as_bytes(), FLEET)
    assert (event.start, event.end) == (NEW_START, NEW_END)


# --- point 5: ids in references and in links of every path shape -------------------------------

GMB_REQUEST = [
    ("Listing", "JADA"),
    ("Renter", "Keisha Brown"),
    ("Depart", "4 Sep 2027 - 2:00 PM"),
    ("Duration", "3 hours"),
]


def test_a_getmyboat_id_from_a_hash_reference():
    text = text_body(GMB_REQUEST, heading="Booking request #5201746")
    raw = message(sender=GETMYBOAT, subject="Booking request #5201746", text=text).as_bytes()
    assert parse_email(raw, FLEET).booking_id == "5201746"


@pytest.mark.parametrize(
    "href",
    [
        "https://www.getmyboat.com/owner/bookings/5201746/respond/",
        "https://www.getmyboat.com/en/dashboard/reservations/5201746/",
        "https://www.getmyboat.com/owner/booking-requests/5201746",
        "https://www.getmyboat.com/bookings/?booking_id=5201746",
    ],
)
def test_a_getmyboat_id_from_a_link_of_any_path_shape(href):
    rows = "".join(f"<p>{escape(k)}: {escape(v)}</p>" for k, v in GMB_REQUEST)
    html = (
        f"<html><body><h1>New booking request</h1>{rows}"
        f"<p><a href='{href}'>Respond</a></p></body></html>"
    )
    raw = message(sender=GETMYBOAT, subject="New booking request", html=html).as_bytes()
    assert parse_email(raw, FLEET).booking_id == "5201746"


def test_a_boatsetter_id_from_an_owner_respond_link():
    rows = without("Booking ID")
    html = html_table(rows).replace(
        "</body>",
        "<a href='https://www.boatsetter.com/owner/bookings/xhqgmdh/respond'>Respond</a></body>",
    )
    assert parse_email(message(html=html).as_bytes(), FLEET).booking_id == "xhqgmdh"


# --- point 5: forward shapes ------------------------------------------------------------------

YAHOO_GLUED = [
    "From: Boatsetter <no-reply@boatsetter.com>Sent: Tuesday, March 2, 2027 9:14 AMTo: Dana "
    "Reyes <dana@sailjada.com>Subject: Booking confirmed: Maya T. on Sun, May 30",
    "From: Boatsetter <no-reply@boatsetter.com>To: dana@sailjada.comSent: Tuesday, March 2, "
    "2027 9:14 AMSubject: Booking confirmed: Maya T. on Sun, May 30",
    "De: Boatsetter <no-reply@boatsetter.com>Enviado: martes, 2 de marzo de 2027 9:14Para: Dana "
    "<dana@sailjada.com>Asunto: Booking confirmed: Maya T. on Sun, May 30",
]


@pytest.mark.parametrize("body", ["text", "html"])
@pytest.mark.parametrize("head", YAHOO_GLUED, ids=["en", "en-to-first", "es"])
def test_yahoo_header_block_glued_onto_one_line(head, body):
    sep = "----- Forwarded Message -----"
    if body == "text":
        msg = message(
            sender=FORWARDER,
            subject="Fwd: Booking confirmed",
            text=f"FYI\n\n{sep}\n{head}\n\n{text_body(CONFIRMED_ROWS)}",
            to=INBOX,
            date=FORWARDED_AT,
        )
    else:
        msg = message(
            sender=FORWARDER,
            subject="Fwd: Booking confirmed",
            html=f"<div>FYI</div><div>{sep}</div><div>{escape(head)}</div>"
            + html_table(CONFIRMED_ROWS),
            to=INBOX,
            date=FORWARDED_AT,
        )
    raw = msg.as_bytes()
    event = parse_email(raw, FLEET)
    assert (event.booking_id, event.start, event.end) == ("xhqgmdh", START, END)
    assert event.as_of == datetime(2027, 3, 2, 9, 14, tzinfo=LA)
    assert read_envelope(raw, LA).original_sender == "no-reply@boatsetter.com"


def test_outlook_com_sender_on_behalf_of_the_platform():
    sender = (
        "Dana Reyes<mailto:dana@sailjada.com> <dana@sailjada.com<mailto:dana@sailjada.com>> "
        "on behalf of Boatsetter<mailto:no-reply@boatsetter.com> "
        "<no-reply@boatsetter.com<mailto:no-reply@boatsetter.com>>"
    )
    raw = outlook_forward(text_body(CONFIRMED_ROWS), None, sender=sender).as_bytes()
    assert parse_email(raw, FLEET).booking_id == "xhqgmdh"
    assert read_envelope(raw, LA).original_sender == "no-reply@boatsetter.com"


# --- point 5: kind evidence is exclusive --------------------------------------------------------


@pytest.mark.parametrize(
    "subject",
    ["Your upcoming trip has been confirmed", "Your upcoming trip", "JADA on Sun, May 30"],
)
def test_a_confirmation_without_details_is_loud_not_a_reminder(subject):
    text = "Your upcoming trip has been confirmed by the renter. Open the app to see details.\n"
    failed = failure_of(message(subject=subject, text=text).as_bytes())
    assert failed.kind == "confirmed"
    assert "booking_id" in failed.missing


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("Reminder: your booking has been rescheduled", "modified"),
        ("Payout update: booking cancelled by renter", "cancelled"),
        ("New message: Maya T. changed the booking", "modified"),
    ],
)
def test_a_change_outweighs_reminder_payout_and_chat_words(subject, kind):
    assert (
        parse_email(message(subject=subject, text=text_body(CONFIRMED_ROWS)).as_bytes(), FLEET).kind
        == kind
    )


def test_a_plain_reminder_is_still_ignored():
    with pytest.raises(NotABooking) as ignored:
        parse_email(
            message(subject="Reminder: your trip is tomorrow", text="See you!\n").as_bytes(), FLEET
        )
    assert ignored.value.rule == "trip reminder"

"""Forwarded mail reads as the original (its sender, Date and fields); the forwarder is known."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bookings import NotABooking, default_fleet
from parsers import parse_email, read_envelope
from tests.support.emailkit import (
    CONFIRMED_ROWS,
    END,
    FORWARDER,
    LA,
    SENT,
    START,
    apple_forward,
    attachment_forward,
    body_of,
    confirmed,
    gmail_auto_forward,
    gmail_manual_forward,
    html_table,
    only,
    outlook_forward,
    text_body,
)

FLEET = default_fleet()
NOTES = "Please bring ice"


def bodies() -> tuple[str, str]:
    return text_body(CONFIRMED_ROWS, notes=NOTES), html_table(CONFIRMED_ROWS, notes=NOTES)


def assert_is_the_booking(raw: bytes) -> None:
    event = parse_email(raw, FLEET)
    assert (event.source, event.kind, event.booking_id) == ("boatsetter", "confirmed", "xhqgmdh")
    assert (event.boat, event.renter_name, event.party_size) == ("JADA", "Maya Thompson", 6)
    assert (event.start, event.end) == (START, END)
    assert str(event.gross) == "840.75"
    assert event.notes == NOTES


def test_gmail_auto_forward_keeps_the_original_headers():
    raw = gmail_auto_forward(confirmed(notes=NOTES)).as_bytes()
    assert_is_the_booking(raw)
    envelope = read_envelope(raw)
    assert envelope.original_sender == "no-reply@boatsetter.com"
    assert envelope.forwarder == "dana@sailjada.com"
    assert envelope.forward_style == "auto"
    assert envelope.as_of == SENT


def test_resent_from_names_the_forwarder():
    msg = confirmed()
    msg["Resent-From"] = "Dana Reyes <dana@sailjada.com>"
    envelope = read_envelope(msg.as_bytes())
    assert (envelope.forwarder, envelope.forward_style) == ("dana@sailjada.com", "auto")


def test_direct_mail_has_no_forwarder():
    envelope = read_envelope(confirmed().as_bytes())
    assert envelope.forwarder is None
    assert envelope.forward_style is None
    assert envelope.from_address == envelope.original_sender == "no-reply@boatsetter.com"
    assert envelope.message_id == "test@mail.boatsetter.com"


def test_gmail_manual_forward():
    raw = gmail_manual_forward(*bodies()).as_bytes()
    assert_is_the_booking(raw)
    envelope = read_envelope(raw, LA)
    assert envelope.original_sender == "no-reply@boatsetter.com"
    assert envelope.from_address == envelope.forwarder == "dana@sailjada.com"
    assert envelope.forward_style == "inline"
    assert envelope.source == "boatsetter"
    assert envelope.subject == "Booking confirmed: Maya T. on Sun, May 30"


def test_gmail_manual_forward_html_only():
    html_only = only(gmail_manual_forward(*bodies()), "html")
    assert_is_the_booking(html_only.as_bytes())
    assert read_envelope(html_only.as_bytes()).original_sender == "no-reply@boatsetter.com"


def test_manual_forward_as_of_is_the_quoted_date_in_the_boats_zone():
    raw = gmail_manual_forward(*bodies(), quoted_date="Tue, Mar 2, 2027 at 9:14 AM").as_bytes()
    assert parse_email(raw, FLEET).as_of == datetime(2027, 3, 2, 9, 14, tzinfo=LA)


def test_manual_forward_from_another_zone_uses_the_forwarders_offset():
    new_york = timezone(timedelta(hours=-5))
    raw = gmail_manual_forward(
        *bodies(),
        quoted_date="Tue, Mar 2, 2027 at 12:14 PM",
        date=datetime(2027, 3, 2, 13, 0, tzinfo=new_york),
    ).as_bytes()
    assert parse_email(raw, FLEET).as_of == datetime(2027, 3, 2, 12, 14, tzinfo=new_york)


def test_manual_forward_across_a_dst_change_keeps_the_original_offset():
    # quoted in winter (PST), forwarded in summer (PDT) by an owner in the boat's zone
    raw = gmail_manual_forward(
        *bodies(),
        quoted_date="Tue, Mar 2, 2027 at 9:14 AM",
        date=datetime(2027, 4, 20, 8, 0, tzinfo=LA),
    ).as_bytes()
    as_of = parse_email(raw, FLEET).as_of
    assert as_of.utcoffset() == timedelta(hours=-8)


def test_outlook_forward_text_and_html():
    raw = outlook_forward(*bodies()).as_bytes()
    assert_is_the_booking(raw)
    envelope = read_envelope(raw, LA)
    assert envelope.original_sender == "no-reply@boatsetter.com"
    assert envelope.as_of == datetime(2027, 3, 2, 9, 14, tzinfo=LA)


def test_outlook_forward_html_only():
    raw = outlook_forward(None, bodies()[1]).as_bytes()
    assert_is_the_booking(raw)
    assert read_envelope(raw).forwarder == "dana@sailjada.com"


def test_apple_mail_forward_reads_the_zone_abbreviation():
    raw = apple_forward(*bodies(), quoted_date="March 2, 2027 at 9:14:00 AM PST").as_bytes()
    assert_is_the_booking(raw)
    assert parse_email(raw, FLEET).as_of == datetime(2027, 3, 2, 17, 14, tzinfo=UTC)


def test_apple_mail_forward_html_only():
    html_only = only(apple_forward(*bodies()), "html")
    assert_is_the_booking(html_only.as_bytes())


def test_forwarded_as_attachment():
    raw = attachment_forward(confirmed(notes=NOTES)).as_bytes()
    assert_is_the_booking(raw)
    envelope = read_envelope(raw)
    assert envelope.forward_style == "attachment"
    assert envelope.forwarder == "dana@sailjada.com"
    assert envelope.as_of == SENT


def test_a_forward_of_a_forward_reads_the_innermost_original():
    inner = gmail_manual_forward(*bodies())
    twice = outlook_forward(body_of(inner, "plain"), None, sender=FORWARDER).as_bytes()
    assert_is_the_booking(twice)
    assert read_envelope(twice).original_sender == "no-reply@boatsetter.com"


def test_forwarded_mail_from_a_look_alike_is_not_a_booking():
    raw = gmail_manual_forward(
        *bodies(), sender="Boatsetter <no-reply@boatsetter.com.evil.io>"
    ).as_bytes()
    with pytest.raises(NotABooking, match=r"imitates boatsetter\.com"):
        parse_email(raw, FLEET)


def test_quoted_sender_without_an_address_is_not_trusted():
    raw = gmail_manual_forward(*bodies(), sender="Boatsetter").as_bytes()
    with pytest.raises(NotABooking, match="forwarded message names no single sender address"):
        parse_email(raw, FLEET)
    assert read_envelope(raw).original_sender is None
    assert read_envelope(raw).source is None


def test_outlook_mailto_sender():
    raw = outlook_forward(
        bodies()[0], None, sender="Boatsetter [mailto:no-reply@boatsetter.com]"
    ).as_bytes()
    assert_is_the_booking(raw)


def test_thunderbird_forward_with_headers_in_its_own_order():
    text, _ = bodies()
    head = (
        "-------- Forwarded Message --------\n"
        "Subject: \tBooking confirmed: Maya T. on Sun, May 30\n"
        "Date: \tTue, 2 Mar 2027 09:14:00 -0800\n"
        "From: \tBoatsetter <no-reply@boatsetter.com>\n"
        "To: \tdana@sailjada.com\n\n"
    )
    raw = outlook_forward(head + text, None, sender=FORWARDER).as_bytes()
    assert_is_the_booking(raw)
    assert read_envelope(raw).as_of == SENT


def with_renter_message(message: str) -> str:
    """The booking's text with the renter's ``message`` after its fields, as in the platforms'
    templates."""
    return text_body(CONFIRMED_ROWS, notes=None).replace(
        "Boatsetter, Inc.", "Message from Maya:\n" + message
    )


def test_a_header_block_typed_by_a_renter_changes_nothing():
    """Mail from the platform itself is never unwrapped: the renter cannot pose as the original."""
    fake = (
        "From: Boatsetter <no-reply@boatsetter.com>\nDate: Wed, Mar 3, 2027 at 9:00 AM\n"
        "Subject: Booking cancelled\n\nBooking ID: aaaaaaa\nTime: 1:00 AM - 2:00 AM"
    )
    body = with_renter_message(fake)
    raw = confirmed(text=body).as_bytes()
    event = parse_email(raw, FLEET)
    assert (event.kind, event.booking_id, event.start) == ("confirmed", "xhqgmdh", START)
    assert read_envelope(raw).forward_style is None


def test_a_forwarded_header_block_typed_by_a_renter_changes_nothing():
    fake = (
        "From: Evil <x@evil.io>\nDate: Wed, Mar 3, 2027 at 9:00 AM\nSubject: hi\n\n"
        "Booking ID: aaaaaaa"
    )
    text = with_renter_message(fake)
    raw = gmail_manual_forward(text, html_table(CONFIRMED_ROWS)).as_bytes()
    event = parse_email(raw, FLEET)
    assert (event.booking_id, event.start) == ("xhqgmdh", START)


def test_a_quoted_sender_wrapped_onto_the_next_line():
    text, _ = bodies()
    head = (
        "---------- Forwarded message ---------\nFrom: Boatsetter Notifications Team <\n"
        "no-reply@boatsetter.com>\nDate: Tue, Mar 2, 2027 at 9:14 AM\n"
        "Subject: Booking confirmed: Maya T. on Sun, May 30\nTo: <dana@sailjada.com>\n\n"
    )
    raw = outlook_forward(head + text, None, sender=FORWARDER).as_bytes()
    assert_is_the_booking(raw)
    assert read_envelope(raw).original_sender == "no-reply@boatsetter.com"

"""Mail that is not a booking is ignored with a reason; a booking we cannot read says why."""

import pytest

from bookings import NotABooking, ParseError, default_fleet
from parsers import email_identity, parse_email
from tests.support.emailkit import CONFIRMED_ROWS, confirmed, message, text_body

FLEET = default_fleet()


def reason_for(raw: bytes) -> str:
    with pytest.raises(NotABooking) as ignored:
        parse_email(raw, FLEET)
    return ignored.value.reason


def failure_of(raw: bytes) -> ParseError:
    with pytest.raises(ParseError) as failed:
        parse_email(raw, FLEET)
    return failed.value


@pytest.mark.parametrize(
    "sender",
    [
        "Boatsetter <no-reply@boatsetter.com.evil.io>",
        "Boatsetter <no-reply@evilboatsetter.com>",
        "Boatsetter <no-reply@boatsetter.co>",
        "GetMyBoat <no-reply@getmyboat.com-secure.net>",
    ],
)
def test_look_alike_domains_are_not_bookings(sender):
    assert "imitates" in reason_for(confirmed(sender=sender).as_bytes())


def test_a_display_name_cannot_claim_the_domain():
    raw = confirmed(sender='"no-reply@boatsetter.com" <bookings@evil.io>').as_bytes()
    assert (
        reason_for(raw) == "sender domain evil.io is not a booking source (personal or other mail)"
    )


def test_subdomains_of_the_platform_are_trusted():
    raw = confirmed(sender="Boatsetter <notifications@mail.boatsetter.com>").as_bytes()
    assert parse_email(raw, FLEET).booking_id == "xhqgmdh"


def test_two_senders_are_not_trusted():
    raw = confirmed(sender="no-reply@boatsetter.com, someone@evil.io").as_bytes()
    assert "no single sender address" in reason_for(raw)


def test_personal_mail():
    raw = message(
        sender="Sam Lee <sam@example.org>", subject="lunch?", text="Still on?\n"
    ).as_bytes()
    assert "not a booking source" in reason_for(raw)


@pytest.mark.parametrize(
    "subject",
    [
        "New message from Maya T.",
        "Maya T. sent you a message about your booking request",
        "You have a new inquiry for JADA",
    ],
)
def test_chat_notifications(subject):
    raw = confirmed(subject=subject).as_bytes()
    assert reason_for(raw) == "boatsetter chat message notification"


@pytest.mark.parametrize(
    "subject", ["Your payout is on its way", "Payout sent: $672.60", "You've been paid!"]
)
def test_payout_notices(subject):
    body = "Payout amount: $672.60\nBooking ID: xhqgmdh\n"
    raw = message(subject=subject, text=body).as_bytes()
    assert reason_for(raw) == "boatsetter payout notice"


def test_review_requests():
    raw = message(subject="How was your trip with Maya?", text="Leave a review\n").as_bytes()
    assert reason_for(raw) == "boatsetter review request"


def test_newsletter_with_list_unsubscribe():
    raw = message(
        subject="Booking season is here: 3 tips",
        text="Owners who reply fast get more bookings confirmed.\n",
        headers={"List-Unsubscribe": "<https://www.boatsetter.com/unsubscribe>"},
    ).as_bytes()
    assert reason_for(raw) == "boatsetter newsletter (List-Unsubscribe) with no booking fields"


def test_a_booking_with_list_unsubscribe_is_still_a_booking():
    raw = confirmed(headers={"List-Unsubscribe": "<https://www.boatsetter.com/u>"}).as_bytes()
    assert parse_email(raw, FLEET).kind == "confirmed"


def test_a_welcome_email_is_an_account_notice():
    raw = message(subject="Welcome to Boatsetter", text="Glad to have you aboard.\n").as_bytes()
    assert reason_for(raw) == "boatsetter account notice"


def test_platform_mail_without_booking_wording_or_fields_is_loud():
    """Nothing says what it is: it may be a booking in a layout we do not know; a person looks."""
    raw = message(subject="Maya T. on Sun, May 30", text="Open the app to see more.\n").as_bytes()
    failed = failure_of(raw)
    assert failed.missing[0] == "kind"
    assert failed.reason.startswith("boatsetter booking email: cannot read kind")


def test_booking_fields_without_a_kind_is_a_parse_error():
    raw = message(
        subject="Maya T. on Sun, May 30", text=text_body(CONFIRMED_ROWS, heading="Details")
    ).as_bytes()
    failed = failure_of(raw)
    assert failed.missing == ["kind"]
    assert failed.source == "boatsetter"


@pytest.mark.parametrize(
    ("dropped", "missing"),
    [
        ({"Booking ID"}, ["booking_id"]),
        ({"Renter"}, ["renter_name"]),
        ({"Date"}, ["start", "end"]),
        ({"Time"}, ["start", "end"]),
        ({"Booking ID", "Time"}, ["booking_id", "start", "end"]),
    ],
)
def test_missing_fields_are_named(dropped, missing):
    rows = [(k, v) for k, v in CONFIRMED_ROWS if k not in dropped]
    # a subject without the renter's name, so that only the Renter row can give it
    raw = message(subject="Booking confirmed", text=text_body(rows)).as_bytes()
    failed = failure_of(raw)
    assert (failed.source, failed.kind, failed.missing) == ("boatsetter", "confirmed", missing)
    assert failed.reason == f"boatsetter confirmed email: cannot read {', '.join(missing)}"


def test_missing_date_header_is_named():
    failed = failure_of(confirmed(date=None).as_bytes())
    assert failed.missing == ["as_of"]


def test_a_listing_that_names_no_configured_boat():
    rows = [(k, v) for k, v in CONFIRMED_ROWS if k != "Boat"] + [("Boat", "Sea Breeze 30")]
    failed = failure_of(message(text=text_body(rows)).as_bytes())
    assert failed.missing == ["boat"]
    assert "the listing names none of the boats JADA" in failed.reason
    assert "Sea Breeze" not in failed.reason  # a reason names fields, not the email's words


def test_a_gross_in_another_currency():
    rows = [(k, v) for k, v in CONFIRMED_ROWS if k != "Booking total"] + [
        ("Booking total", "€840.75")
    ]
    failed = failure_of(message(text=text_body(rows)).as_bytes())
    assert failed.missing == ["gross"]
    assert "not in US dollars" in failed.reason
    assert "840.75" not in failed.reason


def test_a_parse_error_is_permanent():
    failed = failure_of(message(subject="Booking confirmed", text="Open the app\n").as_bytes())
    assert failed.transient is False
    assert failed.step == "parse"


def test_email_identity_is_a_hash_of_the_exact_bytes():
    raw = confirmed().as_bytes()
    assert email_identity(raw) == email_identity(bytes(raw))
    assert email_identity(raw) != email_identity(raw + b"\n")
    assert email_identity(raw).startswith("sha256:")
    assert len(email_identity(raw)) == len("sha256:") + 64

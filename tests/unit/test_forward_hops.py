"""Issue 11, points 1-3: every forwarding hop is named exactly and checked; encoded words never
make an address. Each test drives the parser's envelope and the worker's admission check."""

from email.header import Header

import pytest

from bookings import default_fleet
from parsers.registry import is_platform
from tests.support.emailkit import (
    CONFIRMED_ROWS,
    attachment_forward,
    body_of,
    confirmed,
    gmail_manual_forward,
    html_table,
    message,
    outlook_forward,
    text_body,
)
from trust.admission import check_hops
from worker.parsing import ParsersReader

ALLOWLIST = ["dana@sailjada.com"]
READER = ParsersReader(default_fleet())


def refusal(raw: bytes, allowlist: list[str] = ALLOWLIST) -> str | None:
    """What admission says about ``raw``: None when admitted."""
    return check_hops(READER.origin(raw).hops, allowlist, is_platform=is_platform)


def forwarded_by(sender: str) -> bytes:
    msg = gmail_manual_forward(text_body(CONFIRMED_ROWS), html_table(CONFIRMED_ROWS))
    msg.replace_header("From", sender)
    return msg.as_bytes()


# --- 1. a forward whose forwarder cannot be named exactly is refused ------------------------


@pytest.mark.parametrize(
    ("sender", "problem"),
    [
        ("dana@sailjada.com, mallory@evil.example", "several addresses"),
        ("Dana Reyes", "no address"),
        ("undisclosed-recipients:;", "undisclosed recipients"),
        ("Undisclosed recipients <>", "undisclosed recipients"),
    ],
)
def test_an_inline_forward_whose_from_names_no_single_mailbox_is_refused(sender, problem):
    raw = forwarded_by(sender)
    assert READER.origin(raw).forwarded_by is None
    assert (
        refusal(raw) == f"forwarded, and hop 1 of 1 (inline) names no single forwarder ({problem})"
    )


def test_an_attached_forward_whose_from_names_two_mailboxes_is_refused():
    msg = attachment_forward(confirmed())
    msg.replace_header("From", "dana@sailjada.com, mallory@evil.example")
    assert refusal(msg.as_bytes()) == (
        "forwarded, and hop 1 of 1 (attachment) names no single forwarder (several addresses)"
    )


def test_an_allowlisted_forwarder_is_admitted():
    raw = forwarded_by("Dana Reyes <dana@sailjada.com>")
    assert [hop.address for hop in READER.origin(raw).hops] == ["dana@sailjada.com"]
    assert refusal(raw) is None


# --- 2. every hop is checked ------------------------------------------------------------------


def forward_of_a_forward(inner_forwarder: str) -> bytes:
    """Dana forwards (Outlook) what ``inner_forwarder`` forwarded (Gmail) from Boatsetter."""
    inner = gmail_manual_forward(text_body(CONFIRMED_ROWS), html_table(CONFIRMED_ROWS))
    return outlook_forward(body_of(inner, "plain"), None, sender=inner_forwarder).as_bytes()


def test_a_forward_of_a_forward_lists_both_hops_from_the_inbox_inwards():
    raw = forward_of_a_forward("Mallory <mallory@evil.example>")
    hops = READER.origin(raw).hops
    assert [(hop.address, hop.style) for hop in hops] == [
        ("dana@sailjada.com", "inline"),
        ("mallory@evil.example", "inline"),
    ]
    assert READER.origin(raw).original_sender == "no-reply@boatsetter.com"


def test_an_inner_hop_that_is_not_allowlisted_is_refused():
    raw = forward_of_a_forward("Mallory <mallory@evil.example>")
    assert refusal(raw) == (
        "forwarded (hop 2 of 2 (inline)) by a mailbox that is not in forwarder_allowlist"
    )


def test_every_hop_allowlisted_is_admitted():
    raw = forward_of_a_forward("Ops <ops@sailjada.com>")
    assert refusal(raw, ["dana@sailjada.com", "@sailjada.com"]) is None


def test_an_auto_forward_of_a_manual_forward_checks_both_mailboxes():
    msg = gmail_manual_forward(text_body(CONFIRMED_ROWS), html_table(CONFIRMED_ROWS))
    msg.replace_header("From", "Mallory <mallory@evil.example>")
    msg["X-Forwarded-For"] = "dana@sailjada.com bookings@in.sailjada.com"
    hops = READER.origin(msg.as_bytes()).hops
    assert [(hop.address, hop.style) for hop in hops] == [
        ("dana@sailjada.com", "auto"),
        ("mallory@evil.example", "inline"),
    ]
    assert refusal(msg.as_bytes()) is not None


# --- 3. an encoded word is never an address ---------------------------------------------------


def test_an_encoded_word_sender_is_not_the_platform():
    raw = confirmed(sender="=?utf-8?q?no-reply=40boatsetter=2Ecom?=").as_bytes()
    origin = READER.origin(raw)
    assert origin.original_sender is None
    assert READER.origin(raw).forwarded_by is None


def test_a_display_name_never_supplies_the_address():
    encoded = Header("no-reply@boatsetter.com", "utf-8").encode()
    raw = message(sender=f"{encoded} <bookings@evil.example>").as_bytes()
    assert READER.origin(raw).original_sender == "bookings@evil.example"


def test_an_encoded_display_name_is_still_read():
    encoded = Header("Boatsetter ⛵", "utf-8").encode()
    raw = confirmed(sender=f"{encoded} <no-reply@boatsetter.com>").as_bytes()
    assert READER.origin(raw).original_sender == "no-reply@boatsetter.com"

"""Forwards from every common mail client, in the languages each ships, read as the original.

The same confirmed booking wrapped by each client of ``tests.forwardkit`` (11 shapes: Gmail,
Outlook desktop/web, Outlook "Original Message", Outlook mobile's one-line block, Apple Mail,
Thunderbird, Yahoo, reply-style "On ... wrote:", Proton/Fastmail, Samsung, as attachment) in
22 languages: fields, the original's moment (its quoted date, read in that language) and the hop.
"""

from datetime import datetime

import pytest

from bookings import default_fleet
from parsers import parse_email, read_envelope
from tests.emailkit import CONFIRMED_ROWS, LA, html_table, text_body
from tests.forwardkit import CLIENTS, LANGUAGES, datetime_of_written

FLEET = default_fleet()
TEXT = text_body(CONFIRMED_ROWS, notes="Please bring ice")
HTML = html_table(CONFIRMED_ROWS, notes="Please bring ice")


@pytest.mark.parametrize("lang", LANGUAGES, ids=[lang.code for lang in LANGUAGES])
@pytest.mark.parametrize("client", list(CLIENTS))
def test_forward_reads_as_the_original(client, lang):
    raw = CLIENTS[client](lang, TEXT, HTML).as_bytes()
    event = parse_email(raw, FLEET)
    assert (event.source, event.kind, event.booking_id) == ("boatsetter", "confirmed", "xhqgmdh")
    assert (event.renter_name, event.party_size, str(event.gross)) == ("Maya Thompson", 6, "840.75")
    assert event.start == datetime(2027, 5, 30, 10, tzinfo=LA)
    assert event.as_of == datetime_of_written()
    envelope = read_envelope(raw, LA)
    assert envelope.original_sender == "no-reply@boatsetter.com"
    assert [hop.address for hop in envelope.hops] == ["dana@sailjada.com"]

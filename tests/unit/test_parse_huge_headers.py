"""Headers as an attacker writes them: megabytes of encoded words, read only as far as the cap.

Decoding RFC 2047 words is far from linear (a 2 MB Subject took 20-40 s, on every worker that
received it, before its sender was even refused); bench/headers.py measures it.
"""

import pytest

import parsers
from bookings import NotABooking, default_fleet
from parsers.mime import MAX_HEADER_CHARS

WORDS = {
    "q": "=?utf-8?q?Caf=C3=A9_booking?= ",
    "b": "=?utf-8?b?Q2Fmw6kgYm9va2luZw==?= ",
}
TWO_MB = 2 * 1024 * 1024


def email(subject: str, sender: str = "Boatsetter <no-reply@boatsetter.com>") -> bytes:
    return (
        f"From: {sender}\r\nTo: bookings@in.example.com\r\nSubject: {subject}\r\n"
        "Date: Tue, 02 Mar 2027 09:14:00 -0800\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain\r\n\r\nHello\r\n"
    ).encode()


@pytest.mark.parametrize("word", WORDS.values(), ids=WORDS.keys())
def test_a_2_mb_subject_is_decoded_only_up_to_the_cap(word):
    opened = parsers.open_email(email(word * (TWO_MB // len(word))))
    assert 0 < len(opened.original.subject) <= MAX_HEADER_CHARS
    assert opened.original.subject.startswith("Café booking")


def test_a_2_mb_from_is_read_only_up_to_the_cap_and_names_no_sender():
    word = WORDS["q"]
    raw = email("Booking confirmed", sender=word * (TWO_MB // len(word)) + "<a@boatsetter.com>")
    with pytest.raises(NotABooking):
        parsers.parse_email(raw, default_fleet())
    assert parsers.read_envelope(parsers.open_email(raw)).original_sender is None

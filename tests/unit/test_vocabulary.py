"""A ParseError names the label-like words it did not know; taught words are read."""

import pytest

from bookings import NotABooking, ParseError, default_fleet
from parsers import Vocabulary, parse_email
from tests.support.emailkit import CONFIRMED_ROWS, confirmed, text_body

FLEET = default_fleet()


def renamed(old: str, new: str) -> list[tuple[str, str]]:
    return [(new if label == old else label, value) for label, value in CONFIRMED_ROWS]


def test_an_unknown_label_is_named_in_the_reason():
    raw = confirmed(rows=renamed("Time", "Sailing window")).as_bytes()
    with pytest.raises(ParseError) as failed:
        parse_email(raw, FLEET)
    assert failed.value.missing == ["start", "end"]
    assert "labels not known: 'sailing window'" in failed.value.reason


def test_the_renter_s_words_are_never_in_the_reason():
    raw = confirmed(rows=renamed("Time", "Sailing window"), notes="Secret code: 4471").as_bytes()
    with pytest.raises(ParseError) as failed:
        parse_email(raw, FLEET)
    assert "secret" not in failed.value.reason.lower()


def test_a_taught_label_is_read():
    raw = confirmed(rows=renamed("Time", "Sailing window")).as_bytes()
    taught = Vocabulary(labels={"time": ["Sailing window"]})
    event = parse_email(raw, FLEET, taught)
    assert (event.start.hour, event.end.hour) == (10, 13)


def test_a_taught_kind_phrase_is_read():
    body = text_body(CONFIRMED_ROWS, heading="All aboard, Dana")
    raw = confirmed(subject="All aboard: Maya T. on Sun, May 30", text=body, html=None).as_bytes()
    with pytest.raises(ParseError, match="cannot read kind"):
        parse_email(raw, FLEET)
    taught = Vocabulary(kinds={"confirmed": ["all aboard"]})
    assert parse_email(raw, FLEET, taught).kind == "confirmed"


def test_a_taught_not_a_booking_phrase_names_its_rule():
    raw = confirmed(subject="Your quarterly owner statement").as_bytes()
    taught = Vocabulary(not_bookings={"owner statement": ["owner statement"]})
    with pytest.raises(NotABooking) as ignored:
        parse_email(raw, FLEET, taught)
    assert ignored.value.rule == "owner statement"


def test_label_like_lines_away_from_the_fields_are_not_reported():
    body = text_body(renamed("Time", "Sailing window")) + "\n\n\nPets aboard: one small dog\n"
    raw = confirmed(text=body, html=None).as_bytes()
    with pytest.raises(ParseError) as failed:
        parse_email(raw, FLEET)
    assert "'sailing window'" in failed.value.reason
    assert "pets" not in failed.value.reason


@pytest.mark.parametrize(
    "taught",
    [
        {"labels": {"boat": ["Vessel", "  "]}},
        {"kinds": {"confirmed": [""]}},
        {"not_bookings": {"spam": [" "]}},
        {"not_bookings": {" ": ["free cruise"]}},
    ],
)
def test_a_blank_word_is_refused_at_start_up(taught):
    """A blank phrase is found in every subject: it would make every email one kind, or ignored."""
    with pytest.raises(ValueError, match="blank"):
        Vocabulary.model_validate(taught)

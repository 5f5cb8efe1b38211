"""The directly written ``.ics`` (``publishers.transport.ics_writer``) is byte for byte what
``icalendar`` writes for the same properties; shapes it does not write go through ``icalendar``."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from publishers.transport import ics_writer
from publishers.transport.ics_writer import Property, Uri, _with_icalendar, calendar

WHEN = datetime(2026, 6, 14, 17, 0, tzinfo=UTC)
HEAD: list[Property] = [
    ("prodid", "-//charterhand//crew email//EN", {}),
    ("version", "2.0", {}),
    ("method", "REQUEST", {}),
]


def event(**changes: object) -> list[Property]:
    props: dict[str, Property] = {
        "uid": ("uid", "boatsetter-abc-crew@charterhand", {}),
        "sequence": ("sequence", 11397121, {}),
        "dtstamp": ("dtstamp", WHEN - timedelta(days=13), {}),
        "dtstart": ("dtstart", WHEN, {}),
        "dtend": ("dtend", WHEN + timedelta(hours=3), {}),
        "summary": ("summary", "Charter on JADA: Sat 14 Jun, 10:00–13:00", {}),
        "description": ("description", "JADA charter, booking boatsetter:abc.", {}),
        "location": ("location", "Harbor Island West Marina, dock C; gate 2", {}),
        "url": ("url", Uri("https://links.example/c/" + "ab" * 32), {}),
        "status": ("status", "CONFIRMED", {}),
        "organizer": ("organizer", Uri("mailto:crew@jada.example"), {}),
        "attendee": (
            "attendee",
            Uri("mailto:sam@example.com"),
            {"CN": "Sam Rivera", "ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"},
        ),
    }
    for name, value in changes.items():
        if value is None:
            del props[name]
        else:
            props[name] = (name, *value) if isinstance(value, tuple) else (name, value, {})
    return list(props.values())


DIRECT = {
    "crew invitation": event(),
    "no location, no url": event(location=None, url=None),
    "long description, a backslash at the fold": event(
        description="x" * 60 + "\\" + "y" * 200 + "\nDetails: https://jada.example/g/abc.html"
    ),
    "an escaped comma at the fold": event(description="a" * 72 + ",b" * 40),
    "accents across the fold": event(summary="Crew: 12 März — Jörg Müller " * 6),
    "a literal \\N and semicolons": event(description="one\\Ntwo; three, four\n" * 5),
    "CN with an apostrophe": event(
        attendee=(Uri("mailto:o@example.com"), {"CN": "Seán O'Neil", "ROLE": "REQ-PARTICIPANT"})
    ),
    "CN without a space": event(attendee=(Uri("mailto:o@example.com"), {"CN": "Sam"})),
    "a guest file": [
        ("uid", "boatsetter-abc-guest@charterhand", {}),
        ("dtstamp", datetime.fromisoformat("2026-06-01T16:00:00+00:00"), {}),
        ("sequence", 7, {}),
        ("dtstart", WHEN, {}),
        ("dtend", WHEN + timedelta(hours=4), {}),
        ("summary", "Charter on Sea Ray 320", {}),
        ("description", "Captain: Ana\nBring: towel, hat\nDetails: https://x.example/g/a.html", {}),
        ("url", Uri("https://x.example/g/a.html"), {}),
        ("status", "CANCELLED", {}),
    ],
}
FALLBACK = {
    "a double quote in CN": event(attendee=(Uri("mailto:o@example.com"), {"CN": 'Sam "S" R'})),
    "a caret in CN": event(attendee=(Uri("mailto:o@example.com"), {"CN": "Sam^R"})),
    "a colon in CN": event(attendee=(Uri("mailto:o@example.com"), {"CN": "Dr: Sam"})),
    "a carriage return in text": event(description="one\r\ntwo\rthree"),
    "a control character": event(summary="bell\x07"),
    "a zoned date-time": event(dtstamp=datetime(2026, 6, 1, 9, tzinfo=ZoneInfo("America/Denver"))),
    "a fixed offset": event(dtstamp=datetime(2026, 6, 1, 9, tzinfo=timezone(timedelta(hours=2)))),
    "microseconds": event(dtstamp=WHEN.replace(microsecond=5)),
    "a space in a URI": event(url=Uri("https://x.example/a b")),
}


@pytest.mark.parametrize("props", DIRECT.values(), ids=DIRECT.keys())
def test_the_direct_file_is_icalendars_byte_for_byte(props):
    assert ics_writer._lines("VEVENT", props, ics_writer.EVENT_ORDER) is not None
    assert calendar(HEAD, props) == _with_icalendar(HEAD, props)


@pytest.mark.parametrize("props", FALLBACK.values(), ids=FALLBACK.keys())
def test_other_shapes_go_through_icalendar(props):
    assert ics_writer._lines("VEVENT", props, ics_writer.EVENT_ORDER) is None
    assert calendar(HEAD, props) == _with_icalendar(HEAD, props)


@pytest.mark.parametrize("length", range(70, 232))
def test_every_fold_position_matches(length):
    for filler in ("x", "\\", "é", ",", "^"):
        text = ("ab" + filler) * (length // 3) + "z" * (length % 3)
        props = event(description=text)
        assert calendar(HEAD, props) == _with_icalendar(HEAD, props), (length, filler)

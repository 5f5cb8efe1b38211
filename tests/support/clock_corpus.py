"""Reads a corpus of emails with the system clock frozen at the moment given, and prints what
each says as JSON: ``python -m tests.support.clock_corpus 2031-07-04T12:00:00+00:00``.

Run in a fresh process per moment, so that nothing one moment read can be kept for the other
(a cache of dates inside the process would otherwise hide a reading of the clock).
"""

import json
import sys
from dataclasses import replace
from datetime import datetime

import time_machine

from bookings import NotABooking, ParseError, default_fleet
from parsers import parse_email
from tests.support.emailkit import (
    CONFIRMED_ROWS,
    FORWARDED_AT,
    gmail_manual_forward,
    html_table,
    text_body,
)
from tests.support.forwardkit import CLIENTS, LANGUAGES, gmail
from tests.support.paths import ROOT

TEXT, HTML = text_body(CONFIRMED_ROWS), html_table(CONFIRMED_ROWS)
#: quoted dates a reader of relative dates would take for "now", "today" or "yesterday"
SLIPPERY = [
    "2/3/27 9:14 a. m. (GMT-08:00)",
    "yesterday at 9:14 AM",
    "today 9:14",
    "2 days ago",
    "Tuesday 9:14 AM",
    "March 2 at 9:14 AM",
    "9:14",
]


def corpus() -> list[bytes]:
    emails = [p.read_bytes() for p in sorted((ROOT / "tests/fixtures/emails").glob("*.eml"))]
    emails += [
        client(lang, TEXT, HTML).as_bytes() for client in CLIENTS.values() for lang in LANGUAGES
    ]
    spanish = next(lang for lang in LANGUAGES if lang.code == "es")
    for when in SLIPPERY:
        emails.append(gmail(replace(spanish, when=when), TEXT, HTML).as_bytes())
        emails.append(
            gmail_manual_forward(TEXT, HTML, quoted_date=when, date=FORWARDED_AT).as_bytes()
        )
    return emails


def read_all() -> list[object]:
    fleet = default_fleet()
    said: list[object] = []
    for raw in corpus():
        try:
            said.append(parse_email(raw, fleet).model_dump(mode="json"))
        except (NotABooking, ParseError) as exc:
            said.append([type(exc).__name__, str(exc)])
    return said


if __name__ == "__main__":
    with time_machine.travel(datetime.fromisoformat(sys.argv[1]), tick=False):
        print(json.dumps(read_all()))

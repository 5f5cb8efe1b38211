"""Loud by default: platform mail, direct or forwarded by an allowlisted mailbox, readable or
mangled, ends as an event or a ParseError; never "not a booking" unless it is one of the
recognised non-booking kinds, and then the words that make it one are really in its subject or
headline."""

import re
from collections.abc import Callable

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bookings import BookingEvent, NotABooking, ParseError, default_fleet
from parsers import parse_email
from parsers.wording import not_a_booking_reason
from tests.support.emailkit import CONFIRMED_ROWS, FORWARDED_AT, FORWARDER, INBOX, body_of, message
from tests.support.forwardkit import CLIENTS, LANGUAGES

FLEET = default_fleet()
#: the rules of issue 10 point 1 that may end platform mail as not a booking
RECOGNISED = {
    "chat message notification",
    "payout notice",
    "review request",
    "trip reminder",
    "account notice",
    "bulk mail",
}
HEADINGS = ["Your boat is booked!", "Booking details", "", "Hi Dana", "Reservation"]
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=0, max_size=30)


def outcome(raw: bytes) -> BookingEvent | NotABooking | ParseError:
    try:
        return parse_email(raw, FLEET)
    except (NotABooking, ParseError) as exc:
        return exc


def check_loud(raw: bytes, subject: str, heading: str) -> None:
    result = outcome(raw)
    if isinstance(result, NotABooking):
        assert result.rule in RECOGNISED, result.reason
        if result.rule != "bulk mail":  # a rule is only ever the words it names
            said = {not_a_booking_reason(subject), not_a_booking_reason(heading)}
            assert result.rule in said, result.reason


@st.composite
def booking_rows(draw: st.DrawFn) -> list[tuple[str, str]]:
    rows = draw(st.lists(st.sampled_from(CONFIRMED_ROWS), unique=True))
    renamed = draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
    return [
        (draw(WORDS.filter(str.strip)) if rename else label, value)
        for (label, value), rename in zip(rows, renamed, strict=True)
    ]


def body(rows: list[tuple[str, str]], heading: str) -> str:
    return heading + "\n\nHi Dana,\n\n" + "".join(f"{k}: {v}\n" for k, v in rows)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    subject=st.one_of(WORDS, st.sampled_from(["Booking confirmed: Maya T.", "Your payout", ""])),
    heading=st.sampled_from(HEADINGS),
    rows=booking_rows(),
    html=st.booleans(),
)
def test_direct_platform_mail_is_never_quietly_dropped(subject, heading, rows, html):
    text = body(rows, heading)
    raw = message(
        subject=subject,
        text=None if html else text,
        html=f"<p>{text}</p>".replace("\n", "<br>") if html else None,
    ).as_bytes()
    check_loud(raw, subject, heading)


MANGLES: dict[str, Callable[[str], str]] = {
    "none": lambda s: s,
    "no separator": lambda s: re.sub(r"(?m)^.*(?:-{3,}|_{8,}|:\s*$).*$", "", s, count=1),
    "unknown labels": lambda s: re.sub(r"(?m)^(\s*(?:<b>)?)[^\s:<>]{1,14}(\s?[:：])", r"\1Xq\2", s),
    "no date line": lambda s: re.sub(r"(?m)^.*\b2027\b.*(?:9|09)[:.]14.*$", "", s, count=1),
    "one line": lambda s: s.replace("\n", " ", 6),
    "cut after sender": lambda s: (
        s[: s.find("boatsetter.com>") + 15] if "boatsetter.com>" in s else s
    ),
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    client=st.sampled_from(sorted(set(CLIENTS) - {"attached"})),
    lang=st.sampled_from(LANGUAGES),
    mangle=st.sampled_from(sorted(MANGLES)),
    rows=booking_rows(),
    heading=st.sampled_from(HEADINGS),
)
def test_forwarded_platform_mail_is_never_quietly_dropped(client, lang, mangle, rows, heading):
    wrapped = CLIENTS[client](lang, body(rows, heading), f"<p>{heading}</p>")
    parts: dict[str, str | None] = {}
    for subtype in ("plain", "html"):
        try:
            parts[subtype] = MANGLES[mangle](body_of(wrapped, subtype))
        except LookupError:
            parts[subtype] = None
    raw = message(
        sender=FORWARDER,
        subject=str(wrapped["Subject"]),
        text=parts["plain"] or None,
        html=parts["html"] or None,
        date=FORWARDED_AT,
        to=INBOX,
    ).as_bytes()
    assume(any("@boatsetter.com" in (part or "") for part in parts.values()))
    check_loud(raw, "Booking confirmed: Maya T. on Sun, May 30", heading)

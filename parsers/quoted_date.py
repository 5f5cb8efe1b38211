"""A forward's quoted date ("Date: mar. 2 mars 2027 à 09:14"), in any language: read or refused.

Read, in this order: an RFC 5322 date by the standard library (a zone-less one stays zone-less);
the shapes mail clients write, by ``parsers.date_formats`` (numbers, month names and time words in
the forward's languages); else ``dateparser``, told those languages and reading absolute dates
only. Never from the clock: dateparser's relative reader ("2 days ago", "today", and leftovers it
takes for "now") is off, every part of the date (day, month, year, hour and minute) must be
written, and nothing is cached. A numeric date whose day and month could swap ("12/05/2027") is
settled, in this order, by: the weekday it names; a reading later than the forward (the outer
``Date``) is impossible; the forward's language writes the day first (every language here but
English does); the original was sent days, not weeks, before its forward (a reading within a week
before it wins over its swap, which lies at least 27 days away). When none decides, the date stays
unread and says why: the email is then a ``ParseError`` (``as_of`` cannot be read), rather than an
event placed at a guessed moment. A date without a zone is the forwarder's wall clock;
``parsers.as_of`` gives it the forwarder's offset.
"""

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_tz
from typing import TYPE_CHECKING, Any

from parsers.date_formats import Found, read_known
from parsers.date_words import DATEPARSER_CODE, languages

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

_RFC_DATE = re.compile(r"^\s*(?:[a-z]{3},\s*)?\d{1,2}\s+[a-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}", re.I)
_RFC_ZONE = re.compile(r"(?:[+-]\d{4}|\b(?:UT|UTC|GMT|[ECMP][SD]T|Z)\b)\s*(?:\([^)]*\))?\s*$")
_NUMERIC = re.compile(r"(?<!\d)(?P<a>\d{1,2})[./-](?P<b>\d{1,2})[./-](?P<y>\d{4}|\d{2})(?!\d)")
_TIME = re.compile(r"(?<!\d)(?P<h>\d{1,2})\s?[:.h時시]\s?(?P<m>\d{2})(?!\d)")
#: words between a date and its time that dateparser does not know in every language
_FILLERS = re.compile(
    r"(?<!\w)(?:kl\.?|klo|kello|at|um|à\(s\)|à|alle ore|om|o godz\.|o|v|в|г\.|den|le|la|às|"
    r"a las|u|heeft|użytkownik)(?!\w)",
    re.IGNORECASE,
)
#: an original is forwarded "minutes to days" after it was sent: a reading this close before the
#: forward is taken over its swap, which then lies at least 27 days away (3/2 and 2/3)
USUAL_DELAY = timedelta(days=7)
#: a reading later than the forward by more than this (zones, clock skew) cannot be the original's
AFTER = timedelta(hours=14)
#: dateparser reads absolute dates only, all of day, month and year written, and any default it
#: might still take is a fixed moment, never today
_SETTINGS: dict[str, Any] = {
    "PARSERS": ["absolute-time"],
    "REQUIRE_PARTS": ["day", "month", "year"],
    "RELATIVE_BASE": datetime(2000, 1, 1),
    "PREFER_DAY_OF_MONTH": "first",
    "RETURN_AS_TIMEZONE_AWARE": False,
}
_parsers: dict[tuple[tuple[str, ...], str | None], "DateDataParser"] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class QuotedDate:
    """The date read (naive when no zone was written), or None and why not; and how it was read
    (for ``charterhand parse --explain``)."""

    value: datetime | None
    problem: str | None = None
    how: str = ""


def read_quoted_date(
    text: str, languages: frozenset[str] = frozenset(), forwarded_at: datetime | None = None
) -> QuotedDate:
    """The moment a quoted date names; see the module docstring for how doubts are settled."""
    text = " ".join(text.split())
    if not text:
        return QuotedDate(None, "the forward quotes no date")
    if _RFC_DATE.match(text) and (rfc := _rfc(text)) is not None:
        return QuotedDate(rfc, how="as RFC 5322 writes it")
    found = read_known(text, languages) or _dateparser(text, languages)
    if found is None:
        return QuotedDate(None, f"the forward's quoted date {text!r} cannot be read")
    if found.problem:
        return QuotedDate(None, f"the forward's quoted date {text!r}: {found.problem}")
    return _settle(text, found, languages, forwarded_at)


#: what warm-up reads with each reader: a date, a swappable numeric one, and one that no
#: language reads (the any-language reader then loads every locale dateparser has)
_WARM_TEXTS = ("2 March 2027 09:14", "02.03.2027 09:14", "2/3/2027 zz 9.14 zz")


def warm_up(pause: Callable[[], None] = lambda: None) -> None:
    """Load dateparser and every language's data now (worker start), not on the first forward:
    the readers of each of our languages and of any language, in each day order, each used once
    (dateparser loads a locale's data when a reader first needs it: for a date no language
    reads, all two hundred of them, which took seconds on a forward). ``pause`` is called
    between one reading and the next, with no lock held (``parsers.date_words.warm_up``)."""
    codes = sorted({DATEPARSER_CODE.get(code, code) for code in languages()})
    for langs in [*((code,) for code in codes), ()]:
        for order in (None, "DMY", "MDY"):
            parser = _parser(langs, order)
            if parser is None:
                continue
            if not langs and order is None:
                _warm_every_locale(parser, pause)
            for text in _WARM_TEXTS:
                pause()
                try:
                    parser.get_date_data(text)
                except (ValueError, TypeError, OverflowError, AttributeError, KeyError, IndexError):
                    continue


def _warm_every_locale(parser: "DateDataParser", pause: Callable[[], None]) -> None:
    """Each of dateparser's two hundred locales loaded, and tried on the warm-up's dates, one at a
    time: the any-language reader's first date does all of it in one call (over a second), with
    no place to pause. Locales are dateparser's process-wide objects, shared by every reader, so
    the readers' own first dates are then quick. An optimisation only: on a dateparser without
    these (its own internals), the readers load what they need themselves."""
    from dateparser.languages.loader import default_loader

    settings = getattr(parser, "_settings", None)
    try:
        for name in default_loader.get_locale_map():
            for locale in default_loader.get_locales(locales=[name]):
                for text in _WARM_TEXTS:
                    pause()
                    locale.is_applicable(text, strip_timezone=False, settings=settings)
    except (AttributeError, TypeError, ValueError, KeyError):
        return


def _rfc(text: str) -> datetime | None:
    """An RFC 5322 date; naive when it names no zone (the forwarder's wall clock, not UTC)."""
    parsed = parsedate_tz(text)
    if parsed is None:
        return None
    try:
        moment = datetime(*parsed[:6])
    except (ValueError, OverflowError):
        return None
    if _RFC_ZONE.search(text) is None:
        return moment
    return moment.replace(tzinfo=timezone(timedelta(seconds=parsed[9] or 0)))


def _settle(
    text: str, found: Found, languages: frozenset[str], forwarded_at: datetime | None
) -> QuotedDate:
    """One reading of several; see the module docstring for the order of the rules."""
    readings = found.readings
    values = set(readings.values())
    how = found.how
    if len(values) == 1:
        return QuotedDate(values.pop(), how=how)
    if forwarded_at is not None:
        values = {v for v in values if _before(v, forwarded_at + AFTER, forwarded_at)}
        if len(values) == 1:
            return QuotedDate(values.pop(), how=f"{how}; its swap would follow the forward")
    if languages and "en" not in languages and readings.get("DMY") in values:
        written_in = ", ".join(sorted(languages))
        return QuotedDate(readings["DMY"], how=f"{how}, day first as {written_in} writes it")
    if forwarded_at is not None:
        recent = {v for v in values if not _before(v, forwarded_at - USUAL_DELAY, forwarded_at)}
        if len(recent) == 1:
            return QuotedDate(recent.pop(), how=f"{how}; the reading within a week of the forward")
    return QuotedDate(
        None,
        f"the forward's quoted date {text!r} is ambiguous "
        "(day and month could be either way round)",
    )


def _before(value: datetime, limit: datetime, forwarded_at: datetime) -> bool:
    """``value`` ≤ ``limit``; a naive value is taken in the forward's own offset, where the
    forwarder's client wrote it."""
    aware = value if value.tzinfo else value.replace(tzinfo=forwarded_at.tzinfo)
    return aware <= limit


def _dateparser(text: str, languages: frozenset[str]) -> Found | None:
    """dateparser's readings of ``text`` (both orders when day and month could swap), each
    checked against the text: its year and its time must be written there."""
    time = _TIME.search(text)
    if time is None:
        return None
    numeric = _NUMERIC.search(text)
    swappable = bool(numeric and _swappable(numeric))
    orders = ("DMY", "MDY") if swappable else (None,)
    codes = tuple(sorted(DATEPARSER_CODE.get(code, code) for code in languages))
    readings: dict[str, datetime] = {}
    for order in orders:
        found = _first_reading(text, codes, order)
        if found is not None and _written(found, text, int(time["m"])):
            readings[order or "one"] = found
    if not readings:
        return None
    return Found(readings, f"by dateparser ({', '.join(codes) or 'any language'})")


def _swappable(match: re.Match[str]) -> bool:
    a, b = int(match.group("a")), int(match.group("b"))
    return a != b and a <= 12 and b <= 12


def _written(found: datetime, text: str, minute: int) -> bool:
    """A reading whose year and minute the text writes, with nothing finer than a second."""
    year = str(found.year)
    return (
        found.microsecond == 0
        and found.minute == minute
        and (year in text or re.search(rf"(?<!\d){year[2:]}(?!\d)", text) is not None)
    )


def _first_reading(text: str, codes: tuple[str, ...], order: str | None) -> datetime | None:
    for candidate in (text, _FILLERS.sub(" ", text)):
        for langs in (codes, ()) if codes else ((),):
            parser = _parser(langs, order)
            if parser is None:
                continue
            try:
                found = parser.get_date_data(candidate).date_obj
            except (ValueError, TypeError, OverflowError, AttributeError, KeyError, IndexError):
                continue
            if isinstance(found, datetime):
                return found
    return None


def _parser(codes: tuple[str, ...], order: str | None) -> "DateDataParser | None":
    """One dateparser reader per languages and order, built once. It holds its settings and
    language data only: nothing read from the clock."""
    key = (codes, order)
    parser = _parsers.get(key)
    if parser is None:
        from dateparser.date import DateDataParser  # slow to import: at warm-up

        settings = dict(_SETTINGS, DATE_ORDER=order) if order else _SETTINGS
        try:
            parser = DateDataParser(languages=list(codes) or None, settings=settings)
        except ValueError:  # a language dateparser does not know
            return None
        with _lock:
            parser = _parsers.setdefault(key, parser)
    return parser

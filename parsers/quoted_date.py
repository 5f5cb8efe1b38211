"""A forward's quoted date ("Date: mar. 2 mars 2027 à 09:14"), in any language, never guessed.

RFC 5322 dates are read by the standard library, everything else by ``dateparser``
(multilingual, well kept), told the languages of the labels around the date. A numeric date whose
day and month could swap ("12/05/2027") is settled, in this order, by: a reading later than the
forward (the outer ``Date``) is impossible; the forward's language writes the day first (every
language here but English does); the original was sent days, not weeks, before its forward (a
reading within a week before it wins over its swap, which lies at least 27 days away). When none
decides, the date stays unread and says why: the email is then a ``ParseError`` (``as_of`` cannot
be read) and is dead-lettered, rather than an event placed at a guessed moment. A date without a
zone is the forwarder's wall clock; ``Original.as_of`` gives it the forwarder's zone.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from parsers.mime import parse_rfc_date

_RFC_DATE = re.compile(r"^\s*(?:[a-z]{3},\s*)?\d{1,2}\s+[a-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}", re.I)
_NUMERIC = re.compile(r"(?<!\d)(?P<a>\d{1,2})[./-](?P<b>\d{1,2})[./-](?P<y>\d{4}|\d{2})(?!\d)")
#: words between a date and its time that dateparser does not know in every language
_FILLERS = re.compile(
    r"(?<!\w)(?:kl\.?|klo|kello|at|um|à|alle ore|om|o godz\.|o|v|в|г\.|den|le|la|às|a las)(?!\w)",
    re.IGNORECASE,
)
#: an original is forwarded "minutes to days" after it was sent: a reading this close before the
#: forward is taken over its swap, which then lies at least 27 days away (3/2 and 2/3)
USUAL_DELAY = timedelta(days=7)
#: a reading later than the forward by more than this (zones, clock skew) cannot be the original's
AFTER = timedelta(hours=14)
#: our language codes → dateparser's, where they differ
_DATEPARSER_CODE = {"no": "nb"}
_SETTINGS: dict[str, Any] = {"REQUIRE_PARTS": ["day", "month", "year"]}


@dataclass(frozen=True)
class QuotedDate:
    """The date read (naive when no zone was written), or None and why not."""

    value: datetime | None
    problem: str | None = None


def read_quoted_date(
    text: str, languages: frozenset[str] = frozenset(), forwarded_at: datetime | None = None
) -> QuotedDate:
    """The moment a quoted date names; see the module docstring for how doubts are settled."""
    text = " ".join(text.split())
    if not text:
        return QuotedDate(None, "the forward quotes no date")
    if _RFC_DATE.match(text) and (rfc := parse_rfc_date(text)) is not None:
        return QuotedDate(rfc)
    numeric = _NUMERIC.search(text)
    if numeric and _swappable(numeric):
        return _numeric(text, languages, forwarded_at)
    read = _dateparser(text, languages, None)
    if read is None:
        return QuotedDate(None, "the forward's quoted date cannot be read")
    return QuotedDate(read)


def _swappable(match: re.Match[str]) -> bool:
    a, b = int(match.group("a")), int(match.group("b"))
    return a != b and a <= 12 and b <= 12


def _numeric(text: str, languages: frozenset[str], forwarded_at: datetime | None) -> QuotedDate:
    """Day and month settled, in this order, by: a reading after the forward is impossible; the
    forward's language writes the day first (all ours but English); the original was sent days,
    not weeks, before its forward."""
    readings = {order: _dateparser(text, languages, order) for order in ("DMY", "MDY")}
    found = {value for value in readings.values() if value is not None}
    if forwarded_at is not None:
        found = {value for value in found if _before(value, forwarded_at + AFTER, forwarded_at)}
    if len(found) <= 1:
        if found:
            return QuotedDate(found.pop())
        return QuotedDate(None, "the forward's quoted date cannot be read")
    if languages and "en" not in languages and readings["DMY"] in found:
        return QuotedDate(readings["DMY"])
    if forwarded_at is not None:
        recent = {v for v in found if not _before(v, forwarded_at - USUAL_DELAY, forwarded_at)}
        if len(recent) == 1:
            return QuotedDate(recent.pop())
    return QuotedDate(
        None, "the forward's quoted date is ambiguous (day and month could be either way round)"
    )


def _before(value: datetime, limit: datetime, forwarded_at: datetime) -> bool:
    """``value`` ≤ ``limit``; a naive value is taken in the forward's own offset, where the
    forwarder's client wrote it."""
    aware = value if value.tzinfo else value.replace(tzinfo=forwarded_at.tzinfo)
    return aware <= limit


def _dateparser(text: str, languages: frozenset[str], order: str | None) -> datetime | None:
    codes = tuple(sorted(_DATEPARSER_CODE.get(code, code) for code in languages))
    for candidate in (text, _FILLERS.sub(" ", text)):
        for langs in (codes, ()) if codes else ((),):
            found = _parse(candidate, langs, order)
            if found is not None:
                return found
    return None


@lru_cache(maxsize=512)
def _parse(text: str, languages: tuple[str, ...], order: str | None) -> datetime | None:
    import dateparser  # imported on first use: slow to load, and only forwards need it

    settings = dict(_SETTINGS, DATE_ORDER=order) if order else _SETTINGS
    try:
        found = dateparser.parse(text, languages=list(languages) or None, settings=settings)
    except (ValueError, TypeError, OverflowError, AttributeError, KeyError, IndexError):
        return None
    return found if isinstance(found, datetime) else None

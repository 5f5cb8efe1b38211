"""The words a quoted date is written with (months, weekdays, fillers), per language, loaded once.

The words come from dateparser's own language data, so the quick reader (``parsers.date_formats``)
and dateparser agree on what a month is called. Loading them costs tens of milliseconds and
dateparser's locale data more: :func:`warm_up` does both at worker start, not on the first forward.
Nothing here depends on the clock; the tables are built once and never change.
"""

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

#: our language codes → dateparser's, where they differ
DATEPARSER_CODE = {"no": "nb"}
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")  # fmt: skip
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: words between and around a date and its time that name no part of it, in the clients'
#: languages (folded: lower case, no dots)
FILLERS = frozenset({
    "at", "on", "the", "of", "um", "am", "den", "der", "le", "la", "las", "el", "il", "giorno",
    "alle", "ore", "à", "às", "as", "a", "de", "del", "do", "da", "em", "op", "om", "heeft", "kl",
    "klo", "kello", "u", "o", "godz", "v", "ve", "в", "во", "г", "dne", "dnia", "w", "dniu",
    "użytkownik", "tarihinde", "időpontban", "pe", "d", "på", "uhr", "h", "ο", "χρήστης",
    "στις", "no", "dia", "en", "y", "e", "i",
})  # fmt: skip


@dataclass(frozen=True)
class Words:
    """One language's date words, folded (lower case, no dots at either end)."""

    months: dict[str, int] = field(default_factory=dict)
    weekdays: dict[str, int] = field(default_factory=dict)
    skip: frozenset[str] = frozenset()


_lock = threading.RLock()
_tables: dict[str, Words] = {}
_union: list[Words] = []


def fold(word: str) -> str:
    """How a word is looked up: lower case, without dots, commas or brackets at its ends."""
    return word.lower().strip(".,;:()[]")


def words(code: str) -> Words | None:
    """The date words of one of our languages; None for a language dateparser does not know."""
    code = DATEPARSER_CODE.get(code, code)
    if code not in _tables:
        with _lock:
            if code not in _tables:
                _tables[code] = _load(code)
    table = _tables[code]
    return table if table.months else None


def any_language() -> Words:
    """The words every language we read agrees on (a word two languages read differently, such
    as "listopad", is left out), for a date whose block is labelled in another language."""
    if not _union:
        with _lock:
            if not _union:
                _union.append(_merge([words(code) for code in languages()]))
    return _union[0]


def languages() -> tuple[str, ...]:
    """Every language the forward words know (``parsers.forward_words``)."""
    from parsers.forward_words import HEADER_LABELS, WROTE

    codes = {code for _, langs in HEADER_LABELS.values() for code in langs}
    codes |= {code for langs in WROTE.values() for code in langs.split()}
    return tuple(sorted(codes))


def warm_up(pause: Callable[[], None] = lambda: None) -> None:
    """Load every language's date words and dateparser's data now (worker start), so the first
    forward is read as fast as the thousandth. ``pause`` is called between pieces of a few
    milliseconds each, with no lock held: the worker's warm-up thread waits there while a message
    is in work, which loads what it needs itself meanwhile."""
    from parsers.quoted_date import warm_up as warm_dateparser

    for code in languages():
        words(code)
        pause()
    any_language()
    warm_dateparser(pause)


def _load(code: str) -> Words:
    from dateparser.languages.loader import default_loader  # slow to import: at warm-up

    try:
        info = default_loader.get_locale(code).info
    except (ValueError, KeyError):
        return Words()
    months = {fold(name): number for number, key in enumerate(_MONTHS, 1) for name in info[key]}
    weekdays = {fold(name): day for day, key in enumerate(_WEEKDAYS) for name in info[key]}
    skip = {fold(word) for word in info.get("skip", []) if re.search(r"\w", word)}
    return Words(
        months={k: v for k, v in months.items() if k},
        weekdays={k: v for k, v in weekdays.items() if k},
        skip=frozenset(skip | FILLERS),
    )


def _merge(tables: list[Words | None]) -> Words:
    months: dict[str, set[int]] = {}
    weekdays: dict[str, set[int]] = {}
    skip: set[str] = set()
    for table in tables:
        if table is None:
            continue
        for name, number in table.months.items():
            months.setdefault(name, set()).add(number)
        for name, day in table.weekdays.items():
            weekdays.setdefault(name, set()).add(day)
        skip |= table.skip
    return Words(
        months={name: next(iter(found)) for name, found in months.items() if len(found) == 1},
        weekdays={name: next(iter(found)) for name, found in weekdays.items() if len(found) == 1},
        skip=frozenset(skip),
    )

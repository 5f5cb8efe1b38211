"""The quick reader of a quoted date: the shapes mail clients write, read without dateparser.

A date is taken apart into its zone ("PST", "GMT-08:00", "UTC+3", "-0800"), its time ("9:14",
"09.14.00", "9:14 a. m.", "上午9:14"), its day, month and year (numeric "02.03.2027", "2/3/27",
"2027-03-02", "2027年3月2日", or a month's name in the forward's languages), and words that name
no part of it (weekdays, "kl.", "klo", "u", "à(s)", "um", ...). Every piece must be explained: a
word the reader does not know makes it give up (``None``), and dateparser is asked instead. A
weekday that is named must be the date's own, which also settles "3/2" against "2/3".

The reader returns every reading the text allows ("02/03/2027" is 2 March or 3 February);
``parsers.quoted_date`` chooses. Nothing here reads the clock.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from parsers.date_words import Words, any_language, fold, words

#: zone abbreviations mail clients write after a time, and their offsets in hours
ZONES = {
    "UTC": 0, "GMT": 0, "UT": 0, "Z": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2,
    "MET": 1, "MEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "PST": -8, "PDT": -7, "MST": -7,
    "MDT": -6, "CST": -6, "CDT": -5, "EST": -5, "EDT": -4, "AKST": -9, "AKDT": -8, "HST": -10,
}  # fmt: skip
_OFFSET = re.compile(
    r"\(?\s*(?:GMT|UTC|UT)\s*(?P<sign>[+\-−])\s*(?P<hh>\d{1,2})(?::?(?P<mm>\d{2}))?\s*\)?"
    r"|(?<=\s)(?P<sign2>[+\-])(?P<hh2>\d{2}):?(?P<mm2>\d{2})(?!\d)"
)
_ABBREVIATION = re.compile(r"\(?(?<![\w])(?P<abbr>[A-Z]{1,5})(?![\w])\)?")
_PM_BEFORE = {"下午", "午後", "오후"}
_TIME = re.compile(
    r"(?:(?P<pre>上午|下午|午前|午後|오전|오후)\s?)?"
    r"(?<![\d./:-])(?P<h>\d{1,2})[:.](?P<m>\d{2})(?:[:.](?P<s>\d{2}))?(?!\d|[./:-]\d)"
    r"(?:\s?(?P<post>[ap]\.?\s?m\.?|π\.?\s?μ\.?|μ\.?\s?μ\.?)(?!\w))?",
    re.IGNORECASE,
)
_YEAR_FIRST = re.compile(
    r"(?<!\d)(?P<y>\d{4})\s?(?P<sep>[./-])\s?(?P<m>\d{1,2})\s?(?P=sep)\s?(?P<d>\d{1,2})(?!\d)\.?"
    r"|(?P<y2>\d{4})\s?[年년]\s?(?P<m2>\d{1,2})\s?[月월]\s?(?P<d2>\d{1,2})\s?[日일]"
)
_DAY_OR_MONTH_FIRST = re.compile(
    r"(?<![\d.])(?P<a>\d{1,2})\s?(?P<sep>[./-])\s?(?P<b>\d{1,2})\s?(?P=sep)\s?(?P<y>\d{4})(?!\d)\.?"
    r"|(?<![\d.])(?P<a2>\d{1,2})/(?P<b2>\d{1,2})/(?P<y2>\d{2})(?![\d/])"
)
_TOKEN = re.compile(r"[^\s,;()\[\]|/]+")
_PUNCTUATION = re.compile(r"^[\W_]*$")


@dataclass(frozen=True)
class Found:
    """The readings a date's text allows, by the order that gives each (``DMY``, ``MDY``, or
    ``one`` when the text allows one reading), and how it was read (for ``--explain``)."""

    readings: dict[str, datetime]
    how: str
    problem: str | None = None


def read_known(text: str, languages: frozenset[str]) -> Found | None:
    """The date ``text`` names, if every piece of it is a known shape; else None."""
    text = text.replace("à(s)", "às")
    tables = [table for code in sorted(languages) if (table := words(code)) is not None]
    for table in (_merged(tables), any_language()) if tables else (any_language(),):
        found = _read(text, table)
        if found is not None:
            return found
    return None


def _merged(tables: list[Words]) -> Words:
    if len(tables) == 1:
        return tables[0]
    months: dict[str, int] = {}
    weekdays: dict[str, int] = {}
    for table in tables:
        months |= table.months
        weekdays |= table.weekdays
    return Words(months, weekdays, frozenset().union(*(table.skip for table in tables)))


def _read(text: str, table: Words) -> Found | None:
    zone, text = _zone(text)
    time_match = _TIME.search(_without_dates(text))
    if time_match is None:
        return None
    hour = _hour(time_match)
    if hour is None:
        return None
    minute, second = int(time_match["m"]), int(time_match["s"] or 0)
    if minute > 59 or second > 59:
        return None
    rest = text[: time_match.start()] + " " + text[time_match.end() :]
    dates = _numeric(rest)
    if dates is not None:
        days, rest, how = dates
    else:
        days, rest, how = {}, rest, "a month's name"
    weekday, numbers, month = None, [], set()
    for token in _TOKEN.findall(rest):
        word = fold(token)
        if not word or _PUNCTUATION.match(word):
            continue
        if word.isdigit():
            numbers.append(int(word))
        elif word in table.skip:
            continue
        elif word in table.months and (dates is None or word not in table.weekdays):
            month.add((table.months[word], word in table.weekdays))
            if word in table.weekdays:
                weekday = table.weekdays[word] if weekday is None else weekday
        elif word in table.weekdays:
            weekday = table.weekdays[word]
        else:
            return None  # a word we cannot explain: dateparser may know it
    if dates is None:
        found = _named_month(month, numbers)
        if found is None:
            return None
        days = {"one": found}
        weekday = None if any(both for _, both in month) and len(month) == 1 else weekday
    elif numbers or month:
        return None
    readings = {}
    for order, (year, month_number, day) in days.items():
        try:
            moment = datetime(year, month_number, day, hour, minute, second, tzinfo=zone)
        except ValueError:
            continue
        if weekday is None or moment.weekday() == weekday:
            readings[order] = moment
    if days and not readings and weekday is not None:
        return Found({}, how, "the weekday it names is not the date's")
    if weekday is not None and len(readings) < len(days):
        how += ", the one whose weekday it names"
    return Found(readings, how) if readings else None


def _zone(text: str) -> tuple[timezone | None, str]:
    offset = _OFFSET.search(text)
    if offset is not None:
        sign = -1 if (offset["sign"] or offset["sign2"]) in "-−" else 1
        hours = int(offset["hh"] or offset["hh2"])
        minutes = int(offset["mm"] or offset["mm2"] or 0)
        if hours > 14 or minutes > 59:
            return None, text
        rest = text[: offset.start()] + " " + text[offset.end() :]
        return timezone(sign * timedelta(hours=hours, minutes=minutes)), rest
    for match in _ABBREVIATION.finditer(text):
        if match["abbr"] in ZONES:
            rest = text[: match.start()] + " " + text[match.end() :]
            return timezone(timedelta(hours=ZONES[match["abbr"]])), rest
    return None, text


def _without_dates(text: str) -> str:
    """``text`` with its numeric date blanked out, so that "02.03" is not taken for a time."""
    for pattern in (_YEAR_FIRST, _DAY_OR_MONTH_FIRST):
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def _hour(match: re.Match[str]) -> int | None:
    hour = int(match["h"])
    pre, post = match["pre"], match["post"]
    if not pre and not post:
        return hour if hour < 24 else None
    if not 1 <= hour <= 12:
        return None
    afternoon = pre in _PM_BEFORE if pre else re.sub(r"[\s.]", "", post.lower()) in {"pm", "μμ"}
    return hour % 12 + (12 if afternoon else 0)


def _numeric(text: str) -> tuple[dict[str, tuple[int, int, int]], str, str] | None:
    """(readings by order, the text without the date, how) for a date written in numbers."""
    match = _YEAR_FIRST.search(text)
    if match is not None:
        year, month, day = (int(match[g] or match[g + "2"]) for g in ("y", "m", "d"))
        rest = text[: match.start()] + " " + text[match.end() :]
        return {"one": (year, month, day)}, rest, "numbers, year first"
    match = _DAY_OR_MONTH_FIRST.search(text)
    if match is None:
        return None
    a, b = int(match["a"] or match["a2"]), int(match["b"] or match["b2"])
    year = int(match["y"]) if match["y"] else 2000 + int(match["y2"])
    rest = text[: match.start()] + " " + text[match.end() :]
    orders = {"DMY": (year, b, a), "MDY": (year, a, b)}
    if a == b:
        orders = {"one": (year, a, a)}
    return orders, rest, "numbers"


def _named_month(month: set[tuple[int, bool]], numbers: list[int]) -> tuple[int, int, int] | None:
    """(year, month, day) from a month's name and two numbers; None unless exactly so."""
    names = {number for number, also_weekday in month if not also_weekday} or {
        number for number, _ in month
    }
    years = [n for n in numbers if 1900 <= n <= 2100]
    days = [n for n in numbers if 1 <= n <= 31]
    if len(names) != 1 or len(years) != 1 or len(days) != 1 or len(numbers) != 2:
        return None
    return years[0], names.pop(), days[0]

"""Reading the values people and mail templates write: dates, times, durations, money, counts.

Each reader takes a free-form value ("Sat, May 30, 2027", "10am", "USD $990.00", "5 Guests") and
returns the value or ``None``; none of them raises on odd input, so a label whose value does not
read is simply skipped and the next candidate is tried.

Decisions:
- Numeric dates are US style (``5/30/2027`` is May 30), as both platforms are American.
- Amounts: the last separator followed by one or two digits is the decimal point and every
  separator followed by three digits groups thousands, so ``$1,120.00``, ``1.120,00`` and
  ``1 120,00`` all read 1120.00; ``1,120`` reads 1120. Only US dollars are accepted.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ORD = r"(?:st|nd|rd|th)?"
_DATE_PATTERNS = [
    re.compile(r"\b(?P<year>\d{4})-(?P<mnum>\d{1,2})-(?P<day>\d{1,2})\b"),
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}}){_ORD},?\s+(?P<year>\d{{4}})\b", re.IGNORECASE),
    re.compile(rf"\b(?P<day>\d{{1,2}}){_ORD}\s+(?:of\s+)?{_MONTH},?\s+(?P<year>\d{{4}})\b", re.I),
    re.compile(r"\b(?P<mnum>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})\b"),
]
#: what each pattern above needs: a year's four digits
_YEAR_DIGITS = re.compile(r"\d{4}")

_MERIDIEM = r"(?P<{0}>[ap])\.?\s?m\b\.?"
_CLOCK = r"(?P<{0}h>\d{{1,2}})(?:[:.](?P<{0}m>[0-5]\d))?(?::[0-5]\d)?"


def _time_pattern(name: str) -> str:
    clock, meridiem = _CLOCK.format(name), _MERIDIEM.format(name + "p")
    return rf"(?:(?P<{name}w>noon|midnight)|{clock}\s*(?:{meridiem})?)"


_RANGE = re.compile(
    rf"(?<![\d:]){_time_pattern('a')}\s*(?:-|–|—|to|until|till)\s*{_time_pattern('b')}",
    re.IGNORECASE,
)
_SINGLE = re.compile(rf"(?<![\d:]){_time_pattern('a')}", re.IGNORECASE)
_DURATION = re.compile(
    r"(?P<hours>\d+(?:[.,]\d+)?)\s*(?:hours?|hrs?|h)\b(?:\s*\(s\))?"
    r"(?:\s*(?:and\s*)?(?P<minutes>\d{1,2})\s*(?:minutes?|mins?|m)\b)?"
    r"|(?P<only_minutes>\d{2,4})\s*(?:minutes?|mins?)\b",
    re.IGNORECASE,
)
_BARE_HOURS = re.compile(r"^\s*(?P<hours>\d+(?:[.,]\d+)?)\s*$")

_CURRENCY = r"US\s?\$|USD\s*\$?|\$|€|EUR|£|GBP|CAD\s*\$?|AUD\s*\$?|dollars?"
_AMOUNT = re.compile(
    rf"(?P<neg>-\s*)?(?P<pre>{_CURRENCY})?\s*"
    r"(?P<num>\d{1,3}(?:[,. ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)(?![\d])"
    rf"\s*(?P<post>{_CURRENCY})?",
    re.IGNORECASE,
)
_USD = {"$", "us$", "usd", "usd$", "dollar", "dollars"}

_PEOPLE = re.compile(
    r"(?P<n>\d{1,3})\s*(?P<word>adults?|children|child|kids?|infants?|teens?|seniors?)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TimeOfDay:
    """A wall-clock time as written; ``meridiem`` is None for "10" or "14:00"."""

    hour: int
    minute: int
    meridiem: str | None
    has_colon: bool

    def resolve(self, meridiem: str | None = None) -> time | None:
        """The 24 h time, using ``meridiem`` when the text had none ("10 - 1 pm")."""
        m = self.meridiem or meridiem
        if m is None:
            return time(self.hour, self.minute) if 0 <= self.hour <= 23 else None
        if not 1 <= self.hour <= 12:
            return None
        hour = self.hour % 12 + (12 if m == "p" else 0)
        return time(hour, self.minute)


class NonexistentLocalTime(ValueError):
    """A wall-clock time that the zone skips (the hour lost when daylight saving starts)."""


def find_date(text: str) -> date | None:
    """The first calendar date in ``text``, in any of the formats we know; weekdays are ignored."""
    found = _find_date_span(text)
    return found[0] if found else None


def _find_date_span(text: str) -> tuple[date, tuple[int, int]] | None:
    best: tuple[date, tuple[int, int]] | None = None
    if _YEAR_DIGITS.search(text) is None:  # every date pattern writes a four-digit year
        return None
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = match.groupdict()
            month = MONTHS[parts["month"][:3].lower()] if parts.get("month") else int(parts["mnum"])
            try:
                value = date(int(parts["year"]), month, int(parts["day"]))
            except ValueError:
                continue
            if best is None or match.start() < best[1][0]:
                best = (value, match.span())
            break
    return best


def without_date(text: str) -> str:
    """``text`` with its date removed, so "4 Sep 2027 - 2:00 PM" is not read as a time range."""
    found = _find_date_span(text)
    if found is None:
        return text
    start, end = found[1]
    return text[:start] + " " + text[end:]


def _time_of(match: re.Match[str], name: str) -> TimeOfDay | None:
    word = match.group(f"{name}w")
    if word:
        return TimeOfDay(12 if word.lower() == "noon" else 0, 0, None, True)
    hour = int(match.group(f"{name}h"))
    minutes = match.group(f"{name}m")
    meridiem = match.group(f"{name}p")
    return TimeOfDay(
        hour=hour,
        minute=int(minutes) if minutes else 0,
        meridiem=meridiem[0].lower() if meridiem else None,
        has_colon=minutes is not None,
    )


def _is_clock(value: TimeOfDay | None) -> bool:
    """A lone number is not a time; "10am", "10:00" and "noon" are."""
    return value is not None and (value.meridiem is not None or value.has_colon)


def find_time_range(text: str) -> tuple[time, time] | None:
    """A start and end time ("10:00 AM - 1:00 PM", "10am to 1pm", "10 - 1 pm", "14:00–17:00")."""
    for match in _RANGE.finditer(without_date(text)):
        first, second = _time_of(match, "a"), _time_of(match, "b")
        if first is None or second is None or not (_is_clock(first) or _is_clock(second)):
            continue
        end = second.resolve(first.meridiem)
        start = first.resolve(second.meridiem)
        if start is None or end is None:
            continue
        if first.meridiem is None and second.meridiem == "p" and start > end:
            start = first.resolve("a")  # "10 - 1 pm" is 10 AM to 1 PM
            if start is None:
                continue
        return start, end
    return None


def find_time(text: str) -> time | None:
    """The first clock time in ``text`` ("10:00 AM", "10am", "10 am", "14:00", "noon")."""
    for match in _SINGLE.finditer(without_date(text)):
        value = _time_of(match, "a")
        if _is_clock(value) and value is not None:
            resolved = value.resolve()
            if resolved is not None:
                return resolved
    return None


def find_duration(text: str, *, bare_number_is_hours: bool = False) -> timedelta | None:
    """A length of time ("3 hours", "3 hour(s)", "2.5 hrs", "2 hours 30 minutes", "90 minutes")."""
    match = _DURATION.search(text)
    if match is None:
        bare = _BARE_HOURS.match(text) if bare_number_is_hours else None
        if bare is None:
            return None
        return _positive(timedelta(hours=float(bare.group("hours").replace(",", "."))))
    if match.group("only_minutes"):
        return _positive(timedelta(minutes=int(match.group("only_minutes"))))
    hours = float(match.group("hours").replace(",", "."))
    minutes = int(match.group("minutes") or 0)
    return _positive(timedelta(hours=hours, minutes=minutes))


def _positive(value: timedelta) -> timedelta | None:
    return value if timedelta(0) < value <= timedelta(days=14) else None


class ForeignCurrency(ValueError):
    """An amount in a currency other than US dollars: converting it is not ours to guess."""


def find_amount(text: str) -> Decimal | None:
    """The amount in ``text`` ("$1,120.00", "USD $990.00", "990 USD", "1.120,00").

    An amount marked as dollars wins over a bare number (so a date in the value is not read as
    money); negative amounts (fees, refunds shown as "-$168.15") are skipped. Raises
    ``ForeignCurrency`` when the amount is marked with another currency.
    """
    bare: Decimal | None = None
    for match in _AMOUNT.finditer(text):
        if match.group("neg"):
            continue
        marks = {m.lower().replace(" ", "") for m in (match.group("pre"), match.group("post")) if m}
        if marks - _USD:
            raise ForeignCurrency(f"amount {match.group(0).strip()!r} is not in US dollars")
        value = _decimal(match.group("num"))
        if value is None:
            continue
        if marks:
            return value
        if bare is None:
            bare = value
    return bare


def _decimal(number: str) -> Decimal | None:
    digits = number
    last = max(number.rfind(","), number.rfind("."))
    decimals = ""
    if last != -1 and len(number) - last - 1 in (1, 2):
        digits, decimals = number[:last], number[last + 1 :]
    digits = re.sub(r"[,. ]", "", digits)
    try:
        return Decimal(f"{digits}.{decimals or '0'}").quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def find_count(text: str) -> int | None:
    """How many people: "6", "5 Guests", "4 adults, 2 children" (6)."""
    matches = list(_PEOPLE.finditer(text))
    if not matches:
        return None
    if sum(1 for m in matches if m.group("word")) >= 2:
        return sum(int(m.group("n")) for m in matches if m.group("word"))
    return int(matches[0].group("n"))


def localize(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The aware datetime of a wall-clock time in ``zone``.

    A time the zone skips (2:30 AM when daylight saving starts) raises ``NonexistentLocalTime``;
    a time that happens twice (1:30 AM when it ends) is the first, daylight-saving one (fold=0),
    as a charter booked "at 1:30" before the change means.
    """
    wall = datetime.combine(day, clock, tzinfo=zone)
    round_trip = wall.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != wall.replace(tzinfo=None):
        raise NonexistentLocalTime(
            f"{clock:%H:%M} does not exist on {day.isoformat()} in {zone.key} "
            "(the clocks skip that hour)"
        )
    return wall


def add_elapsed(start: datetime, elapsed: timedelta) -> datetime:
    """``start`` plus real elapsed time (not wall-clock time), in ``start``'s zone."""
    zone = start.tzinfo
    return (start.astimezone(UTC) + elapsed).astimezone(zone)

"""How pages and emails write dates and times: in the boat's own zone, the way people say them."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any


def day(value: datetime) -> str:
    """``Saturday, June 14, 2025``."""
    return f"{value:%A, %B} {value.day}, {value.year}"


def short_day(value: datetime) -> str:
    """``Sat, Jun 14``."""
    return f"{value:%a, %b} {value.day}"


def clock(value: datetime) -> str:
    """``10:00 AM``, ``1:30 PM``."""
    hour = value.hour % 12 or 12
    return f"{hour}:{value:%M} {'AM' if value.hour < 12 else 'PM'}"


def span(start: datetime, end: datetime) -> str:
    """``10:00 AM – 1:00 PM PDT``, or with the end's day when the charter runs past midnight."""
    if start.date() == end.date():
        return f"{clock(start)} – {clock(end)} {end:%Z}"
    return f"{clock(start)} – {short_day(end)}, {clock(end)} {end:%Z}"


def duration(value: timedelta) -> str:
    """``3 hours``, ``2 h 30 min``, ``1 hour``."""
    minutes = int(value.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if rest == 0:
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    if hours == 0:
        return f"{rest} min"
    return f"{hours} h {rest} min"


def iso(value: datetime) -> str:
    """For ``<time datetime=...>``: ISO 8601 with the offset."""
    return value.isoformat(timespec="minutes")


FILTERS: dict[str, Callable[..., Any]] = {
    "day": day,
    "short_day": short_day,
    "clock": clock,
    "span": span,
    "duration": duration,
    "iso": iso,
}

"""A one-event iCalendar file written directly, byte for byte as ``icalendar`` writes it.

``icalendar`` builds a typed component tree and folds every line character by character: about
0.3 ms an invitation, three per booking, and 20 ms of imports at start. The shapes the crew
email and the guest page send (text, UTC date-times, integers, URIs, an attendee with a few
plain parameters) are written here; anything else (a parameter value that would need RFC 6868
escaping or an unusual quote, a control character, a date-time not in UTC) goes through
``icalendar`` itself, imported only then. ``tests/unit/publishers/test_ics_writer.py`` holds the
two to the same bytes.
"""

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta


class Uri(str):
    """A URI or calendar address: written as is (no TEXT escaping)."""

    __slots__ = ()


#: (name, value, parameters); a value is TEXT (``str``), a URI or calendar address (``Uri``),
#: an INTEGER or a DATE-TIME in UTC
Property = tuple[str, "str | Uri | int | datetime", Mapping[str, str]]

#: icalendar's order: these first, in this order, then the rest by name
CALENDAR_ORDER = ("VERSION", "PRODID", "CALSCALE", "METHOD")
EVENT_ORDER = (
    "SUMMARY",
    "DTSTART",
    "DTEND",
    "DURATION",
    "DTSTAMP",
    "UID",
    "RECURRENCE-ID",
    "SEQUENCE",
    "RRULE",
    "RDATE",
    "EXDATE",
)
#: what the direct path writes in a parameter value: no RFC 6868 escapes (^, ", line breaks),
#: no characters that would be quoted by another rule than CN's space or apostrophe
_PLAIN_PARAM = re.compile(r"[^\x00-\x1f\x7f\"^,;:’]+")
_PLAIN_URI = re.compile(r"[\x21-\x7e]+")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
FOLD_AT = 75


def calendar(head: Sequence[Property], event: Sequence[Property]) -> bytes:
    """VCALENDAR with ``head``'s properties around one VEVENT with ``event``'s."""
    lines = _lines("VCALENDAR", head, CALENDAR_ORDER)
    inner = _lines("VEVENT", event, EVENT_ORDER)
    if lines is None or inner is None:
        return _with_icalendar(head, event)
    lines[-1:-1] = inner
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _lines(kind: str, props: Sequence[Property], order: Sequence[str]) -> list[str] | None:
    """The component's folded content lines, or ``None`` for a shape this module leaves to
    ``icalendar``."""
    rank = {name: i for i, name in enumerate(order)}
    names = [name.upper() for name, _, _ in props]
    if len(set(names)) != len(names):
        return None
    ordered = sorted(props, key=lambda p: _place(p[0].upper(), rank))
    lines = [f"BEGIN:{kind}"]
    for name, value, params in ordered:
        text = _value(value)
        head = _params(params)
        if text is None or head is None:
            return None
        lines.append(_fold(f"{name.upper()}{head}:{text}"))
    lines.append(f"END:{kind}")
    return lines


def _place(name: str, rank: Mapping[str, int]) -> tuple[int, int, str]:
    """The canonical names first, in their order; then the rest by name."""
    return (0, rank[name], "") if name in rank else (1, 0, name)


def _value(value: "str | Uri | int | datetime") -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() != timedelta(0) or value.microsecond:
            return None
        if value.tzinfo.tzname(value) != "UTC":
            return None
        return value.strftime("%Y%m%dT%H%M%SZ")
    if isinstance(value, Uri):
        return str(value) if _PLAIN_URI.fullmatch(value) else None
    if _CONTROL.search(value) or "\r" in value:
        return None
    return (
        value.replace(r"\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", r"\;")
        .replace(",", r"\,")
        .replace("\n", r"\n")
    )


def _params(params: Mapping[str, str]) -> str | None:
    out = []
    for key, value in sorted(params.items()):
        if not _PLAIN_PARAM.fullmatch(value):
            return None
        quoted = key.upper() == "CN" and (" " in value or "'" in value)
        out.append(f';{key.upper()}="{value}"' if quoted else f";{key.upper()}={value}")
    return "".join(out)


def _fold(line: str) -> str:
    """RFC 5545 folding as ``icalendar`` does it: before the character that would reach 75
    octets, never right after a backslash or caret (an escape stays on one line)."""
    if line.isascii():  # a character is an octet
        return "\r\n ".join(_ascii_chunks(line))
    parts: list[str] = []
    current: list[str] = []
    count = 0
    for char in line:
        size = len(char.encode("utf-8"))
        if current and count + size >= FOLD_AT:
            if len(current) > 1 and current[-1] in "\\^":
                carried = current.pop()
                parts.append("".join(current))
                current, count = [carried], len(carried.encode("utf-8"))
            else:
                parts.append("".join(current))
                current, count = [], 0
        current.append(char)
        count += size
    if current:
        parts.append("".join(current))
    return "\r\n ".join(parts)


def _ascii_chunks(line: str) -> list[str]:
    """``_fold``'s pieces of an ASCII line: 74 characters each, the last one shorter or equal."""
    limit = FOLD_AT - 1
    parts = []
    start = 0
    while len(line) - start > limit:
        end = start + limit
        if line[end - 1] in "\\^" and end - 1 > start:
            end -= 1
        parts.append(line[start:end])
        start = end
    parts.append(line[start:])
    return parts


def _with_icalendar(head: Sequence[Property], event: Sequence[Property]) -> bytes:
    """The same file through ``icalendar``: the shapes the direct path does not write."""
    import icalendar

    vevent = icalendar.Event()
    vcalendar = icalendar.Calendar()
    for component, props in ((vevent, event), (vcalendar, head)):
        for name, value, params in props:
            if params:
                component.add(name, _plain(value), parameters=dict(params))
            else:
                component.add(name, _plain(value))
    vcalendar.add_component(vevent)
    ical: bytes = vcalendar.to_ical()
    return ical


def _plain(value: "str | Uri | int | datetime") -> "str | int | datetime":
    """A ``Uri`` as a plain ``str``: icalendar picks the type by the property's name."""
    return str(value) if isinstance(value, Uri) else value

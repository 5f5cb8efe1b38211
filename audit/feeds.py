"""A platform's iCal export: fetched (conditional GET, timeouts, a size cap), read as booked spans.

**Fetching.** One GET per feed per run, with ``If-None-Match`` / ``If-Modified-Since`` from the
last read (a ``304`` reuses the spans kept then, :mod:`state.audit`). The body is streamed and
cut at ``max_bytes``: a feed that is larger, that times out, answers other than 200/304, or is not
iCal raises :class:`FeedUnreadable`, which the audit reports as a finding (never a crash, never a
whole feed held in memory past the cap). The URL is a secret (it opens the calendar to anyone who
has it): no error, log line or finding names it, only the boat and the platform.

**What counts as a booked span** (the evidence, docs/audit.md). Neither Boatsetter nor GetMyBoat
documents what its export carries per event; owners' sync guides say where the export is
(GetMyBoat: Dashboard → Calendar → Export iCal; Boatsetter: Calendar → Export → iCal) and that a
booking blocks its dates there. Both let the owner block time by hand (Boatsetter: a day or time
range marked "Unavailable"; GetMyBoat: a confirmed booking blocks its time, the whole day, or
nothing, as the owner chooses). Exports of this kind elsewhere mark owner blocks by their SUMMARY
("Blocked", "Unavailable", "Not available", "Maintenance", "Closed") and pending holds as
``STATUS:TENTATIVE`` or ``TRANSP:TRANSPARENT``. So an event is a booked span **unless** there is
positive evidence it is not (loud by default: a booking we cannot tell apart is reported):

* it repeats (``RRULE``/``RDATE``, or it is one occurrence of a series, ``RECURRENCE-ID``): a
  charter is one span, a series is an owner's availability pattern;
* its ``STATUS`` is ``CANCELLED`` or ``TENTATIVE`` (a request not yet confirmed), or its
  ``TRANSP`` is ``TRANSPARENT`` (it blocks no time);
* its SUMMARY names a block (:data:`BLOCK_WORDS`, per platform).

Times: a ``DATE`` (all day) runs from midnight to midnight in the boat's zone (``DTEND`` exclusive,
one day when absent); a UTC or ``TZID`` time is kept as it is; a floating time (no zone) is the
boat's zone, as the parsers read a platform's local times (:attr:`bookings.Boat.zone`).
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
)

#: SUMMARY words that mark an owner's block, not a booking (case-insensitive, whole words)
BLOCK_WORDS: Mapping[str, tuple[str, ...]] = {
    "boatsetter": ("unavailable", "not available", "blocked", "block", "maintenance", "closed"),
    "getmyboat": ("unavailable", "not available", "blocked", "block", "maintenance", "closed"),
}
#: statuses that are not (yet) a booking
NOT_BOOKED = frozenset({"CANCELLED", "TENTATIVE"})
#: the default size cap of one feed (a year of hourly charters is a few hundred KiB)
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
CHUNK = 64 * 1024


class FeedUnreadable(Exception):
    """A feed that could not be fetched or read; its message names no URL."""


@dataclass(frozen=True)
class Span:
    """One booked span of a feed: its UID (may be "") and its times (aware)."""

    uid: str
    start: datetime
    end: datetime
    all_day: bool = False

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether this span and ``[start, end)`` share any time (a point span: lies within)."""
        return self.start < end and start < max(self.end, self.start + timedelta(seconds=1))


@dataclass(frozen=True)
class Fetched:
    """A feed's answer: 304 (``body`` None: reuse the last read) or 200 with the body."""

    body: bytes | None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FeedPolicy:
    """Timeouts and the size cap of one fetch."""

    connect_timeout: float = 3.05
    #: seconds for the whole exchange
    timeout: float = 15.0
    max_bytes: int = DEFAULT_MAX_BYTES


class FeedFetcher:
    """GETs feeds with urllib3 (pooled, no retry inside the call: the next run is the retry)."""

    def __init__(self, policy: FeedPolicy | None = None) -> None:
        self.policy = policy or FeedPolicy()
        self._pool = urllib3.PoolManager(
            retries=urllib3.Retry(total=3, connect=0, read=0, status=0, other=0, redirect=3),
            timeout=urllib3.Timeout(total=self.policy.timeout, connect=self.policy.connect_timeout),
            headers={"User-Agent": "charterhand/0.1 (calendar audit)", "Accept": "text/calendar"},
        )

    def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Fetched:
        """The feed, or a 304; raises :class:`FeedUnreadable` (without the URL) otherwise."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            response = self._pool.request(
                "GET", url, headers=headers, preload_content=False, redirect=True
            )
        except HTTPError as exc:
            raise FeedUnreadable(self._why(exc)) from exc
        try:
            if response.status == 304:
                return Fetched(None, etag, last_modified)
            if response.status != 200:
                raise FeedUnreadable(f"it answered HTTP {response.status}")
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > self.policy.max_bytes:
                raise FeedUnreadable(f"it is larger than {self.policy.max_bytes} bytes")
            body = self._read(response)
            return Fetched(
                body, response.headers.get("ETag"), response.headers.get("Last-Modified")
            )
        except HTTPError as exc:
            raise FeedUnreadable(f"its answer broke off: {self._why(exc)}") from exc
        finally:
            response.release_conn()

    def _read(self, response: Any) -> bytes:
        """The body, read in chunks and given up past the cap (never held whole)."""
        chunks: list[bytes] = []
        size = 0
        for chunk in response.stream(CHUNK, decode_content=True):
            size += len(chunk)
            if size > self.policy.max_bytes:
                raise FeedUnreadable(f"it is larger than {self.policy.max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _why(self, exc: Exception) -> str:
        """What went wrong, in words that name no URL."""
        reason = exc.reason if isinstance(exc, MaxRetryError) and exc.reason else exc
        if isinstance(reason, NewConnectionError):  # first: urllib3 makes it a timeout too
            return "could not connect to it"
        if isinstance(reason, ConnectTimeoutError):
            return f"no connection within {self.policy.connect_timeout:g} s"
        if isinstance(reason, ReadTimeoutError | TimeoutError):
            return f"no answer within {self.policy.timeout:g} s"
        return f"could not fetch it ({type(reason).__name__})"

    def close(self) -> None:
        self._pool.clear()


def booked_spans(body: bytes, platform: str, zone: ZoneInfo) -> list[Span]:
    """The booked spans of an iCal body (module docstring); raises :class:`FeedUnreadable` for
    anything that is not a calendar."""
    if not body.lstrip().upper().startswith(b"BEGIN:VCALENDAR"):
        raise FeedUnreadable("it is not an iCal calendar")
    import icalendar  # 23 ms of imports; the worker builds a feed fetcher but reads no feed

    try:
        calendar = icalendar.Calendar.from_ical(body)
    except (ValueError, IndexError, KeyError) as exc:
        raise FeedUnreadable(f"its iCal could not be read ({type(exc).__name__})") from exc
    words = BLOCK_WORDS.get(platform, BLOCK_WORDS["boatsetter"])
    block = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)
    spans = []
    for event in calendar.walk("VEVENT"):
        try:
            span = _span(event, zone, block)
        except (ValueError, TypeError, AttributeError) as exc:
            raise FeedUnreadable(
                f"an event's times could not be read ({type(exc).__name__})"
            ) from exc
        if span is not None:
            spans.append(span)
    return sorted(spans, key=lambda s: (s.start, s.end, s.uid))


def _span(event: Any, zone: ZoneInfo, block: re.Pattern[str]) -> Span | None:
    """The event's booked span, or None for what is not a booking."""
    if any(name in event for name in ("RRULE", "RDATE", "RECURRENCE-ID")):
        return None
    if str(event.get("STATUS", "")).upper() in NOT_BOOKED:
        return None
    if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
        return None
    if block.search(str(event.get("SUMMARY", ""))):
        return None
    if "DTSTART" not in event:
        raise ValueError("no DTSTART")
    start_value = event.decoded("DTSTART")
    end_value = event.decoded("DTEND") if "DTEND" in event else None
    duration = event.decoded("DURATION") if "DURATION" in event else None
    uid = str(event.get("UID", ""))
    if isinstance(start_value, date) and not isinstance(start_value, datetime):
        start = datetime.combine(start_value, time(), zone)
        if isinstance(end_value, date) and not isinstance(end_value, datetime):
            end = datetime.combine(end_value, time(), zone)
        elif isinstance(duration, timedelta):
            end = datetime.combine(start_value + duration, time(), zone)
        else:
            end = datetime.combine(start_value + timedelta(days=1), time(), zone)
        return Span(uid, start, max(end, start), all_day=True)
    start = _aware(start_value, zone)
    if isinstance(end_value, datetime):
        end = _aware(end_value, zone)
    elif isinstance(duration, timedelta):
        end = start + duration
    else:
        end = start
    return Span(uid, start, max(end, start))


def _aware(value: datetime, zone: ZoneInfo) -> datetime:
    """A floating time is the boat's; a UTC or TZID time stays as the feed said."""
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def spans_json(spans: list[Span]) -> str:
    """Spans as kept between runs (times and UIDs only: no SUMMARY, which may name a renter)."""
    return json.dumps(
        [
            {
                "uid": s.uid,
                "start": s.start.isoformat(),
                "end": s.end.isoformat(),
                "all_day": s.all_day,
            }
            for s in spans
        ]
    )


def spans_from_json(text: str) -> list[Span]:
    """What :func:`spans_json` kept."""
    return [
        Span(
            uid=str(item["uid"]),
            start=datetime.fromisoformat(item["start"]),
            end=datetime.fromisoformat(item["end"]),
            all_day=bool(item.get("all_day")),
        )
        for item in json.loads(text)
    ]

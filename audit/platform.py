"""The platforms' calendars against the live bookings: what was missed, what is gone.

For each configured feed (:mod:`audit.config`) of a boat on a platform, within the window
``[since, since + horizon]``:

* a booked span (:func:`audit.feeds.booked_spans`) that no live booking **of that boat** overlaps
  (from any platform: owners import one platform's calendar into the other, so a Boatsetter
  charter may block GetMyBoat's calendar too) → :attr:`FindingKind.MISSED_BOOKING`;
* a span that does overlap one: its UID is recorded once against the booking of that platform
  (:meth:`state.audit.AuditState.record_uid`);
* a live booking of that platform and boat, seen on this feed before (its UID recorded), that
  no span overlaps any more → :attr:`FindingKind.GONE_FROM_PLATFORM`. A booking never seen on
  the feed is not reported: GetMyBoat lets an owner keep a booked listing "available", and a
  booking read before the feed was configured was never there to go;
* a feed that cannot be fetched or read → :attr:`FindingKind.FEED_UNREADABLE` (and its spans'
  findings stay as the last run left them).

Live bookings are confirmed or modified ones, from the sparse index :mod:`state.upcoming` (a
request blocks no platform calendar until accepted), each read again from the table. The feed
never changes a booking.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog

from audit.config import PLATFORMS, FeedSource, feed_sources
from audit.feeds import (
    FeedFetcher,
    FeedUnreadable,
    Span,
    booked_spans,
    spans_from_json,
    spans_json,
)
from audit.findings import Finding, FindingKind
from bookings import Boat, Booking, Fleet, Kind
from state.audit import AuditState, FeedRead
from state.store import StateStore
from state.upcoming import UpcomingBookings
from templates.filters import short_day, span

log = structlog.get_logger("charterhand.audit")

#: bookings starting this much outside the window are still matched against spans in it (a
#: charter under way at ``since`` is no missed booking)
MARGIN = timedelta(days=1)
#: the kinds this check opens and closes
KINDS = (FindingKind.MISSED_BOOKING, FindingKind.GONE_FROM_PLATFORM, FindingKind.FEED_UNREADABLE)


@dataclass
class FeedReport:
    """What the feed check found, and which feeds it tried and read (to close what is over)."""

    findings: list[Finding] = field(default_factory=list)
    #: (boat, platform) of each feed it tried: its FEED_UNREADABLE closes when not found again
    tried: set[tuple[str, str]] = field(default_factory=set)
    #: (boat, platform) of each feed it read: its other findings close when not found again
    read: set[tuple[str, str]] = field(default_factory=set)
    #: (boat, platform) of every feed configured (whichever boat was asked for)
    configured: set[tuple[str, str]] = field(default_factory=set)

    def closes(self, kind: str, boat: str, source: str) -> bool:
        """Whether an open finding of this kind and scope is settled by this run: its feed was
        tried (read, for a span's finding) and it was not found again; or its feed is no
        longer configured (a configuration problem fixed, a feed removed)."""
        scope = (boat, source)
        if kind not in KINDS:
            return False
        if scope not in self.configured:
            return True
        return scope in (self.tried if kind == FindingKind.FEED_UNREADABLE else self.read)


class PlatformCheck:
    """Reads each feed and compares it with the bookings; keeps what the next run needs."""

    def __init__(
        self,
        *,
        fleet: Fleet,
        feed_urls: Callable[[], str] | None,
        fetcher: FeedFetcher,
        store: StateStore,
        upcoming: UpcomingBookings,
        state: AuditState,
        horizon: timedelta = timedelta(days=60),
    ) -> None:
        self.fleet = fleet
        self.feed_urls = feed_urls
        self.fetcher = fetcher
        self.store = store
        self.upcoming = upcoming
        self.state = state
        self.horizon = horizon

    def check(self, since: datetime, *, boat: str | None = None) -> FeedReport:
        """Every configured feed (of ``boat`` only, when given) from ``since`` to the horizon."""
        report = FeedReport()
        sources, problems = feed_sources(self.feed_urls() if self.feed_urls else None, self.fleet)
        report.configured = {(s.boat, s.platform) for s in sources}
        for problem in problems:
            if boat is None or problem.boat == boat:
                report.findings.append(
                    Finding(
                        FindingKind.FEED_UNREADABLE,
                        problem.boat,
                        problem.platform,
                        problem.sentence,
                    )
                )
        for source in sources:
            if boat is not None and source.boat != boat:
                continue
            report.tried.add((source.boat, source.platform))
            spans = self._spans(source, report)
            if spans is None:
                continue
            report.read.add((source.boat, source.platform))
            report.findings += self._compare(source, spans, since)
        return report

    def _spans(self, source: FeedSource, report: FeedReport) -> list[Span] | None:
        """The feed's booked spans (the last read's on a 304), or None with a finding."""
        boat = self.fleet.boat(source.boat)
        last = self.state.last_read(source.boat, source.platform)
        name = PLATFORMS[source.platform]
        try:
            fetched = self.fetcher.fetch(
                source.url,
                etag=last.etag if last else None,
                last_modified=last.last_modified if last else None,
            )
            if fetched.body is None and last is not None:
                return spans_from_json(last.spans)
            if fetched.body is None:
                raise FeedUnreadable("it answered 304 to a first read")
            spans = booked_spans(fetched.body, source.platform, boat.zone)
        except FeedUnreadable as exc:
            log.warning("feed unreadable", boat=source.boat, platform=source.platform, why=str(exc))
            sentence = f"{source.boat}: {name}'s calendar could not be read: {exc}"
            report.findings.append(
                Finding(FindingKind.FEED_UNREADABLE, source.boat, source.platform, sentence)
            )
            return None
        self.state.remember_read(
            source.boat,
            source.platform,
            FeedRead(fetched.etag, fetched.last_modified, spans_json(spans), read_at=0.0),
        )
        return spans

    def _compare(self, source: FeedSource, spans: Sequence[Span], since: datetime) -> list[Finding]:
        boat = self.fleet.boat(source.boat)
        until = since + self.horizon
        bookings = self._live(boat, since - MARGIN, until + MARGIN)
        found: list[Finding] = []
        seen: set[str] = set()
        for item in spans:
            if item.end <= since or item.start > until:
                continue
            overlapping = [b for b in bookings if item.overlaps(b.start, b.end)]
            if not overlapping:
                found.append(_missed(boat, source.platform, item))
                continue
            for booking in overlapping:
                seen.add(booking.key)
                if booking.source == source.platform and item.uid:
                    self.state.record_uid(source.boat, source.platform, item.uid, booking.key)
        matched_before = self.state.matched_bookings(source.boat, source.platform)
        for booking in bookings:
            if booking.source != source.platform or not since <= booking.start <= until:
                continue
            if booking.key not in seen and booking.key in matched_before:
                found.append(_gone(boat, source.platform, booking))
        return found

    def _live(self, boat: Boat, after: datetime, until: datetime) -> list[Booking]:
        """The boat's confirmed or modified bookings starting in ``[after, until]``."""
        live = []
        for key in self.upcoming.starting(boat.name, after, until):
            booking = self.store.load(key).booking
            if booking is not None and booking.boat == boat.name and _live(booking):
                live.append(booking)
        return live


def _live(booking: Booking) -> bool:
    return booking.status in (Kind.CONFIRMED, Kind.MODIFIED)


def _when(start: datetime, end: datetime, boat: Boat, all_day: bool) -> str:
    start, end = start.astimezone(boat.zone), end.astimezone(boat.zone)
    if all_day:
        last = end - timedelta(days=1)
        if last.date() <= start.date():
            return f"{short_day(start)}, {start.year} (all day)"
        return f"{short_day(start)} – {short_day(last)}, {last.year} (all day)"
    return f"{short_day(start)}, {start.year}, {span(start, end)}"


def _missed(boat: Boat, platform: str, item: Span) -> Finding:
    name = PLATFORMS[platform]
    when = _when(item.start, item.end, boat, item.all_day)
    return Finding(
        FindingKind.MISSED_BOOKING,
        boat.name,
        platform,
        f"{boat.name}: booked on {name} for {when}, but no booking email was read",
        starts_at=item.start.astimezone(UTC),
        ends_at=item.end.astimezone(UTC),
    )


def _gone(boat: Boat, platform: str, booking: Booking) -> Finding:
    name = PLATFORMS[platform]
    when = _when(booking.start, booking.end, boat, all_day=False)
    return Finding(
        FindingKind.GONE_FROM_PLATFORM,
        boat.name,
        platform,
        f"{boat.name}: {name} booking {booking.booking_id} on {when} is not on {name}'s calendar "
        "any more: cancelled or moved without an email we read",
        booking_key=booking.key,
        starts_at=booking.start.astimezone(UTC),
        ends_at=booking.end.astimezone(UTC),
    )

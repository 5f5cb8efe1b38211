"""Our own downstream systems read back against the state: issue 23's second half.

For each live booking sailing between now and the horizon (the sparse ``upcoming`` index, each
booking then read strongly), each audited step (calendar, SCC, guest page, crew page) whose
record says it published the booking's current input is read back from its system
(:mod:`audit.readback`). A record missing or edited by hand is published again, once, through
the repair path (:mod:`audit.repair`), and said as ``REPAIRED``; with ``repair`` off
(``audit_repair = false``) it is said as ``DOWNSTREAM_MISSING`` / ``DOWNSTREAM_EDITED`` instead.
What is not a finding: a step the worker has yet to publish (its input changed, it failed, or a
worker holds the booking's lease: the worker brings it in line), and a read that failed (said in
the report's ``unread``, read again on the next run). A system that answers no reads is said
once as ``NOT_AUDITABLE`` and not asked again in that run.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog

from audit.findings import Finding, FindingKind
from audit.page_readback import PageReadback
from audit.readback import RECORD_NAMES, NotReadable, Readback, Seen, Verdict
from audit.records_readback import RecordsReadback
from audit.repair import Fix, Repairer
from bookings import Booking, CharterhandError, Kind, PermanentError, TransientError
from publishers.base import Publisher
from publishers.calendar import CalendarPublisher, entry
from publishers.crew_page import CrewPagePublisher
from publishers.guest_page import GuestPagePublisher
from publishers.scc import SccPublisher
from state.once import payload_hash
from state.steps import StepState
from state.store import BookingRecord, StateStore, StepRecord
from state.upcoming import UpcomingBookings

log = structlog.get_logger("charterhand.audit")

#: the kinds of finding the read-back makes (the platform check makes the others)
DOWNSTREAM_KINDS = frozenset(
    {
        FindingKind.DOWNSTREAM_MISSING,
        FindingKind.DOWNSTREAM_EDITED,
        FindingKind.REPAIRED,
        FindingKind.NOT_AUDITABLE,
    }
)
#: how far ahead the audit reads bookings back (issue 23: 60 days)
HORIZON = timedelta(days=60)
#: how far back a booking may have started and still be audited while it lasts
UNDER_WAY = timedelta(days=2)


@dataclass(frozen=True)
class Unread:
    """A record the audit could not read (or repair) this run: no finding, read again next run."""

    booking_key: str
    step: str
    reason: str
    transient: bool


@dataclass
class DownstreamReport:
    """What one run found: findings to tell, reads that failed, and how much it looked at."""

    findings: list[Finding] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)
    #: bookings read back
    bookings: int = 0
    #: records read back (one per booking and audited step)
    records: int = 0


def readbacks_for(publishers: Iterable[Publisher]) -> list[Readback]:
    """A reader for each publisher whose records can be read back; the others (emails: sent is
    sent) are not audited."""
    found: list[Readback] = []
    for publisher in publishers:
        if isinstance(publisher, CalendarPublisher):
            found.append(RecordsReadback(publisher, publisher.records, entry))
        elif isinstance(publisher, SccPublisher):
            found.append(RecordsReadback(publisher, publisher.records, publisher.event))
        elif isinstance(publisher, GuestPagePublisher | CrewPagePublisher):
            found.append(PageReadback(publisher))
    return found


def check_downstream(
    store: StateStore,
    upcoming: UpcomingBookings,
    publishers: Iterable[Publisher],
    boats: Iterable[str],
    *,
    clock: Callable[[], datetime],
    horizon: timedelta = HORIZON,
    repair: bool = True,
    lease_seconds: float = 90,
) -> DownstreamReport:
    """Read back every audited step of every live booking from now to ``horizon``; repair (or,
    with ``repair`` False, report) what was deleted or edited by hand."""
    return DownstreamAudit(
        store,
        upcoming,
        readbacks_for(publishers),
        Repairer(store, clock=clock, lease_seconds=lease_seconds) if repair else None,
        clock=clock,
        horizon=horizon,
    ).run(boats)


class DownstreamAudit:
    """One run's reading back; :func:`check_downstream` builds it."""

    def __init__(
        self,
        store: StateStore,
        upcoming: UpcomingBookings,
        readbacks: Sequence[Readback],
        repairer: Repairer | None,
        *,
        clock: Callable[[], datetime],
        horizon: timedelta = HORIZON,
    ) -> None:
        self.store = store
        self.upcoming = upcoming
        self.readbacks = readbacks
        self.repairer = repairer
        self.clock = clock
        self.horizon = horizon

    def run(self, boats: Iterable[str]) -> DownstreamReport:
        report = DownstreamReport()
        now = self.clock()
        unreadable: set[str] = set()
        for boat in boats:
            for key in self.upcoming.starting(boat, now - UNDER_WAY, now + self.horizon):
                record = self.store.load(key)
                booking = record.booking
                if booking is None or not _audited(booking, now, record, self.store.clock()):
                    continue
                report.bookings += 1
                self._booking(record, booking, report, unreadable)
        return report

    def _booking(
        self, record: BookingRecord, booking: Booking, report: DownstreamReport, off: set[str]
    ) -> None:
        """Read back each audited step of one booking; repair or report what is wrong."""
        wrong: list[tuple[Readback, Seen]] = []
        for readback in self.readbacks:
            step_name = readback.publisher.step
            step = record.step(step_name)
            if step_name in off or not _published_current(readback.publisher, booking, step):
                continue
            report.records += 1
            try:
                seen = readback.read(booking, step)
            except NotReadable as exc:
                off.add(step_name)
                report.findings.append(_not_auditable(step_name, str(exc)))
                continue
            except CharterhandError as exc:
                self._unread(report, booking.key, step_name, exc)
                continue
            if seen.verdict is not Verdict.MATCH:
                wrong.append((readback, seen))
        if not wrong:
            return
        if self.repairer is None:
            report.findings += [_finding(booking, r.publisher.step, seen) for r, seen in wrong]
            return
        fixes = [Fix(r.publisher, seen.incident) for r, seen in wrong]
        try:
            failed = self.repairer.repair(record, fixes)
        except CharterhandError as exc:  # a worker holds it, or it moved on: read it next run
            for readback, _seen in wrong:
                self._unread(report, booking.key, readback.publisher.step, exc)
            return
        repaired = self.store.load(record.key)
        for readback, seen in wrong:
            step_name = readback.publisher.step
            error = failed.get(step_name) or self._still_wrong(readback, booking, repaired)
            if error is None:
                report.findings.append(_finding(booking, step_name, seen, repaired=True))
            else:
                report.findings.append(_finding(booking, step_name, seen, failed=error))

    def _still_wrong(
        self, readback: Readback, booking: Booking, repaired: BookingRecord
    ) -> CharterhandError | None:
        """Read a repaired record back once more: a repair is said only when it took (a read
        that fails now is no reason to doubt the publish that succeeded)."""
        try:
            seen = readback.read(booking, repaired.step(readback.publisher.step))
        except (CharterhandError, NotReadable):
            return None
        if seen.verdict is Verdict.MATCH:
            return None
        return PermanentError(f"it still reads back {seen.verdict} ({seen.detail})")

    @staticmethod
    def _unread(report: DownstreamReport, key: str, step: str, exc: CharterhandError) -> None:
        transient = isinstance(exc, TransientError)
        report.unread.append(Unread(key, step, exc.reason, transient))
        log.warning("audit.unread", booking=key, step=step, transient=transient, reason=exc.reason)


def _audited(booking: Booking, now: datetime, record: BookingRecord, lease_now: float) -> bool:
    """A live booking not over yet, that no worker holds (a held one is mid-publish; leases
    run on the state table's clock, ``lease_now``)."""
    if booking.status not in (Kind.CONFIRMED, Kind.MODIFIED) or booking.end <= now:
        return False
    return not (record.lease_owner and (record.lease_expires or 0) > lease_now)


def _published_current(publisher: Publisher, booking: Booking, step: StepRecord) -> bool:
    """Whether the step's record says it published the booking's current input (else the step
    is the worker's to publish, not the audit's to read back)."""
    if step.status is not StepState.PUBLISHED or step.published is None:
        return False
    try:
        return payload_hash(publisher.input_of(booking)) == step.published_hash
    except CharterhandError:  # a boat the fleet lacks: the worker dead-letters it
        return False


def _finding(
    booking: Booking,
    step: str,
    seen: Seen,
    *,
    repaired: bool = False,
    failed: CharterhandError | None = None,
) -> Finding:
    what = RECORD_NAMES.get(step, step)
    when = f"{booking.start:%a %d %b %Y %H:%M}-{booking.end:%H:%M}"
    subject = f"the {what} of {booking.key} ({booking.boat}, {when})"
    if seen.verdict is Verdict.MISSING:
        kind, said = FindingKind.DOWNSTREAM_MISSING, f"{subject} is gone ({seen.detail})"
    else:
        kind, said = FindingKind.DOWNSTREAM_EDITED, f"{subject} was edited ({seen.detail})"
    if repaired:
        kind, said = FindingKind.REPAIRED, f"{said}: published again"
    elif failed is not None:
        said = f"{said}; publishing it again failed: {failed.reason}"
    return Finding(
        kind=kind,
        boat=booking.boat,
        source=step,
        sentence=said,
        booking_key=booking.key,
        starts_at=booking.start,
        ends_at=booking.end,
        incident=seen.incident if repaired else "",
    )


def _not_auditable(step: str, why: str) -> Finding:
    what = RECORD_NAMES.get(step, step)
    return Finding(
        kind=FindingKind.NOT_AUDITABLE,
        boat="",
        source=step,
        sentence=f"not auditable: the {what}s cannot be read back ({why})",
    )

"""The DLQ limit shared by every worker: one record in the state table (:mod:`state.intake`)
holds the run of dead letters and the stop, so the workers count together and stop together.

**Counting.** Each admitted message's final outcome moves the shared run on
(:class:`worker.policy.DlqLimit` says how). A dead letter is a write conditional on the version
it was computed from, retried on the record a lost race returns (no extra read), one at a time
in a process, so only other workers race it. A done or ignored message ends the run with one
conditional write (changing nothing when there is none), **unless this process saw the record
within ``refresh_seconds`` and it held no run then**: the common path, a success with no dead
letter about, costs no request. Outsider mail and retries cost nothing.

**The bound this leaves.** A run another worker opens after this one's last look survives this
one's successes until its next look, at most ``refresh_seconds`` (5 s) later: the loop looks
before every receive, and a success on a look older than that writes anyway, which is a look.
So every success ends every run that began ``refresh_seconds`` or more before it; only dead
letters within ``refresh_seconds`` of a run's start can be counted across another worker's
successes. A run this process opened itself it knows of (its own write returns the record), and
its next success ends it at once, as before. The limit still needs ``count`` dead letters of one
class within its window; with the default 20 in 300 s, reaching it across another worker's
successes would take 20 dead letters within about 5 s of the run's start.

**Looking.** :meth:`SharedDlqLimit.stopped` answers from what this process last read or wrote,
and reads the record again (one strongly consistent read) when that is older than
``refresh_seconds``: the loop asks before every receive, so a worker costs at most one read per
``refresh_seconds`` (5 s: 17,280 reads a day, about half a million a month: well under a dollar
on demand, and nothing next to a partition's limits) and notices a stop, or a resume, within
that time. A record it cannot read or write changes nothing: the worker goes on as it last
knew, and says so in a warning.
"""

import math
import random
import threading
import time
from collections.abc import Callable
from typing import Protocol

import structlog

from bookings import CharterhandError
from state.intake import IntakeRecord
from worker.outcomes import Ending, Outcome, ReasonClass
from worker.policy import DlqLimit, IntakeStop, Streak

log = structlog.get_logger("charterhand.worker")

#: how old the last look at the record may be before the next question reads it again
REFRESH_SECONDS = 5.0
#: tries at counting one dead letter while other workers write the record at the same time
ATTEMPTS = 16
#: the longest pause between two tries (drawn at random below it, so racing workers part)
RETRY_PAUSE_SECONDS = 0.05


class LimitRecords(Protocol):
    """Where the shared record lives (:class:`state.intake.IntakeRecords`)."""

    def load(self) -> IntakeRecord:
        """The record now."""
        ...

    def write(self, record: IntakeRecord, *, over: int) -> tuple[bool, IntakeRecord]:
        """Store ``record`` over version ``over``: whether it was, and the record now."""
        ...

    def end_streak(self) -> IntakeRecord:
        """End the run of dead letters, if there is one; the record now."""
        ...


class SharedDlqLimit:
    """The DLQ limit as every worker shares it. Safe to call from several threads at once."""

    def __init__(
        self,
        limit: DlqLimit,
        records: LimitRecords,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``clock`` is wall-clock time: the record's times are compared across workers."""
        self.limit = limit
        self.records = records
        self.refresh_seconds = refresh_seconds
        self.clock = clock
        self.monotonic = monotonic
        self._lock = threading.Lock()
        #: one dead letter counted at a time here: only other workers race this one's writes
        self._counting = threading.Lock()
        self._record = IntakeRecord()
        self._seen_at = -math.inf

    def observe(self, outcome: Outcome) -> IntakeStop | None:
        """Count a message's final ``outcome``: the stop, when this one stopped intake."""
        if not self.limit.counts(outcome):
            return None
        try:
            if outcome.ending is Ending.DEAD_LETTER:
                with self._counting:
                    return self._count(outcome)
            if self._run_may_be_open():
                self._remember(self.records.end_streak())
        except CharterhandError as exc:
            log.warning("could not update the shared DLQ limit", error=exc.reason)
        return None

    def stopped(self) -> IntakeStop | None:
        """Why intake is stopped, or None while it runs (read again once ``refresh_seconds``
        have passed since this process last saw the record)."""
        with self._lock:
            due = self.monotonic() - self._seen_at >= self.refresh_seconds
        if due:
            try:
                self._remember(self.records.load())
            except CharterhandError as exc:
                log.warning("could not read the shared DLQ limit", error=exc.reason)
                with self._lock:
                    self._seen_at = self.monotonic()  # as it last knew, until the next look
        return stop_of(self._known())

    def _count(self, outcome: Outcome) -> IntakeStop | None:
        record = self._known()
        for attempt in range(ATTEMPTS):
            if attempt:
                time.sleep(random.random() * RETRY_PAUSE_SECONDS)  # noqa: S311 - jitter
            if record.stopped:  # stopped already: the run is over
                return None
            now = self.clock()
            streak = self.limit.after(streak_of(record), outcome, now)
            stop = self.limit.stop(streak, now)
            if stop is None:
                new = record.next(
                    streak_class=streak.reason_class.value if streak.reason_class else None,
                    streak_times=streak.times,
                )
            else:
                new = record.next(
                    streak_class=None,
                    streak_times=(),
                    stopped_class=stop.reason_class.value,
                    stopped_count=stop.count,
                    stopped_window=stop.window_seconds,
                    stopped_at=stop.stopped_at,
                )
            written, record = self.records.write(new, over=record.version)
            self._remember(record)
            if written:
                return stop
        log.warning("could not count a dead letter: the shared DLQ limit kept changing")
        return None

    def _run_may_be_open(self) -> bool:
        """Whether a success must write to end a run: one was known, or the last look is older
        than ``refresh_seconds`` (see the module docstring for the bound)."""
        with self._lock:
            fresh = self.monotonic() - self._seen_at < self.refresh_seconds
            return not fresh or self._record.streak_class is not None

    def _known(self) -> IntakeRecord:
        with self._lock:
            return self._record

    def _remember(self, record: IntakeRecord) -> None:
        """Keep the newest record seen (versions only grow; 0 is a record deleted by hand)."""
        with self._lock:
            if record.version >= self._record.version or record.version == 0:
                self._record = record
            self._seen_at = self.monotonic()


def streak_of(record: IntakeRecord) -> Streak:
    """The run of dead letters a record holds."""
    if record.streak_class is None:
        return Streak()
    return Streak(reason_class_of(record.streak_class), record.streak_times)


def stop_of(record: IntakeRecord) -> IntakeStop | None:
    """The stop a record holds, or None."""
    if record.stopped_at is None:
        return None
    return IntakeStop(
        reason_class=reason_class_of(record.stopped_class or ""),
        count=record.stopped_count,
        window_seconds=record.stopped_window,
        stopped_at=record.stopped_at,
    )


def reason_class_of(value: str) -> ReasonClass:
    """A stored reason class (one a newer or older release wrote, unknown here: ``other``)."""
    try:
        return ReasonClass(value)
    except ValueError:
        return ReasonClass.OTHER

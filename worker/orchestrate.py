"""From a booking event to every downstream system in line with the booking's newest state.

``apply(event)``: reduce the event into the stored state, work out which steps are due (their
input hash differs from what they last published), take the booking's lease and write the state
in one conditional write, then run the due steps in dependency order, independent ones in
parallel, each dependent as soon as what it depends on is back. The results are written together,
fenced by the lease, in the write that gives the lease back (and, on a long run, in the write that
renews it): one write for a booking's steps instead of one per step. A result not yet written is
not lost to a crash: the next attempt runs the step again, and every step is idempotent on its
own (records APIs by ``Idempotency-Key``, pages by key, emails by their once-records). The email
steps' delivery records (the message ids of the run's sends) are held too
(:attr:`publishers.base.StepContext.records`) and written in one request at the run's end, beside
the write that gives the lease back and whatever came of it (the emails went): a crash before, or a
records write that fails, leaves their sending marks, which the next attempt settles from SES's
events (:mod:`publishers.deliveries`). The renewal write on a long run does not write them. Whatever
email drives it, a booking's steps always move towards its *stored* state, so any order of
delivery converges.
"""

import copy
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Executor, Future
from contextlib import suppress
from dataclasses import dataclass, field
from queue import Empty, SimpleQueue
from typing import Any

import structlog

from bookings import Booking, BookingEvent, CharterhandError, TransientError, Waiting, reduce
from bookings.errors import UnexpectedError
from publishers.base import Publisher, SentRecords, StepContext
from state import keys
from state.once import payload_hash
from state.store import BookingBusy, BookingRecord, StateConflict, StateStore, StepRecord

#: how many times a state write is retried when other workers keep changing the booking
STATE_ATTEMPTS = 8
log = structlog.get_logger("charterhand.worker")


def input_hash(value: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a step's input: what decides whether the step re-runs
    (a once-record's payload hash, :func:`state.once.payload_hash`)."""
    return payload_hash(value)


def dependency_order(publishers: Sequence[Publisher], off: Collection[str] = ()) -> list[Publisher]:
    """Publishers sorted so every step comes after the steps it depends on.

    ``off`` names the steps the settings turn off: a dependency on one of them is dropped (the
    summary goes out without the calendar entry's id when the calendar is off), and such a step
    must have no publisher. Raises ``ValueError`` at start-up for an unknown dependency, a
    duplicate step, a step both off and built, or a cycle.
    """
    by_step: dict[str, Publisher] = {}
    for publisher in publishers:
        if publisher.step in by_step:
            raise ValueError(f"two publishers for step {publisher.step!r}")
        if publisher.step in off:
            raise ValueError(f"step {publisher.step!r} is turned off but has a publisher")
        by_step[publisher.step] = publisher
    needs = needed_steps(publishers, off)
    for publisher in publishers:
        for dep in needs[publisher.step]:
            if dep not in by_step:
                raise ValueError(f"step {publisher.step!r} depends on unknown step {dep!r}")
    ordered: list[Publisher] = []
    placed: set[str] = set()
    while len(ordered) < len(by_step):
        ready = [
            p
            for step, p in by_step.items()
            if step not in placed and all(d in placed for d in needs[step])
        ]
        if not ready:
            raise ValueError(
                f"steps depend on each other in a cycle: {sorted(set(by_step) - placed)}"
            )
        ordered.extend(ready)
        placed.update(p.step for p in ready)
    return ordered


def needed_steps(
    publishers: Sequence[Publisher], off: Collection[str] = ()
) -> dict[str, tuple[str, ...]]:
    """Each step's dependencies less the steps turned off: what it waits for and is handed."""
    return {p.step: tuple(d for d in p.depends_on if d not in off) for p in publishers}


@dataclass(frozen=True)
class Applied:
    """What applying one event did."""

    booking_key: str
    #: the stored state after this event (the event's own, or a newer one already there)
    booking: Booking
    state_changed: bool
    ran: tuple[str, ...] = ()
    #: steps already in line with the state (nothing to do)
    current: tuple[str, ...] = ()
    #: due steps not run because another worker holds the booking's lease
    held: tuple[str, ...] = ()
    #: steps that failed, with the error (a permanent one decides the outcome)
    failed: Mapping[str, CharterhandError] = field(default_factory=dict)
    #: steps not run because a step they depend on did not complete
    blocked: tuple[str, ...] = ()
    #: the email was already applied to this booking (a duplicate delivery): nothing was done
    duplicate: bool = False

    @property
    def complete(self) -> bool:
        return not (self.held or self.failed or self.blocked)


class Orchestrator:
    """Runs the publishers for a booking's state, each at most once per input, under leases."""

    def __init__(
        self,
        store: StateStore,
        publishers: Sequence[Publisher],
        executor: Executor,
        *,
        owner: str,
        lease_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        on_step: "Callable[[StepRun], None] | None" = None,
        on_state: Callable[[Booking], None] | None = None,
        off: Collection[str] = (),
    ) -> None:
        """``on_step`` is called once per publisher run, from the step's thread (metrics);
        ``on_state`` once per new state written, with it (metrics: the values it lacks).
        ``off``: the steps the settings turn off (:func:`dependency_order`); a step's record
        left from when it was on is neither run nor handed to its dependents."""
        self.store = store
        self.publishers = dependency_order(publishers, off)
        self.needs = needed_steps(publishers, off)
        self.executor = executor
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.clock = clock
        self.wall_clock = wall_clock
        self.on_step = on_step
        self.on_state = on_state

    def apply(self, event: BookingEvent, *, run_id: str, email_id: str | None = None) -> Applied:
        """Reduce ``event`` into the state and bring every due step in line with the result.

        ``run_id`` makes the lease owner unique to this attempt (``<owner>/<run_id>``), so two
        threads of one process never mistake each other's leases for their own. ``email_id`` is
        remembered on the booking in the write that releases it, once all steps are in; the same
        email again is then a duplicate.
        """
        owner = f"{self.owner}/{run_id}"
        # first as a new booking: for one already stored, the refused write brings its item back
        record: BookingRecord | None = BookingRecord(event.key)
        for _attempt in range(STATE_ATTEMPTS):
            if record is None:
                record = self.store.load(event.key)
            if email_id is not None and email_id in record.emails and record.booking is not None:
                steps = tuple(self._steps)
                return Applied(event.key, record.booking, False, current=steps, duplicate=True)
            state = reduce(record.booking, event)
            changed = state != record.booking
            due = self._due(record, state)
            if not due and not changed:
                return Applied(event.key, state, state_changed=False, current=tuple(self._steps))
            if record.lease_owner and (record.lease_expires or 0) > self.wall_clock():
                return Applied(event.key, state, state_changed=False, held=tuple(due))
            try:
                fence = self._take_lease(record, state if changed else None, owner)
            except StateConflict as conflict:
                record = conflict.current
                continue
            except BookingBusy:
                return Applied(event.key, state, state_changed=False, held=tuple(due))
            run = self._progress(record, state, changed, due, fence, owner, email_id)
            self._start_ready(run)  # the first steps before the state hook: it is off their path
            if changed and self.on_state is not None:
                with suppress(Exception):  # a hook never costs a message
                    self.on_state(state)
            return self._run(run)
        raise TransientError(f"state of {event.key} kept changing under us", step="state")

    def _due(self, record: BookingRecord, state: Booking) -> dict[str, str]:
        """Each step whose input differs from what it last published, with its input's hash."""
        due = {}
        for publisher in self.publishers:
            digest = input_hash(_input_of(publisher, state))
            if record.step(publisher.step).published_hash != digest:
                due[publisher.step] = digest
        return due

    def _take_lease(self, record: BookingRecord, state: Booking | None, owner: str) -> int:
        """The booking's lease (and ``state`` written, when it changed) in one conditional write;
        its fence. ``StateConflict`` when the item moved on since ``record``, ``BookingBusy``
        when another worker holds the lease."""
        return self.store.acquire(
            record.key,
            state=state,
            expected_version=record.version,
            expected_fence=record.fence,
            owner=owner,
            lease_seconds=self.lease_seconds,
        )

    def _progress(
        self,
        record: BookingRecord,
        state: Booking,
        changed: bool,
        due: Mapping[str, str],
        fence: int,
        owner: str,
        email_id: str | None,
    ) -> "Progress":
        """A run about to start under the lease ``owner`` took (``fence``): the steps not due
        are done already, with their ids."""
        return Progress(
            record=record,
            state=state,
            changed=changed,
            due=due,
            fence=fence,
            owner=owner,
            email_id=email_id,
            ids={step: rec.external_ids for step, rec in record.steps.items() if step not in due},
            done=set(self._steps) - set(due),
            waiting=[p for p in self.publishers if p.step in due],
            last_renewal=self.clock(),
        )

    def _run(self, run: "Progress") -> Applied:
        """Run the due steps, each dependent as soon as its dependencies are back; record the
        results together in the write that gives the lease back (with the email, when every
        step is in), or earlier in the write that renews the lease on a long run."""
        while True:
            self._start_ready(run)
            if not run.running:
                break
            finished = _finished(run, timeout=self.lease_seconds / 3)
            results, published = self._results(run, finished)
            run.unrecorded.update(results)
            run.unpublished.update(published)
            for step, ids in published.items():  # its dependents may start now
                run.ids[step] = ids
                run.done.add(step)
            if not run.running and not self._any_ready(run):
                self._record(run, last=True)
            elif run.running and self._renewal_due(run):
                self._record(run, last=False)
        return self._outcome(run)

    def _any_ready(self, run: "Progress") -> bool:
        """Whether any waiting step has everything it depends on done (so it runs next)."""
        return any(all(d in run.done for d in self.needs[p.step]) for p in run.waiting)

    def _start_ready(self, run: "Progress") -> None:
        """Block the waiting steps a failed or blocked step feeds; start those whose
        dependencies are all done."""
        for publisher in list(run.waiting):
            deps = self.needs[publisher.step]
            if any(d in run.failed or d in run.blocked for d in deps):
                run.waiting.remove(publisher)
                run.blocked.append(publisher.step)
            elif all(d in run.done for d in deps):
                run.waiting.remove(publisher)
                ctx = self._context(run, publisher)
                future = self.executor.submit(self._publish, publisher, ctx)
                run.running[future] = publisher
                future.add_done_callback(run.finished.put)

    def _context(self, run: "Progress", publisher: Publisher) -> StepContext:
        """What one step is published with: the state, its last result, its upstream ids."""
        step = run.record.step(publisher.step)
        return StepContext(
            booking=run.state,
            previous=step.published,
            external_ids=step.external_ids,
            idempotency_key=keys.step_idempotency_key(
                run.record.key, publisher.step, run.due[publisher.step]
            ),
            upstream={d: run.ids.get(d, {}) for d in self.needs[publisher.step]},
            records=run.records,
        )

    def _results(
        self, run: "Progress", finished: set[Future[Mapping[str, str]]]
    ) -> tuple[dict[str, StepRecord], dict[str, Mapping[str, str]]]:
        """The finished steps' records to write, and the ids of those that published (a failed
        step's error goes to ``run.failed``)."""
        results: dict[str, StepRecord] = {}
        published: dict[str, Mapping[str, str]] = {}
        for future in finished:
            step = run.running.pop(future).step
            try:
                published[step] = dict(future.result())
            except CharterhandError as exc:
                run.failed[step] = exc if exc.step else _with_step(exc, step)
            except Exception as exc:  # a publisher bug: retry, then dead-letter with reason
                error = UnexpectedError(f"unexpected {type(exc).__name__}: {exc}", exc, step=step)
                error.__cause__ = exc
                run.failed[step] = error
            previous = run.record.step(step)
            if step in published:
                results[step] = previous.published_as(run.due[step], run.state, published[step])
            else:
                results[step] = previous.failed_on(run.due[step], run.failed[step].reason)
        return results, published

    def _record(self, run: "Progress", *, last: bool) -> None:
        """One write for the results not yet recorded, fenced by the lease: the last gives the
        lease back (with the email, when nothing failed), an earlier one renews it. A write that
        fails counts its published steps as failed (their dependents not yet started stay
        blocked)."""
        results, published = dict(run.unrecorded), dict(run.unpublished)
        run.unrecorded.clear()
        run.unpublished.clear()
        if last and not results:
            return  # nothing to write: _outcome gives the lease back (and writes the records)
        # the run's delivery records beside its last write, on a step thread (all are done)
        records = self.executor.submit(self._write_records, run) if last else None
        try:
            self.store.record(
                run.record.key,
                results,
                fence=run.fence,
                release=last,
                email_id=run.email_id if last and not run.failed else None,
                renew_seconds=None if last else self.lease_seconds,
            )
            run.released = last
        except CharterhandError as exc:  # not recorded: as if these steps had failed
            for step in published:
                run.failed[step] = _with_step(copy.copy(exc), step)
                run.done.discard(step)
            return
        finally:
            if records is not None:
                records.result()  # never raises: _write_records logs its failure
        run.ran.extend(published)

    def _write_records(self, run: "Progress") -> None:
        """Write the delivery records the run's email steps held, in one request. A failure
        costs the message nothing: the emails went, and their sending marks stay, for the next
        attempt to settle from SES's events; it is logged (the booking and how many, no
        addresses)."""
        held = len(run.records)
        if not held:
            return
        try:
            run.records.write()
        except Exception as exc:
            reason = exc.reason if isinstance(exc, CharterhandError) else type(exc).__name__
            log.warning(
                "delivery records not written: their sending marks settle from SES's events",
                booking=run.record.key,
                records=held,
                error=reason,
            )

    def _renewal_due(self, run: "Progress") -> bool:
        """Whether a third of the lease has gone by since it was last renewed (or taken)."""
        if self.clock() - run.last_renewal < self.lease_seconds / 3:
            return False
        run.last_renewal = self.clock()
        return True

    def _outcome(self, run: "Progress") -> Applied:
        """Give the lease back if no recorded round did (with the email only when every step is
        in), and say what the run did."""
        self._write_records(run)  # none left unless no last write was needed (nothing to record)
        if not run.released:
            done_email = run.email_id if not (run.failed or run.blocked) else None
            self.store.release(run.record.key, owner=run.owner, email_id=done_email)
        return Applied(
            booking_key=run.record.key,
            booking=run.state,
            state_changed=run.changed,
            ran=tuple(run.ran),
            current=tuple(sorted(set(self._steps) - set(run.due))),
            failed=run.failed,
            blocked=tuple(run.blocked),
        )

    def _publish(self, publisher: Publisher, ctx: StepContext) -> Mapping[str, str]:
        """``publisher.publish(ctx)``, timed for ``on_step`` (which never changes the result)."""
        started = time.perf_counter()
        failed = True
        try:
            result = publisher.publish(ctx)
            failed = False
            return result
        except Waiting:  # not a failure: it waits for a lease or SES's report (no alarm)
            failed = False
            raise
        finally:
            if self.on_step is not None:
                with suppress(Exception):
                    elapsed = time.perf_counter() - started
                    self.on_step(StepRun(publisher.step, elapsed, failed, ctx.booking.key))

    @property
    def _steps(self) -> list[str]:
        return [p.step for p in self.publishers]


@dataclass(frozen=True)
class StepRun:
    """One publisher run, as the step hook sees it."""

    step: str
    seconds: float
    #: the publisher raised (recording the result is the state table's part, not the step's)
    failed: bool
    #: whose step it was: for logs and benchmarks, never a metric dimension
    booking_key: str = ""


def _finished(run: "Progress", *, timeout: float) -> set[Future[Mapping[str, str]]]:
    """The running steps that finished: at least one, unless ``timeout`` passes first.

    As ``concurrent.futures.wait(..., FIRST_COMPLETED)``, without its per-call waiter and
    locking of every running future (a booking waits several times)."""
    try:
        finished = {run.finished.get(timeout=timeout)}
    except Empty:
        return set()
    while True:
        try:
            finished.add(run.finished.get_nowait())
        except Empty:
            return finished


@dataclass
class Progress:
    """One run of a booking's due steps under its lease: what it started from, how far it got."""

    record: BookingRecord
    #: the state the steps are brought in line with
    state: Booking
    #: whether this apply wrote a new state
    changed: bool
    #: the due steps, each with its input's hash
    due: Mapping[str, str]
    #: the lease's fence: step results are written only while it is still the booking's
    fence: int
    #: who holds the lease (``<owner>/<run_id>``), as the state table's lease knows it
    owner: str
    #: the email this apply applies, remembered on the booking once every step is in
    email_id: str | None
    #: each published step's external ids, for the steps that depend on it
    ids: dict[str, Mapping[str, str]]
    #: steps published (or already current): their dependents may start
    done: set[str]
    #: due steps not started yet, in dependency order
    waiting: list[Publisher]
    #: the clock's reading when the lease was last renewed (or taken)
    last_renewal: float
    running: dict[Future[Mapping[str, str]], Publisher] = field(default_factory=dict)
    #: the running steps' futures as each finishes (put by the future's done callback)
    finished: "SimpleQueue[Future[Mapping[str, str]]]" = field(default_factory=SimpleQueue)
    ran: list[str] = field(default_factory=list)
    failed: dict[str, CharterhandError] = field(default_factory=dict)
    blocked: list[str] = field(default_factory=list)
    #: a recorded round already gave the lease back
    released: bool = False
    #: results back but not yet written, and the ids of those that published
    unrecorded: dict[str, StepRecord] = field(default_factory=dict)
    unpublished: dict[str, Mapping[str, str]] = field(default_factory=dict)
    #: the email steps' sends not yet recorded, written together at the run's end
    records: SentRecords = field(default_factory=SentRecords)


def _input_of(publisher: Publisher, state: Booking) -> Mapping[str, Any]:
    """The step's input; an error it raises (a boat the fleet lacks) names the step."""
    try:
        return publisher.input_of(state)
    except CharterhandError as exc:
        if not exc.step:
            _with_step(exc, publisher.step)
        raise


def _with_step(exc: CharterhandError, step: str) -> CharterhandError:
    exc.step = step
    return exc

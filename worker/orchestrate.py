"""From a booking event to every downstream system in line with the booking's newest state.

``apply(event)``: reduce the event into the stored state, work out which steps are due (their
input hash differs from what they last published), take the booking's lease and write the state
in one conditional write, then run the due steps in dependency order, independent ones in
parallel, recording each result as soon as it is back. Whatever email drives it, a booking's
steps always move towards its *stored* state, so any order of delivery converges.
"""

import copy
import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from bookings import Booking, BookingEvent, CharterhandError, TransientError, Waiting, reduce
from publishers.base import Publisher, StepContext
from state.store import BookingBusy, BookingRecord, StateConflict, StateStore, StepRecord

#: how many times a state write is retried when other workers keep changing the booking
STATE_ATTEMPTS = 8


def input_hash(value: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a step's input: what decides whether the step re-runs."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def dependency_order(publishers: Sequence[Publisher]) -> list[Publisher]:
    """Publishers sorted so every step comes after the steps it depends on.

    Raises ``ValueError`` at start-up for an unknown dependency, a duplicate step or a cycle.
    """
    by_step: dict[str, Publisher] = {}
    for publisher in publishers:
        if publisher.step in by_step:
            raise ValueError(f"two publishers for step {publisher.step!r}")
        by_step[publisher.step] = publisher
    for publisher in publishers:
        for dep in publisher.depends_on:
            if dep not in by_step:
                raise ValueError(f"step {publisher.step!r} depends on unknown step {dep!r}")
    ordered: list[Publisher] = []
    placed: set[str] = set()
    while len(ordered) < len(by_step):
        ready = [
            p
            for step, p in by_step.items()
            if step not in placed and all(d in placed for d in p.depends_on)
        ]
        if not ready:
            raise ValueError(
                f"steps depend on each other in a cycle: {sorted(set(by_step) - placed)}"
            )
        ordered.extend(ready)
        placed.update(p.step for p in ready)
    return ordered


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
    ) -> None:
        """``on_step`` is called once per publisher run, from the step's thread (metrics)."""
        self.store = store
        self.publishers = dependency_order(publishers)
        self.executor = executor
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.clock = clock
        self.wall_clock = wall_clock
        self.on_step = on_step

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
                fence = self.store.acquire(
                    event.key,
                    state=state if changed else None,
                    expected_version=record.version,
                    expected_fence=record.fence,
                    owner=owner,
                    lease_seconds=self.lease_seconds,
                )
            except StateConflict as conflict:
                record = conflict.current
                continue
            except BookingBusy:
                return Applied(event.key, state, state_changed=False, held=tuple(due))
            return self._run(record, state, changed, due, Lease(fence, owner, email_id))
        raise TransientError(f"state of {event.key} kept changing under us", step="state")

    def _due(self, record: BookingRecord, state: Booking) -> dict[str, str]:
        due = {}
        for publisher in self.publishers:
            digest = input_hash(publisher.input_of(state))
            if record.step(publisher.step).published_hash != digest:
                due[publisher.step] = digest
        return due

    def _run(
        self,
        record: BookingRecord,
        state: Booking,
        changed: bool,
        due: Mapping[str, str],
        lease: "Lease",
    ) -> Applied:
        """Run the due steps; record what each round brings back in one write, the last one
        giving the lease back (with the email, when every step is in)."""
        key = record.key
        ids: dict[str, Mapping[str, str]] = {
            step: rec.external_ids for step, rec in record.steps.items() if step not in due
        }
        done: set[str] = set(self._steps) - set(due)
        ran: list[str] = []
        failed: dict[str, CharterhandError] = {}
        blocked: list[str] = []
        waiting = [p for p in self.publishers if p.step in due]
        running: dict[Future[Mapping[str, str]], Publisher] = {}
        released = False
        last_renewal = self.clock()
        while True:
            for publisher in list(waiting):
                deps = publisher.depends_on
                if any(d in failed or d in blocked for d in deps):
                    waiting.remove(publisher)
                    blocked.append(publisher.step)
                elif all(d in done for d in deps):
                    waiting.remove(publisher)
                    ctx = StepContext(
                        booking=state,
                        previous=record.step(publisher.step).published,
                        external_ids=record.step(publisher.step).external_ids,
                        idempotency_key=f"{key}:{publisher.step}:{due[publisher.step]}",
                        upstream={d: ids.get(d, {}) for d in deps},
                    )
                    running[self.executor.submit(self._publish, publisher, ctx)] = publisher
            if not running:
                break
            finished, _ = wait(running, timeout=self.lease_seconds / 3, return_when=FIRST_COMPLETED)
            results: dict[str, StepRecord] = {}
            published: dict[str, Mapping[str, str]] = {}
            for future in finished:
                step = running.pop(future).step
                try:
                    published[step] = dict(future.result())
                except CharterhandError as exc:
                    failed[step] = exc if exc.step else _with_step(exc, step)
                except Exception as exc:  # a publisher bug: retry, then dead-letter with reason
                    error = TransientError(f"unexpected {type(exc).__name__}: {exc}", step=step)
                    error.__cause__ = exc
                    failed[step] = error
                if step in published:
                    results[step] = record.step(step).published_as(
                        due[step], state, published[step]
                    )
                else:
                    results[step] = record.step(step).failed_on(due[step], failed[step].reason)
            if results:
                last = not running and not _any_ready(waiting, done | set(published))
                try:
                    self.store.record(
                        key,
                        results,
                        fence=lease.fence,
                        release=last,
                        email_id=lease.email_id if last and not failed else None,
                    )
                    released = last
                except CharterhandError as exc:  # not recorded: as if these steps had failed
                    for step in published:
                        failed[step] = _with_step(copy.copy(exc), step)
                    published = {}
                for step, result in published.items():
                    ids[step] = result
                    done.add(step)
                    ran.append(step)
            if running and self.clock() - last_renewal >= self.lease_seconds / 3:
                last_renewal = self.clock()
                self._renew(key, lease.owner)
        if not released:
            done_email = lease.email_id if not (failed or blocked) else None
            self.store.release(key, owner=lease.owner, email_id=done_email)
        return Applied(
            booking_key=key,
            booking=state,
            state_changed=changed,
            ran=tuple(ran),
            current=tuple(sorted(set(self._steps) - set(due))),
            failed=failed,
            blocked=tuple(blocked),
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

    def _renew(self, key: str, owner: str) -> None:
        # best effort: if the lease is gone, recording the next result says LeaseLost
        with suppress(CharterhandError):
            self.store.renew(key, owner=owner, lease_seconds=self.lease_seconds)


@dataclass(frozen=True)
class StepRun:
    """One publisher run, as the step hook sees it."""

    step: str
    seconds: float
    #: the publisher raised (recording the result is the state table's part, not the step's)
    failed: bool
    #: whose step it was: for logs and benchmarks, never a metric dimension
    booking_key: str = ""


@dataclass(frozen=True)
class Lease:
    """The lease one ``apply`` works under, and the email it applies."""

    fence: int
    owner: str
    email_id: str | None


def _any_ready(waiting: Sequence[Publisher], done: set[str]) -> bool:
    """Whether any waiting step has everything it depends on done (so it runs next)."""
    return any(all(d in done for d in p.depends_on) for p in waiting)


def _with_step(exc: CharterhandError, step: str) -> CharterhandError:
    exc.step = step
    return exc

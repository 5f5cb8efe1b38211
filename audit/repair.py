"""The repair path: publish a step's *unchanged* input again, once, after its record was lost.

The worker publishes a step only when its input changed (``worker.orchestrate``), so a record
deleted or edited by hand would stay so. The repair is that path's explicit exception: under the
booking's own lease (taken over the version and fence the audit read, so it can never race a
worker, nor repair a state that moved on since it was read), the step's publisher is called with
the booking the step published, its stored ids, and an idempotency key of the incident's own
(:func:`state.keys.repair_idempotency_key`): a repeat of the same repair creates nothing twice,
and it is never mistaken for a replay of the first publish. The ids the system gave back and a
note of the repair go to the step's record in the write that gives the lease back; the input
hash stays, so the worker's own rule is untouched.
"""

import uuid
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from bookings import CharterhandError
from bookings.errors import UnexpectedError
from publishers.base import Publisher, StepContext
from state import keys
from state.store import BookingRecord, StateStore, StepRecord


@dataclass(frozen=True)
class Fix:
    """One step of a booking to publish again, and the incident it answers."""

    publisher: Publisher
    incident: str


class Repairer:
    """Publishes steps again under the booking's lease and records that it did."""

    def __init__(
        self,
        store: StateStore,
        *,
        clock: Callable[[], datetime],
        lease_seconds: float = 90,
        owner: str = "audit",
    ) -> None:
        self.store = store
        self.clock = clock
        self.lease_seconds = lease_seconds
        self.owner = owner

    def repair(self, record: BookingRecord, fixes: Sequence[Fix]) -> dict[str, CharterhandError]:
        """Publish each fix's step again; the steps that failed, with their errors (the rest
        are repaired and recorded). Raises ``BookingBusy`` / ``StateConflict`` (transient) when
        a worker holds the booking or its state moved since ``record`` was read: nothing is done,
        the next run reads it again."""
        owner = f"{self.owner}/{uuid.uuid4().hex[:12]}"
        fence = self.store.acquire(
            record.key,
            state=None,
            expected_version=record.version,
            expected_fence=record.fence,
            owner=owner,
            lease_seconds=self.lease_seconds,
        )
        results: dict[str, StepRecord] = {}
        failed: dict[str, CharterhandError] = {}
        try:
            for fix in fixes:
                step = record.step(fix.publisher.step)
                try:
                    ids = fix.publisher.publish(self._context(record, step, fix))
                except CharterhandError as exc:
                    failed[step.step] = exc
                    continue
                except Exception as exc:  # a publisher bug: said, never swallowed
                    failed[step.step] = UnexpectedError(
                        f"unexpected {type(exc).__name__}: {exc}", exc, step=step.step
                    )
                    continue
                note = f"{self.clock().isoformat()} {fix.incident}"
                results[step.step] = step.repaired_as(ids, note)
        finally:
            if results:
                self.store.record(record.key, results, fence=fence, release=True)
            else:
                with suppress(CharterhandError):  # an expired lease is given back anyway
                    self.store.release(record.key, owner=owner)
        return failed

    @staticmethod
    def _context(record: BookingRecord, step: StepRecord, fix: Fix) -> StepContext:
        # the audit repairs only a live booking's step that published its current input
        assert record.booking is not None
        assert step.published_hash is not None
        return StepContext(
            booking=record.booking,
            previous=step.published,
            external_ids=step.external_ids,
            idempotency_key=keys.repair_idempotency_key(
                record.key, step.step, fix.incident, step.published_hash
            ),
        )

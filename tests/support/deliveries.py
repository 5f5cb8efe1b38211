"""A ``DeliveryLog`` in this process's memory: the test double of ``state.deliveries``.

tests/integration/test_delivery_log.py runs the same contract against it and the DynamoDB log.
``report(key, message_id)`` stands in for SES's events reaching the state table.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from state.deliveries import DEFAULT_REPORT_WAIT_SECONDS
from state.keys import SendKey
from state.once import OnceRecord, Status


class MemoryDeliveryLog:
    """Once-records by lane and message, as the state table keeps them."""

    def __init__(
        self,
        *,
        report_wait_seconds: float = DEFAULT_REPORT_WAIT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.report_wait_seconds = report_wait_seconds
        self._clock = clock
        self._lanes: dict[str, dict[str, OnceRecord]] = {}
        self._reports: dict[str, str] = {}
        self._lock = threading.Lock()

    def lane(self, lane: str) -> list[OnceRecord]:
        with self._lock:
            now = self._clock()
            return [self._aged(r, now) for _, r in sorted(self._lanes.get(lane, {}).items())]

    def mark(self, key: SendKey, *, payload_hash: str, payload: str) -> OnceRecord | None:
        with self._lock:
            found = self._lanes.get(key.lane, {}).get(key.what)
            if found is not None:
                return self._aged(found, self._clock())
            self._put(key, self._marked(key, payload_hash, payload))
            return None

    def remark(self, key: SendKey, found: OnceRecord, *, payload_hash: str, payload: str) -> bool:
        with self._lock:
            now = self._lanes.get(key.lane, {}).get(key.what)
            if now is None or now.completed or now.started_at != found.started_at:
                return False
            self._put(key, self._marked(key, payload_hash, payload))
            return True

    def record(
        self,
        key: SendKey,
        message_id: str,
        *,
        payload_hash: str | None = None,
        payload: str | None = None,
    ) -> None:
        with self._lock:
            found = self._lanes.get(key.lane, {}).get(key.what)
            now = self._clock()
            self._put(
                key,
                OnceRecord(
                    what=key.what,
                    status=Status.COMPLETED,
                    started_at=found.started_at if found else now,
                    age=0.0,
                    expired=True,
                    result=message_id,
                    payload_hash=payload_hash or (found.payload_hash if found else None),
                    payload=payload or (found.payload if found else None),
                ),
            )

    def unmark(self, key: SendKey) -> None:
        with self._lock:
            lane = self._lanes.get(key.lane, {})
            found = lane.get(key.what)
            if found is not None and not found.completed:
                del lane[key.what]

    def reported(self, key: SendKey) -> str | None:
        with self._lock:
            return self._reports.get(key.tag)

    def report(self, key: SendKey, message_id: str) -> None:
        """SES's event about the send tagged for ``key`` (a test's stand-in for SES)."""
        with self._lock:
            self._reports[key.tag] = message_id

    # --- internals -----------------------------------------------------------------------------

    def _marked(self, key: SendKey, payload_hash: str, payload: str) -> OnceRecord:
        return OnceRecord(
            what=key.what,
            status=Status.IN_PROGRESS,
            started_at=self._clock(),
            age=0.0,
            expired=False,
            payload_hash=payload_hash,
            payload=payload,
        )

    def _put(self, key: SendKey, record: OnceRecord) -> None:
        self._lanes.setdefault(key.lane, {})[key.what] = record

    def _aged(self, record: OnceRecord, now: float) -> OnceRecord:
        age = max(0.0, now - record.started_at)
        return replace(record, age=age, expired=age >= self.report_wait_seconds)

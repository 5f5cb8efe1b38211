"""The DLQ limit's shared record in memory: a stand-in for :class:`state.intake.IntakeRecords`
for the loop's tests on the in-memory queue (the same contract runs against moto's DynamoDB in
tests/integration/test_intake_records.py). Several workers given one share it, as tasks share
the table."""

import threading
from dataclasses import replace

from state.intake import IntakeRecord


class MemoryIntakeRecords:
    """One record, written only over the version it was computed from."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._record = IntakeRecord()
        #: requests made, by kind: what a run costs in DynamoDB requests
        self.requests = {"load": 0, "write": 0, "end_streak": 0, "resume": 0}

    def load(self) -> IntakeRecord:
        with self._lock:
            self.requests["load"] += 1
            return self._record

    def write(self, record: IntakeRecord, *, over: int) -> tuple[bool, IntakeRecord]:
        with self._lock:
            self.requests["write"] += 1
            if self._record.version != over:
                return False, self._record
            self._record = record
            return True, record

    def end_streak(self) -> IntakeRecord:
        with self._lock:
            self.requests["end_streak"] += 1
            if self._record.streak_class is not None:
                self._record = self._record.next(streak_class=None, streak_times=())
            return self._record

    def resume(self, now: float = 0.0) -> tuple[IntakeRecord, IntakeRecord]:
        with self._lock:
            self.requests["resume"] += 1
            before = self._record
            self._record = replace(IntakeRecord(), version=before.version + 1, resumed_at=now)
            return before, self._record

"""Recording publishers: real Publisher classes that append every call to a JSON-lines file.

A file, so that worker subprocesses and the test can all see the same record. Each call writes
``started`` before doing anything and ``completed`` (or ``failed``) after, so a crash mid-step is
visible as a ``started`` without its ``completed``. Faults are scripted per step: the first N
calls raise, or sleep (to be killed in the middle).
"""

import json
import os
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from bookings import Booking, PermanentError, TransientError, Waiting
from publishers.base import StepContext


@dataclass
class Fault:
    """What the first ``times`` calls of a step do: raise (transient, permanent) or sleep."""

    kind: str  # "transient" | "permanent" | "waiting" | "sleep"
    times: int = 1
    seconds: float = 0.0


@dataclass
class Recorder:
    path: Path
    faults: Mapping[str, Fault] = field(default_factory=dict)
    delay: float = 0.0
    _calls: Counter[str] = field(default_factory=Counter)

    def write(self, **entry: Any) -> None:
        line = (json.dumps({**entry, "pid": os.getpid()}, default=str) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)  # one small O_APPEND write: whole lines even across processes
        finally:
            os.close(fd)

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines()]

    def completed(self, step: str | None = None) -> list[dict[str, Any]]:
        return [
            e for e in self.entries() if e["event"] == "completed" and step in (None, e["step"])
        ]

    def fault_for(self, step: str) -> Fault | None:
        self._calls[step] += 1
        fault = self.faults.get(step)
        return fault if fault is not None and self._calls[step] <= fault.times else None

    @classmethod
    def from_env(cls) -> "Recorder":
        """For worker subprocesses: ``CHARTERHAND_TEST_RECORD`` and ``CHARTERHAND_TEST_FAULTS``."""
        faults = json.loads(os.environ.get("CHARTERHAND_TEST_FAULTS", "{}"))
        return cls(
            path=Path(os.environ["CHARTERHAND_TEST_RECORD"]),
            faults={step: Fault(**spec) for step, spec in faults.items()},
            delay=float(os.environ.get("CHARTERHAND_TEST_DELAY", "0")),
        )


class RecordingPublisher:
    """Publishes nothing anywhere; records the call, returns made-up external ids."""

    step: ClassVar[str]
    depends_on: ClassVar[tuple[str, ...]] = ()
    fields: ClassVar[tuple[str, ...]] = ("status", "boat", "renter_name", "start", "end")

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def input_of(self, booking: Booking) -> Mapping[str, Any]:
        return booking.model_dump(mode="json", include=set(self.fields))

    def publish(self, ctx: StepContext) -> Mapping[str, str]:
        entry = {
            "step": self.step,
            "booking": ctx.booking.key,
            "idempotency_key": ctx.idempotency_key,
            "input": dict(self.input_of(ctx.booking)),
            "had_ids": dict(ctx.external_ids),
            "upstream": {k: dict(v) for k, v in ctx.upstream.items()},
        }
        self.recorder.write(event="started", **entry)
        fault = self.recorder.fault_for(self.step)
        if fault is not None and fault.kind == "sleep":
            time.sleep(fault.seconds)
        elif fault is not None:
            errors = {"transient": TransientError, "waiting": Waiting}
            error = errors.get(fault.kind, PermanentError)
            self.recorder.write(event="failed", **entry)
            raise error(f"{self.step} sandbox said no ({fault.kind})")
        if self.recorder.delay:
            time.sleep(self.recorder.delay)
        self.recorder.write(event="completed", **entry)
        return {"id": f"{self.step}-{ctx.booking.booking_id}"}


class RecordingCalendar(RecordingPublisher):
    step = "calendar"


class RecordingScc(RecordingPublisher):
    step = "scc"


class RecordingGuestPage(RecordingPublisher):
    step = "guest_page"
    fields = ("status", "boat", "start", "end", "meeting_point", "renter_name")


class RecordingCrewPage(RecordingPublisher):
    step = "crew_page"
    fields = ("status", "boat", "start", "end", "party_size", "notes", "renter_name")


class RecordingCrewEmail(RecordingPublisher):
    step = "crew_email"
    depends_on = ("crew_page",)
    fields = ("status", "boat", "start", "end")


class RecordingSummary(RecordingPublisher):
    step = "summary"
    depends_on = ("calendar", "scc", "guest_page", "crew_page")
    fields = ("status", "boat", "start", "end", "gross", "renter_name", "party_size")


def recording_publishers(recorder: Recorder) -> list[RecordingPublisher]:
    """One recording publisher per step of docs/contracts.md, with the same dependencies."""
    classes: list[type[RecordingPublisher]] = [
        RecordingCalendar,
        RecordingScc,
        RecordingGuestPage,
        RecordingCrewPage,
        RecordingCrewEmail,
        RecordingSummary,
    ]
    return [cls(recorder) for cls in classes]

"""The worker's CloudWatch metrics: what it emits (the lists the dashboard and the alarms are
checked against), and the emitter the loop's hooks and the orchestrator's step hook call.

| metric           | unit         | dimension sets                | a value per             |
| ---------------- | ------------ | ----------------------------- | ----------------------- |
| Emails           | Count        | Outcome; Outcome, ReasonClass | settled message (1)     |
| EnqueueToSettled | Milliseconds | Outcome                       | settled message         |
| StepLatency      | Milliseconds | Step                          | publisher step run      |
| StepFailures     | Count        | Step                          | step run (1 failed, 0 not) |
| IntakeStopped    | Count        | (none); ReasonClass           | minute the DLQ limit holds (1) |
| MissingValues    | Count        | Field                         | state written, per field (0/1) |
| AuditFindings    | Count        | Kind                          | audit run, per kind (count)    |

``EnqueueToSettled`` runs from SQS's SentTimestamp (SNS delivered the notification) to the
message's settling; its ``Outcome=done`` series is the enqueue-to-done latency. ``StepFailures`` is
0 or 1 per run, so its Average is the step's failure rate, its Sum the
failures and its SampleCount the runs: the alarm needs no metric math. ``Emails`` counts settled
messages (an SES notification carries one email; an S3 event with several counts once, with the
most urgent outcome). Dimension values are fixed names (outcomes, reason classes, step names),
never free text: no renter data reaches a metric, and the number of metrics stays small. The
reason classes are :class:`worker.outcomes.ReasonClass` (the DLQ limit counts by the same ones).

``MissingValues`` is 0 or 1 for each field a platform's emails normally carry
(:data:`bookings.carried.EXPECTED_FIELDS`: gross, party size) whenever a booking's new state is
written: 1 when no email of a live booking gave it (published without it). Its Sum is how many
states went out without the field, its Average their share. A line with a 1 carries the
label-like words the booking's emails used that no field is known by (``Labels``, a member, not
a dimension: label words only, never a value), for the operator to teach under ``[parsing]``.

``AuditFindings`` is, per audit run (the hourly task) and per kind of finding the platform check
makes (:class:`audit.findings.FindingKind`: missed-booking, gone-from-platform, feed-unreadable),
how many are open: 0 when none, so its alarm (audit.tf, on ``Kind=missed-booking``) clears once
the missed booking's email is read.

``IntakeStopped`` is 1 whenever the shared DLQ limit (:class:`worker.intake.SharedDlqLimit`)
holds a worker's intake stopped: once when it sees the stop, then once a minute until
``charterhand intake resume`` clears it, so the alarm on it (monitoring.tf,
``worker_intake_stopped``, on the series without dimensions) stays in ALARM until then. It is
written without dimensions (the alarm's series) and by ``ReasonClass`` (the dashboard's chart
names the class); the line also carries the count and when intake stopped (members).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from app.emf import Directive, emf_line
from bookings import Booking, missing_fields
from bookings.carried import EXPECTED_FIELDS
from worker.outcomes import Outcome
from worker.policy import IntakeStop
from worker.queue import Received

if TYPE_CHECKING:
    from collections.abc import Sequence

    from audit.findings import Finding
    from worker.orchestrate import StepRun

log = structlog.get_logger("charterhand.worker")

DEFAULT_NAMESPACE = "Charterhand"


@dataclass(frozen=True)
class Metric:
    """One metric the worker emits: the dashboard may name it with exactly these dimensions."""

    name: str
    unit: str
    dimension_sets: tuple[tuple[str, ...], ...]


EMAILS = Metric("Emails", "Count", (("Outcome",), ("Outcome", "ReasonClass")))
ENQUEUE_TO_SETTLED = Metric("EnqueueToSettled", "Milliseconds", (("Outcome",),))
STEP_LATENCY = Metric("StepLatency", "Milliseconds", (("Step",),))
STEP_FAILURES = Metric("StepFailures", "Count", (("Step",),))
MISSING_VALUES = Metric("MissingValues", "Count", (("Field",),))
AUDIT_FINDINGS = Metric("AuditFindings", "Count", (("Kind",),))
#: the kinds an audit run always writes a value for (0 when none): the platform check's
AUDIT_KINDS = ("missed-booking", "gone-from-platform", "feed-unreadable")

INTAKE_STOPPED = Metric("IntakeStopped", "Count", ((), ("ReasonClass",)))

#: every metric the worker charts; infra/terraform/monitoring.tf's dashboard is tested against it
METRICS = (
    EMAILS,
    ENQUEUE_TO_SETTLED,
    STEP_LATENCY,
    STEP_FAILURES,
    MISSING_VALUES,
    AUDIT_FINDINGS,
)
#: metrics an alarm watches (monitoring.tf's alarms, and its ``alarmed_charts`` that chart them
#: beside the alarm's threshold, are tested against it)
ALARMED = (INTAKE_STOPPED,)


def stdout_lines() -> Callable[[str], None]:
    """Writes a line to the log stream ``aws.logs.configure_logging`` set up, under the same
    lock as the log lines (structlog's per-file lock): lines never interleave, and no level
    filter can drop a metric."""
    logger = structlog.get_config()["logger_factory"]()
    write: Callable[[str], None] = logger.msg
    return write


class Metrics:
    """Writes the worker's metrics as EMF lines. Safe to call from several threads at once."""

    def __init__(
        self,
        namespace: str = DEFAULT_NAMESPACE,
        write: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.namespace = namespace
        self._write = write or stdout_lines()
        self.clock = clock

    def outcome(self, message: Received, outcome: Outcome) -> None:
        """The loop's outcome hook: one line per settled message."""
        now = self.clock()
        members: dict[str, str | float | int] = {
            "event": "metrics",
            "Outcome": outcome.ending.value,
            "ReasonClass": outcome.reason_class.value,
            EMAILS.name: 1,
        }
        directives = [_directive(EMAILS)]
        if message.sent_at is not None:
            members[ENQUEUE_TO_SETTLED.name] = round(max(0.0, now - message.sent_at) * 1000, 1)
            directives.append(_directive(ENQUEUE_TO_SETTLED))
        self._emit(now, directives, members)

    def intake_stopped(self, stop: IntakeStop) -> None:
        """The loop's intake-stopped hook: 1 on ``IntakeStopped`` (the alarm's metric)."""
        members: dict[str, str | float | int] = {
            "event": "metrics",
            "ReasonClass": stop.reason_class.value,
            "DeadLetters": stop.count,
            "StoppedAt": round(stop.stopped_at, 3),
            INTAKE_STOPPED.name: 1,
        }
        self._emit(self.clock(), [_directive(INTAKE_STOPPED)], members)

    def step(self, run: "StepRun") -> None:
        """The orchestrator's step hook: one line per publisher step run."""
        members: dict[str, str | float | int] = {
            "event": "metrics",
            "Step": run.step,
            STEP_LATENCY.name: round(run.seconds * 1000, 1),
            STEP_FAILURES.name: 1 if run.failed else 0,
        }
        self._emit(self.clock(), [_directive(STEP_LATENCY, STEP_FAILURES)], members)

    def booking_state(self, booking: Booking) -> None:
        """The orchestrator's state hook: per expected field, 1 when the new state lacks it."""
        now = self.clock()
        missing = missing_fields(booking)
        for name in EXPECTED_FIELDS:
            members: dict[str, str | float | int] = {
                "event": "metrics",
                "Field": name,
                MISSING_VALUES.name: 1 if name in missing else 0,
            }
            if name in missing and booking.unread_labels:
                members["Labels"] = ", ".join(booking.unread_labels)
            self._emit(now, [_directive(MISSING_VALUES)], members)

    def audit_findings(self, findings: "Sequence[Finding]") -> None:
        """The audit task's hook: per kind, how many findings this run found (0 for the
        platform check's kinds when none, so the missed-booking alarm clears)."""
        now = self.clock()
        counts = dict.fromkeys(AUDIT_KINDS, 0)
        for finding in findings:
            counts[finding.kind.value] = counts.get(finding.kind.value, 0) + 1
        for kind, count in counts.items():
            members: dict[str, str | float | int] = {
                "event": "metrics",
                "Kind": kind,
                AUDIT_FINDINGS.name: count,
            }
            self._emit(now, [_directive(AUDIT_FINDINGS)], members)

    def _emit(
        self, now: float, directives: list[Directive], members: dict[str, str | float | int]
    ) -> None:
        try:
            self._write(emf_line(self.namespace, int(now * 1000), directives, members))
        except Exception as exc:  # a metric never costs a message
            log.warning("could not write metrics", error=f"{type(exc).__name__}: {exc}")


def _directive(*metrics: Metric) -> Directive:
    """One directive for metrics that share their dimension sets."""
    sets = {m.dimension_sets for m in metrics}
    if len(sets) != 1:
        raise ValueError("metrics in one directive must share their dimension sets")
    units = {m.name: m.unit for m in metrics}
    return Directive(dimensions=metrics[0].dimension_sets, metrics=units)

"""The worker's CloudWatch metrics: what it emits (the one list the dashboard is checked against),
and the emitter the loop's outcome hook and the orchestrator's step hook call.

| metric           | unit         | dimension sets                | a value per             |
| ---------------- | ------------ | ----------------------------- | ----------------------- |
| Emails           | Count        | Outcome; Outcome, ReasonClass | settled message (1)     |
| EnqueueToSettled | Milliseconds | Outcome                       | settled message         |
| StepLatency      | Milliseconds | Step                          | publisher step run      |
| StepFailures     | Count        | Step                          | step run (1 failed, 0 not) |

``EnqueueToSettled`` runs from SQS's SentTimestamp (SNS delivered the notification) to the
message's settling; its ``Outcome=done`` series is the enqueue-to-done latency. ``StepFailures`` is
0 or 1 per run, so its Average is the step's failure rate, its Sum the
failures and its SampleCount the runs: the alarm needs no metric math. ``Emails`` counts settled
messages (an SES notification carries one email; an S3 event with several counts once, with the
most urgent outcome). Dimension values are fixed names (outcomes, reason classes, step names),
never free text: no renter data reaches a metric, and the number of metrics stays small.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import structlog

from app.emf import Directive, emf_line
from worker.outcomes import Kind, Outcome, Received

if TYPE_CHECKING:
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

#: every metric the worker emits; infra/terraform/monitoring.tf's dashboard is tested against it
METRICS = (EMAILS, ENQUEUE_TO_SETTLED, STEP_LATENCY, STEP_FAILURES)


class ReasonClass(StrEnum):
    """Why a message ended as it did, in a few fixed words (the ``ReasonClass`` dimension)."""

    PUBLISHED = "published"  # done: at least one step ran
    CURRENT = "current"  # done: every step was already in line with the state
    DUPLICATE = "duplicate"  # done: this email was already applied
    NOT_A_BOOKING = "not_a_booking"  # ignored: read, and positively not a booking
    UNTRUSTED = "untrusted"  # ignored: admission refused it (verdicts, forwarder, bucket)
    NOT_MAIL = "not_mail"  # ignored: no received mail in the message (test event, notices)
    UNREADABLE = "unreadable"  # the message body could not be read
    FETCH = "fetch"  # reading the raw email from S3 failed
    PARSE = "parse"  # a booking email we cannot read
    LEASE = "lease"  # waiting: another worker holds the booking, or SES has not reported a send
    STATE = "state"  # the state table kept changing or failed
    STEP = "step"  # a publisher step failed
    UNEXPECTED = "unexpected"  # a bug of ours or a library's
    OTHER = "other"  # none of the above: look at the log line's reason


#: ignored reasons' openings (worker/admission.py, worker/decode.py): tests pin them to the code
_IGNORED = (
    ("not a booking", ReasonClass.NOT_A_BOOKING),
    ("SES virus verdict", ReasonClass.UNTRUSTED),
    ("SES spam verdict", ReasonClass.UNTRUSTED),
    ("sender ", ReasonClass.UNTRUSTED),
    ("no Authentication-Results", ReasonClass.UNTRUSTED),
    ("SES's Authentication-Results", ReasonClass.UNTRUSTED),
    ("the email names no single From", ReasonClass.UNTRUSTED),
    ("From domain not authenticated", ReasonClass.UNTRUSTED),
    ("unverified booking email", ReasonClass.UNTRUSTED),
    ("claims to be a", ReasonClass.UNTRUSTED),
    ("forwarded", ReasonClass.UNTRUSTED),
    ("object is in bucket", ReasonClass.UNTRUSTED),
    ("SES setup notification", ReasonClass.NOT_MAIL),
    ("SNS ", ReasonClass.NOT_MAIL),
    ("s3:TestEvent", ReasonClass.NOT_MAIL),
    ("no object created", ReasonClass.NOT_MAIL),
    ("EventBridge S3", ReasonClass.NOT_MAIL),
    ("SES ", ReasonClass.NOT_MAIL),
)

_LEASE_ERRORS = frozenset({"LeaseHeld", "BookingBusy"})


def reason_class(outcome: Outcome) -> ReasonClass:
    """The outcome's reason class: from its error class and step where it has them."""
    if outcome.kind is Kind.DONE:
        if outcome.reason.startswith("duplicate"):
            return ReasonClass.DUPLICATE
        if ": ran nothing" in outcome.reason:
            return ReasonClass.CURRENT
        return ReasonClass.PUBLISHED
    if outcome.kind is Kind.IGNORED:
        for opening, found in _IGNORED:
            if outcome.reason.startswith(opening):
                return found
        return ReasonClass.OTHER
    return _error_class(outcome)


def _error_class(outcome: Outcome) -> ReasonClass:
    if outcome.contention or outcome.error_class in _LEASE_ERRORS:
        return ReasonClass.LEASE
    if outcome.error_class == "UnreadableBody":
        return ReasonClass.UNREADABLE
    if outcome.error_class == "ParseError" or outcome.step == "parse":
        return ReasonClass.PARSE
    if outcome.step == "fetch":
        return ReasonClass.FETCH
    if outcome.step == "state":
        return ReasonClass.STATE
    # a retry that ran out keeps its cause's reason after this opening
    cause = outcome.reason.split(": ", 1)[-1] if "retries exhausted" in outcome.reason else ""
    if outcome.reason.startswith("unexpected") or cause.startswith("unexpected"):
        return ReasonClass.UNEXPECTED
    if outcome.step:
        return ReasonClass.STEP
    return ReasonClass.OTHER


def stdout_lines() -> Callable[[str], None]:
    """Writes a line to the log stream ``app.logs.configure_logging`` set up, under the same
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
            "Outcome": outcome.kind.value,
            "ReasonClass": reason_class(outcome).value,
            EMAILS.name: 1,
        }
        directives = [_directive(EMAILS)]
        if message.sent_at is not None:
            members[ENQUEUE_TO_SETTLED.name] = round(max(0.0, now - message.sent_at) * 1000, 1)
            directives.append(_directive(ENQUEUE_TO_SETTLED))
        self._emit(now, directives, members)

    def step(self, run: "StepRun") -> None:
        """The orchestrator's step hook: one line per publisher step run."""
        members: dict[str, str | float | int] = {
            "event": "metrics",
            "Step": run.step,
            STEP_LATENCY.name: round(run.seconds * 1000, 1),
            STEP_FAILURES.name: 1 if run.failed else 0,
        }
        self._emit(self.clock(), [_directive(STEP_LATENCY, STEP_FAILURES)], members)

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

"""The hourly audit task (``{"charterhand": "audit"}``, :mod:`bookings.tasks`): run the audit.

The body only asks for a run (whoever else could send it can only make the audit run early).
The run (:func:`audit.run.run_audit`) reads each platform's calendar feed, compares it with the
bookings, keeps the open findings, and tells the manager of each once; every finding is counted
by kind (the ``on_findings`` hook: the metrics). Its outcome is done with what it found, or the
error of telling the manager (retried: what went is not sent again).
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import structlog

from audit.findings import Finding
from audit.run import AuditParts, run_audit
from bookings.tasks import AUDIT
from worker.decode import Task
from worker.outcomes import Ending, Outcome, ReasonClass

log = structlog.get_logger("charterhand.worker")

FindingsHook = Callable[[Sequence[Finding]], None]


class AuditWork:
    """Handles the audit task; safe from several threads at once (it keeps no state)."""

    def __init__(
        self,
        parts: AuditParts,
        *,
        on_findings: FindingsHook | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.parts = parts
        self.on_findings = on_findings
        self.clock = clock

    def handle(self, task: Task) -> Outcome:
        """Done, with how many findings of each kind; or the error that stopped it."""
        if task.kind != AUDIT:
            raise ValueError(f"not the audit task: {task}")
        findings = run_audit(self.parts, clock=self.clock)
        if self.on_findings is not None:
            self.on_findings(findings)
        if not findings:
            return Outcome(Ending.DONE, "audit: ran nothing (nothing found)", ReasonClass.CURRENT)
        counts: dict[str, int] = {}
        for finding in findings:
            counts[finding.kind.value] = counts.get(finding.kind.value, 0) + 1
        said = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
        return Outcome(Ending.DONE, f"audit: {said}", ReasonClass.PUBLISHED)

"""One audit run: the checks, then what is open, what closed, and who was told.

:func:`run_audit` is what the hourly task (:mod:`worker.audit`) and ``charterhand audit`` both
call. It runs the platform feed check (:mod:`audit.platform`) and the read-back of our own
published records (:mod:`audit.downstream`: repaired, or reported with ``audit_repair`` off),
and returns every finding. With
``record`` (the task), each finding is kept open in the state table (``charterhand status`` lists
them), findings no longer seen in what was checked are closed, and the manager is told of each
once (:mod:`audit.notify`); an unreadable feed only after it has stayed so for
``unreadable_grace`` (one failed fetch an hour is a blip, not news). Without ``record`` (the
command) nothing is written but the feeds' validators and matched UIDs.

The clock is injected: tests drive runs through the hours.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from audit.downstream import DOWNSTREAM_KINDS, DownstreamReport
from audit.findings import Finding, FindingKind
from audit.notify import FindingMail
from audit.platform import PlatformCheck
from bookings import CharterhandError
from state.audit import AuditState

log = structlog.get_logger("charterhand.audit")

#: how long a feed stays unreadable before the manager is told (status and the metric say so
#: at once)
UNREADABLE_GRACE = timedelta(hours=3)


@dataclass(frozen=True)
class AuditParts:
    """What a run needs: the checks, the state, the manager's mail (None: nobody is told)."""

    platforms: PlatformCheck
    state: AuditState
    mail: FindingMail | None = None
    #: our own published records read back, for one boat or (None) every boat; None: not audited
    downstream: Callable[[str | None], DownstreamReport] | None = None


def run_audit(
    parts: AuditParts,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    since: datetime | None = None,
    boat: str | None = None,
    record: bool = True,
    unreadable_grace: timedelta = UNREADABLE_GRACE,
) -> list[Finding]:
    """Every finding of one run, from ``since`` (default: now) on; for ``boat`` only, when given.

    Raises the first error of telling the manager (after every finding was recorded and every
    other email tried), so the task is retried and what went is not sent twice."""
    now = clock()
    report = parts.platforms.check(since or now, boat=boat)
    findings = list(report.findings)
    downstream = parts.downstream(boat) if parts.downstream is not None else None
    if downstream is not None:
        findings += downstream.findings
    if not record:
        return findings
    errors: list[CharterhandError] = []
    open_before = {item.key: item for item in parts.state.open_findings()}
    current = set()
    for finding in findings:
        current.add(finding.key)
        opened = parts.state.keep_open(
            finding.key,
            kind=finding.kind.value,
            boat=finding.boat,
            source=finding.source,
            sentence=finding.sentence,
        )
        opened_at = datetime.fromtimestamp(opened, UTC)
        if parts.mail is None or not _due(finding, opened_at, now, unreadable_grace):
            continue
        try:
            parts.mail.tell(finding, opened_at)
        except CharterhandError as exc:
            errors.append(exc)
    closed = [
        key
        for key, item in open_before.items()
        if key not in current
        and (
            report.closes(item.kind, item.boat, item.source)
            or _downstream_closes(downstream, boat, item.kind, item.boat, item.source)
        )
    ]
    parts.state.close(closed)
    log.info(
        "audit run",
        findings=len(findings),
        closed=len(closed),
        kinds=sorted({f.kind.value for f in findings}),
    )
    if errors:
        raise sorted(errors, key=lambda e: e.transient)[0]
    return findings


def _downstream_closes(
    report: DownstreamReport | None, asked: str | None, kind: str, boat: str, step: str
) -> bool:
    """Whether an open finding of the read-back is settled by this run: the read-back ran over
    its boat (a system's "not auditable" is about every boat) and read every record of that step
    (a read that failed may hide it: it stays open until a run reads it)."""
    if report is None or kind not in DOWNSTREAM_KINDS:
        return False
    if asked is not None and boat not in ("", asked):
        return False
    return all(unread.step != step for unread in report.unread)


def _due(finding: Finding, opened_at: datetime, now: datetime, grace: timedelta) -> bool:
    """Whether the manager should hear of it now."""
    if finding.kind == FindingKind.FEED_UNREADABLE and finding.source:
        return now - opened_at >= grace
    return True

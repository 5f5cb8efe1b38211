"""``charterhand audit``: the platforms' calendars and our own records against the bookings.

The same check the hourly task runs (:func:`audit.run.run_audit`), on demand: each boat's iCal
export per platform is read and compared with the live bookings from ``--since`` (default now)
to the horizon, and each published calendar entry, SCC event and page of the bookings sailing
within the horizon is read back. It tells nobody, repairs nothing (it says what the hourly task
would repair) and opens or closes no finding (the hourly task does, and the manager hears from
it); it only keeps the feeds' validators and matched UIDs, as the task would. Without the
worker's full settings (the calendar, SCC and site), it says so and reads the feeds alone.

Exit codes: 0 nothing found; 5 (``FOUND``) something found, the findings on stdout; 1 AWS
refused or is unreachable; 2 settings or arguments that cannot be used.
"""

import argparse
import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.compose import Clients, audit_state, platform_check
from app.downstream_audit import downstream_audit
from app.settings import (
    AuditSettings,
    FleetSettings,
    Settings,
    SettingsError,
    TableSettings,
    load_group,
)
from audit.downstream import DownstreamReport
from audit.findings import Finding
from audit.run import AuditParts, run_audit
from aws.clients import client
from commands.command import Exit, SubParsers, UsageError, guarded


class AuditCommandSettings(AuditSettings, FleetSettings, TableSettings):
    """What ``audit`` reads: the table, the fleet and the audit's own settings."""


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "audit", help="compare the calendars and our records with the bookings"
    )
    parser.add_argument("--boat", help="only this boat (as the fleet names it)")
    parser.add_argument(
        "--since",
        help="from when (ISO 8601 date or time; without a zone, the boat's): default now",
    )
    parser.add_argument("--json", action="store_true", help="one JSON document")
    parser.add_argument(
        "--config", type=Path, help="TOML settings file (default: $CHARTERHAND_CONFIG)"
    )
    parser.set_defaults(func=run)


@guarded("audit")
def run(args: argparse.Namespace) -> int:
    settings = load_group(AuditCommandSettings, args.config)
    names = [boat.name for boat in settings.fleet.boats]
    if args.boat is not None and args.boat not in names:
        raise UsageError(f"--boat {args.boat!r} is not in the fleet ({', '.join(names)})")
    zone = settings.fleet.boat(args.boat or names[0]).zone
    since = _since(args.since, zone) if args.since else None
    dynamodb = client("dynamodb")
    clients = Clients(
        sqs=client("sqs"),
        s3=client("s3"),
        dynamodb=dynamodb,
        secretsmanager=client("secretsmanager"),
    )
    readback = _readback(args.config, clients)
    reports: list[DownstreamReport] = []
    parts = AuditParts(
        platforms=platform_check(settings, settings.fleet, settings.table_name, clients),
        state=audit_state(settings.table_name, clients),
        downstream=_kept(readback, reports) if not isinstance(readback, str) else None,
    )
    findings = run_audit(parts, since=since, boat=args.boat, record=False)
    unread = [u for report in reports for u in report.unread]
    not_read = readback if isinstance(readback, str) else None
    if args.json:
        doc: dict[str, Any] = {"findings": [_as_json(f) for f in findings]}
        doc["unread"] = [asdict(u) for u in unread]
        doc["records_not_read"] = not_read
        print(json.dumps(doc, indent=2))
    else:
        print(render(findings, unread=[f"{u.booking_key} {u.step}: {u.reason}" for u in unread]))
        if not_read is not None:
            print(f"our own records were not read back: {not_read}")
    return Exit.FOUND if findings else Exit.OK


Readback = Callable[[str | None], DownstreamReport]


def _readback(config: Path | None, clients: Clients) -> Readback | str:
    """The read-back of our own records, report-only; or why it cannot run (the settings)."""
    try:
        full = load_group(Settings, config)
    except SettingsError as exc:
        said = " ".join(line.strip() for line in exc.reason.splitlines())
        return f"the worker's settings are incomplete ({said})"
    try:
        return downstream_audit(full, clients, repair=False)
    except ValueError as exc:  # a step's credential is not configured
        return str(exc)


def _kept(run: Readback, reports: list[DownstreamReport]) -> Readback:
    """``run``, keeping each report (its failed reads are printed)."""

    def kept(boat: str | None) -> DownstreamReport:
        reports.append(run(boat))
        return reports[-1]

    return kept


def render(findings: list[Finding], *, unread: list[str] | None = None) -> str:
    lines = [f"{len(findings)} finding(s):"] if findings else []
    lines += [f"- {f.kind.value:<19} {f.sentence}" for f in findings]
    if not findings:
        lines.append(
            "nothing found: every booked span on the platforms' calendars has its booking, "
            "and every record read back matches"
        )
    if unread:
        lines.append(f"{len(unread)} record(s) could not be read (read again next run):")
        lines += [f"- {line}" for line in unread]
    return "\n".join(lines)


def _as_json(finding: Finding) -> dict[str, Any]:
    doc = asdict(finding)
    doc["kind"] = finding.kind.value
    doc["key"] = finding.key
    for name in ("starts_at", "ends_at"):
        value = doc[name]
        doc[name] = value.isoformat() if isinstance(value, datetime) else None
    return doc


def _since(text: str, zone: Any) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--since {text!r} is not an ISO 8601 date or time") from exc
    return value if value.tzinfo is not None else value.replace(tzinfo=zone).astimezone(UTC)

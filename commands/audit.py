"""``charterhand audit``: the platforms' calendars against the bookings, now, printed.

The same check the hourly task runs (:func:`audit.run.run_audit`), on demand: each boat's iCal
export per platform is read and compared with the live bookings from ``--since`` (default now)
to the horizon. It tells nobody and opens or closes no finding (the hourly task does, and the
manager hears from it); it only keeps the feeds' validators and matched UIDs, as the task would.

Exit codes: 0 nothing found; 5 (``FOUND``) something found, the findings on stdout; 1 AWS
refused or is unreachable; 2 settings or arguments that cannot be used.
"""

import argparse
import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.compose import Clients, audit_state, platform_check
from app.settings import AuditSettings, FleetSettings, TableSettings, load_group
from audit.findings import Finding
from audit.run import AuditParts, run_audit
from aws.clients import client
from commands.command import Exit, SubParsers, UsageError, guarded


class AuditCommandSettings(AuditSettings, FleetSettings, TableSettings):
    """What ``audit`` reads: the table, the fleet and the audit's own settings."""


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "audit", help="the platforms' calendars against the bookings (exit 5: found something)"
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
    parts = AuditParts(
        platforms=platform_check(settings, settings.fleet, settings.table_name, clients),
        state=audit_state(settings.table_name, clients),
    )
    findings = run_audit(parts, since=since, boat=args.boat, record=False)
    if args.json:
        print(json.dumps({"findings": [_as_json(f) for f in findings]}, indent=2))
    else:
        print(render(findings))
    return Exit.FOUND if findings else Exit.OK


def render(findings: list[Finding]) -> str:
    if not findings:
        return "nothing found: every booked span on the platforms' calendars has its booking"
    lines = [f"{len(findings)} finding(s):"]
    lines += [f"- {f.kind.value:<19} {f.sentence}" for f in findings]
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

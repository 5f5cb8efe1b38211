"""``charterhand status``: whether the workers take messages (the shared DLQ limit), queue
health, forwarding confirmations of the last week, the latest bookings (how each was proven) and
where each of their steps is.

It reads only the settings it uses (:class:`StatusSettings`: the two queues and the table).
"""

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app.settings import QueueSettings, TableSettings, load_group
from aws.clients import client
from bookings import CharterhandError
from commands.command import Exit, SubParsers, guarded
from ops.dlq import DeadLetterQueue, explain_aws_error
from ops.intake import IntakeStatus, describe, intake_status
from ops.status import (
    BookingStatus,
    FindingStatus,
    QueueHealth,
    cloudwatch_oldest_age,
    dead_letter_oldest_age,
    now_utc,
    open_findings,
    queue_health,
    recent_bookings,
)
from state.confirmations import SHOW_DAYS, PendingConfirmation, pending_confirmations
from state.intake import IntakeRecords


class StatusSettings(TableSettings, QueueSettings):
    """What ``status`` reads: the queue, the DLQ and the state table."""


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser("status", help="queues, DLQ and the latest bookings' steps")
    parser.add_argument("--json", action="store_true", help="one JSON document")
    parser.add_argument("--limit", type=int, default=10, help="how many bookings (default 10)")
    parser.add_argument(
        "--config", type=Path, help="TOML settings file (default: $CHARTERHAND_CONFIG)"
    )
    parser.set_defaults(func=run)


@guarded("status", settings_error=Exit.FAILED)
def run(args: argparse.Namespace) -> int:
    report = gather(args)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(render(report))
    return Exit.OK


def gather(args: argparse.Namespace) -> dict[str, Any]:
    settings = load_group(StatusSettings, args.config)
    now = now_utc()
    try:
        sqs = client("sqs")
        dlq = DeadLetterQueue(sqs, dlq_url=settings.dlq_url, queue_url=settings.queue_url)
        queues = [
            queue_health(
                sqs,
                settings.queue_url,
                oldest_age=cloudwatch_oldest_age(client("cloudwatch"), now),
            ),
            queue_health(sqs, settings.dlq_url, oldest_age=dead_letter_oldest_age(dlq, now)),
        ]
        dynamodb = client("dynamodb")
        bookings = recent_bookings(dynamodb, settings.table_name, args.limit)
        confirmations = pending_confirmations(dynamodb, settings.table_name, now)
        intake = intake_status(IntakeRecords(settings.table_name, dynamodb))
        findings = open_findings(dynamodb, settings.table_name)
    except CharterhandError:
        raise
    except Exception as exc:
        raise explain_aws_error(exc, settings.queue_url) from exc
    return {
        "intake": asdict(intake),
        "queues": [asdict(q) for q in queues],
        "bookings": [asdict(b) for b in bookings],
        "forwarding_confirmations": [asdict(c) for c in confirmations],
        "audit_findings": [asdict(f) for f in findings],
    }


def render(report: dict[str, Any]) -> str:
    lines = [*describe(IntakeStatus(**report["intake"])), ""] if "intake" in report else []
    lines.append("QUEUE                           WAITING  IN FLIGHT  DELAYED  OLDEST")
    for q in report["queues"]:
        health = QueueHealth(**q)
        age = _age(health.oldest_age_seconds)
        lines.append(
            f"{health.name:<30}  {health.waiting:>7}  {health.in_flight:>9}  "
            f"{health.delayed:>7}  {age}"
        )
    lines.append("")
    lines += _confirmations(report.get("forwarding_confirmations", []))
    lines += _findings(report.get("audit_findings", []))
    if not report["bookings"]:
        lines.append("no bookings yet")
        return "\n".join(lines)
    lines.append(f"latest {len(report['bookings'])} booking(s), newest first:")
    for b in report["bookings"]:
        booking = BookingStatus(**b)
        busy = "  (a worker is on it)" if booking.in_progress else ""
        lines.append(
            f"- {booking.key}  {booking.status:<9} {booking.boat}  {booking.start}"
            f"  email of {booking.as_of}{busy}"
        )
        if booking.provenance:
            lines.append(f"    provenance: {booking.provenance}")
        lines += _missing(booking)
        steps = "  ".join(f"{name}={state}" for name, state in booking.steps.items())
        lines.append(f"    steps: {steps or 'none yet'}")
        for step, url in booking.links.items():
            lines.append(f"    {step.replace('_', ' ')}: {url}")
        if booking.photos:
            lines.append(f"    guests' photos: {booking.photos}")
        for step, error in booking.errors.items():
            lines.append(f"    {step} failed: {error}")
        if booking.answers:
            answers = "  ".join(f"{crew}={answer}" for crew, answer in booking.answers.items())
            lines.append(f"    crew: {answers}")
    return "\n".join(lines)


def _missing(booking: BookingStatus) -> list[str]:
    """What no email of the booking gave, and the words to teach under ``[parsing]``."""
    if not booking.missing:
        return []
    lines = [f"    missing: {', '.join(booking.missing)} (no email gave it; published without)"]
    if booking.unread_labels:
        seen = ", ".join(repr(label) for label in booking.unread_labels)
        lines.append(f"    labels not known: {seen} (teach one under [parsing], forward again)")
    return lines


def _confirmations(found: list[dict[str, Any]]) -> list[str]:
    """Forwarding set-ups waiting for someone to open Gmail's link (or type its code)."""
    if not found:
        return []
    lines = [f"{len(found)} forwarding confirmation(s) of the last {SHOW_DAYS} days:"]
    for item in found:
        c = PendingConfirmation(**item)
        code = f": code {c.code}" if c.code else ""
        lines.append(
            f"- {c.provider}: {c.mailbox or 'a mailbox'} asked to forward here, "
            f"{c.received_at}{code}"
        )
        lines.append(f"    confirm: {c.link}")
    lines.append("")
    return lines


def _findings(found: list[dict[str, Any]]) -> list[str]:
    """The audit's open findings: what the platforms' calendars show that our mail did not."""
    if not found:
        return []
    lines = [f"{len(found)} open audit finding(s):"]
    for item in found:
        finding = FindingStatus(**item)
        lines.append(f"- {finding.kind}: {finding.sentence} (since {finding.since})")
    lines.append("")
    return lines


def _age(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    minutes, sec = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes}m" if hours else f"{minutes}m {sec}s"

"""``charterhand parse FILE.eml|- [--json] [--explain] [--config FILE.toml]``: what one email says.

Exit codes (:mod:`commands.command`): 0 a booking event (printed); 3 not a booking (the rule and
reason on stderr); 4 a booking email we cannot read (the missing fields on stderr); 2 the file (or
the config) cannot be read, or it is not an email at all. ``-`` reads standard input. ``--json``
prints one JSON object for every outcome (its ``outcome`` says which). ``--explain`` also prints,
for each field, the line and rule it came from, and every forwarding hop.
"""

import argparse
import email.policy
import json
import sys
import tomllib
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from bookings import Booking, BookingEvent, Fleet, MarginPolicy, NotABooking, ParseError
from bookings import default_fleet as _default_fleet
from bookings.money import format_usd
from commands.command import Exit, SubParsers, UsageError, exit_code, guarded
from parsers import BUILT_IN, Vocabulary, explain_email, parse_email
from publishers.summary import numbers


@dataclass(frozen=True)
class Context:
    """The fleet, margin policy and taught words an email is read against."""

    fleet: Fleet = field(default_factory=_default_fleet)
    policy: MarginPolicy = field(default_factory=MarginPolicy)
    vocabulary: Vocabulary = BUILT_IN


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser("parse", help="read one booking email and say what it says")
    parser.add_argument("file", type=Path, help="a raw email (.eml); - reads standard input")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also say, for each field, the line and rule it came from, and every forwarding hop",
    )
    parser.add_argument(
        "--config",
        type=Path,
        help="a TOML file whose [fleet], [margin] and [parsing] tables replace the defaults",
    )
    parser.set_defaults(func=run)


@guarded("parse")
def run(args: argparse.Namespace) -> int:
    try:
        context = load_context(args.config)
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise UsageError(f"cannot use config {args.config}: {exc}") from exc
    return report(args.file, context, as_json=args.json, explain=args.explain)


def load_context(config: Path | None) -> Context:
    """The fleet, margin policy and taught words of a config file's [fleet], [margin] and
    [parsing]; defaults otherwise."""
    if config is None:
        return Context()
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    fleet = Fleet.model_validate(data["fleet"]) if "fleet" in data else _default_fleet()
    policy = MarginPolicy.model_validate(data.get("margin", {}))
    vocabulary = Vocabulary.model_validate(data.get("parsing", {}))
    return Context(fleet, policy, vocabulary)


#: headers at least one of which any email has; a file with none of them is not an email
EMAIL_HEADERS = frozenset(
    {"from", "to", "subject", "date", "message-id", "received", "mime-version", "return-path"}
)


def not_an_email(raw: bytes) -> str | None:
    """Why ``raw`` is not an email at all (so not a question of bookings), or None.

    Only the header block is read: an email starts with headers, and a file whose first block
    names none of :data:`EMAIL_HEADERS` (a PDF, a list, a JSON document, nothing) is not one."""
    if not raw.strip():
        return "the file is empty"
    headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw, headersonly=True)
    if not EMAIL_HEADERS & {name.lower() for name in headers}:
        return "no email header block (From:, Date:, Subject: ...) at its start"
    return None


def _read(path: Path) -> bytes:
    """The file's bytes; ``-`` is standard input."""
    if str(path) == "-":
        return sys.stdin.buffer.read()
    return path.read_bytes()


def report(
    path: Path,
    context: Context,
    *,
    as_json: bool = False,
    explain: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Parse one file (``-``: standard input) and print what it says; returns the exit code.

    Every outcome is said on stderr for a person and, with ``as_json``, as one JSON object on
    stdout with its ``outcome``: booking, not-a-booking, unreadable, not-an-email, cannot-read."""
    out, err = out or sys.stdout, err or sys.stderr

    def outcome(name: str, code: int, lines: list[str], **fields: object) -> int:
        for line in lines:
            print(line, file=err)
        if as_json:
            print(json.dumps({"outcome": name, "file": str(path), **fields}, indent=2), file=out)
        return code

    try:
        raw = _read(path)
    except OSError as exc:
        reason = f"cannot read the file: {exc.strerror or exc}"
        return outcome("cannot-read", Exit.USAGE, [f"{path}: {reason}"], reason=reason)
    problem = not_an_email(raw)
    if problem:
        return outcome(
            "not-an-email", Exit.USAGE, [f"{path}: not an email: {problem}"], reason=problem
        )
    try:
        if explain:
            text, read = explanation(raw, context)
            print(text, file=out)
            if isinstance(read, NotABooking | ParseError):
                raise read
            event = read
        else:
            event = parse_email(raw, context.fleet, context.vocabulary)
    except NotABooking as exc:
        rule = exc.rule or "unnamed"
        lines = [f"{path}: not a booking: {exc.reason}", f"rule: {rule}"]
        return outcome("not-a-booking", exit_code(exc), lines, reason=exc.reason, rule=rule)
    except ParseError as exc:
        lines = [f"{path}: unreadable booking email: {exc.reason}"]
        if exc.missing:
            lines.append(f"missing: {', '.join(exc.missing)}")
        fields = {"reason": exc.reason, "source": exc.source, "kind": exc.kind}
        return outcome("unreadable", exit_code(exc), lines, **fields, missing=exc.missing)
    except Exception as exc:  # RecursionError from MIME nested too deep, a parser's bug
        # as the worker does: permanent, named by its class only (its message may quote the email)
        reason = f"unexpected {type(exc).__name__} while reading it"
        lines = [f"{path}: unreadable email: {reason}"]
        return outcome("unreadable", Exit.UNREADABLE, lines, reason=reason, missing=[])
    if as_json:
        print(json.dumps({"outcome": "booking", **event_json(event, context)}, indent=2), file=out)
    else:
        print(describe(event, context), file=out)
    return Exit.OK


def explanation(
    raw: bytes, context: Context
) -> tuple[str, BookingEvent | NotABooking | ParseError]:
    """Where each field came from (body, line, rule), and every forwarding hop; with what the
    email says (the event, or the error parsing it raised), read once for both."""
    outcome, trace, envelope = explain_email(raw, context.fleet, context.vocabulary)
    lines = ["explain:"]
    if envelope.hops:
        for number, hop in enumerate(envelope.hops, start=1):
            who = hop.address or f"(cannot be named: {hop.problem})"
            lines.append(f"  hop {number}   {hop.style} forward by {who}")
    else:
        lines.append("  hops    none: the email came straight from its sender")
    lines.append(f"  sender  {envelope.original_sender or '(none)'}")
    lines += [f"  {name:<13} {where}" for name, where in trace.items()]
    if isinstance(outcome, NotABooking):
        lines.append(f"  outcome not a booking, rule {outcome.rule or 'unnamed'!r}")
    elif isinstance(outcome, ParseError):
        lines.append(f"  outcome parse error: {outcome.reason}")
    return "\n".join(lines), outcome


def event_json(event: BookingEvent, context: Context) -> dict[str, object]:
    """The event as ``--json`` prints it: ISO 8601 times with offsets, money as decimal strings."""
    result: dict[str, object] = {
        "source": event.source,
        "kind": event.kind.value,
        "booking_id": event.booking_id,
        "key": event.key,
        "boat": event.boat,
        "renter_name": event.renter_name,
        "start": event.start.isoformat(),
        "end": event.end.isoformat(),
        "party_size": event.party_size,
        "as_of": event.as_of.isoformat(),
    }
    if event.gross is not None:
        result["gross"] = str(event.gross)
    if event.notes:
        result["notes"] = event.notes
    if event.meeting_point:
        result["meeting_point"] = event.meeting_point
    margin = context.fleet.margin(Booking.from_event(event), context.policy)
    if margin is not None:
        result["margin"] = numbers(margin)  # the same breakdown the manager's summary carries
    return result


def describe(event: BookingEvent, context: Context) -> str:
    """The event for a person: one headline, then one line per field."""
    booking = Booking.from_event(event)
    rows = [
        ("renter", event.renter_name),
        ("when", f"{event.start:%a %d %b %Y %H:%M}-{event.end:%H:%M %Z} ({booking.hours} h)"),
        ("party", str(event.party_size) if event.party_size else "-"),
        ("gross", format_usd(event.gross) if event.gross is not None else "-"),
    ]
    if event.meeting_point:
        rows.append(("meet at", event.meeting_point))
    if event.notes:
        rows.append(("notes", event.notes))
    rows.append(("as of", event.as_of.isoformat()))
    margin = context.fleet.margin(booking, context.policy)
    if margin is not None:
        rows.append(
            (
                "margin",
                f"crew {format_usd(margin.crew_cost)} ({margin.crew_hours} h), captain "
                f"{format_usd(margin.captain_cost)}, fee {format_usd(margin.platform_fee)}, "
                f"net {format_usd(margin.net)} ({margin.net_percent}%)",
            )
        )
    lines = [f"{event.kind.value} {event.key} on {event.boat}"]
    lines += [f"  {label:<8} {value}" for label, value in rows]
    return "\n".join(lines)

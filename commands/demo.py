"""``charterhand demo``: the whole pipeline on this machine, on the sample emails.

Starts moto's server, the sandbox calendar and SCC, the site server, the links API and the worker
in this process (``sandbox.demo``), ingests the samples the way SES delivers mail, waits until each
has settled, and prints what became of every email and what every system now holds.
``--serve`` keeps it all running so a person can open the links.
"""

import argparse
import signal
import threading
from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from commands.command import Exit, SubParsers, fail
from sandbox.demo import SCC_OFF_EMAILS, DemoReport, running_demo
from sandbox.demo import run as run_demo


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser("demo", help="run the whole pipeline locally on sample emails")
    parser.add_argument(
        "--out", type=Path, default=Path("demo-out"), help="where sent emails and the log go"
    )
    parser.add_argument(
        "--serve", action="store_true", help="keep everything running to open the links"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return fail("demo", f"cannot write to {args.out}: {exc.strerror or exc}", Exit.USAGE)
    print("starting moto's server, the sandboxes, the site, the links API and the worker…")
    scc_off_out = args.out / "scc-off"
    with running_demo(scc=False) as scc_off:  # first, so the stack kept for --serve is the full one
        scc_off_report = run_demo(scc_off, scc_off_out, SCC_OFF_EMAILS)
    with running_demo() as demo:
        report = run_demo(demo, args.out)
        print(render(report, args.out))
        print(render_scc_off(scc_off_report, scc_off_out))
        if args.serve:
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            print("\nEverything keeps running; open the links above. To use the CLI on it:")
            for name, value in demo.env.items():
                print(f"  export {name}='{value}'")
            print("  charterhand dlq ls; charterhand status\nCtrl-C to stop.", flush=True)
            with suppress(KeyboardInterrupt):
                stop.wait()
    return _as_expected(report, scc_off_report)


def _as_expected(*reports: DemoReport) -> int:
    """Every email settled: done, ignored or dead-lettered (the table says which)."""
    outcomes = [o for report in reports for o in report.outcomes]
    unsettled = [o for o in outcomes if o.outcome not in {"done", "ignored", "dead-letter"}]
    if unsettled:
        return fail("demo", f"{len(unsettled)} email(s) did not settle")
    return Exit.OK


def render(report: DemoReport, out: Path) -> str:
    lines: list[str] = ["", "Running on 127.0.0.1:"]
    lines += [f"  {name:<28} {url}" for name, url in report.endpoints.items()]

    lines += ["", "EMAILS, in the order they arrived"]
    lines += _outcome_lines(report)

    lines += ["", "CREW ANSWERS, after the emails"]
    for step in report.crew:
        lines += [f"  {step.what}: {step.outcome}", f"       {step.reason}"]

    lines += [
        "",
        "AUDIT of the platforms' calendars (iCal exports served by the sandbox) and our records",
    ]
    for step in report.audit:
        lines += [f"  {step.what}: {step.outcome}", f"       {step.reason}"]

    lines += ["", "BOOKINGS"]
    for b in report.bookings:
        start, end = datetime.fromisoformat(b.start), datetime.fromisoformat(b.end)
        lines.append(f"  {b.key}  {b.status}  {start:%a %d %b %Y %H:%M}–{end:%H:%M %z}")
        lines.append(f"    guest page  {b.links.get('guest_page', '-')}")
        lines.append(f"    crew page   {b.links.get('crew_page', '-')}")
        lines.append(f"    gallery     {b.links.get('gallery', '-')}")
        steps = "  ".join(f"{name}={state}" for name, state in sorted(b.steps.items()))
        lines.append(f"    steps       {steps}")

    lines += ["", f"CALENDAR SANDBOX holds {len(report.calendar)} entr(y/ies)"]
    lines += _records(report.calendar, "title", "TITLE", "date", "DATE", "start_time", "START")
    lines += ["", f"SHIPCAPTAINCREW SANDBOX holds {len(report.scc)} event(s)"]
    lines += _records(report.scc, "event_name", "EVENT", "date", "DATE", "crew", "CREW")

    lines += ["", f"EMAILS SENT: {len(report.emails_sent)}, written to {out / 'emails'}/"]
    lines += _table([("TO", "SUBJECT")] + [(to, subject) for to, subject, _ in report.emails_sent])

    lines += ["", f"DEAD-LETTER QUEUE: {len(report.dead_letters)} message(s)"]
    lines += _table(
        [("ID", "STEP", "ERROR", "REASON")]
        + [
            (
                d.message_id,
                d.attributes.get("step", ""),
                d.attributes.get("error_class", ""),
                d.reason,
            )
            for d in report.dead_letters
        ]
    )
    lines += [
        "",
        f"worker log (JSON lines): {out / 'worker.log'}",
        f"done in {report.seconds:.1f} s",
    ]
    return "\n".join(lines)


def _outcome_lines(report: DemoReport) -> list[str]:
    """One row per email fed in, with the reason it ended as it did beneath."""
    rows: list[tuple[str, ...]] = [("#", "EMAIL", "WHAT IT IS", "OUTCOME", "BOOKING")]
    for number, o in enumerate(report.outcomes, start=1):
        rows.append((str(number), o.file, o.shows, o.outcome, o.booking or "-"))
    table = _table(rows)
    lines = [table[0]]
    for row, o in zip(table[1:], report.outcomes, strict=True):
        lines += [row, f"       {o.reason}"]
    return lines


def render_scc_off(report: DemoReport, out: Path) -> str:
    """The second, short run: a fleet without ShipCaptainCrew, on a stack of its own."""
    lines = [
        "",
        "WITH SCC TURNED OFF: a second worker on its own stack, scc_enabled = false",
        "(no scc_base_url, no SCC key), for an owner who does not run ShipCaptainCrew",
    ]
    lines += _outcome_lines(report)
    for b in report.bookings:
        steps = "  ".join(f"{name}={state}" for name, state in sorted(b.steps.items()))
        lines += [f"  {b.key}  {b.status}", f"    steps       {steps}"]
    lines += [
        f"  CALENDAR SANDBOX holds {len(report.calendar)} entr(y/ies), "
        f"{_count(report.calendar, 'cancelled')} cancelled",
        f"  SHIPCAPTAINCREW SANDBOX holds {len(report.scc)} event(s)"
        + ("" if report.scc else ": the worker never called it"),
        f"  EMAILS SENT: {len(report.emails_sent)}, written to {out / 'emails'}/",
    ]
    return "\n".join(lines)


def _count(records: list[dict[str, Any]], status: str) -> int:
    return sum(1 for r in records if r.get("status") == status)


def _records(records: list[dict[str, Any]], *fields: str) -> list[str]:
    """A sandbox's records: id, booking, status, then ``fields`` as (name, HEADING) pairs."""
    names = ["id", "booking_id", "status", *fields[0::2]]
    headings = ("ID", "BOOKING", "STATUS", *fields[1::2])
    return _table([headings] + [tuple(_text(r.get(n, "")) for n in names) for r in records])


def _text(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    if len(rows) == 1:
        return ["  (none)"]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  "
        + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]

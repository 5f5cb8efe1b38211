"""``charterhand demo``: until the pipeline lands, read the sample emails and say what each says.

``show_sample_emails`` is the reusable part: the full demo prints it before running the pipeline.
"""

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from worker.commands.parse import EXIT_EVENT, Context, report

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    SubParsers = Any

SAMPLE_EMAILS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "emails"


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser("demo", help="run the pipeline locally on the sample emails")
    parser.add_argument(
        "--emails", type=Path, default=SAMPLE_EMAILS, help="a folder of .eml files to read"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    emails = sorted(args.emails.glob("*.eml"))
    if not emails:
        print(f"charterhand demo: no .eml files in {args.emails}", file=sys.stderr)
        return 2
    show_sample_emails(emails, Context())
    return 0


def show_sample_emails(emails: list[Path], context: Context, out: TextIO | None = None) -> int:
    """Print what each email says, or why it is ignored or unreadable; returns the events."""
    out = out or sys.stdout
    events = 0
    for path in emails:
        print(f"== {path.name}", file=out)
        events += report(path, context, out=out, err=out) == EXIT_EVENT
    print(f"{events} of {len(emails)} emails are booking events", file=out)
    return events

"""``charterhand worker [--once]``: run the worker until SIGTERM (or, with --once, until drained).

Exit codes: 0 after a clean stop (SIGTERM/SIGINT, or --once drained), 2 for invalid settings
(each problem named with its variable), 1 when AWS refuses to let it start (missing queue,
rejected credentials).
"""

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.compose import build_worker
from app.logs import configure_logging
from app.settings import SettingsError, load_settings
from bookings import CharterhandError

if TYPE_CHECKING:
    from publishers.base import Publisher
    from worker.reading import MailReader

    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    SubParsers = Any


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser("worker", help="process booking emails from the queue")
    parser.add_argument(
        "--once", action="store_true", help="work what is in the queue now, then exit"
    )
    parser.add_argument(
        "--config", type=Path, help="TOML settings file (default: $CHARTERHAND_CONFIG)"
    )
    parser.set_defaults(func=run)


def run(
    args: argparse.Namespace,
    *,
    publishers: "list[Publisher] | None" = None,
    reader: "MailReader | None" = None,
) -> int:
    """The command; ``publishers`` / ``reader`` are for entry points that plug in stand-ins."""
    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        print(f"charterhand worker: {exc.reason}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    try:
        worker = build_worker(settings, publishers=publishers, reader=reader)
    except ValueError as exc:  # publishers whose dependencies do not resolve
        print(f"charterhand worker: {exc}", file=sys.stderr)
        return 2
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.signal_shutdown())
    try:
        worker.run(once=args.once)
    except CharterhandError as exc:
        print(f"charterhand worker: {exc.reason}", file=sys.stderr)
        return 1
    sys.stdout.flush()
    if threading.active_count() > 1:
        # a step still running past the shutdown deadline: its message was released to another
        # worker and its lease will expire; do not let the interpreter wait for the thread
        os._exit(0)
    return 0

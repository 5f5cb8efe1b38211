"""``charterhand worker [--once]``: run the worker until SIGTERM (or, with --once, until drained).

Exit codes (:mod:`commands.command`): 0 after a clean stop (SIGTERM/SIGINT, or --once drained),
2 for invalid settings (each problem named with its variable) or publishers whose dependencies
do not resolve, 1 when AWS refuses to let it start (missing queue, rejected credentials) and,
with --once, when it stopped on the DLQ limit (intake stopped, by this run or before it: what
is left in the queue waits for ``charterhand intake resume``).
"""

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from app.collector import paused
from app.compose import build_worker
from app.settings import load_settings
from aws.logs import configure_logging
from commands.command import Exit, SubParsers, UsageError, fail, guarded

if TYPE_CHECKING:
    from publishers.base import Publisher
    from worker.reading import MailReader


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser("worker", help="process booking emails from the queue")
    parser.add_argument(
        "--once", action="store_true", help="work what is in the queue now, then exit"
    )
    parser.add_argument(
        "--config", type=Path, help="TOML settings file (default: $CHARTERHAND_CONFIG)"
    )
    parser.set_defaults(func=run)


@guarded("worker")
def run(
    args: argparse.Namespace,
    *,
    publishers: "list[Publisher] | None" = None,
    reader: "MailReader | None" = None,
) -> int:
    """The command; ``publishers`` / ``reader`` are for entry points that plug in stand-ins."""
    with paused():  # start-up's objects, the clients' models above all: app.collector
        settings = load_settings(args.config)
        configure_logging(settings.log_level)
        try:
            worker = build_worker(settings, publishers=publishers, reader=reader)
        except ValueError as exc:  # publishers whose dependencies do not resolve
            raise UsageError(str(exc)) from exc
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.signal_shutdown())
    worker.run(once=args.once)  # a CharterhandError (AWS refusing to start) exits 1
    code = Exit.OK
    stop = worker.intake_stopped
    if args.once and stop is not None:
        code = Exit(
            fail(
                "worker",
                f"stopped on the DLQ limit ({stop.count} dead letters of class "
                f"{stop.reason_class.value}): fix the cause, then `charterhand intake resume`",
            )
        )
    sys.stdout.flush()
    if threading.active_count() > 1:
        # a step still running past the shutdown deadline: its message was returned to the
        # queue for another worker and its lease will expire; do not let the interpreter wait for
        # the thread
        sys.stderr.flush()
        os._exit(code)
    return code

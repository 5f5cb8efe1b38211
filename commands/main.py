"""``charterhand``: the command line; each subcommand is one module of ``commands/``.

The dev commands (``demo``, ``sandbox``, ``ingest``) drive ``sandbox/``, which the worker image
does not ship, and moto, which it does not install: without them the image still runs
``worker``, ``dlq``, ``status``, ``intake``, ``config`` and ``parse``, and those three are simply
absent. They are imported only when the command line does not name a product command, so
``charterhand worker`` starts without moto, werkzeug or the sandbox. A command line that names a
product command imports only that command (the worker starts without the others' modules).
"""

import argparse
import importlib
import os
import sys
import textwrap
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from app.collector import paused

#: top-level packages only a development checkout has; a missing one hides the dev commands
DEV_ONLY = frozenset({"sandbox", "moto"})

#: the product commands' modules, in ``--help``'s order; each exposes ``register(subparsers)``,
#: which adds its parser and sets ``func`` on it
COMMANDS = ("dlq", "status", "intake", "config", "parse", "worker", "audit")


EXAMPLES = """\
examples:
  charterhand config check                   would the worker start with these settings?
  charterhand parse booking.eml              what one email says (exit 3: not a booking)
  charterhand parse --json - < booking.eml   the same from standard input, as JSON
  charterhand dlq ls                         why messages failed
  charterhand dlq replay --reason timeout --dry-run
                                             which dead letters a replay would send back
  charterhand status --json | jq .queues     queue depths and the latest bookings
  charterhand audit --boat JADA              bookings on the platforms we have no email for
  charterhand COMMAND --help                 each command's own options
"""


def _exit_codes() -> str:
    from commands.command import MEANINGS  # imports the settings: within main's start-up

    lines = ["exit codes:"]
    for code, meaning in MEANINGS.items():
        wrapped = textwrap.wrap(meaning, width=70)
        lines.append(f"  {code.value}  {wrapped[0]}")
        lines += [f"     {more}" for more in wrapped[1:]]
    return "\n".join(lines)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # 30 ms: only for --version

    try:
        return version("charterhand")
    except PackageNotFoundError:  # a checkout run with PYTHONPATH, never installed
        return "unknown (not installed)"


class _VersionAction(argparse.Action):
    """``--version``, looked up only when asked for (not on every start of the worker)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(f"charterhand {_version()}")  # on stdout, as argparse's own version action
        parser.exit()


def dev_commands() -> tuple[ModuleType, ...]:
    """The dev commands, when this checkout has them (imported here, on demand: they pull in
    moto and the sandbox)."""
    try:
        from commands import demo, ingest, sandbox
    except ModuleNotFoundError as missing:  # the worker image: no sandbox/, no moto
        if (missing.name or "").split(".")[0] not in DEV_ONLY:
            raise
        return ()
    return (demo, ingest, sandbox)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Every command's parser; for an ``argv`` naming a product command, that command's alone
    (nothing of the others, nor of the dev commands, is imported)."""
    parser = argparse.ArgumentParser(
        prog="charterhand",
        description="Turns charter-booking emails into everything a charter day needs.",
        epilog=f"{EXAMPLES}\n{_exit_codes()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    named = [argv[0]] if argv and argv[0] in COMMANDS else COMMANDS
    for name in named:
        importlib.import_module(f"commands.{name}").register(subparsers)
    if not argv or argv[0] not in subparsers.choices:
        for command in dev_commands():
            command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``charterhand`` console script; returns the process exit code.

    A reader that goes away (``charterhand ... | head -1``) ends the command with exit 1 and no
    traceback, as Python's documentation recommends (SIGPIPE stays ignored: the worker's own
    sockets must raise, not kill the process). The command's modules are imported with the
    garbage collector paused (:mod:`app.collector`)."""
    argv = sys.argv[1:] if argv is None else argv
    with paused():
        from commands.command import Exit

        parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
        code: int = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
    except BrokenPipeError:
        # the rest of stdout can go nowhere: point it at /dev/null so the final flush is quiet
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return Exit.FAILED
    return code


if __name__ == "__main__":
    sys.exit(main())

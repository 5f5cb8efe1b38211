"""``charterhand``: the command line; each subcommand is one module of ``commands/``.

The dev commands (``demo``, ``sandbox``, ``ingest``) drive ``sandbox/``, which the worker image
does not ship, and moto, which it does not install: without them the image still runs
``worker``, ``dlq``, ``status``, ``intake``, ``config`` and ``parse``, and those three are simply
absent. They are imported only when the command line does not name a product command, so
``charterhand worker`` starts without moto, werkzeug or the sandbox.
"""

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from commands import config, dlq, intake, parse, status, worker

#: top-level packages only a development checkout has; a missing one hides the dev commands
DEV_ONLY = frozenset({"sandbox", "moto"})

#: each exposes ``register(subparsers)``, which adds its parser and sets ``func`` on it
COMMANDS: tuple[ModuleType, ...] = (dlq, status, intake, config, parse, worker)


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
    """Every command's parser; for an ``argv`` naming a product command, without the dev
    commands (nothing of theirs is imported)."""
    parser = argparse.ArgumentParser(
        prog="charterhand",
        description="Turns charter-booking emails into everything a charter day needs.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    if not argv or argv[0] not in subparsers.choices:
        for command in dev_commands():
            command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``charterhand`` console script; returns the process exit code."""
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())

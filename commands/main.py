"""``charterhand``: the command line; each subcommand lives in a module of worker/commands."""

import argparse
import importlib
import sys
from collections.abc import Sequence

#: subcommand modules; each exposes ``register(subparsers)`` which sets ``func`` on its parser
COMMANDS = [
    "sandbox.commands.demo",
    "commands.dlq",
    "commands.status",
    "commands.config",
    "commands.parse",
    "commands.worker",
    "sandbox.commands.ingest",
    "sandbox.commands.sandbox",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="charterhand",
        description="Turns charter-booking emails into everything a charter day needs.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:  # the production image ships no sandbox/
            if module_name.startswith("sandbox.") and exc.name == "sandbox":
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``charterhand`` console script; returns the process exit code."""
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())

"""``charterhand intake status|resume``: whether the workers take messages, and starting them
again after the DLQ limit stopped them.

The limit (``worker.intake.SharedDlqLimit``) is one record in the state table that every worker
reads every few seconds: ``resume`` clears it, and each worker takes messages again within
``ops.intake.NOTICE_SECONDS``, with no restart. Run it once the fix for what stopped them is
deployed (the same cause would stop them again after as many dead letters); then replay what
was dead-lettered. Exit codes (:mod:`commands.command`): 0 done (``resume`` also when intake
was not stopped: it says so), 1 when AWS refuses, 2 for settings that do not validate.
"""

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from app.settings import TableSettings, load_group
from aws.clients import client
from commands.command import Exit, SubParsers, guarded
from ops.intake import NOTICE_SECONDS, describe, intake_status, status_of
from state.intake import IntakeRecords


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "intake", help="whether the workers take messages; resume after the DLQ limit"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    status = actions.add_parser("status", help="stopped or running, since when, and why")
    status.add_argument("--json", action="store_true", help="one JSON document")
    status.set_defaults(func=show)
    again = actions.add_parser(
        "resume", help="clear the DLQ limit's stop: every worker takes messages again"
    )
    again.set_defaults(func=resume)
    for action in (status, again):
        action.add_argument(
            "--config", type=Path, help="TOML settings file (default: $CHARTERHAND_CONFIG)"
        )


def _records(args: argparse.Namespace) -> IntakeRecords:
    settings = load_group(TableSettings, args.config)
    return IntakeRecords(settings.table_name, client("dynamodb"))


@guarded("intake")
def show(args: argparse.Namespace) -> int:
    status = intake_status(_records(args))
    print(json.dumps(asdict(status), indent=2) if args.json else "\n".join(describe(status)))
    return Exit.OK


@guarded("intake")
def resume(args: argparse.Namespace) -> int:
    before, _after = _records(args).resume()
    if not before.stopped:
        print("intake was not stopped: nothing to resume")
        return Exit.OK
    was = status_of(before)
    print(
        f"intake resumed: it had stopped at {was.stopped_at} after {was.dead_letters} "
        f"dead letters of class {was.reason_class}; every worker takes messages again within "
        f"{NOTICE_SECONDS} s"
    )
    print(f"replay what it left in the DLQ: charterhand dlq replay --since {was.replay_since}")
    return Exit.OK

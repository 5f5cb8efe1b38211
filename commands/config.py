"""``charterhand config``: check the settings this process would run with, or print their reference.

``check`` is what to run after editing a TOML file or a task definition: it loads the settings
exactly as the worker does, then runs the worker's whole start-up without its loop (every
publisher built, every credential fetched: :mod:`app.startup`), and prints the settings with
secrets masked and where each credential comes from, or says what is wrong and where it was
written. It names every ``CHARTERHAND_*`` variable that sets nothing. Then it says
which steps are on and what each needs.
``reference`` prints the table in the README (a test keeps the two identical).
"""

import argparse
import json
import sys
from pathlib import Path

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from app.settings import ENV_PREFIX, Settings, load_settings, unknown_variables
from app.startup import WorkerRefuses, check_start_up
from app.steps import describe_steps
from bookings import MarginPolicy
from commands import connecting
from commands.command import Exit, SubParsers, UsageError, guarded
from parsers.vocabulary import Vocabulary


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser("config", help="check the settings, or print their reference")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="load the settings and run the worker's start-up without its loop; print them",
    )
    check.add_argument(
        "--config", type=Path, help="TOML settings file (default: $CHARTERHAND_CONFIG)"
    )
    check.add_argument(
        "--connect", action="store_true", help="then ask each thing they name (after apply)"
    )
    check.set_defaults(func=_check)
    reference = actions.add_parser("reference", help="every setting as a Markdown table")
    reference.set_defaults(func=_reference)


@guarded("config")
def _check(args: argparse.Namespace) -> int:
    for line in unknown_variables():
        print(line, file=sys.stderr)
    settings = load_settings(args.config)
    if args.connect:  # what is reachable and ready: one line each (commands/connecting.py)
        return connecting.check(settings)
    try:
        credentials = check_start_up(settings)
    except WorkerRefuses as exc:
        raise UsageError(f"the worker would refuse to start: {exc}") from exc
    # SecretStr fields serialise as "**********": the values never reach the terminal
    print(json.dumps(json.loads(settings.model_dump_json()), indent=2))
    for line in credentials:
        print(line, file=sys.stderr)
    print(
        "steps (app/steps.py; each optional one turned off by its <step>_enabled):", file=sys.stderr
    )
    for line in describe_steps(settings):
        print(f"  {line}", file=sys.stderr)
    print("settings are valid: the worker would start with them", file=sys.stderr)
    return Exit.OK


def _reference(args: argparse.Namespace) -> int:
    print(reference_table())
    return Exit.OK


def reference_table() -> str:
    """Markdown: every setting, its environment variable, its default and what it is for."""
    rows = [
        "| setting | environment variable | default | what it is for |",
        "| --- | --- | --- | --- |",
    ]
    for name, field in Settings.model_fields.items():
        rows.append(_row(name, field, ENV_PREFIX + name.upper()))
        nested = field.get_default(call_default_factory=True)
        if isinstance(nested, MarginPolicy | Vocabulary):
            for sub_name, sub_field in type(nested).model_fields.items():
                env = f"{ENV_PREFIX}{name.upper()}__{sub_name.upper()}"
                rows.append(_row(f"{name}.{sub_name}", sub_field, env))
    return "\n".join(rows)


def _row(name: str, field: FieldInfo, env: str) -> str:
    return f"| `{name}` | `{env}` | {_default(field)} | {_describe(field)} |"


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "**required**"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, MarginPolicy | Vocabulary):
        return "see the rows below"
    if isinstance(value, dict):
        return f"`{json.dumps(value)}`"
    if isinstance(value, BaseModel):
        return "JADA (see *The fleet*)"
    if value is None:
        return "–"
    return f"`{json.dumps(value) if isinstance(value, list) else value}`"


def _describe(field: FieldInfo) -> str:
    text = field.description or ""
    annotation = field.annotation
    choices = getattr(annotation, "__args__", None)
    if choices and all(isinstance(c, str) for c in choices):
        text = (text + "; " if text else "") + "one of " + ", ".join(f"`{c}`" for c in choices)
    return text.replace("|", "\\|")

"""One error → exit-code mapping for every command, and the dev commands only where sandbox is."""

import argparse
import subprocess
import sys

import pytest

from app.settings import SettingsError
from bookings import CharterhandError, NotABooking, ParseError, PermanentError, TransientError
from commands.command import Exit, UsageError, exit_code, guarded
from tests.support.paths import ROOT


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (NotABooking("a newsletter", rule="bulk mail"), 3),
        (ParseError("no booking id", missing=["booking_id"]), 4),
        (SettingsError("CHARTERHAND_QUEUE_URL (queue_url): Field required"), 2),
        (UsageError("no such file: a.eml"), 2),
        (PermanentError("queue does not exist: https://sqs/q"), 1),
        (TransientError("cannot reach SQS"), 1),
        (CharterhandError("no AWS credentials found"), 1),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_each_error_has_one_exit_code(error: CharterhandError | NotABooking, code: int):
    assert exit_code(error) == code


def test_the_codes_are_the_documented_table():
    assert [(e.name, e.value) for e in Exit] == [
        ("OK", 0),
        ("FAILED", 1),
        ("USAGE", 2),
        ("NOT_A_BOOKING", 3),
        ("UNREADABLE", 4),
        ("FOUND", 5),
    ]


def test_a_guarded_action_says_one_line_and_returns_its_code(capsys: pytest.CaptureFixture[str]):
    @guarded("ingest")
    def action(args: argparse.Namespace) -> int:
        raise UsageError("no such file: a.eml")

    assert action(argparse.Namespace()) == Exit.USAGE
    assert capsys.readouterr().err == "charterhand ingest: no such file: a.eml\n"


def test_status_keeps_exit_1_for_settings_it_lacks(capsys: pytest.CaptureFixture[str]):
    @guarded("status", settings_error=Exit.FAILED)
    def action(args: argparse.Namespace) -> int:
        raise SettingsError("invalid settings")

    assert action(argparse.Namespace()) == Exit.FAILED
    assert "charterhand status: invalid settings" in capsys.readouterr().err


def test_an_error_that_is_not_ours_is_not_swallowed():
    @guarded("dlq")
    def action(args: argparse.Namespace) -> int:
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        action(argparse.Namespace())


#: ``charterhand ARGS`` with one top-level package made missing, as an install without it would be
HIDING = """
import sys

class Missing:
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] == {top!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, Missing())
from commands.main import main
sys.exit(main({argv!r}))
"""


def _without(top: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HIDING.format(top=top, argv=list(argv))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )


@pytest.mark.parametrize("top", ["sandbox", "moto"])
def test_without_sandbox_or_moto_the_dev_commands_are_left_out(top: str):
    result = _without(top, "--help")
    assert result.returncode == 0, result.stderr
    assert "worker" in result.stdout
    assert "demo" not in result.stdout
    assert "ingest" not in result.stdout


def test_with_sandbox_and_moto_the_dev_commands_are_there():
    result = _without("no_such_package_at_all", "--help")
    assert result.returncode == 0, result.stderr
    assert {"demo", "sandbox", "ingest"} <= set(result.stdout.split())


def test_any_other_missing_package_of_a_dev_command_is_an_error_not_a_silence():
    result = _without("werkzeug", "--help")  # moto's server needs it: a broken dev install
    assert result.returncode != 0
    assert "werkzeug" in result.stderr

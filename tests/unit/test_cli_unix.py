"""``charterhand`` as a Unix tool: ``--version``, a ``--help`` that teaches, and no traceback when
the reader of its output goes away (``charterhand ... | head -1``)."""

import os
import subprocess
import sys
from importlib.metadata import version

from commands.command import Exit
from tests.conftest import FIXTURES
from tests.support.cli import charterhand
from tests.support.paths import ROOT

EMAIL = FIXTURES / "emails" / "boatsetter-newsletter.eml"


def test_version_prints_the_installed_version():
    done = charterhand("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"charterhand {version('charterhand')}"


def test_help_shows_examples():
    done = charterhand("--help")
    assert done.returncode == 0, done.stderr
    assert "examples:" in done.stdout
    for example in ("charterhand config check", "charterhand parse -", "charterhand dlq ls"):
        assert example in done.stdout


def test_help_shows_every_exit_code_with_its_meaning():
    done = charterhand("--help")
    lines = done.stdout.splitlines()
    table = lines[lines.index("exit codes:") + 1 :]
    for code in Exit:
        assert any(line.split()[:1] == [str(code.value)] for line in table), code


def _into_a_closed_pipe(*args: str) -> subprocess.CompletedProcess[str]:
    """``charterhand ARGS`` writing into a pipe nobody reads any more, as after ``| head -1``."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [sys.executable, "-m", "commands.main", *args],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
            cwd=ROOT,
        )
    finally:
        os.close(write)


def test_a_closed_pipe_ends_the_command_quietly():
    done = _into_a_closed_pipe("config", "reference")
    assert "Traceback" not in done.stderr
    assert "BrokenPipeError" not in done.stderr
    assert done.stderr == ""
    assert done.returncode == Exit.FAILED


def test_a_closed_pipe_after_help_is_quiet_too():
    done = _into_a_closed_pipe("--help")
    assert done.stderr == ""


def test_a_closed_pipe_under_parse_json_is_quiet():
    done = _into_a_closed_pipe("parse", "--json", str(EMAIL))
    assert done.stderr.count("\n") <= 2, done.stderr  # the reason lines, no traceback
    assert "Traceback" not in done.stderr


def test_demo_with_an_out_dir_it_cannot_make_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    done = charterhand("demo", "--out", str(blocker / "out"))
    assert done.returncode == Exit.USAGE
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"charterhand demo: cannot write to {blocker / 'out'}:")

"""Log lines are JSON where a machine reads them (a pipe, a file, CloudWatch) and readable lines
on a terminal; contact details are masked either way. The terminal is a real pseudo-terminal."""

import json
import os
import subprocess
import sys

from tests.support.paths import ROOT
from tests.support.terminal import ANSI, run_on_a_terminal

#: one log line, as the worker writes one (``aws.logs``), a reason quoting an address
LOG_ONE_LINE = (
    "import structlog; from aws.logs import configure_logging; configure_logging('INFO'); "
    "structlog.get_logger('charterhand.worker').info("
    "'message settled', outcome='ignored', reason='not from maya@example.com')"
)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_on_a_terminal_a_log_line_is_readable_not_json():
    code, shown = run_on_a_terminal([sys.executable, "-c", LOG_ONE_LINE], _env())
    assert code == 0, shown
    line = ANSI.sub("", shown).strip()
    assert not line.startswith("{"), line
    assert "[info" in line
    assert "message settled" in line
    assert "outcome=ignored" in line
    assert "<email>" in line
    assert "maya@example.com" not in line


def test_in_a_pipe_a_log_line_is_json():
    done = subprocess.run(
        [sys.executable, "-c", LOG_ONE_LINE],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=ROOT,
    )
    line = json.loads(done.stdout)
    assert (line["event"], line["level"], line["outcome"]) == ("message settled", "info", "ignored")
    assert line["reason"] == "not from <email>"


def test_no_color_keeps_the_terminal_lines_plain():
    code, shown = run_on_a_terminal(
        [sys.executable, "-c", LOG_ONE_LINE], {**_env(), "NO_COLOR": "1"}
    )
    assert code == 0, shown
    assert "message settled" in shown
    assert not ANSI.search(shown), shown

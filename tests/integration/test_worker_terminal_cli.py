"""``charterhand worker --once`` run by hand on a terminal prints readable lines, and the same
command writing to a file (as in ECS, where CloudWatch reads it) writes JSON. A real
pseudo-terminal, the real worker command (recording publishers), moto's server."""

import json
import os
import subprocess
import sys

from tests.support.paths import ROOT
from tests.support.pipeline import ingest_sample
from tests.support.terminal import ANSI, run_on_a_terminal

WORKER = [sys.executable, "-m", "tests.support.recording_worker", "--once"]


def _env(aws, stack, tmp_path) -> dict[str, str]:
    return {
        **os.environ,
        **aws.env(),
        **stack.env(poll_wait_seconds=0, retry_base_seconds=0),
        "CHARTERHAND_TEST_RECORD": str(tmp_path / "calls.jsonl"),
        "PYTHONPATH": str(ROOT),
    }


def test_on_a_terminal_the_worker_prints_readable_lines(aws, stack, tmp_path):
    ingest_sample(stack, "boatsetter-newsletter.eml")
    code, shown = run_on_a_terminal(WORKER, _env(aws, stack, tmp_path), timeout=120)
    assert code == 0, shown
    lines = ANSI.sub("", shown).splitlines()
    started = [line for line in lines if "worker started" in line]
    assert len(started) == 1, shown
    assert "[info" in started[0]
    assert "once=True" in started[0]
    assert not started[0].startswith("{")
    settled = [line for line in lines if "message settled" in line]
    assert len(settled) == 1, shown
    assert "outcome=ignored" in settled[0]


def test_into_a_file_the_worker_writes_json_lines(aws, stack, tmp_path):
    ingest_sample(stack, "boatsetter-newsletter.eml")
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        subprocess.run(
            WORKER,
            env=_env(aws, stack, tmp_path),
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=120,
            check=True,
            cwd=ROOT,
        )
    lines = [json.loads(text) for text in log.read_text().splitlines()]
    settled = [line for line in lines if line.get("event") == "message settled"]
    assert [line["outcome"] for line in settled] == ["ignored"]

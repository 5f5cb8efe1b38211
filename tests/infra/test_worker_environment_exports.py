"""infra/worker_environment.py: terraform's worker_environment as shell exports that a POSIX
shell reads back to the same values (the fleet's JSON included)."""

import json
import subprocess
import sys

import pytest

from infra.worker_environment import exports

ROOT_SCRIPT = "infra/worker_environment.py"


def test_the_exports_give_a_shell_the_same_values(tmp_path):
    environment = {
        "CHARTERHAND_FLEET": json.dumps({"boats": [{"name": "JADA 50", "note": "it's $HOME"}]}),
        "CHARTERHAND_QUEUE_URL": "https://sqs.us-west-2.amazonaws.com/123456789012/q",
    }
    script = (
        exports(environment) + '\nprintf "%s\\n%s" "$CHARTERHAND_FLEET" "$CHARTERHAND_QUEUE_URL"'
    )
    shown = subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    assert shown.split("\n") == [
        environment["CHARTERHAND_FLEET"],
        environment["CHARTERHAND_QUEUE_URL"],
    ]


def test_a_name_that_is_not_ours_is_refused():
    with pytest.raises(ValueError, match="PATH"):
        exports({"PATH": "/tmp"})


def test_the_script_reads_terraforms_json_on_stdin():
    done = subprocess.run(
        [sys.executable, ROOT_SCRIPT],
        input=json.dumps({"CHARTERHAND_TABLE_NAME": "charterhand-prod-state"}),
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert (done.returncode, done.stdout) == (
        0,
        "export CHARTERHAND_TABLE_NAME=charterhand-prod-state\n",
    )

"""The links API Lambda writes the same masked JSON log lines as the worker (issue 18, point 8)."""

import json
import os
import subprocess
import sys

from tests.support.paths import ROOT

#: loads the Lambda's entry module as Lambda does, then logs what a handler might log
LAMBDA_LOGS = """
import structlog
import api.lambda_function
structlog.get_logger("charterhand.api").warning(
    "photo_grant_failed", reason="sent by maria.lopez@example.com, call +1 (619) 555-0134"
)
"""


def test_the_lambda_logs_json_lines_with_contact_details_masked():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", LAMBDA_LOGS], env=env, capture_output=True, text=True, check=True
    )
    (line,) = [json.loads(text) for text in done.stdout.splitlines() if text.strip()]
    assert line["event"] == "photo_grant_failed"
    assert line["reason"] == "sent by <email>, call <phone>"
    assert line["level"] == "warning"
    assert "maria" not in done.stdout + done.stderr

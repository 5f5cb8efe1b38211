"""A missing value is visible end to end: a confirmation whose gross sits under a word the parser
does not know is still published, and ``charterhand status`` names the missing field and the
word; taught under ``[parsing]`` and forwarded again, the gross is read and nothing is missing."""

import io
import json
import os

import pytest
import structlog

from aws.logs import configure_logging
from tests.integration.test_worker_outcomes import drain
from tests.support.cli import charterhand
from tests.support.emailkit import CONFIRMED_ROWS, confirmed
from tests.support.pipeline import send_raw, work_queue
from tests.support.recording import Recorder
from worker.parsing import ParsersReader

#: the template renamed "Booking total" to a word the parser has never seen
RENAMED = [("Charter purse", value) if label == "Booking total" else (label, value)
           for label, value in CONFIRMED_ROWS]  # fmt: skip
STEPS = {"calendar", "scc", "guest_page", "crew_page", "crew_email", "summary"}


def status(aws, stack, *args: str):
    env = {**os.environ, **aws.env(), **stack.env()}
    return charterhand("status", *args, env=env)


def test_a_booking_without_a_readable_gross_is_published_and_status_says_so(aws, stack, tmp_path):
    send_raw(stack, confirmed(rows=RENAMED).as_bytes())
    recorder = Recorder(path=tmp_path / "calls.jsonl")
    work_queue(stack, recorder)
    assert {call["step"] for call in recorder.completed()} == STEPS

    report = json.loads(status(aws, stack, "--json").stdout)
    [booking] = report["bookings"]
    assert booking["missing"] == ["gross"]
    assert "charter purse" in booking["unread_labels"]
    shown = status(aws, stack).stdout
    assert "    missing: gross (no email gave it; published without)" in shown
    assert "'charter purse'" in shown
    assert "840.75" not in shown  # the label, never the value beside it

    send_raw(stack, confirmed(rows=RENAMED).as_bytes())  # forwarded again: a new SES message
    work_queue(stack, recorder, parsing={"labels": {"gross": ["Charter purse"]}})
    [booking] = json.loads(status(aws, stack, "--json").stdout)["bookings"]
    assert booking["missing"] == []
    assert booking["unread_labels"] == []
    assert "missing:" not in status(aws, stack).stdout


@pytest.fixture
def log_lines():
    out = io.StringIO()
    configure_logging("WARNING", stream=out)  # metrics are written whatever the log level
    yield lambda: [json.loads(line) for line in out.getvalue().splitlines()]
    structlog.reset_defaults()


def test_the_worker_counts_a_state_written_without_the_gross(stack, make_worker, log_lines):
    send_raw(stack, confirmed(rows=RENAMED).as_bytes())
    drain(make_worker(reader=ParsersReader(stack.settings().fleet)), seconds=60)
    lines = [line for line in log_lines() if "MissingValues" in line]
    assert sorted((line["Field"], line["MissingValues"]) for line in lines) == [
        ("gross", 1),
        ("party_size", 0),
    ]
    [gross] = [line for line in lines if line["Field"] == "gross"]
    assert "charter purse" in gross["Labels"].split(", ")
    directive = gross["_aws"]["CloudWatchMetrics"][0]
    assert directive["Dimensions"] == [["Field"]]  # the labels are a member, not a dimension
    # label words only, never the value beside them (the lines' own timestamps left out: their
    # digits may hold "840" by chance)
    timestamps = ("_aws", "timestamp")
    shown = json.dumps([{k: v for k, v in line.items() if k not in timestamps} for line in lines])
    assert "840" not in shown

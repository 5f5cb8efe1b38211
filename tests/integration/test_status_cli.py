"""``charterhand status`` as an operator runs it: a subprocess against moto's server."""

import json
import os
import subprocess

import pytest

from tests.support.cli import charterhand
from tests.support.pipeline import work_queue
from tests.support.recording import Fault, Recorder


def _status(aws, stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **aws.env(), **stack.env()}
    return charterhand("status", *args, env=env)


@pytest.fixture
def published(stack, tmp_path):
    recorder = Recorder(path=tmp_path / "calls.jsonl")
    work_queue(stack, recorder, "boatsetter-confirmed.eml")
    return stack


def test_status_json_shows_queues_and_each_step_of_the_booking(aws, published):
    result = _status(aws, published, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    names = [q["name"] for q in report["queues"]]
    assert names == [published.queue_url.rsplit("/", 1)[1], published.dlq_url.rsplit("/", 1)[1]]
    assert all(q["waiting"] == 0 for q in report["queues"])
    [booking] = report["bookings"]
    assert booking["key"] == "boatsetter:xhqgmdh"
    assert booking["status"] == "confirmed"
    assert set(booking["steps"].values()) == {"published"}
    assert "calendar" in booking["steps"]


def test_status_names_a_failed_step_and_its_reason(aws, stack, tmp_path):
    recorder = Recorder(path=tmp_path / "calls.jsonl", faults={"scc": Fault("permanent", times=9)})
    work_queue(stack, recorder, "boatsetter-confirmed.eml")
    result = _status(aws, stack)
    assert result.returncode == 0, result.stderr
    assert "scc=failed" in result.stdout
    assert "scc failed:" in result.stdout
    assert "calendar=published" in result.stdout


def test_status_counts_dead_letters_and_their_age(aws, stack, tmp_path):
    recorder = Recorder(path=tmp_path / "calls.jsonl")
    work_queue(stack, recorder, "boatsetter-confirmed-unreadable-layout.eml")
    report = json.loads(_status(aws, stack, "--json").stdout)
    dlq = report["queues"][1]
    assert dlq["waiting"] == 1
    assert dlq["oldest_age_seconds"] is not None
    assert report["bookings"] == []


def test_status_with_missing_settings_says_which(aws, stack):
    env = {k: v for k, v in {**os.environ, **aws.env()}.items() if not k.startswith("CHARTERHAND_")}
    result = charterhand("status", env=env)
    assert result.returncode == 1
    assert "CHARTERHAND_QUEUE_URL" in result.stderr


def test_status_shows_how_each_booking_was_proven(aws, published):
    result = _status(aws, published)
    assert result.returncode == 0, result.stderr
    assert "    provenance: verified (DMARC pass for boatsetter.com)" in result.stdout
    report = json.loads(_status(aws, published, "--json").stdout)
    assert report["bookings"][0]["provenance"] == "verified (DMARC pass for boatsetter.com)"

"""The shared DLQ limit as an operator meets it, with real processes on moto's server: ``worker
--once`` exits 1 when intake is stopped, ``charterhand status`` and ``intake status`` say since
when and why, and ``charterhand intake resume`` starts a stopped worker again without a restart.

Each worker is ``python -m tests.support.recording_worker``: the real ``charterhand worker``
command (real parsers) with recording publishers."""

import json
import os
import subprocess
import time

import boto3
import pytest

from tests.support.cli import charterhand
from tests.support.pipeline import ingest_sample
from tests.support.queues import messages_in
from tests.support.worker_processes import Workers, queue_empty, wait_until

pytestmark = pytest.mark.slow

UNREADABLE = "boatsetter-confirmed-unreadable-layout.eml"  # admitted, and a ParseError
GOOD = "boatsetter-confirmed.eml"
LIMIT = {"dlq_limit_count": 2, "worker_threads": 1}


def cli(aws, stack, *args: str) -> subprocess.CompletedProcess[str]:
    return charterhand(*args, env={**os.environ, **aws.env(), **stack.env()})


def output(workers: Workers, proc: subprocess.Popen[bytes]) -> str:
    return (workers.tmp_path / f"worker-{workers.procs.index(proc)}.log").read_text()


def test_worker_once_exits_1_while_intake_is_stopped_and_0_once_resumed(
    aws, stack, workers, recorder
):
    for _ in range(2):
        ingest_sample(stack, UNREADABLE)
    first = workers.start("--once", **LIMIT)
    assert first.wait(60) == 1
    assert "charterhand worker: stopped on the DLQ limit (2 dead letters of class parse)" in (
        output(workers, first)
    )
    ingest_sample(stack, GOOD)
    second = workers.start("--once", **LIMIT)  # a new process: the stop is in the table
    assert second.wait(60) == 1
    assert messages_in(boto3.client("sqs"), stack.queue_url) == 1  # the booking waits

    status = cli(aws, stack, "status")
    assert status.returncode == 0, status.stderr
    assert "intake: STOPPED since " in status.stdout
    assert "2 admitted emails dead-lettered in a row, class parse" in status.stdout
    report = json.loads(cli(aws, stack, "status", "--json").stdout)["intake"]
    assert (report["stopped"], report["reason_class"], report["dead_letters"]) == (
        True,
        "parse",
        2,
    )

    resumed = cli(aws, stack, "intake", "resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "intake resumed: it had stopped at " in resumed.stdout
    assert "charterhand dlq replay --since " in resumed.stdout
    assert cli(aws, stack, "intake", "status").stdout.strip() == "intake: running"

    third = workers.start("--once", **LIMIT)
    assert third.wait(60) == 0
    assert queue_empty(stack)
    assert len(recorder.completed()) == 6


def test_a_stopped_worker_takes_messages_again_after_intake_resume_without_a_restart(
    aws, stack, workers, recorder
):
    for _ in range(2):
        ingest_sample(stack, UNREADABLE)
    worker = workers.start(**LIMIT)
    wait_until(lambda: "dead-letter limit reached" in output(workers, worker), 60, "the stop")
    ingest_sample(stack, GOOD)
    time.sleep(3)  # a worker that took messages would have published it by now
    assert recorder.completed() == []
    assert messages_in(boto3.client("sqs"), stack.queue_url) == 1

    assert cli(aws, stack, "intake", "resume").returncode == 0
    wait_until(lambda: len(recorder.completed()) == 6, 30, "the booking to be published")
    assert worker.poll() is None  # the same process, never restarted
    assert "intake resumed: taking messages again" in output(workers, worker)
    assert "IntakeStopped" in output(workers, worker)  # the alarm's metric, while stopped


def test_intake_resume_when_nothing_stopped_says_so(aws, stack):
    result = cli(aws, stack, "intake", "resume")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "intake was not stopped: nothing to resume"
    report = json.loads(cli(aws, stack, "intake", "status", "--json").stdout)
    assert report["stopped"] is False
    assert report["resumed_at"] is not None

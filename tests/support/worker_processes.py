"""Real worker processes on a test's stack: start them, read their outcomes, wait for the queue.

Each worker is ``python -m tests.support.recording_worker`` (or another module): the real
``charterhand worker`` command with settings from the stack's environment.
"""

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import boto3

from sandbox.stack import LocalStack
from tests.support.paths import ROOT
from tests.support.queues import messages_in
from tests.support.recording import Recorder


class Workers:
    """Starts worker subprocesses on the test's stack; kills any left at the end."""

    def __init__(self, stack: LocalStack, tmp_path: Path, recorder: Recorder) -> None:
        self.stack, self.tmp_path, self.recorder = stack, tmp_path, recorder
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(
        self, *args, faults=None, module="tests.support.recording_worker", env=None, **settings
    ):
        env = {
            **os.environ,
            **self.stack.env(
                **{
                    "forwarder_allowlist": ["dana@sailjada.com"],
                    "poll_wait_seconds": 1,
                    "retry_base_seconds": 1,
                    "retry_max_seconds": 2,
                    "shutdown_deadline_seconds": 10,
                    **settings,
                }
            ),
            "CHARTERHAND_TEST_RECORD": str(self.recorder.path),
            "CHARTERHAND_TEST_FAULTS": json.dumps(faults or {}),
            "PYTHONPATH": str(ROOT),
            **(env or {}),
        }
        log = open(self.tmp_path / f"worker-{len(self.procs)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def outcomes(self):
        lines = []
        for path in sorted(self.tmp_path.glob("worker-*.log")):
            for text in path.read_text().splitlines():
                if text.startswith("{"):
                    line = json.loads(text)
                    if line.get("event") == "message settled":
                        lines.append(line)
        return lines

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def queue_empty(stack: LocalStack) -> bool:
    """Nothing visible, in flight, or delayed (a retry that waits on a lease is re-sent delayed)."""
    return messages_in(boto3.client("sqs"), stack.queue_url) == 0

"""Fixtures for tests against moto's server: a provisioned stack, a recorder, a worker, its log."""

import io
import json
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
import structlog

from app.compose import Clients, build_worker
from aws.logs import configure_logging
from sandbox.stack import provision
from state.store import StateStore
from tests.support.mail import EventMailReader
from tests.support.reason_text import text_reason_class
from tests.support.recording import Recorder, recording_publishers
from tests.support.worker_processes import Workers
from worker.orchestrate import Orchestrator
from worker.outcomes import Outcome


@pytest.fixture
def stack(aws):
    return provision(max_receive_count=3)


@pytest.fixture
def recorder(tmp_path):
    return Recorder(path=tmp_path / "calls.jsonl")


@pytest.fixture
def workers(stack, tmp_path, recorder):
    """Real worker processes on the stack (tests.support.worker_processes); killed at the end."""
    started = Workers(stack, tmp_path, recorder)
    yield started
    started.stop_all()


@pytest.fixture
def store(stack):
    return StateStore(stack.table_name, boto3.client("dynamodb"))


@pytest.fixture
def executor():
    pool = ThreadPoolExecutor(max_workers=8)
    yield pool
    pool.shutdown(wait=True)


@pytest.fixture
def orchestrator(store, recorder, executor):
    return Orchestrator(
        store, recording_publishers(recorder), executor, owner="test", lease_seconds=30
    )


@pytest.fixture
def make_worker(stack, recorder):
    """A worker in this process, on the stack, with recording publishers; stopped afterwards.

    Every outcome it settles must carry the reason class the old text classifier read from it
    (tests/support/reason_text.py): the metrics' ReasonClass values stay what they were."""
    built = []
    settled: list[Outcome] = []

    def make(reader=None, key_lookup=None, **overrides):
        settings = stack.settings(
            **{
                "forwarder_allowlist": ["dana@sailjada.com"],
                "poll_wait_seconds": 0,
                "retry_base_seconds": 0,
                "max_receive_count": 3,
                **overrides,
            }
        )
        worker = build_worker(
            settings,
            Clients.from_environment(),
            publishers=recording_publishers(recorder),
            reader=reader or EventMailReader(),
            key_lookup=key_lookup,
            on_outcome=lambda _message, outcome: settled.append(outcome),
        )
        built.append(worker)
        return worker

    yield make
    for worker in built:
        worker.signal_shutdown()
        worker.stop()
    disagree = [
        (o.reason, o.reason_class, text_reason_class(o))
        for o in settled
        if o.reason_class is not text_reason_class(o)
    ]
    assert not disagree, disagree


@pytest.fixture
def log_lines():
    """The worker's JSON log lines so far, parsed."""
    out = io.StringIO()
    configure_logging("INFO", stream=out)
    yield lambda: [json.loads(line) for line in out.getvalue().splitlines()]
    structlog.reset_defaults()


@pytest.fixture
def sqs():
    """An SQS client on the local stack's endpoint."""
    return boto3.client("sqs")

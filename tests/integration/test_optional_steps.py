"""An owner without ShipCaptainCrew or the JADA calendar runs the worker all the same: the real
worker (``build_worker`` and its real publishers) on moto and the sandbox systems, with steps off.

A step turned off leaves what it published before as it was: nothing cancels it (README,
"Steps you do not run").
"""

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from pydantic import SecretStr

from app.compose import Clients, build_worker
from ops.status import booking_status
from sandbox import SAMPLE_EMAILS
from sandbox.downstream import Downstream, running_downstream
from sandbox.ingest import ingest
from sandbox.stack import LocalStack
from tests.support.pipeline import settle_all
from worker.loop import Worker
from worker.outcomes import Outcome

BOOKING = "boatsetter:xhqgmdh"


@pytest.fixture
def systems() -> Iterator[Downstream]:
    with running_downstream(bcrypt_rounds=4) as running:
        yield running


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    built: list[Worker] = []
    yield built
    for worker in built:
        worker.signal_shutdown()
        worker.stop()


def start(
    stack: LocalStack, systems: Downstream, workers: list[Worker], settled: list[Outcome], **steps
) -> Worker:
    """The worker a deployment runs (real publishers), pointed at the sandboxes; ``steps``
    override what it is configured with (a step off, its settings None)."""
    values: dict[str, Any] = {
        "forwarder_allowlist": ["dana@sailjada.com"],
        "poll_wait_seconds": 0,
        "retry_base_seconds": 0,
        "max_receive_count": 3,
        "calendar_base_url": systems.calendar.base_url,
        "dashboard_token": SecretStr(systems.dashboard_token),
        "scc_base_url": systems.scc.base_url,
        "scc_service_key": SecretStr(systems.scc_service_key),
        "link_signing_key": SecretStr("k" * 32),
        **steps,
    }
    worker = build_worker(
        stack.settings(**values),
        Clients.from_environment(),
        on_outcome=lambda _message, outcome: settled.append(outcome),
    )
    workers.append(worker)
    return worker


def deliver(stack: LocalStack, worker: Worker, name: str) -> None:
    ingest(
        (SAMPLE_EMAILS / name).read_bytes(),
        s3=boto3.client("s3"),
        sqs=boto3.client("sqs"),
        bucket=stack.inbound_bucket,
        prefix="raw/",
        queue_url=stack.queue_url,
    )
    settle_all(worker)


def sent_subjects(aws) -> list[str]:
    """Every email moto's SES sent so far, by subject."""
    with urllib.request.urlopen(f"{aws.endpoint_url}/moto-api/data.json", timeout=10) as answer:
        data = json.load(answer)
    raws = [m["raw_data"] for m in data.get("ses", {}).get("RawMessage", [])]
    return [
        line.removeprefix("Subject: ")
        for raw in raws
        for line in raw.splitlines()
        if line.startswith("Subject: ")
    ]


def steps_of(stack: LocalStack) -> dict[str, str]:
    status = booking_status(boto3.client("dynamodb"), stack.table_name, BOOKING)
    assert status is not None
    return status.steps


def test_with_scc_off_the_worker_starts_without_scc_and_publishes_the_rest(
    aws, stack, systems, workers
):
    settled: list[Outcome] = []
    worker = start(
        stack, systems, workers, settled, scc_enabled=False, scc_base_url=None, scc_service_key=None
    )

    deliver(stack, worker, "boatsetter-confirmed.eml")

    assert [o.ending.value for o in settled] == ["done"]
    assert steps_of(stack) == {
        "calendar": "published",
        "guest_page": "published",
        "crew_page": "published",
        "crew_email": "published",
        "summary": "published",
    }
    assert len(systems.calendar.records) == 1
    assert systems.scc.requests == []
    assert not systems.scc.records
    subjects = sent_subjects(aws)
    assert len(subjects) == 3  # two crew members and the manager
    assert sum("New charter" in s for s in subjects) == 2


def test_with_the_calendar_off_nothing_reaches_the_calendar(aws, stack, systems, workers):
    settled: list[Outcome] = []
    worker = start(
        stack,
        systems,
        workers,
        settled,
        calendar_enabled=False,
        calendar_base_url=None,
        dashboard_token=None,
    )

    deliver(stack, worker, "boatsetter-confirmed.eml")

    assert [o.ending.value for o in settled] == ["done"]
    assert "calendar" not in steps_of(stack)
    assert systems.calendar.requests == []
    assert not systems.calendar.records
    assert len(systems.scc.records) == 1


def test_with_both_emails_off_the_pages_are_published_and_no_email_goes(
    aws, stack, systems, workers
):
    settled: list[Outcome] = []
    worker = start(
        stack, systems, workers, settled, crew_email_enabled=False, summary_enabled=False
    )

    deliver(stack, worker, "boatsetter-confirmed.eml")

    assert [o.ending.value for o in settled] == ["done"]
    assert set(steps_of(stack)) == {"calendar", "scc", "guest_page", "crew_page"}
    assert sent_subjects(aws) == []


def test_scc_turned_off_after_publishing_leaves_the_scc_event_as_it_was(
    aws, stack, systems, workers
):
    """The documented behaviour: records stay, nothing cancels them; the rest goes on."""
    settled: list[Outcome] = []
    with_scc = start(stack, systems, workers, settled)
    deliver(stack, with_scc, "boatsetter-confirmed.eml")
    with_scc.signal_shutdown()
    with_scc.stop()
    without = start(
        stack, systems, workers, settled, scc_enabled=False, scc_base_url=None, scc_service_key=None
    )

    deliver(stack, without, "boatsetter-cancelled.eml")

    assert [o.ending.value for o in settled] == ["done", "done"]
    [calendar_entry] = systems.calendar.records.values()
    [scc_event] = systems.scc.records.values()
    assert calendar_entry["status"] == "cancelled"
    assert scc_event["status"] != "cancelled"  # nobody cancels it: the owner does, in SCC
    assert steps_of(stack)["scc"] == "published"  # as it last was: `status` still shows it
    cancelled = [s for s in sent_subjects(aws) if s.startswith("Cancelled")]
    assert sum(s.startswith("Cancelled:") for s in cancelled) == 2  # the crew still hear
    assert sum(s.startswith("Cancelled booking") for s in cancelled) == 1  # and the manager

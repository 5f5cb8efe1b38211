"""The worker's EMF lines, from real messages through the real loop, orchestrator and log stream;
and every series the dashboard charts is among the metrics those lines create."""

import io
import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
import structlog

from app.compose import Clients, build_worker
from aws.logs import configure_logging
from bookings.tasks import audit_body
from tests.infra.dashboard import emitted, worker_charts
from tests.infra.module import load_module
from tests.integration.test_worker_outcomes import drain
from tests.support.mail import EventMailReader, email_for, event
from tests.support.pipeline import send_raw
from tests.support.recording import Fault, recording_publishers
from worker.orchestrate import Orchestrator, StepRun
from worker.outcomes import Outcome
from worker.queue import Received

NAMESPACE = "Charterhand/test"


@pytest.fixture
def log_lines():
    out = io.StringIO()
    configure_logging("WARNING", stream=out)  # metrics are written whatever the log level
    yield lambda: [json.loads(line) for line in out.getvalue().splitlines()]
    structlog.reset_defaults()


def metric_lines(log_lines: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [line for line in log_lines() if "_aws" in line]


def test_a_new_booking_is_six_step_runs_and_one_done_email(stack, make_worker, recorder, log_lines):
    send_raw(stack, email_for(event()))
    drain(make_worker(metrics_namespace=NAMESPACE))
    lines = metric_lines(log_lines)
    steps = sorted((line["Step"], line["StepFailures"]) for line in lines if "Step" in line)
    assert steps == [
        (step, 0)
        for step in sorted(["calendar", "scc", "guest_page", "crew_page", "crew_email", "summary"])
    ]
    assert all(line["StepLatency"] >= 0 for line in lines if "Step" in line)
    [email] = [line for line in lines if "Emails" in line]
    assert (email["Outcome"], email["ReasonClass"], email["Emails"]) == ("done", "published", 1)
    assert 0 <= email["EnqueueToSettled"] < 60_000
    assert {d["Namespace"] for line in lines for d in line["_aws"]["CloudWatchMetrics"]} == {
        NAMESPACE
    }


def test_a_failing_step_run_counts_one_failure_and_its_retry(
    stack, make_worker, recorder, log_lines
):
    recorder.faults = {"scc": Fault("transient", times=1)}
    send_raw(stack, email_for(event()))
    drain(make_worker(metrics_namespace=NAMESPACE))
    lines = metric_lines(log_lines)
    scc = [line["StepFailures"] for line in lines if line.get("Step") == "scc"]
    assert scc == [1, 0]
    emails = [(line["Outcome"], line["ReasonClass"]) for line in lines if "Emails" in line]
    assert emails == [("retry", "step"), ("done", "published")]


def test_every_series_the_dashboard_charts_is_a_metric_the_worker_emitted(
    stack, make_worker, recorder, log_lines
):
    recorder.faults = {"scc": Fault("transient", times=1)}
    send_raw(stack, email_for(event()))  # a retry (scc), then done: all six steps
    send_raw(stack, email_for(None, not_a_booking=True))  # ignored
    boto3.client("sqs").send_message(
        QueueUrl=stack.queue_url, MessageBody="Test message."
    )  # dead-letter
    # the hourly audit: its findings are counted per kind, 0 when none
    boto3.client("sqs").send_message(QueueUrl=stack.queue_url, MessageBody=audit_body())
    drain(make_worker(metrics_namespace=NAMESPACE))
    created = emitted(metric_lines(log_lines))
    for chart in worker_charts(load_module()):
        if chart.series:
            missing = chart.metric_ids(NAMESPACE) - created
            assert not missing, f"{chart.title}: the worker emitted no {sorted(missing)}"
        else:  # a SEARCH over the dimension set: some metric must carry exactly those keys
            keys = tuple(sorted(chart.dimensions))
            assert any(
                (ns, name, tuple(k for k, _ in dims)) == (NAMESPACE, chart.metric, keys)
                for ns, name, dims in created
            ), chart.title


def test_the_step_hook_sees_each_run_once_and_cannot_break_one(store, recorder, executor):
    runs: list[StepRun] = []

    def hook(run: StepRun) -> None:
        runs.append(run)
        raise RuntimeError("a broken metrics sink")

    recorder.faults = {"scc": Fault("permanent")}
    orchestrator = Orchestrator(
        store, recording_publishers(recorder), executor, owner="t", lease_seconds=30, on_step=hook
    )
    applied = orchestrator.apply(event(), run_id="r1")
    assert set(applied.failed) == {"scc"}  # the hook's error changed no step's result
    assert applied.blocked == ("summary",)
    assert sorted((r.step, r.failed) for r in runs) == [
        ("calendar", False),
        ("crew_email", False),
        ("crew_page", False),
        ("guest_page", False),
        ("scc", True),
    ]
    assert {r.booking_key for r in runs} == {"boatsetter:xhqgmdh"}


def test_a_step_that_only_waits_is_not_a_failed_run(store, recorder, executor):
    """Waiting for a lease or SES's report is no failure: the step failure alarm never counts it."""
    runs: list[StepRun] = []
    recorder.faults = {"crew_email": Fault("waiting")}
    orchestrator = Orchestrator(
        store,
        recording_publishers(recorder),
        executor,
        owner="t",
        lease_seconds=30,
        on_step=runs.append,
    )
    applied = orchestrator.apply(event(), run_id="r1")
    assert set(applied.failed) == {"crew_email"}  # still retried, as a wait
    assert ("crew_email", False) in [(r.step, r.failed) for r in runs]
    assert not any(r.failed for r in runs)


def test_the_outcome_hook_is_called_once_per_settled_message_after_the_metrics(
    stack, recorder, log_lines
):
    seen: list[tuple[str, str]] = []

    def hook(message: Received, outcome: Outcome) -> None:
        seen.append((outcome.ending.value, outcome.booking_key or ""))
        raise RuntimeError("a broken demo")

    worker = build_worker(
        stack.settings(poll_wait_seconds=0),
        Clients.from_environment(),
        publishers=recording_publishers(recorder),
        reader=EventMailReader(),
        on_outcome=hook,
    )
    try:
        send_raw(stack, email_for(event()))
        send_raw(stack, email_for(None, not_a_booking=True))
        drain(worker)
    finally:
        worker.signal_shutdown()
        worker.stop()
    assert sorted(seen) == [("done", "boatsetter:xhqgmdh"), ("ignored", "")]
    assert len([line for line in metric_lines(log_lines) if "Emails" in line]) == 2
    assert boto3.client("sqs").receive_message(QueueUrl=stack.queue_url).get("Messages") is None

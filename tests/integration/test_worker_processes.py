"""The Must-show behaviours with real worker processes, real sample emails and moto's server.

Each worker is ``python -m tests.support.recording_worker``: the real ``charterhand worker``
command with recording publishers that append every call to a file the test reads.
"""

import os
import signal
import subprocess
import sys

import boto3
import pytest

from sandbox.ses import SesStandIn, serving
from state.store import StateStore
from tests.support.paths import ROOT
from tests.support.pipeline import ingest_sample
from tests.support.recording import Recorder
from tests.support.worker_processes import queue_empty, wait_until

pytestmark = pytest.mark.slow

EMAILS = ROOT / "tests" / "fixtures" / "emails"
STEPS = {"calendar", "scc", "guest_page", "crew_page", "crew_email", "summary"}


def completions(recorder: Recorder) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for entry in recorder.completed():
        key = (entry["booking"], entry["step"])
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_ten_duplicates_on_two_processes_of_four_threads_run_each_step_once(
    stack, workers, recorder
):
    message_id = ingest_sample(stack, "boatsetter-confirmed.eml")
    sqs = boto3.client("sqs")
    body = sqs.receive_message(QueueUrl=stack.queue_url)["Messages"][0]
    sqs.delete_message(QueueUrl=stack.queue_url, ReceiptHandle=body["ReceiptHandle"])
    for _ in range(10):  # the same SES notification delivered ten times
        sqs.send_message(QueueUrl=stack.queue_url, MessageBody=body["Body"])
    first = workers.start(worker_threads=4)
    second = workers.start(worker_threads=4)

    def settled() -> bool:  # a message's line is logged just after its (batched) delete
        return len([o for o in workers.outcomes() if o["outcome"] == "done"]) >= 10

    wait_until(lambda: queue_empty(stack) and settled(), 60, "the queue to drain")
    assert completions(recorder) == {("boatsetter:xhqgmdh", step): 1 for step in STEPS}
    done = [o for o in workers.outcomes() if o["outcome"] == "done"]
    assert len(done) == 10
    assert {o["email_id"] for o in done} == {message_id}
    assert first.poll() is None  # both still serving
    assert second.poll() is None


def test_worker_killed_mid_step_is_finished_by_the_next_without_running_a_step_twice(
    stack, workers, recorder
):
    ingest_sample(stack, "boatsetter-confirmed.eml")
    doomed = workers.start(
        faults={"scc": {"kind": "sleep", "seconds": 60}},
        lease_seconds=5,
        visibility_timeout_seconds=10,
    )
    wait_until(
        lambda: any(e["step"] == "scc" and e["event"] == "started" for e in recorder.entries()),
        30,
        "scc to start",
    )
    store = StateStore(stack.table_name, boto3.client("dynamodb"))
    # every step that can finish while scc sleeps must be recorded before the kill, so the kill
    # lands mid-scc and nowhere else: a kill between a publisher's return and its record is the
    # window the systems' idempotency keys and the delivery log cover, not the worker's leases
    others = {"calendar", "guest_page", "crew_page", "crew_email"}
    wait_until(
        lambda: (
            others
            <= {
                s
                for s, r in store.load("boatsetter:xhqgmdh").steps.items()
                if r.status == "published"
            }
        ),
        30,
        "the other steps to be recorded",
    )
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    assert ("boatsetter:xhqgmdh", "scc") not in completions(recorder)
    workers.start(lease_seconds=5, visibility_timeout_seconds=10)
    wait_until(
        lambda: queue_empty(stack) and len(completions(recorder)) == len(STEPS),
        60,
        "the booking to complete",
    )
    assert completions(recorder) == {("boatsetter:xhqgmdh", step): 1 for step in STEPS}
    state = store.load("boatsetter:xhqgmdh")
    assert {s.status for s in state.steps.values()} == {"published"}
    assert state.lease_owner is None


def test_sigterm_during_work_exits_zero_and_loses_nothing(stack, workers, recorder):
    ingest_sample(stack, "boatsetter-confirmed.eml")
    ingest_sample(stack, "getmyboat-confirmed.eml")
    proc = workers.start(
        faults={"calendar": {"kind": "sleep", "seconds": 2, "times": 2}}, worker_threads=2
    )
    wait_until(lambda: any(e["event"] == "started" for e in recorder.entries()), 30, "work")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    workers.start("--once")
    wait_until(lambda: queue_empty(stack), 60, "the queue to drain")
    assert workers.procs[-1].wait(30) == 0
    expected = {
        (key, step): 1 for key in ("boatsetter:xhqgmdh", "getmyboat:4817263") for step in STEPS
    }
    assert completions(recorder) == expected


def test_ingest_then_worker_once_settles_every_sample_email(stack, workers, recorder, tmp_path):
    names = sorted(p.name for p in EMAILS.glob("*.eml"))
    env = {
        **os.environ,
        **stack.env(forwarder_allowlist=["dana@sailjada.com"]),
        "PYTHONPATH": str(ROOT),
    }
    ingested = subprocess.run(
        [sys.executable, "-m", "commands.main", "ingest", *[str(EMAILS / n) for n in names]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(ingested.stdout.splitlines()) == len(names)
    proc = workers.start("--once")
    assert proc.wait(120) == 0
    by_outcome: dict[str, int] = {}
    for line in workers.outcomes():
        if line["outcome"] == "retry":  # three emails of one booking: a lease held, waited for
            assert line["error_class"] == "LeaseHeld", line
            continue
        by_outcome[line["outcome"]] = by_outcome.get(line["outcome"], 0) + 1
    assert by_outcome == {"done": 8, "ignored": 2, "dead-letter": 1}
    assert queue_empty(stack)


def test_a_worker_killed_between_ses_accepting_and_its_record_sends_no_email_twice(
    stack, workers, recorder, moto_server
):
    """SES accepts the summary and the first crew email; the worker dies before their answers
    (and so their records) arrive. The next worker settles both from SES's events."""
    sqs = boto3.client("sqs")
    events = sqs.create_queue(QueueName=f"{stack.table_name}-ses-events")["QueueUrl"]
    ses = SesStandIn(moto_server.endpoint_url, sqs=sqs, events_queue_url=events)
    settings = {
        "ses_events_queue_url": events,
        "lease_seconds": 5,
        "visibility_timeout_seconds": 10,
    }
    with serving(ses):
        env = {"AWS_ENDPOINT_URL_SESV2": ses.base_url}
        ses.hold()  # SES accepts every email, and its answers never come
        ingest_sample(stack, "boatsetter-confirmed.eml")
        doomed = workers.start(module="tests.support.mail_worker", env=env, **settings)
        wait_until(lambda: len(ses.accepted) >= 2, 60, "SES to accept two emails")
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(10)
        ses.release()
        workers.start(module="tests.support.mail_worker", env=env, **settings)
        store = StateStore(stack.table_name, boto3.client("dynamodb"))
        wait_until(
            lambda: (
                queue_empty(stack)
                and {s.status for s in store.load("boatsetter:xhqgmdh").steps.values()}
                == {"published"}
                and len(store.load("boatsetter:xhqgmdh").steps) == len(STEPS)
            ),
            90,
            "the booking to complete",
        )
    sent: dict[tuple[str, str], int] = {}
    for email in ses.accepted:
        sent[(email.to, email.kind)] = sent.get((email.to, email.kind), 0) + 1
    assert sent == {
        ("Sam Rivera <sam@example.com>", "new"): 1,
        ("Alex Chen <alex@example.com>", "new"): 1,
        ("manager@example.com", "new"): 1,
    }

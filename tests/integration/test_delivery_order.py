"""Every order of delivery of the real confirmed / modified / cancelled emails of one booking
ends in the same stored state and the same last-published input per step (real parsers)."""

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import boto3
import pytest

from bookings import Booking
from sandbox.ingest import ingest
from sandbox.stack import LocalStack
from state.store import StateStore
from tests.support.paths import ROOT
from tests.support.recording import Recorder
from worker.loop import Worker
from worker.parsing import ParsersReader

EMAILS = ROOT / "tests" / "fixtures" / "emails"
NAMES = ["boatsetter-confirmed.eml", "boatsetter-modified.eml", "boatsetter-cancelled.eml"]


def deliver_in_order(
    stack: LocalStack, make_worker: Callable[..., Worker], recorder: Recorder, order: Sequence[str]
) -> tuple[Booking | None, dict[str, Any]]:
    worker = make_worker(reader=ParsersReader(stack.settings().fleet))
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    for name in order:  # one at a time: each email is settled before the next arrives
        ingest(
            (EMAILS / name).read_bytes(),
            s3=s3,
            sqs=sqs,
            bucket=stack.inbound_bucket,
            prefix="raw/",
            queue_url=stack.queue_url,
        )
        while worker._run_once(wait_seconds=0):
            worker.wait_idle(10)
    record = StateStore(stack.table_name, boto3.client("dynamodb")).load("boatsetter:xhqgmdh")
    last_input = {e["step"]: e["input"] for e in recorder.completed()}
    return record.booking, last_input


@pytest.fixture(scope="module")
def reference(tmp_path_factory, moto_server):
    """State and last inputs for the chronological order, computed once."""
    from app.compose import build_worker
    from sandbox.stack import provision
    from tests.support.recording import recording_publishers

    moto_server.reset()
    stack = provision()
    recorder = Recorder(path=tmp_path_factory.mktemp("ref") / "calls.jsonl")
    worker = build_worker(
        stack.settings(poll_wait_seconds=0, retry_base_seconds=0),
        publishers=recording_publishers(recorder),
    )

    def make_worker(reader=None, **_):
        return worker

    result = deliver_in_order(stack, make_worker, recorder, NAMES)
    worker.signal_shutdown()
    worker.stop()
    return result


@pytest.mark.parametrize(
    "order",
    list(itertools.permutations(NAMES)),
    ids=lambda o: "-".join(n.split("-")[1].split(".")[0] for n in o),
)
def test_every_order_ends_in_the_same_state_and_published_inputs(
    order, reference, stack, make_worker, recorder
):
    state, last_input = deliver_in_order(stack, make_worker, recorder, order)
    ref_state, ref_input = reference
    assert state == ref_state
    assert state is not None
    assert state.status.value == "cancelled"
    assert last_input == ref_input

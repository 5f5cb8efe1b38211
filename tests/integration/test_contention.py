"""Lease contention spends no retry budget: a message waiting for another worker's lease is
never dead-lettered for it (issue 11, point 6).

Another worker busy on the booking is stood in for by its lease, taken in the state table the
way a worker takes it (a slow step keeps renewing one just like this); everything else is the
real worker on moto's server.
"""

import time

from bookings import Kind
from state.store import StateStore
from tests.support.leases import take_lease
from tests.support.mail import email_for, event
from tests.support.pipeline import send_raw
from tests.support.queues import messages_in
from worker.outcomes import Ending, Outcome, ReasonClass
from worker.policy import RetryPolicy
from worker.queue import CONTENTION, PRIOR_RECEIVES, Received, SqsQueue
from worker.settling import Settler

KEY = "boatsetter:xhqgmdh"
LEASE_SECONDS = 8


def hold_lease(store: StateStore, seconds: float) -> None:
    """Another worker takes the booking's lease, as ``Orchestrator.apply`` does."""
    take_lease(store, KEY, owner="busy-worker/1", seconds=seconds)


def work_until(worker, done, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not done():
        worker._run_once(wait_seconds=1)
        worker.wait_idle(10)


def test_a_cancellation_waiting_on_a_held_lease_is_applied_not_dead_lettered(
    stack, make_worker, recorder, store, sqs
):
    worker = make_worker(retry_base_seconds=1, retry_max_seconds=2, max_receive_count=3)
    send_raw(stack, email_for(event(Kind.CONFIRMED)))
    work_until(worker, lambda: messages_in(sqs, stack.queue_url) == 0, 20)
    hold_lease(store, LEASE_SECONDS)
    send_raw(stack, email_for(event(Kind.CANCELLED, as_of_minutes=60)))

    # 3 receives are the budget; the lease outlasts them (retries after ~1 s, then ~2 s)
    work_until(worker, lambda: messages_in(sqs, stack.queue_url) == 0, LEASE_SECONDS + 20)

    dead = sqs.receive_message(QueueUrl=stack.dlq_url, MaxNumberOfMessages=10).get("Messages")
    assert not dead, "the cancellation was dead-lettered while it waited for the lease"
    state = store.load(KEY)
    assert state.booking is not None
    assert state.booking.status is Kind.CANCELLED
    assert {s.published.status for s in state.steps.values() if s.published} == {Kind.CANCELLED}
    assert [e["input"]["status"] for e in recorder.completed("calendar")] == [
        "confirmed",
        "cancelled",
    ]


def test_a_contention_retry_is_a_fresh_message_that_keeps_the_real_failures_count(stack, sqs):
    """The re-sent copy starts a new SQS receive count (the redrive policy's too), and carries
    the receives its forerunners spent on real failures, so the worker's budget stays honest."""
    sqs.send_message(QueueUrl=stack.queue_url, MessageBody="{}")
    settler = Settler(
        SqsQueue(queue_url=stack.queue_url, dlq_url=stack.dlq_url, client=sqs),
        RetryPolicy(max_receive_count=3, base_seconds=0, max_seconds=0),
    )
    first = sqs.receive_message(
        QueueUrl=stack.queue_url, AttributeNames=["All"], VisibilityTimeout=0
    )["Messages"][0]
    second = sqs.receive_message(
        QueueUrl=stack.queue_url, AttributeNames=["All"], MessageAttributeNames=["All"]
    )["Messages"][0]
    assert first["MessageId"] == second["MessageId"]
    received = Received.from_sqs(second)  # its 2nd receive: the 1st was a real failure
    settled = settler.settle(
        received, Outcome(Ending.RETRY, "held", ReasonClass.LEASE, contention=True)
    )

    assert settled.ending is Ending.RETRY
    [copy] = sqs.receive_message(
        QueueUrl=stack.queue_url, AttributeNames=["All"], MessageAttributeNames=["All"]
    )["Messages"]
    again = Received.from_sqs(copy)
    assert copy["MessageId"] != first["MessageId"]
    assert again.receive_count == 1
    assert again.attributes[CONTENTION] == "1"
    assert again.attributes[PRIOR_RECEIVES] == "1"
    assert again.spent == 2

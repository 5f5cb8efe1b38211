"""The worker's loop over any :class:`worker.queue.MessageQueue`, with a scripted handler: for
the loop's own tests (on :class:`~tests.support.memory_queue.MemoryQueue`, no moto) and the
queue contract test (the same cases on moto's SQS).

A message's body names what its handler answers: ``done``, ``ignored``, ``transient`` (a retry),
``permanent`` (a dead-letter, step ``calendar``), ``parse`` (a dead-letter of another reason
class), ``waiting`` (lease contention) or ``block`` (waits until ``ScriptedHandler.release``),
each for an admitted email; ``outsider-parse`` and ``outsider-ignored`` are a dead letter and an
ignore for mail that never passed admission (the DLQ limit counts neither).
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bookings import ParseError, PermanentError, TransientError, Waiting
from ops.status import queue_health
from worker.decode import UnreadableBody
from worker.loop import IntakeLimit, Worker
from worker.outcomes import Ending, Outcome, ReasonClass
from worker.policy import IntakeStop, RetryPolicy
from worker.queue import MessageQueue, Received
from worker.settling import Settler

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

BOOKING = "boatsetter:xhqgmdh"


def messages_in(sqs: "SQSClient", url: str) -> int:
    """Messages visible, in flight or delayed (a retry waiting on a lease is re-sent delayed) in
    an SQS queue, counted from its attributes as the operator's ``status`` counts them."""
    health = queue_health(sqs, url, oldest_age=lambda _name: None)
    return health.waiting + health.in_flight + health.delayed


@dataclass
class ScriptedHandler:
    """Answers each message as its body says; counts what it was given."""

    handled: list[tuple[str, int]] = field(default_factory=list)
    gate: threading.Event = field(default_factory=threading.Event)
    closed: bool = False

    def handle(self, message: Received) -> Outcome:
        self.handled.append((message.body, message.receive_count))
        script = message.body
        if script == "block":
            self.gate.wait(30)
            script = "done"
        if script == "outsider-ignored":
            return Outcome(Ending.IGNORED, "SES spam verdict FAIL", ReasonClass.UNTRUSTED)
        if script == "outsider-parse":
            return Outcome.of_error(UnreadableBody("body is not JSON"))
        if script == "done":
            return Outcome(
                Ending.DONE,
                "confirmed: ran calendar",
                ReasonClass.PUBLISHED,
                booking_key=BOOKING,
                admitted=True,
            )
        if script == "ignored":
            reason = "not a booking: a newsletter"
            return Outcome(Ending.IGNORED, reason, ReasonClass.NOT_A_BOOKING, admitted=True)
        errors = {
            "transient": TransientError("calendar sandbox said no (transient)", step="calendar"),
            "permanent": PermanentError("calendar sandbox said no (permanent)", step="calendar"),
            "parse": ParseError("cannot read booking_id, start, end"),
            "waiting": Waiting("another worker holds the booking", step="calendar"),
        }
        return Outcome.of_error(errors[script], booking_key=BOOKING, admitted=True)

    def release(self) -> None:
        self.gate.set()

    def close(self) -> None:
        self.closed = True


@dataclass
class Reports:
    """What the worker's hooks were told."""

    outcomes: list[tuple[Received, Outcome]] = field(default_factory=list)
    stops: list[IntakeStop] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def outcome(self, message: Received, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append((message, outcome))

    def stopped(self, stop: IntakeStop) -> None:
        self.stops.append(stop)

    def endings(self) -> list[str]:
        return [outcome.ending.value for _, outcome in self.outcomes]


def make_worker(
    queue: MessageQueue,
    handler: ScriptedHandler,
    reports: Reports,
    *,
    max_receive_count: int = 3,
    retry_base_seconds: int = 0,
    retry_max_seconds: int = 900,
    threads: int = 2,
    visibility_timeout_seconds: int = 30,
    dlq_limit: IntakeLimit | None = None,
    clock: Callable[[], float] | None = None,
    rand: Callable[[], float] = lambda: 0.5,
) -> Worker:
    """A worker over ``queue`` whose hooks tell ``reports``; deterministic jitter (0.5)."""
    policy = RetryPolicy(
        max_receive_count=max_receive_count,
        base_seconds=retry_base_seconds,
        max_seconds=retry_max_seconds,
        rand=rand,
    )
    clock = clock or time.time
    return Worker(
        handler=handler,
        settler=Settler(queue, policy, clock=clock),
        threads=threads,
        visibility_timeout_seconds=visibility_timeout_seconds,
        poll_wait_seconds=0,
        shutdown_deadline_seconds=5,
        delete_linger_seconds=0.01,
        on_outcome=reports.outcome,
        dlq_limit=dlq_limit,
        on_intake_stopped=reports.stopped,
        clock=clock,
    )


def drain(worker: Worker, *, between: Callable[[], None] = lambda: None, rounds: int = 50) -> None:
    """Receive and work until a receive finds nothing; ``between`` runs after each round (a
    clock moved past a backoff, say)."""
    for _ in range(rounds):
        received = worker._run_once(wait_seconds=0)
        assert worker.wait_idle(10)
        between()
        if received == 0:
            return
    raise AssertionError("the queue did not drain")

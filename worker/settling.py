"""Carrying a message's final outcome out on its queue.

| outcome     | on the queue                                                         |
| ----------- | -------------------------------------------------------------------- |
| done        | delete (the loop batches these: ``worker.deleting``)                 |
| ignored     | delete (the same)                                                    |
| retry       | visibility set to the policy's backoff (jittered)                    |
| retry (lease held elsewhere) | re-sent as a fresh message (delayed, jittered), old deleted |
| dead-letter | sent to the DLQ (body unchanged, ``charterhand.*`` attributes), then deleted |

Which outcome is final is :class:`worker.policy.RetryPolicy`'s decision; this module only acts.

**Lease contention spends no retry budget.** SQS counts every receive, and so does the redrive
policy, so a message that merely waited for another worker's lease would, under a burst, run
out of receives and be dead-lettered (a cancellation so lost leaves the booking live). A
contention retry is therefore *re-sent* as a new message (receive count 1 again), carrying in
``charterhand.*`` attributes how many contention retries it had, how many receives it had spent
on real failures before (``prior_receives``: the worker's budget is that plus this copy's
receive count), and its first failure time; then the old copy is deleted. Sent before deleted: a
crash in between leaves two copies, which the worker deduplicates by email, never none. The
redrive safety net still catches a worker that dies on a message: each copy's own receives count.
Contention has no limit of its own: a lease always ends (given back, or expired after
``lease_seconds``), so waiting for it ends too.
"""

import time
from collections.abc import Callable
from datetime import UTC, datetime

from bookings.redact import mask
from worker.outcomes import Ending, Outcome
from worker.policy import RetryPolicy
from worker.queue import (
    CONTENTION,
    FIRST_FAILURE,
    PRIOR_RECEIVES,
    REPLAY_COUNT,
    MessageQueue,
    Received,
)


class Settler:
    """Carries final outcomes out on ``queue`` as ``policy`` decides them."""

    def __init__(
        self, queue: MessageQueue, policy: RetryPolicy, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.queue = queue
        self.policy = policy
        self.clock = clock
        #: when the last message re-sent for contention is due back (``clock`` time): a worker
        #: run ``--once`` waits for it, since it is still this run's work
        self.resent_due = 0.0

    def final(self, message: Received, outcome: Outcome) -> Outcome:
        """The outcome that will be carried out (:meth:`RetryPolicy.final`)."""
        return self.policy.final(message, outcome)

    def settle(self, message: Received, outcome: Outcome) -> Outcome:
        """Carry out ``outcome``, already made :meth:`final` (the loop decides it once, to count
        it and batch deletes, before it is carried out), and return it. Raises a CharterhandError
        if the queue fails; the message then simply comes back after its visibility timeout."""
        if outcome.ending is Ending.RETRY and outcome.contention:
            self._resend(message)
        elif outcome.ending is Ending.RETRY:
            self.queue.change_visibility(message, self.policy.retry_delay(message))
        else:
            if outcome.ending is Ending.DEAD_LETTER:
                self.queue.dead_letter(message, self.dead_letter_attributes(message, outcome))
            self.queue.delete(message)
        return outcome

    def _resend(self, message: Received) -> None:
        """A contention retry: the same body as a fresh, delayed message, then the old deleted."""
        attributes = dict(message.attributes)
        attributes[CONTENTION] = str(message.contention_retries + 1)
        attributes[PRIOR_RECEIVES] = str(message.spent - 1)  # this receive was not a failure
        attributes[FIRST_FAILURE] = self._first_failure(message)
        delay = self.policy.contention_delay(message)
        self.queue.resend(message, attributes, delay)
        self.resent_due = max(self.resent_due, self.clock() + delay)
        self.queue.delete(message)

    def dead_letter_attributes(self, message: Received, outcome: Outcome) -> dict[str, str]:
        """docs/contracts.md's DLQ attributes (without the ``charterhand.`` prefix); the reason
        masked as the logs mask it (an address or phone number in a key or a quoted answer)."""
        attrs = {
            "reason": mask(outcome.reason)[:1000],
            "error_class": outcome.error_class or "",
            "step": outcome.step or "",
            "booking_key": outcome.booking_key or "",
            "first_failure": self._first_failure(message),
            "receive_count": str(message.spent),
        }
        if REPLAY_COUNT in message.attributes:
            attrs["replay_count"] = message.attributes[REPLAY_COUNT]
        return {name: value for name, value in attrs.items() if value}

    def _first_failure(self, message: Received) -> str:
        """Kept across replays; else the first receive when it failed before, else now."""
        kept = message.attributes.get(FIRST_FAILURE)
        if kept:
            return kept
        when = message.first_received_at if message.receive_count > 1 else None
        return datetime.fromtimestamp(when or self.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

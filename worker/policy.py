"""The worker's policy, apart from the mechanism that carries it out (:mod:`worker.settling`):
which outcome is final, how long a retry waits, and when to stop taking messages at all.

**Final outcome.** A message carrying several emails takes the most urgent of their outcomes
(:func:`combine`). A retry whose receives reached ``max_receive_count`` becomes a dead-letter,
with its reason (the queue's redrive policy, set higher, stays the safety net for a worker that
dies); a retry for lease contention never does: it spends no budget (:mod:`worker.settling`).

**Backoff with full jitter.** The ceiling grows as ``base``, 2×, 4× ... up to ``cap``; the delay
is drawn uniformly below it ("full jitter", AWS Architecture Blog, "Exponential Backoff and
Jitter"). Without the draw, every message that failed in the same outage comes back in the same
second, fails together again, and keeps coming back in step; with it, they spread over the whole
window. The random source is a parameter, so the functions stay pure for their tests. SQS counts
deliveries for us (``ApproximateReceiveCount``), so the count needs no state of ours and
survives a worker dying.

**DLQ limit.** When ``count`` admitted emails in a row are dead-lettered for the same reason
class within ``window_seconds``, something is wrong with every message, not with each (a bad
deploy, a rotated key): :class:`DlqLimit` says so, and every worker stops taking messages
instead of moving the whole queue to the DLQ (arroyo's ``DlqLimit`` is the model). The run is
shared by all workers (:mod:`worker.intake`); this module only says what each outcome does to it.
"""

import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from worker.outcomes import Ending, Outcome, ReasonClass
from worker.queue import Received

#: SQS's own ceiling for a message's visibility timeout
SQS_MAX_VISIBILITY_SECONDS = 43200
#: SQS's ceiling for a message's DelaySeconds (a re-sent message waits at most this long)
SQS_MAX_DELAY_SECONDS = 900

#: a random source: a float in [0, 1), like ``random.random``
Random = Callable[[], float]

#: when one message carries several emails, the message takes the most urgent of their outcomes:
#: a retry may still succeed (and dead-letters what stays broken later), so it goes first
URGENCY = {Ending.IGNORED: 0, Ending.DONE: 1, Ending.DEAD_LETTER: 2, Ending.RETRY: 3}


def combine(outcomes: Iterable[Outcome]) -> Outcome:
    """One outcome for a message from those of its emails (the most urgent; reasons joined)."""
    items = list(outcomes)
    if not items:
        raise ValueError("no outcomes to combine")
    if len(items) == 1:
        return items[0]
    # a real failure before a lease contention: it is the one whose retry must spend budget
    top = max(items, key=lambda o: (URGENCY[o.ending], not o.contention))
    others = [o.reason for o in items if o is not top]
    return replace(top, reason=f"{top.reason} (and {len(others)} more: {'; '.join(others)})")


def backoff_ceiling(attempt: int, *, base: int, cap: int) -> int:
    """The longest wait after the ``attempt``-th failure (1 = the first): base × 2^(n-1), capped."""
    if attempt < 1:
        raise ValueError(f"receive count starts at 1, got {attempt}")
    exponent = min(attempt - 1, 30)  # 2**30 × base is past any cap; avoids huge ints
    delay: int = base * (1 << exponent)
    return min(delay, cap, SQS_MAX_VISIBILITY_SECONDS)


def backoff_seconds(attempt: int, *, base: int, cap: int, rand: Random = random.random) -> int:
    """Seconds to wait after the ``attempt``-th failure: uniform in (0, ceiling], whole seconds.

    Rounded up, so a non-zero ceiling never gives an instant retry; a zero ceiling (``base`` 0,
    as tests use) gives 0.
    """
    ceiling = backoff_ceiling(attempt, base=base, cap=cap)
    draw = min(max(rand(), 0.0), 1.0)
    return min(ceiling, max(1, math.ceil(draw * ceiling))) if ceiling else 0


@dataclass(frozen=True)
class RetryPolicy:
    """How often a message is tried, and how long each retry waits."""

    #: receives after which a transient fault is dead-lettered
    max_receive_count: int
    #: the first retry's longest wait; doubles on each receive
    base_seconds: int
    #: the longest wait of any retry
    max_seconds: int
    rand: Random = random.random

    def final(self, message: Received, outcome: Outcome) -> Outcome:
        """The outcome actually carried out: a retry past the budget is a dead-letter (never a
        retry for lease contention, which spends no budget)."""
        if (
            outcome.ending is Ending.RETRY
            and not outcome.contention
            and message.spent >= self.max_receive_count
        ):
            return replace(
                outcome,
                ending=Ending.DEAD_LETTER,
                reason=f"retries exhausted after {message.spent} receives: {outcome.reason}",
            )
        return outcome

    def retry_delay(self, message: Received) -> int:
        """Seconds a failed message stays hidden before it is tried again."""
        return backoff_seconds(
            message.spent, base=self.base_seconds, cap=self.max_seconds, rand=self.rand
        )

    def contention_delay(self, message: Received) -> int:
        """Seconds a message that waits for a lease is held back when re-sent."""
        return min(
            backoff_seconds(
                message.contention_retries + 1,
                base=self.base_seconds,
                cap=self.max_seconds,
                rand=self.rand,
            ),
            SQS_MAX_DELAY_SECONDS,
        )


#: the DLQ limit's defaults (``app.settings``: ``dlq_limit_count``, ``dlq_limit_window_seconds``)
DLQ_LIMIT_COUNT = 20
DLQ_LIMIT_WINDOW_SECONDS = 300


@dataclass(frozen=True)
class IntakeStop:
    """Why the workers stopped taking messages: ``count`` dead letters in a row of one class
    within ``window_seconds``, the last at ``stopped_at`` (seconds since the epoch)."""

    reason_class: ReasonClass
    count: int
    window_seconds: float
    stopped_at: float


@dataclass(frozen=True)
class Streak:
    """The current run of dead letters: their reason class, and when each came (at most the
    limit's ``count`` of the latest)."""

    reason_class: ReasonClass | None = None
    times: tuple[float, ...] = ()


@dataclass(frozen=True)
class DlqLimit:
    """When a run of dead letters stops intake. Pure: the run lives in a record every worker
    shares (:class:`worker.intake.SharedDlqLimit`), and each outcome moves it on.

    Only admitted mail counts (``Outcome.admitted``): what fails before admission (an unreadable
    body, a missing object, an email that breaks the reader before its sender is proven) could
    be sent by anyone, and must never stop intake for everyone. Of admitted mail, a done or
    ignored message, or a dead letter of another class, ends the run (the worker can handle
    *some* messages, or they fail for different reasons); a retry is neither (it may yet
    succeed).
    """

    count: int = DLQ_LIMIT_COUNT
    window_seconds: float = DLQ_LIMIT_WINDOW_SECONDS

    def __post_init__(self) -> None:
        if self.count < 1 or self.window_seconds <= 0:
            raise ValueError("a DLQ limit needs a count of 1 or more and a positive window")

    @staticmethod
    def counts(outcome: Outcome) -> bool:
        """Whether ``outcome`` moves the run on at all."""
        return outcome.admitted and outcome.ending is not Ending.RETRY

    def after(self, streak: Streak, outcome: Outcome, now: float) -> Streak:
        """The run after a counted ``outcome`` at ``now``: dead letters older than the window
        drop out."""
        if outcome.ending is not Ending.DEAD_LETTER:
            return Streak()
        kept = streak.times if outcome.reason_class is streak.reason_class else ()
        times = [t for t in (*kept, now) if now - t <= self.window_seconds]
        return Streak(outcome.reason_class, tuple(sorted(times)[-self.count :]))

    def stop(self, streak: Streak, now: float) -> IntakeStop | None:
        """The stop, when the run has reached the count."""
        if streak.reason_class is None or len(streak.times) < self.count:
            return None
        return IntakeStop(streak.reason_class, len(streak.times), self.window_seconds, now)

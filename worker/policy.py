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

**DLQ limit.** When ``count`` messages in a row are dead-lettered for the same reason class
within ``window_seconds``, something is wrong with every message, not with each (a bad deploy,
a rotated key): :class:`DlqLimit` says so once, and the loop stops taking messages instead of
moving the whole queue to the DLQ (arroyo's ``DlqLimit`` is the model).
"""

import math
import random
import threading
import time
from collections import deque
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
    """Why the worker stopped taking messages: ``count`` dead letters in a row of one class."""

    reason_class: ReasonClass
    count: int
    window_seconds: float


class DlqLimit:
    """Counts dead letters in a row by reason class; trips once when ``count`` of one class fall
    within ``window_seconds``. Safe to call from several threads at once.

    It is told each message's final outcome as it is decided. A done or ignored message, or a
    dead letter of another class, ends the run (the worker can handle *some* messages, or they
    fail for different reasons); a retry is neither (it may yet succeed). Once tripped it stays
    tripped: whoever owns it stops taking messages until the process is restarted.
    """

    def __init__(
        self,
        *,
        count: int = DLQ_LIMIT_COUNT,
        window_seconds: float = DLQ_LIMIT_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if count < 1 or window_seconds <= 0:
            raise ValueError("a DLQ limit needs a count of 1 or more and a positive window")
        self.count = count
        self.window_seconds = window_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._class: ReasonClass | None = None
        self._times: deque[float] = deque()
        self.tripped: IntakeStop | None = None

    def observe(self, outcome: Outcome) -> IntakeStop | None:
        """Count a message's final ``outcome``; the stop, the one time the limit trips."""
        if outcome.ending is Ending.RETRY:
            return None
        with self._lock:
            if self.tripped is not None:
                return None
            if outcome.ending is not Ending.DEAD_LETTER:
                self._class = None
                self._times.clear()
                return None
            now = self.clock()
            if outcome.reason_class is not self._class:
                self._class = outcome.reason_class
                self._times.clear()
            self._times.append(now)
            while now - self._times[0] > self.window_seconds:
                self._times.popleft()
            if len(self._times) < self.count:
                return None
            self.tripped = IntakeStop(outcome.reason_class, len(self._times), self.window_seconds)
            return self.tripped

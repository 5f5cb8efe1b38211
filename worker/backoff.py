"""Retry delay as a pure function of how often a message was retried, with full jitter.

The ceiling grows as ``base``, 2×, 4× ... up to ``cap``; the delay is drawn uniformly below it
("full jitter", AWS Architecture Blog, "Exponential Backoff and Jitter"). Without the draw, every
message that failed in the same outage comes back in the same second, fails together again, and
keeps coming back in step; with it, they spread over the whole window. The random source is a
parameter, so the function stays pure for its tests and the caller decides where randomness
comes from. SQS counts deliveries for us (``ApproximateReceiveCount``), so the count needs no
state of ours and survives a worker dying.
"""

import math
import random
from collections.abc import Callable

#: SQS's own ceiling for a message's visibility timeout
SQS_MAX_VISIBILITY_SECONDS = 43200
#: SQS's ceiling for a message's DelaySeconds (a re-sent message waits at most this long)
SQS_MAX_DELAY_SECONDS = 900

#: a random source: a float in [0, 1), like ``random.random``
Random = Callable[[], float]


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

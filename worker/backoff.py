"""Retry delay as a pure function of how often SQS has delivered the message.

SQS counts deliveries for us (``ApproximateReceiveCount``), so the delay needs no state of ours
and survives a worker dying: receive 1 waits ``base``, then 2×, 4× ... up to ``cap``.
"""

#: SQS's own ceiling for a message's visibility timeout
SQS_MAX_VISIBILITY_SECONDS = 43200


def backoff_seconds(receive_count: int, *, base: int, cap: int) -> int:
    """Seconds to hide a message that failed on its ``receive_count``-th delivery."""
    if receive_count < 1:
        raise ValueError(f"receive count starts at 1, got {receive_count}")
    exponent = min(receive_count - 1, 30)  # 2**30 × base is past any cap; avoids huge ints
    delay: int = base * (1 << exponent)
    return min(delay, cap, SQS_MAX_VISIBILITY_SECONDS)

"""Clocks for tests: injected where the code takes ``clock=time.time`` or a datetime clock."""

from datetime import datetime


class FakeClock:
    """A clock that moves only when told (seconds since the epoch, as ``time.time``)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class DateClock:
    """A datetime clock that moves only when told (as ``lambda: datetime.now(UTC)``)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

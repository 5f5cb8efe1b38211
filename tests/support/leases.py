"""Another worker's lease, taken in the state table the way a worker takes it."""

from bookings import Booking
from state.store import StateStore


def take_lease(
    store: StateStore, key: str, *, owner: str, seconds: float, state: Booking | None = None
) -> None:
    """Lease ``key`` over whatever the table holds now (storing ``state`` when given), as
    ``Orchestrator.apply`` does."""
    record = store.load(key)
    store.acquire(
        key,
        state=state,
        expected_version=record.version,
        expected_fence=record.fence,
        owner=owner,
        lease_seconds=seconds,
    )

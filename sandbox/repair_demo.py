"""The demo's repaired calendar entry: delete one by hand in the sandbox, then run the audit.

For ``sandbox.demo`` (and its test): the audit runs as the worker's schedule would, with the
clock a day before the booking's charter (the sample emails' charters may lie in the past of
the day the demo runs), and finds, re-creates and says the entry once.
"""

from datetime import datetime, timedelta

from app.compose import Clients
from app.downstream_audit import downstream_audit
from app.settings import Settings
from audit.downstream import DownstreamReport
from sandbox.downstream import Downstream, delete_entry_by_hand
from state.store import StateStore


def repair_a_deleted_entry(
    downstream: Downstream, settings: Settings, booking_key: str, clients: Clients | None = None
) -> tuple[str, DownstreamReport]:
    """Delete ``booking_key``'s calendar entry by hand and run the downstream audit once: the
    deleted entry's id and what the audit found (a ``REPAIRED`` finding for the calendar)."""
    clients = clients or Clients.from_environment()
    booking = StateStore(settings.table_name, clients.dynamodb).load(booking_key).booking
    if booking is None:
        raise LookupError(f"no booking {booking_key}")
    day_before: datetime = booking.start - timedelta(days=1)
    deleted = delete_entry_by_hand(downstream, booking_key)
    return deleted, downstream_audit(settings, clients, clock=lambda: day_before)()

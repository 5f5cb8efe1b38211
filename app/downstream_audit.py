"""Builds the audit of our own downstream systems (:mod:`audit.downstream`) from the settings.

The same publishers the worker publishes with (calendar and SCC while they are on, the guest and
crew pages), so the audit reads back and repairs through exactly the code that published; the
emails are not audited (sent is sent). ``audit_repair`` (default true) chooses repairing over
reporting.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from app.compose import Clients
from app.downstream import page_publishers, system_publishers
from app.settings import Settings
from audit.downstream import DownstreamReport, check_downstream
from state.store import StateStore
from state.upcoming import UpcomingBookings


def downstream_audit(
    settings: Settings,
    clients: Clients,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Callable[[], DownstreamReport]:
    """One run of the downstream audit per call, over every boat of the fleet."""
    downstream = clients.downstream()
    publishers = [*system_publishers(settings, downstream), *page_publishers(settings, downstream)]
    store = StateStore(settings.table_name, clients.dynamodb)
    upcoming = UpcomingBookings(settings.table_name, clients.dynamodb)
    boats = [boat.name for boat in settings.fleet.boats]

    def run() -> DownstreamReport:
        return check_downstream(
            store,
            upcoming,
            publishers,
            boats,
            clock=clock,
            repair=settings.audit_repair,
            lease_seconds=settings.lease_seconds,
        )

    return run

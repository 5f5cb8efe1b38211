"""Builds the audit of our own downstream systems (:mod:`audit.downstream`) from the settings.

The same publishers the worker publishes with (calendar and SCC while they are on, the guest and
crew pages), so the audit reads back and repairs through exactly the code that published; the
emails are not audited (sent is sent). ``audit_repair`` (default true) chooses repairing over
reporting; ``charterhand audit`` only reports (an operator's look writes nothing downstream).
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from app.downstream import page_publishers, system_publishers
from app.settings import Settings
from audit.downstream import DownstreamReport, check_downstream
from publishers.base import Publisher
from state.store import StateStore
from state.upcoming import UpcomingBookings

if TYPE_CHECKING:  # app.compose builds the audit with this module
    from app.compose import Clients


def downstream_audit(
    settings: Settings,
    clients: "Clients",
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    repair: bool | None = None,
    publishers: Sequence[Publisher] | None = None,
) -> Callable[[str | None], DownstreamReport]:
    """One run of the downstream audit per call, over one boat or (None) every boat of the
    fleet; ``repair`` None follows ``audit_repair``. ``publishers``: the worker's own (those
    that can be read back are audited); None: built from the settings (``ValueError`` when a
    step's credential is missing, as at the worker's start)."""
    if publishers is None:
        downstream = clients.downstream()
        publishers = [
            *system_publishers(settings, downstream),
            *page_publishers(settings, downstream),
        ]
    store = StateStore(settings.table_name, clients.dynamodb)
    upcoming = UpcomingBookings(settings.table_name, clients.dynamodb)
    names = [boat.name for boat in settings.fleet.boats]

    def run(boat: str | None = None) -> DownstreamReport:
        return check_downstream(
            store,
            upcoming,
            publishers,
            names if boat is None else [boat],
            clock=clock,
            horizon=timedelta(days=settings.audit_horizon_days),
            repair=settings.audit_repair if repair is None else repair,
            lease_seconds=settings.lease_seconds,
        )

    return run

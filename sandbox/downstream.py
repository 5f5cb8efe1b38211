"""The sandbox calendar and SCC together, with credentials, for the demo and for people."""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sandbox.calendar import CalendarSandbox
from sandbox.records_api import serving
from sandbox.scc import SccSandbox, hash_service_key


@dataclass(frozen=True)
class Downstream:
    """Both sandbox systems and the credentials they accept."""

    calendar: CalendarSandbox
    scc: SccSandbox
    dashboard_token: str
    scc_service_key: str

    def settings_env(self) -> dict[str, str]:
        """``CHARTERHAND_*`` variables that point the worker at these systems."""
        return {
            "CHARTERHAND_CALENDAR_TRANSPORT": "http",
            "CHARTERHAND_CALENDAR_BASE_URL": self.calendar.base_url,
            "CHARTERHAND_DASHBOARD_TOKEN": self.dashboard_token,
            "CHARTERHAND_SCC_BASE_URL": self.scc.base_url,
            "CHARTERHAND_SCC_SERVICE_KEY": self.scc_service_key,
        }


@contextmanager
def running_downstream(
    dashboard_token: str | None = None,
    scc_service_key: str | None = None,
    *,
    bcrypt_rounds: int = 10,
) -> Iterator[Downstream]:
    """Start both on 127.0.0.1 (free ports); fresh random credentials unless given."""
    token = dashboard_token or secrets.token_urlsafe(24)
    key = scc_service_key or secrets.token_urlsafe(24)
    with (
        serving(CalendarSandbox(token)) as calendar,
        serving(SccSandbox(hash_service_key(key, rounds=bcrypt_rounds))) as scc,
    ):
        yield Downstream(calendar, scc, token, key)


def delete_entry_by_hand(downstream: Downstream, booking_key: str) -> str:
    """Delete the booking's live calendar entry in the sandbox, as a person would in the
    dashboard (the demo's "deleted by hand"); its id. ``LookupError`` when it has none."""
    live = [
        r for r in downstream.calendar.records_for(booking_key) if r.get("status") != "cancelled"
    ]
    if not live:
        raise LookupError(f"no live calendar entry for {booking_key}")
    downstream.calendar.delete_by_hand(live[0]["id"])
    return str(live[0]["id"])

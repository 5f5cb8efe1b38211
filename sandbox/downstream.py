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

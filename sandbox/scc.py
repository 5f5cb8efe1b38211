"""The sandbox ShipCaptainCrew API: bearer service key checked against a bcrypt hash, as SCC does.

SCC stores only ``SERVICE_KEY_HASH``; every request's presented key is checked with bcrypt, so a
leaked configuration does not leak the key.
"""

from collections.abc import Mapping
from typing import Any, ClassVar

import bcrypt

from sandbox.records_api import (
    ApiError,
    RecordsApi,
    is_date,
    is_id_list,
    is_optional_text,
    is_text,
    is_time,
)


def hash_service_key(key: str, rounds: int = 12) -> bytes:
    """``SERVICE_KEY_HASH`` for a key (tests use few rounds: bcrypt is slow on purpose)."""
    return bcrypt.hashpw(key.encode(), bcrypt.gensalt(rounds=rounds))


class SccSandbox(RecordsApi):
    """``/events``: ``{event_name, date, start_time, end_time, crew: [ids], notes}``."""

    system = "scc"
    collection = "/events"
    fields: ClassVar[Mapping[str, Any]] = {
        "event_name": is_text,
        "date": is_date,
        "start_time": is_time,
        "end_time": is_time,
        "crew": is_id_list,
        "notes": is_optional_text,
    }
    optional = frozenset({"notes"})
    update_methods = frozenset({"PATCH"})
    id_prefix = "evt-"

    def __init__(self, service_key_hash: bytes) -> None:
        super().__init__()
        self._hash = service_key_hash

    def authenticate(self, headers: Mapping[str, str]) -> None:
        scheme, _, presented = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not presented:
            raise ApiError(401, "Authorization: Bearer <service key> is required")
        if not bcrypt.checkpw(presented.encode(), self._hash):
            raise ApiError(403, "service key rejected")

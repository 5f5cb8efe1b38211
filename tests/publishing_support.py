"""Bookings and step contexts as the worker builds them, for the publisher tests."""

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bookings import Booking, Kind
from publishers.base import Publisher, StepContext

PACIFIC = ZoneInfo("America/Los_Angeles")


def booking(status: Kind = Kind.CONFIRMED, **changes: Any) -> Booking:
    """The worked example of DESIGN.md: a 3-hour JADA charter grossing $840.75."""
    fields = {
        "key": "boatsetter:xhqgmdh",
        "source": "boatsetter",
        "booking_id": "xhqgmdh",
        "status": status,
        "boat": "JADA",
        "renter_name": "Jane Doe",
        "start": datetime(2025, 6, 14, 10, 0, tzinfo=PACIFIC),
        "end": datetime(2025, 6, 14, 13, 0, tzinfo=PACIFIC),
        "party_size": 6,
        "gross": Decimal("840.75"),
        "notes": "Birthday - bring a cake knife",
        "meeting_point": "Harbor Island West Marina, dock C",
        "as_of": datetime(2025, 6, 1, 9, 0, tzinfo=PACIFIC),
    }
    fields.update(changes)
    return Booking(**fields)


def input_hash(publisher: Publisher, state: Booking) -> str:
    data = json.dumps(publisher.input_of(state), sort_keys=True, default=str)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def context(
    publisher: Publisher,
    state: Booking,
    *,
    previous: Booking | None = None,
    ids: Mapping[str, str] | None = None,
    upstream: Mapping[str, Mapping[str, str]] | None = None,
) -> StepContext:
    """What the worker hands a step: its key is ``<booking>:<step>:<input hash>``."""
    return StepContext(
        booking=state,
        previous=previous,
        external_ids=ids or {},
        idempotency_key=f"{state.key}:{publisher.step}:{input_hash(publisher, state)}",
        upstream=upstream or {},
    )


def lifecycle() -> tuple[Booking, Booking, Booking]:
    """New → modified (later, longer, bigger party) → cancelled, each email newer."""
    new = booking(Kind.CONFIRMED)
    modified = booking(
        Kind.MODIFIED,
        start=datetime(2025, 6, 14, 11, 0, tzinfo=PACIFIC),
        end=datetime(2025, 6, 14, 15, 0, tzinfo=PACIFIC),
        party_size=8,
        as_of=datetime(2025, 6, 5, 9, 0, tzinfo=PACIFIC),
    )
    cancelled = modified.model_copy(
        update={"status": Kind.CANCELLED, "as_of": datetime(2025, 6, 10, 9, 0, tzinfo=PACIFIC)}
    )
    return new, modified, cancelled

"""Bookings and step contexts as the worker builds them, for the publisher tests."""

import email
import email.policy
import hashlib
import json
import secrets
import urllib.request
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from email.message import EmailMessage
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import bcrypt

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


class MemoryLinkIssuer:
    """A real ``CrewLinkIssuer`` in memory: random tokens, only their bcrypt hash kept."""

    def __init__(self) -> None:
        self.issued: dict[str, tuple[bytes, str, str, datetime]] = {}

    def issue(self, booking_key: str, crew_id: str, expires_at: datetime) -> str:
        token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(24)
        digest = bcrypt.hashpw(secret.encode(), bcrypt.gensalt(rounds=4))
        self.issued[token_id] = (digest, booking_key, crew_id, expires_at)
        return f"{token_id}.{secret}"

    def revoke(self, booking_key: str, crew_id: str) -> None:
        """Forget every token issued to this member for this booking."""
        for token_id, (_, key, member, _) in list(self.issued.items()):
            if (key, member) == (booking_key, crew_id):
                del self.issued[token_id]

    def verify(self, token: str) -> tuple[str, str] | None:
        """(booking key, crew id) for a genuine token, else None."""
        token_id, _, secret = token.partition(".")
        found = self.issued.get(token_id)
        if found is None or not bcrypt.checkpw(secret.encode(), found[0]):
            return None
        return found[1], found[2]


class MotoEndpoint(Protocol):
    """A moto server (ours, or the deploy tests' gap-filling one): where it answers."""

    @property
    def endpoint_url(self) -> str: ...


def sent_mail(moto: MotoEndpoint) -> list[EmailMessage]:
    """Every raw email moto's SES accepted, parsed, oldest first (moto's own data view)."""
    with urllib.request.urlopen(f"{moto.endpoint_url}/moto-api/data.json", timeout=5) as answer:
        data = json.load(answer)
    parsed = [
        email.message_from_string(m["raw_data"], policy=email.policy.default)
        for m in data["ses"]["RawMessage"]
    ]
    return [m for m in parsed if isinstance(m, EmailMessage)]


def parts(message: EmailMessage) -> dict[str, str]:
    """text/plain, text/html and text/calendar bodies of a message, by content type."""
    found = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            found[part.get_content_type()] = part.get_content()
    return found

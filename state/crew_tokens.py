"""Crew link tokens: issued by the crew page and crew email publishers, verified by the links API.

A token is ``<token id>.<secret>``: the id (64 random bits, hex) finds its item
(:func:`state.keys.token_key`); the secret (256 random bits, base64url) is stored only as its
SHA-256 (``secret_sha256``), so a leak of the table does not leak working links. A slow hash
(bcrypt) protects low-entropy passwords; a 256-bit random secret cannot be guessed from its
SHA-256 either, and checking it costs microseconds instead of ~60 ms of CPU per token. Tokens
issued before this stored a bcrypt hash (``secret_hash``): they keep working until they expire.
Tokens expire (``expires_at``, also the table's TTL attribute, checked here too because DynamoDB
deletes expired items only eventually).

A member taken off a booking's crew has their links revoked (:meth:`CrewTokens.revoke`): one item
per booking and member says when, and every token issued to them before it stops working; one
issued later (they were put back on the crew) works.
An unknown token id costs the same check (a SHA-256 and a constant-time compare against a dummy
digest) as a known one with a wrong secret, so the answer's time does not tell which ids exist.
"""

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import bcrypt
from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import classify
from state import keys
from state.writes import create

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TOKEN_SHAPE = re.compile(r"(?P<id>[0-9a-f]{16})\.(?P<secret>[A-Za-z0-9_-]{43})")
#: how long a revocation is kept: longer than any token of the booking lives
REVOCATION_KEPT = timedelta(days=400)
#: checks a secret against its stored SHA-256 (hex); injectable so tests count the work a
#: verification does
SecretCheck = Callable[[str, str], bool]
#: checks a secret against a legacy bcrypt hash (tokens issued before SHA-256)
LegacyCheck = Callable[[bytes, bytes], bool]


def secret_digest(secret: str) -> str:
    """What is stored of a secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def digest_matches(secret: str, stored: str) -> bool:
    """The secret's SHA-256 against the stored one, in constant time."""
    return hmac.compare_digest(secret_digest(secret), stored)


class InvalidLink(Exception):
    """A token that is malformed, unknown, tampered with, expired or revoked; ``reason`` says
    which (for the logs: every one of them looks the same to the holder, but an expired one)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def expired(self) -> bool:
        return self.reason == "expired"


@dataclass(frozen=True)
class TokenDraft:
    """A token issued but not stored yet (:meth:`CrewTokens.draft`): it works once ``item`` is
    created in ``table_name``."""

    token: str = field(repr=False)
    table_name: str
    item: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class CrewGrant:
    """What a valid token lets its holder do: answer for one crew member on one booking."""

    token_id: str
    booking_key: str
    crew_id: str
    expires_at: datetime


class CrewTokens:
    """The DynamoDB-backed ``publishers.base.CrewLinkIssuer``, and the verifier of its tokens."""

    def __init__(
        self,
        *,
        table_name: str,
        dynamodb: "DynamoDBClient",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        check: SecretCheck = digest_matches,
        legacy_check: LegacyCheck = bcrypt.checkpw,
    ) -> None:
        self.table_name = table_name
        self.dynamodb = dynamodb
        self.clock = clock
        self.check = check
        self.legacy_check = legacy_check
        #: what an unknown token id's secret is checked against: the same SHA-256 and compare
        self.dummy_digest = secret_digest(secrets.token_urlsafe(32))

    def issue(self, booking_key: str, crew_id: str, expires_at: datetime) -> str:
        """A fresh token for this crew member and booking, valid until ``expires_at``."""
        draft = self.draft(booking_key, crew_id, expires_at)
        try:
            refused = create(self.dynamodb, self.table_name, draft.item)
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, "storing a crew token") from exc
        if refused is not None:  # a token id drawn twice: never overwrite another's token
            raise classify(refused, "storing a crew token") from refused
        return draft.token

    def draft(self, booking_key: str, crew_id: str, expires_at: datetime) -> TokenDraft:
        """A fresh token, not stored yet: its item goes into a write with others (the crew
        email's marks, :meth:`state.deliveries.DynamoDeliveryLog.mark_together`), created only
        where no item is (a token id drawn twice never overwrites another's token)."""
        if expires_at.tzinfo is None:
            raise ValueError("expires_at must carry a time zone")
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        item = {
            **keys.token_key(token_id),
            "secret_sha256": {"S": secret_digest(secret)},
            "booking_key": {"S": booking_key},
            "crew_id": {"S": crew_id},
            "issued_at": {"S": self.clock().astimezone(UTC).isoformat()},
            keys.TTL: {"N": str(int(expires_at.timestamp()))},
        }
        return TokenDraft(f"{token_id}.{secret}", self.table_name, item)

    def verify(self, token: str) -> CrewGrant:
        """The grant a valid, live token carries; ``InvalidLink`` for anything else."""
        shape = TOKEN_SHAPE.fullmatch(token)
        if shape is None:
            raise InvalidLink("malformed")
        token_id = shape["id"]
        try:
            item = self.dynamodb.get_item(
                TableName=self.table_name,
                Key=keys.token_key(token_id),
                ConsistentRead=True,
            ).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, "reading a crew token") from exc
        matches = self._matches(shape["secret"], item)
        if item is None:
            raise InvalidLink("unknown")
        if not matches:
            raise InvalidLink("wrong secret")
        expires_at = datetime.fromtimestamp(int(item[keys.TTL]["N"]), UTC)
        if expires_at <= self.clock():
            raise InvalidLink("expired")
        grant = CrewGrant(
            token_id=token_id,
            booking_key=item["booking_key"]["S"],
            crew_id=item["crew_id"]["S"],
            expires_at=expires_at,
        )
        revoked_at = self._revoked_at(grant.booking_key, grant.crew_id)
        issued_at = item.get("issued_at", {}).get("S")
        if revoked_at is not None and (
            issued_at is None or datetime.fromisoformat(issued_at) <= revoked_at
        ):
            raise InvalidLink("revoked")
        return grant

    def _matches(self, secret: str, item: dict[str, Any] | None) -> bool:
        """The secret against the item's digest; an unknown id (None) does the same work against
        a dummy digest. A token stored before SHA-256 is checked against its bcrypt hash."""
        if item is not None and "secret_sha256" not in item and "secret_hash" in item:
            return self.legacy_check(secret.encode(), item["secret_hash"]["S"].encode())
        stored = (item or {}).get("secret_sha256", {}).get("S", self.dummy_digest)
        return self.check(secret, stored)

    def revoke(self, booking_key: str, crew_id: str) -> None:
        """Every link issued to this member for this booking until now stops working."""
        now = self.clock().astimezone(UTC)
        try:
            self.dynamodb.put_item(
                TableName=self.table_name,
                Item={
                    **keys.revoked_key(booking_key, crew_id),
                    "revoked_at": {"S": now.isoformat()},
                    keys.TTL: {"N": str(int((now + REVOCATION_KEPT).timestamp()))},
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, "revoking a crew member's links") from exc

    def _revoked_at(self, booking_key: str, crew_id: str) -> datetime | None:
        try:
            item = self.dynamodb.get_item(
                TableName=self.table_name,
                Key=keys.revoked_key(booking_key, crew_id),
                ConsistentRead=True,
            ).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, "reading a crew member's revoked links") from exc
        return datetime.fromisoformat(item["revoked_at"]["S"]) if item else None

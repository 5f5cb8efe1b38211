"""Crew link tokens: issued by the crew page and crew email publishers, verified by the links API.

A token is ``<token id>.<secret>``: the id (64 random bits, hex) finds its item
(:func:`state.keys.token_key`); the secret (256 random bits, base64url) is stored only as a bcrypt
hash, so a leak of the table does not leak working links. Tokens expire (``expires_at``, also the
table's TTL attribute, checked here too because DynamoDB deletes expired items only eventually).

A member taken off a booking's crew has their links revoked (:meth:`CrewTokens.revoke`): one item
per booking and member says when, and every token issued to them before it stops working; one
issued later (they were put back on the crew) works. An unknown token id costs the same bcrypt
check as a known one with a wrong secret, so the answer's time does not tell which ids exist.
"""

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import bcrypt
from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import classify
from state import keys
from state.writes import create

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TOKEN_SHAPE = re.compile(r"(?P<id>[0-9a-f]{16})\.(?P<secret>[A-Za-z0-9_-]{43})")
#: cost 10: ~50 ms per check; the secret is 256 random bits, so the hash's cost is only a
#: second line of defence for a leaked table, not what makes the secret hard to guess
DEFAULT_ROUNDS = 10
#: how long a revocation is kept: longer than any token of the booking lives
REVOCATION_KEPT = timedelta(days=400)
#: checks a secret against a bcrypt hash; injectable so tests count the work a verification does
HashCheck = Callable[[bytes, bytes], bool]


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
        rounds: int = DEFAULT_ROUNDS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        check: HashCheck = bcrypt.checkpw,
    ) -> None:
        self.table_name = table_name
        self.dynamodb = dynamodb
        self.rounds = rounds
        self.clock = clock
        self.check = check
        #: what an unknown token id's secret is checked against: a hash at the same cost
        self.dummy_hash = bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(rounds=rounds))

    def issue(self, booking_key: str, crew_id: str, expires_at: datetime) -> str:
        """A fresh token for this crew member and booking, valid until ``expires_at``."""
        if expires_at.tzinfo is None:
            raise ValueError("expires_at must carry a time zone")
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        secret_hash = bcrypt.hashpw(secret.encode(), bcrypt.gensalt(rounds=self.rounds))
        item = {
            **keys.token_key(token_id),
            "secret_hash": {"S": secret_hash.decode()},
            "booking_key": {"S": booking_key},
            "crew_id": {"S": crew_id},
            "issued_at": {"S": self.clock().astimezone(UTC).isoformat()},
            keys.TTL: {"N": str(int(expires_at.timestamp()))},
        }
        try:
            refused = create(self.dynamodb, self.table_name, item)
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, "storing a crew token") from exc
        if refused is not None:  # a token id drawn twice: never overwrite another's token
            raise classify(refused, "storing a crew token") from refused
        return f"{token_id}.{secret}"

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
        hashed = item["secret_hash"]["S"].encode() if item is not None else self.dummy_hash
        matches = self.check(shape["secret"].encode(), hashed)  # the same work either way
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

"""Crew link tokens in the state table: random, stored only as SHA-256 digests (older ones as
bcrypt hashes, still accepted), expiring."""

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import bcrypt
import pytest

from publishers.base import CrewLinkIssuer
from state import keys
from state.crew_tokens import CrewTokens, InvalidLink, digest_matches

LATER = datetime.now(UTC) + timedelta(days=3)
#: a token expiry for tests whose clock stands at 2031-01-01
SOON = datetime(2031, 1, 4, tzinfo=UTC)


@pytest.fixture
def tokens(dynamodb, state_table):
    return CrewTokens(table_name=state_table, dynamodb=dynamodb)


def token_item(dynamodb: Any, table: str, token: str) -> dict[str, Any]:
    key = {"pk": {"S": f"token#{token.split('.')[0]}"}, "sk": {"S": "token"}}
    item: dict[str, Any] = dynamodb.get_item(TableName=table, Key=key)["Item"]
    return item


def test_is_the_crew_link_issuer_publishers_ask_for(tokens):
    assert isinstance(tokens, CrewLinkIssuer)


def test_token_is_id_dot_secret_and_only_its_sha256_is_stored(tokens, dynamodb, state_table):
    token = tokens.issue("boatsetter:xhqgmdh", "alex", LATER)
    token_id, secret = token.split(".")
    item = token_item(dynamodb, state_table, token)
    assert item["secret_sha256"]["S"] == hashlib.sha256(secret.encode()).hexdigest()
    assert "secret_hash" not in item  # no bcrypt: 256 random bits need no slow hash
    assert secret not in str(item)
    assert item["booking_key"]["S"] == "boatsetter:xhqgmdh"
    assert item["crew_id"]["S"] == "alex"
    assert item["expires_at"]["N"] == str(int(LATER.timestamp()))
    assert len(token_id) == 16
    assert len(secret) == 43


def test_every_token_is_different(tokens):
    issued = {tokens.issue("boatsetter:xhqgmdh", "alex", LATER) for _ in range(5)}
    assert len(issued) == 5


def test_a_valid_token_verifies_to_its_grant(tokens):
    grant = tokens.verify(tokens.issue("boatsetter:xhqgmdh", "alex", LATER))
    assert (grant.booking_key, grant.crew_id) == ("boatsetter:xhqgmdh", "alex")


def test_a_wrong_secret_is_invalid(tokens):
    token_id = tokens.issue("boatsetter:xhqgmdh", "alex", LATER).split(".")[0]
    with pytest.raises(InvalidLink, match="wrong secret"):
        tokens.verify(f"{token_id}.{'x' * 43}")


def test_an_expired_token_is_invalid_even_before_ttl_removes_it(dynamodb, state_table):
    now = [datetime(2031, 1, 1, tzinfo=UTC)]
    tokens = CrewTokens(table_name=state_table, dynamodb=dynamodb, clock=lambda: now[0])
    token = tokens.issue("boatsetter:xhqgmdh", "alex", now[0] + timedelta(hours=1))
    tokens.verify(token)
    now[0] += timedelta(hours=1)
    with pytest.raises(InvalidLink, match="expired") as caught:
        tokens.verify(token)
    assert caught.value.expired


def test_a_naive_expiry_is_refused(tokens):
    with pytest.raises(ValueError, match="time zone"):
        tokens.issue("boatsetter:xhqgmdh", "alex", datetime(2031, 1, 1))


class Counting:
    """A check, counted: the work a verification does, not how long it took."""

    def __init__(self, check: Any) -> None:
        self.check = check
        self.calls = 0

    def __call__(self, secret: Any, stored: Any) -> bool:
        self.calls += 1
        return bool(self.check(secret, stored))


@pytest.mark.parametrize("unknown", [False, True], ids=["wrong secret", "unknown id"])
def test_an_unknown_id_costs_the_same_check_as_a_wrong_secret(dynamodb, state_table, unknown):
    """An unknown token id must not answer faster than a known one with a wrong secret, or the
    answer's time tells which ids exist: both run exactly one SHA-256 compare (and no bcrypt)."""
    check, legacy = Counting(digest_matches), Counting(bcrypt.checkpw)
    tokens = CrewTokens(table_name=state_table, dynamodb=dynamodb, check=check, legacy_check=legacy)
    token_id = tokens.issue("boatsetter:xhqgmdh", "alex", LATER).split(".")[0]
    probed = "0123456789abcdef" if unknown else token_id
    with pytest.raises(InvalidLink, match="unknown" if unknown else "wrong secret"):
        tokens.verify(f"{probed}.{'x' * 43}")
    assert (check.calls, legacy.calls) == (1, 0)
    assert len(tokens.dummy_digest) == 64  # a SHA-256 digest like the stored ones


def legacy_token(
    dynamodb: Any, table: str, booking_key: str, crew_id: str, expires: datetime
) -> str:
    """A token as issued before SHA-256: its secret stored as a bcrypt hash (cost 4 here)."""
    token_id, secret = "00112233aabbccdd", "s" * 43
    dynamodb.put_item(
        TableName=table,
        Item={
            **keys.token_key(token_id),
            "secret_hash": {"S": bcrypt.hashpw(secret.encode(), bcrypt.gensalt(rounds=4)).decode()},
            "booking_key": {"S": booking_key},
            "crew_id": {"S": crew_id},
            "issued_at": {"S": datetime(2030, 12, 1, tzinfo=UTC).isoformat()},
            keys.TTL: {"N": str(int(expires.timestamp()))},
        },
    )
    return f"{token_id}.{secret}"


def test_a_token_stored_as_bcrypt_before_still_works_until_it_expires(dynamodb, state_table):
    now = [datetime(2031, 1, 1, tzinfo=UTC)]
    tokens = CrewTokens(table_name=state_table, dynamodb=dynamodb, clock=lambda: now[0])
    old = legacy_token(dynamodb, state_table, "boatsetter:xhqgmdh", "alex", SOON)

    grant = tokens.verify(old)

    assert (grant.booking_key, grant.crew_id) == ("boatsetter:xhqgmdh", "alex")
    with pytest.raises(InvalidLink, match="wrong secret"):
        tokens.verify(old[:-1] + "t")
    now[0] = SOON
    with pytest.raises(InvalidLink, match="expired"):
        tokens.verify(old)


def test_revoking_a_member_stops_their_links_and_only_theirs(dynamodb, state_table):
    now = [datetime(2031, 1, 1, tzinfo=UTC)]
    tokens = CrewTokens(table_name=state_table, dynamodb=dynamodb, clock=lambda: now[0])
    alex = tokens.issue("boatsetter:xhqgmdh", "alex", SOON)
    sam = tokens.issue("boatsetter:xhqgmdh", "sam", SOON)
    elsewhere = tokens.issue("boatsetter:other", "alex", SOON)
    now[0] += timedelta(minutes=1)

    tokens.revoke("boatsetter:xhqgmdh", "alex")

    with pytest.raises(InvalidLink, match="revoked"):
        tokens.verify(alex)
    assert tokens.verify(sam).crew_id == "sam"
    assert tokens.verify(elsewhere).booking_key == "boatsetter:other"


def test_a_member_put_back_on_the_crew_gets_working_links_again(dynamodb, state_table):
    now = [datetime(2031, 1, 1, tzinfo=UTC)]
    tokens = CrewTokens(table_name=state_table, dynamodb=dynamodb, clock=lambda: now[0])
    old = tokens.issue("boatsetter:xhqgmdh", "alex", SOON)
    tokens.revoke("boatsetter:xhqgmdh", "alex")
    now[0] += timedelta(minutes=1)

    new = tokens.issue("boatsetter:xhqgmdh", "alex", SOON)

    assert tokens.verify(new).crew_id == "alex"
    with pytest.raises(InvalidLink, match="revoked"):
        tokens.verify(old)

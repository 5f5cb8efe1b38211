"""Crew link tokens in the state table: random, stored only as bcrypt hashes, expiring."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from publishers.base import CrewLinkIssuer
from state.crew_tokens import CrewTokens, InvalidLink

LATER = datetime.now(UTC) + timedelta(days=3)


@pytest.fixture
def tokens(dynamodb, state_table):
    return CrewTokens(table_name=state_table, dynamodb=dynamodb, rounds=4)


def token_item(dynamodb: Any, table: str, token: str) -> dict[str, Any]:
    key = {"pk": {"S": f"token#{token.split('.')[0]}"}, "sk": {"S": "token"}}
    item: dict[str, Any] = dynamodb.get_item(TableName=table, Key=key)["Item"]
    return item


def test_is_the_crew_link_issuer_publishers_ask_for(tokens):
    assert isinstance(tokens, CrewLinkIssuer)


def test_token_is_id_dot_secret_and_only_a_bcrypt_hash_is_stored(tokens, dynamodb, state_table):
    token = tokens.issue("boatsetter:xhqgmdh", "alex", LATER)
    token_id, secret = token.split(".")
    item = token_item(dynamodb, state_table, token)
    assert item["secret_hash"]["S"].startswith("$2b$04$")
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
    tokens = CrewTokens(table_name=state_table, dynamodb=dynamodb, rounds=4, clock=lambda: now[0])
    token = tokens.issue("boatsetter:xhqgmdh", "alex", now[0] + timedelta(hours=1))
    tokens.verify(token)
    now[0] += timedelta(hours=1)
    with pytest.raises(InvalidLink, match="expired") as caught:
        tokens.verify(token)
    assert caught.value.expired


def test_a_naive_expiry_is_refused(tokens):
    with pytest.raises(ValueError, match="time zone"):
        tokens.issue("boatsetter:xhqgmdh", "alex", datetime(2031, 1, 1))

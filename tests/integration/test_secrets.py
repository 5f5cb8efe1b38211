"""Credentials from Secrets Manager (moto's server) with a TTL cache, or from local settings."""

import io

import boto3
import pytest
import structlog
from botocore.config import Config
from pydantic import SecretStr

from app.secrets import LocalSecret, SecretsManagerSecret, credential
from aws.logs import configure_logging
from bookings import PermanentError
from tests.support.clock import FakeClock


def read_then_unreachable(secrets) -> SecretsManagerSecret:
    """A token read once (a 1 s TTL), whose Secrets Manager is then unreachable, 5 s later."""
    clock = FakeClock(1000.0)
    token = SecretsManagerSecret("charterhand/dashboard-token", secrets, ttl_seconds=1, clock=clock)
    token()
    token._client = boto3.client(
        "secretsmanager",
        endpoint_url="http://127.0.0.1:9",
        config=Config(retries={"total_max_attempts": 1}),
    )
    clock.now += 5
    return token


@pytest.fixture
def secrets(aws):
    client = boto3.client("secretsmanager")
    client.create_secret(Name="charterhand/dashboard-token", SecretString="token-v1")
    return client


def test_the_secret_is_read_by_name(secrets):
    assert SecretsManagerSecret("charterhand/dashboard-token", secrets)() == "token-v1"


def test_the_value_is_cached_until_the_ttl_passes(secrets):
    clock = FakeClock(1000.0)
    token = SecretsManagerSecret(
        "charterhand/dashboard-token", secrets, ttl_seconds=300, clock=clock
    )
    assert token() == "token-v1"
    secrets.put_secret_value(SecretId="charterhand/dashboard-token", SecretString="token-v2")

    clock.now += 299
    cached = token()
    clock.now += 1
    rotated = token()

    assert (cached, rotated) == ("token-v1", "token-v2")


def test_a_missing_secret_is_permanent_and_named(secrets):
    with pytest.raises(PermanentError, match="charterhand/nope"):
        SecretsManagerSecret("charterhand/nope", secrets)()


def test_an_unreachable_secrets_manager_serves_the_cached_value(secrets):
    token = read_then_unreachable(secrets)

    assert token() == "token-v1"


def test_no_repr_shows_the_value(secrets):
    remote = SecretsManagerSecret("charterhand/dashboard-token", secrets)
    remote()
    local = LocalSecret(SecretStr("local-token"))

    assert "token-v1" not in repr(remote) + str(vars(remote))
    assert "local-token" not in repr(local) + str(vars(local))


def test_a_local_value_is_used_when_no_name_is_configured():
    assert credential(None, SecretStr("local-key"), what="SCC key")() == "local-key"


def test_neither_name_nor_value_fails_at_start_up():
    with pytest.raises(ValueError, match="SCC key: configure"):
        credential(None, None, what="SCC key")


def test_a_refresh_failure_is_logged_without_the_value(secrets):
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    token = read_then_unreachable(secrets)
    try:
        token()
    finally:
        structlog.reset_defaults()

    assert "secret refresh failed" in stream.getvalue()
    assert "token-v1" not in stream.getvalue()

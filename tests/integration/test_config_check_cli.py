"""``charterhand config check`` with the credentials in Secrets Manager (moto's server): it fetches
each one the worker will use, so a secret that is not there fails the check, not every message."""

import os
import subprocess

import boto3

from tests.support.cli import charterhand
from tests.unit.test_cli_config_check import COMPLETE

LOCAL_VALUES = (
    "CHARTERHAND_DASHBOARD_TOKEN",
    "CHARTERHAND_SCC_SERVICE_KEY",
    "CHARTERHAND_LINK_SIGNING_KEY",
)
NAMES = {
    "CHARTERHAND_DASHBOARD_TOKEN_SECRET": "jada/dashboard-token",
    "CHARTERHAND_SCC_KEY_SECRET": "jada/scc-service-key",
    "CHARTERHAND_LINK_SIGNING_KEY_SECRET": "jada/link-signing-key",
}
VALUES = {
    "jada/dashboard-token": "dashboard-token-from-secrets-manager",
    "jada/scc-service-key": "scc-key-from-secrets-manager",
    "jada/link-signing-key": "link-signing-key-from-secrets-manager",
}


def _check(aws) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CHARTERHAND_", "AWS_"))}
    settings = {k: v for k, v in COMPLETE.items() if k not in LOCAL_VALUES}
    return charterhand("config", "check", env={**clean, **settings, **aws.env(), **NAMES})


def _store(*names: str) -> None:
    secrets = boto3.client("secretsmanager")
    for name in names:
        secrets.create_secret(Name=name, SecretString=VALUES[name])


def test_secrets_that_are_there_are_fetched_and_never_shown(aws):
    _store(*VALUES)
    done = _check(aws)
    assert done.returncode == 0, done.stderr
    assert "dashboard token: Secrets Manager secret jada/dashboard-token" in done.stderr
    assert "SCC service key: Secrets Manager secret jada/scc-service-key" in done.stderr
    assert "settings are valid" in done.stderr
    for value in VALUES.values():
        assert value not in done.stdout + done.stderr


def test_a_secret_read_only_at_the_first_message_that_is_not_there_fails_the_check(aws):
    """The worker itself starts without the dashboard token and fails every booking after."""
    _store("jada/scc-service-key", "jada/link-signing-key")
    done = _check(aws)
    assert done.returncode == 1, done.stderr
    assert "Secrets Manager (jada/dashboard-token)" in done.stderr
    assert "ResourceNotFoundException" in done.stderr
    assert "settings are valid" not in done.stderr


def test_the_link_signing_key_the_worker_reads_at_start_up_is_checked_too(aws):
    _store("jada/dashboard-token", "jada/scc-service-key")
    done = _check(aws)
    assert done.returncode == 1
    assert "Secrets Manager (jada/link-signing-key)" in done.stderr
    assert "Traceback" not in done.stderr

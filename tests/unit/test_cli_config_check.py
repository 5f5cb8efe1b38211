"""``charterhand config check`` runs the worker's whole start-up (the publishers, their targets and
credentials) without starting the loop: it never calls valid what ``charterhand worker`` would then
refuse. Local secret values here (no AWS reached); Secrets Manager names in
tests/integration/test_config_check_cli.py."""

import os
import subprocess

import pytest

from tests.support.cli import charterhand

#: a fake account and no config files: building clients needs a region and signing needs keys,
#: and none of this reaches AWS
OFFLINE_AWS = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
}

#: every setting the worker needs, the credentials as local values
COMPLETE = {
    **OFFLINE_AWS,
    "CHARTERHAND_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/bookings",
    "CHARTERHAND_DLQ_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/bookings-dlq",
    "CHARTERHAND_INBOUND_BUCKET": "jada-inbound",
    "CHARTERHAND_TABLE_NAME": "jada-state",
    "CHARTERHAND_SITE_BUCKET": "jada-site",
    "CHARTERHAND_PHOTOS_BUCKET": "jada-photos",
    "CHARTERHAND_SITE_BASE_URL": "https://jada.example",
    "CHARTERHAND_LINKS_API_BASE_URL": "https://links.jada.example",
    "CHARTERHAND_FROM_ADDRESS": "crew@jada.example",
    "CHARTERHAND_MANAGER_ADDRESS": "manager@jada.example",
    "CHARTERHAND_SCC_BASE_URL": "https://scc.example",
    "CHARTERHAND_CALENDAR_BASE_URL": "https://calendar.jada.example",
    "CHARTERHAND_DASHBOARD_TOKEN": "local-dashboard-token",
    "CHARTERHAND_SCC_SERVICE_KEY": "local-scc-key",
    "CHARTERHAND_LINK_SIGNING_KEY": "local-link-signing-key-of-32-bytes",
}


def _check(env: dict[str, str], *, drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CHARTERHAND_", "AWS_"))}
    given = {k: v for k, v in {**COMPLETE, **env}.items() if k not in drop}
    return charterhand("config", "check", env={**clean, **given})


def test_complete_settings_are_valid_and_say_where_each_credential_comes_from():
    done = _check({})
    assert done.returncode == 0, done.stderr
    assert "settings are valid: the worker would start with them" in done.stderr
    assert "dashboard token: the local value (dashboard_token)" in done.stderr
    for secret in ("local-dashboard-token", "local-scc-key", "local-link-signing-key"):
        assert secret not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        (
            "CHARTERHAND_DASHBOARD_TOKEN",
            "dashboard token (dashboard_token_secret or dashboard_token)",
        ),
        ("CHARTERHAND_SCC_SERVICE_KEY", "SCC service key (scc_key_secret or scc_service_key)"),
        ("CHARTERHAND_LINK_SIGNING_KEY", "link signing key (link_signing_key_secret or"),
        (
            "CHARTERHAND_CALENDAR_BASE_URL",
            "calendar is on (calendar_enabled) but calendar_base_url",
        ),
    ],
)
def test_what_the_worker_would_refuse_is_not_valid(missing: str, named: str):
    done = _check({}, drop=(missing,))
    assert done.returncode == 2, done.stderr
    assert named in done.stderr
    assert "settings are valid" not in done.stderr


def test_a_lambda_calendar_needs_its_function_name():
    done = _check({"CHARTERHAND_CALENDAR_TRANSPORT": "lambda"})
    assert done.returncode == 2
    assert "calendar is on (calendar_enabled) but calendar_function_name" in done.stderr


def test_no_aws_region_is_one_line_not_a_traceback():
    done = _check({}, drop=("AWS_DEFAULT_REGION",))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "AWS_REGION" in done.stderr


def test_steps_turned_off_need_neither_their_settings_nor_their_credentials():
    """An owner without ShipCaptainCrew or the JADA dashboard: the worker starts, so the check
    says valid, and it fetches no credential for a step that is off."""
    off = {"CHARTERHAND_SCC_ENABLED": "false", "CHARTERHAND_CALENDAR_ENABLED": "false"}
    unused = (
        "CHARTERHAND_SCC_BASE_URL",
        "CHARTERHAND_SCC_SERVICE_KEY",
        "CHARTERHAND_CALENDAR_BASE_URL",
        "CHARTERHAND_DASHBOARD_TOKEN",
    )
    done = _check(off, drop=unused)
    assert done.returncode == 0, done.stderr
    assert "settings are valid: the worker would start with them" in done.stderr
    assert "SCC service key:" not in done.stderr
    assert "dashboard token:" not in done.stderr
    assert "link signing key: the local value (link_signing_key)" in done.stderr

"""``charterhand config check --connect`` against moto's server and the sandbox calendar and SCC:
what is reachable and ready says ok, what is not says FAIL with what to do (issue 20)."""

import socket
from collections.abc import Iterator

import boto3
import pytest

from commands import connecting
from commands.main import main as charterhand
from sandbox.downstream import Downstream, running_downstream
from sandbox.stack import LocalStack, provision


@pytest.fixture
def downstream() -> Iterator[Downstream]:
    with running_downstream(bcrypt_rounds=4) as running:
        yield running


def _closed_port_url() -> str:
    """A loopback URL nothing listens on: the SCC that is not reachable."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def deployed(aws, downstream: Downstream) -> tuple[LocalStack, dict[str, str]]:
    """The stack, its secrets in Secrets Manager (the link signing key not put yet)."""
    stack = provision()
    manager = boto3.client("secretsmanager")
    arns = {
        "dashboard_token_secret": manager.create_secret(
            Name="ch/dashboard-token", SecretString=downstream.dashboard_token
        )["ARN"],
        "scc_key_secret": manager.create_secret(
            Name="ch/scc-service-key", SecretString=downstream.scc_service_key
        )["ARN"],
        # terraform makes the container; the owner has not put its value yet
        "link_signing_key_secret": manager.create_secret(Name="ch/link-signing-key")["ARN"],
    }
    return stack, arns


def _lines(text: str) -> dict[str, str]:
    """``what`` → its whole line, for the lines that start ok or FAIL."""
    found = {}
    for line in text.splitlines():
        if line.startswith(("ok  ", "FAIL")):
            found[line[6:28].strip()] = line
    return found


def _activate_a_rule_for(bucket: str, prefix: str = "raw/") -> None:
    ses = boto3.client("ses")
    ses.create_receipt_rule_set(RuleSetName="ch-inbound")
    ses.create_receipt_rule(
        RuleSetName="ch-inbound",
        Rule={
            "Name": "ch-bookings",
            "Enabled": True,
            "Recipients": ["bookings@in.example.com"],
            "Actions": [{"S3Action": {"BucketName": bucket, "ObjectKeyPrefix": prefix}}],
        },
    )
    ses.set_active_receipt_rule_set(RuleSetName="ch-inbound")


def test_reachable_things_say_ok_and_the_rest_say_what_to_do(deployed, downstream, capsys):
    stack, arns = deployed
    settings = stack.settings(
        calendar_base_url=downstream.calendar.base_url, scc_base_url=_closed_port_url(), **arns
    )
    code = connecting.check(settings)
    out = capsys.readouterr().out
    print(out)
    lines = _lines(out)
    assert code == 1
    for what in (
        "bookings queue",
        "dead-letter queue",
        "inbound bucket",
        "site bucket",
        "photos bucket",
        "state table",
        "dashboard token",
        "SCC service key",
        "SES sending",
    ):
        assert lines[what].startswith("ok"), lines[what]
    assert lines["calendar"].startswith("ok")
    assert "credential accepted (HTTP 200)" in lines["calendar"]
    assert lines["SCC"].startswith("FAIL")
    assert "unreachable" in lines["SCC"]
    assert lines["link signing key"].startswith("FAIL")
    assert "no value yet: aws secretsmanager put-secret-value" in lines["link signing key"]
    assert lines["SES receiving"].startswith("FAIL")
    assert "receipt_rule_set_activation" in lines["SES receiving"]
    # no credential's value is ever printed
    for secret in (downstream.dashboard_token, downstream.scc_service_key):
        assert secret not in out


def test_a_refused_credential_is_named_as_such(deployed, downstream, capsys):
    stack, arns = deployed
    boto3.client("secretsmanager").put_secret_value(
        SecretId=arns["dashboard_token_secret"], SecretString="not-the-token"
    )
    settings = stack.settings(
        calendar_base_url=downstream.calendar.base_url,
        scc_base_url=downstream.scc.base_url,
        **arns,
    )
    connecting.check(settings)
    lines = _lines(capsys.readouterr().out)
    assert "credential was refused (HTTP 403)" in lines["calendar"]
    assert "credential accepted (HTTP 200)" in lines["SCC"]


def test_an_active_rule_writing_into_the_inbound_bucket_is_ok(deployed, downstream, capsys):
    stack, arns = deployed
    boto3.client("secretsmanager").put_secret_value(
        SecretId=arns["link_signing_key_secret"], SecretString="k" * 64
    )
    _activate_a_rule_for(stack.inbound_bucket)
    settings = stack.settings(
        calendar_base_url=downstream.calendar.base_url,
        scc_base_url=downstream.scc.base_url,
        **arns,
    )
    code = connecting.check(settings)
    out = capsys.readouterr().out
    lines = _lines(out)
    assert "rule ch-bookings of the active set ch-inbound writes here" in lines["SES receiving"]
    failed = [line for line in lines.values() if line.startswith("FAIL")]
    # moto's SES account: whatever it says of production access is the only line left to judge
    assert all(line.startswith("FAIL  SES account") for line in failed), failed
    assert code == (1 if failed else 0)


def test_the_cli_flag_runs_the_checks_on_the_environments_settings(
    deployed, downstream, monkeypatch, capsys
):
    stack, arns = deployed
    env = stack.env(
        calendar_base_url=downstream.calendar.base_url, scc_base_url=_closed_port_url(), **arns
    )
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert charterhand(["config", "check", "--connect"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  SCC" in out
    summary = out.rstrip().splitlines()[-1]
    assert summary.endswith("of 14 reachable and ready; fix the 4 FAIL line(s) above"), summary

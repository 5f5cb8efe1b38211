"""The publishers wired from settings: secrets from Secrets Manager reach the sandbox systems."""

from typing import Any

import boto3
import pytest
from pydantic import SecretStr

from publishers.base import Publisher
from sandbox.calendar import CalendarSandbox
from sandbox.records_api import serving
from sandbox.scc import SccSandbox, hash_service_key
from tests.publishing_support import MemoryLinkIssuer, booking, context
from worker.downstream import DownstreamClients, email_publishers, system_publishers
from worker.settings import Settings


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "queue_url": "http://q",
        "dlq_url": "http://dlq",
        "inbound_bucket": "inbound",
        "table_name": "charterhand-state",
        "site_bucket": "site",
        "photos_bucket": "photos",
        "site_base_url": "https://jada.example",
        "links_api_base_url": "https://links.jada.example",
        "from_address": "charterhand@jada.example",
        "manager_address": "manager@jada.example",
        "calendar_base_url": "http://127.0.0.1:9",
        "scc_base_url": "http://127.0.0.1:9",
        "dashboard_token": SecretStr("local-token"),
        "scc_service_key": SecretStr("local-key"),
        **overrides,
    }
    return Settings(**values)


def by_step(publishers: list[Publisher]) -> dict[str, Publisher]:
    return {p.step: p for p in publishers}


def test_the_four_steps_are_built(aws):
    built = [*system_publishers(settings()), *email_publishers(settings(), MemoryLinkIssuer())]
    assert [p.step for p in built] == ["calendar", "scc", "crew_email", "summary"]


def test_credentials_come_from_secrets_manager_by_name(aws):
    client = boto3.client("secretsmanager")
    client.create_secret(Name="charterhand/dashboard", SecretString="sm-token")
    client.create_secret(Name="charterhand/scc", SecretString="sm-key")
    with (
        serving(CalendarSandbox("sm-token")) as calendar,
        serving(SccSandbox(hash_service_key("sm-key", rounds=4))) as scc,
    ):
        config = settings(
            calendar_base_url=calendar.base_url,
            scc_base_url=scc.base_url,
            dashboard_token=None,
            scc_service_key=None,
            dashboard_token_secret="charterhand/dashboard",
            scc_key_secret="charterhand/scc",
        )
        steps = by_step(system_publishers(config, DownstreamClients(secretsmanager=client)))
        for step in ("calendar", "scc"):
            steps[step].publish(context(steps[step], booking()))

        assert len(calendar.records) == len(scc.records) == 1


def test_a_missing_credential_fails_at_start_up_naming_the_setting(aws):
    with pytest.raises(ValueError, match="dashboard_token_secret or dashboard_token"):
        system_publishers(settings(dashboard_token=None))


def test_the_lambda_transport_needs_no_token(aws):
    with serving(CalendarSandbox("unused", function_name="jada-dashboard")) as calendar:
        config = settings(
            calendar_transport="lambda",
            calendar_function_name="jada-dashboard",
            dashboard_token=None,
        )
        clients = DownstreamClients(lambda_=boto3.client("lambda", endpoint_url=calendar.base_url))
        step = by_step(system_publishers(config, clients))["calendar"]

        step.publish(context(step, booking()))

        assert len(calendar.records) == 1


def test_a_real_worker_publishes_to_the_calendar_and_scc(aws):
    from worker.compose import Clients, default_publishers

    built = default_publishers(settings(), Clients.from_environment())

    assert [p.step for p in built] == ["calendar", "scc"]

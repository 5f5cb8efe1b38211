"""The publishers wired from settings: secrets from Secrets Manager reach the sandbox systems."""

from typing import Any

import boto3
import pytest
from pydantic import SecretStr

from app.downstream import (
    PUBLISHER_CLASSES,
    DownstreamClients,
    email_publishers,
    page_publishers,
    system_publishers,
)
from app.settings import Settings
from publishers.base import Publisher
from sandbox.calendar import CalendarSandbox
from sandbox.records_api import serving
from sandbox.scc import SccSandbox, hash_service_key
from tests.support.publishing import MemoryLinkIssuer, booking, context


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


def test_a_real_worker_publishes_to_every_system(aws):
    from app.compose import Clients, default_publishers

    built = default_publishers(
        settings(link_signing_key=SecretStr("k" * 32)), Clients.from_environment()
    )

    assert [p.step for p in built] == [
        "calendar",
        "scc",
        "guest_page",
        "crew_page",
        "crew_email",
        "summary",
    ]
    assert tuple(type(p) for p in built) == PUBLISHER_CLASSES  # the step graph benches read


def test_page_publishers_need_the_link_signing_key_at_start_up(aws):
    with pytest.raises(ValueError, match="link_signing_key_secret or link_signing_key"):
        page_publishers(settings())


def test_page_publishers_publish_to_the_site_bucket(aws):
    boto3.client("s3").create_bucket(Bucket="site")
    client = boto3.client("secretsmanager")
    client.create_secret(Name="charterhand/links", SecretString="s" * 32)
    config = settings(link_signing_key_secret="charterhand/links")
    steps = by_step(page_publishers(config, DownstreamClients(secretsmanager=client)))

    guest = steps["guest_page"].publish(context(steps["guest_page"], booking()))
    crew = steps["crew_page"].publish(context(steps["crew_page"], booking()))

    site = boto3.client("s3")
    assert guest["url"].startswith("https://jada.example/g/")
    assert crew["url"] == f"https://jada.example/{crew['key']}"
    for key in (guest["key"], crew["key"]):
        assert site.head_object(Bucket="site", Key=key)["ContentType"] == "text/html; charset=utf-8"

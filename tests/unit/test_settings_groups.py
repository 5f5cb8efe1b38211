"""Settings per concern: each command loads only the groups it uses, by the same flat variables."""

import os
from pathlib import Path

import pytest

from app.settings import (
    AdmissionSettings,
    AuditSettings,
    DownstreamSettings,
    FleetSettings,
    InboundSettings,
    MailSettings,
    ObservabilitySettings,
    QueueSettings,
    Settings,
    SettingsError,
    SiteSettings,
    TableSettings,
    WorkerSettings,
    load_group,
)
from sandbox.stack import LocalStack

GROUPS = (
    QueueSettings,
    InboundSettings,
    TableSettings,
    SiteSettings,
    MailSettings,
    AdmissionSettings,
    DownstreamSettings,
    WorkerSettings,
    FleetSettings,
    ObservabilitySettings,
    AuditSettings,
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CHARTERHAND_"):
            monkeypatch.delenv(name)


def test_the_groups_share_out_every_setting_once_in_the_reference_order():
    fields = [name for group in GROUPS for name in group.model_fields]
    assert fields == list(Settings.model_fields)


def test_the_queue_group_needs_only_the_two_queue_urls(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CHARTERHAND_QUEUE_URL", "https://sqs/q")
    monkeypatch.setenv("CHARTERHAND_DLQ_URL", "https://sqs/dlq")
    queues = load_group(QueueSettings)
    assert (queues.queue_url, queues.dlq_url) == ("https://sqs/q", "https://sqs/dlq")
    with pytest.raises(SettingsError, match=r"CHARTERHAND_TABLE_NAME"):
        load_group(Settings)  # the worker's settings still need every required one


def test_a_group_names_its_own_missing_variable(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CHARTERHAND_QUEUE_URL", "https://sqs/q")
    with pytest.raises(SettingsError) as caught:
        load_group(QueueSettings)
    assert "CHARTERHAND_DLQ_URL (dlq_url): Field required" in caught.value.reason
    assert "TABLE_NAME" not in caught.value.reason


def stack_toml(tmp_path: Path, extra: str) -> Path:
    """A config file with a local stack's settings, then ``extra``."""
    stack = LocalStack("https://sqs/q", "https://sqs/dlq", "in", "site", "photos", "table")
    toml = tmp_path / "charterhand.toml"
    toml.write_text(
        "".join(f'{name} = "{value}"\n' for name, value in stack.values().items()) + extra
    )
    return toml


def test_a_group_reads_the_whole_config_file_and_ignores_the_other_groups_keys(tmp_path: Path):
    toml = stack_toml(tmp_path, "worker_threads = 8\n")
    assert load_group(QueueSettings, toml).dlq_url == "https://sqs/dlq"
    assert load_group(WorkerSettings, toml).worker_threads == 8
    assert load_group(Settings, toml).table_name == "table"


def test_the_whole_settings_still_refuse_an_unknown_key(tmp_path: Path):
    toml = stack_toml(tmp_path, "worker_thread = 8\n")
    with pytest.raises(SettingsError, match="worker_thread"):
        load_group(Settings, toml)
    assert load_group(QueueSettings, toml).queue_url == "https://sqs/q"

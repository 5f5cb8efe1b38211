"""Calendar, SCC, crew emails and the summary can each be turned off: the settings say which steps
run and refuse a step that is on without what it needs; the step graph copes with the missing."""

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from app.settings import Settings, SettingsError, load_group
from app.steps import OPTIONAL_STEPS, describe_steps, steps_off
from sandbox.stack import LocalStack
from tests.support.recording import Recorder, recording_publishers
from worker.orchestrate import dependency_order

STACK = LocalStack(
    queue_url="http://q/bookings",
    dlq_url="http://q/bookings-dlq",
    inbound_bucket="inbound",
    site_bucket="site",
    photos_bucket="photos",
    table_name="state",
)


@pytest.fixture(autouse=True)
def no_settings_from_the_environment(monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith("CHARTERHAND_"):
            monkeypatch.delenv(name)


def settings(**overrides: Any) -> Settings:
    return load_group(Settings, **STACK.values(**overrides))


def test_every_optional_step_is_on_by_default():
    assert steps_off(settings()) == frozenset()
    assert set(OPTIONAL_STEPS) == {"calendar", "scc", "crew_email", "summary"}


def test_scc_off_needs_no_scc_base_url_and_no_key():
    loaded = settings(scc_enabled=False, scc_base_url=None)
    assert loaded.scc_base_url is None
    assert steps_off(loaded) == {"scc"}


def test_scc_on_without_its_base_url_says_what_to_set_or_turn_off():
    with pytest.raises(SettingsError) as refused:
        settings(scc_base_url=None)
    text = str(refused.value)
    assert "scc is on (scc_enabled) but scc_base_url is not set" in text
    assert "CHARTERHAND_SCC_BASE_URL" in text
    assert "CHARTERHAND_SCC_ENABLED=false" in text


def test_calendar_on_without_its_url_is_refused_when_the_settings_load():
    with pytest.raises(SettingsError, match=r"calendar is on .* calendar_base_url is not set"):
        settings(calendar_base_url=None)
    with pytest.raises(SettingsError, match="calendar_function_name is not set"):
        settings(calendar_transport="lambda")


def test_calendar_off_needs_neither_url_nor_function():
    assert steps_off(settings(calendar_enabled=False, calendar_base_url=None)) == {"calendar"}


def test_the_emails_turn_off_each_on_its_own():
    assert steps_off(settings(crew_email_enabled=False)) == {"crew_email"}
    assert steps_off(settings(summary_enabled=False)) == {"summary"}


def test_the_steps_listing_says_which_are_on_and_what_each_needs():
    lines = describe_steps(
        settings(scc_enabled=False, scc_base_url=None, dashboard_token=SecretStr("t"))
    )
    by_step = {line.split()[0]: line for line in lines}
    assert list(by_step) == ["calendar", "scc", "guest_page", "crew_page", "crew_email", "summary"]
    assert " on " in by_step["calendar"]
    assert "calendar_base_url" in by_step["calendar"]
    assert " off " in by_step["scc"]
    assert "scc_enabled = false" in by_step["scc"]
    assert "always on" in by_step["guest_page"]
    # a credential still missing is named (the worker would refuse to start without it)
    assert "missing: link_signing_key_secret or link_signing_key" in by_step["crew_page"]
    assert "missing" not in by_step["calendar"]


def test_the_summary_runs_without_the_steps_turned_off():
    publishers = [
        p
        for p in recording_publishers(Recorder(Path("unused.jsonl")))
        if p.step not in {"calendar", "scc"}
    ]
    ordered = dependency_order(publishers, off={"calendar", "scc"})
    assert [p.step for p in ordered][-1] == "summary"


def test_a_dependency_on_a_step_that_is_not_turned_off_is_still_refused():
    publishers = [
        p for p in recording_publishers(Recorder(Path("unused.jsonl"))) if p.step != "scc"
    ]
    with pytest.raises(ValueError, match="depends on unknown step 'scc'"):
        dependency_order(publishers)


def test_a_step_turned_off_cannot_also_have_a_publisher():
    with pytest.raises(ValueError, match="'scc' is turned off but has a publisher"):
        dependency_order(recording_publishers(Recorder(Path("unused.jsonl"))), off={"scc"})


def test_config_check_lists_the_steps_on_and_off():
    from tests.unit.test_config_cli import REQUIRED, _check

    env = {k: v for k, v in REQUIRED.items() if k != "CHARTERHAND_SCC_BASE_URL"}
    result = _check({**env, "CHARTERHAND_SCC_ENABLED": "false"})

    assert result.returncode == 0, result.stderr
    assert "scc         off  (scc_enabled = false): needs nothing" in result.stderr
    assert "calendar    on   (calendar_enabled) needs calendar_base_url" in result.stderr
    assert "guest_page  on   (always on)" in result.stderr


def test_config_check_says_what_a_step_that_is_on_lacks():
    from tests.unit.test_config_cli import REQUIRED, _check

    env = {k: v for k, v in REQUIRED.items() if k != "CHARTERHAND_SCC_BASE_URL"}
    result = _check(env)

    assert result.returncode == 2
    assert (
        "scc is on (scc_enabled) but scc_base_url is not set: set CHARTERHAND_SCC_BASE_URL, "
        "or turn the step off with CHARTERHAND_SCC_ENABLED=false" in result.stderr
    )

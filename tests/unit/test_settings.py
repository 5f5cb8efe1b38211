"""Settings load from TOML and CHARTERHAND_* variables, and fail at start-up with what to fix."""

import os

import pytest

from app.settings import SettingsError, load_settings
from sandbox.stack import LocalStack

STACK = LocalStack(
    queue_url="http://q/bookings",
    dlq_url="http://q/bookings-dlq",
    inbound_bucket="inbound",
    site_bucket="site",
    photos_bucket="photos",
    table_name="state",
)


@pytest.fixture
def env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("CHARTERHAND_"):
            monkeypatch.delenv(name)
    for name, value in STACK.env().items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_environment_alone_is_enough(env):
    assert load_settings().queue_url == "http://q/bookings"


def test_missing_setting_names_its_environment_variable(env):
    env.delenv("CHARTERHAND_QUEUE_URL")
    with pytest.raises(SettingsError, match=r"CHARTERHAND_QUEUE_URL \(queue_url\): Field required"):
        load_settings()


def test_invalid_value_is_named_with_what_was_given(env):
    env.setenv("CHARTERHAND_WORKER_THREADS", "0")
    with pytest.raises(SettingsError, match=r"CHARTERHAND_WORKER_THREADS.*\(got '0'\)"):
        load_settings()


def test_secret_values_are_never_echoed(env):
    env.setenv("CHARTERHAND_SCC_SERVICE_KEY", "")
    env.setenv("CHARTERHAND_FLEET", "{not json s3cr3t")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "s3cr3t" not in str(caught.value)


def test_toml_file_supplies_what_the_environment_does_not(env, tmp_path):
    env.delenv("CHARTERHAND_TABLE_NAME")
    config = tmp_path / "charterhand.toml"
    config.write_text('table_name = "from-toml"\nworker_threads = 2\n')
    settings = load_settings(config)
    assert (settings.table_name, settings.worker_threads) == ("from-toml", 2)


def test_environment_wins_over_the_toml_file(env, tmp_path):
    config = tmp_path / "charterhand.toml"
    config.write_text('table_name = "from-toml"\n')
    assert load_settings(config).table_name == "state"


def test_config_named_by_variable_is_read(env, tmp_path):
    env.delenv("CHARTERHAND_TABLE_NAME")
    config = tmp_path / "c.toml"
    config.write_text('table_name = "via-variable"\n')
    env.setenv("CHARTERHAND_CONFIG", str(config))
    assert load_settings().table_name == "via-variable"


def test_fleet_and_rates_come_from_toml(env, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(
        "[margin]\ncrew_hourly = 55\n\n"
        '[[fleet.boats]]\nname = "WAHOO"\ncaptain = "kim"\n\n'
        '[[fleet.people]]\nid = "kim"\nname = "Kim Park"\nrole = "captain"\n'
    )
    settings = load_settings(config)
    assert settings.fleet.boats[0].name == "WAHOO"
    assert str(settings.margin.crew_hourly) == "55"


def test_fleet_with_an_unknown_crew_member_fails_at_start_up(env, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[[fleet.boats]]\nname = "WAHOO"\ncaptain = "nobody"\n')
    with pytest.raises(
        SettingsError, match=r"TOML key fleet in .*c\.toml: .*'nobody' is not in people"
    ):
        load_settings(config)


def test_missing_config_file_is_an_error_not_a_silent_default(env, tmp_path):
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_malformed_toml_is_reported_with_its_path(env, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("table_name = \n")
    with pytest.raises(SettingsError, match=r"bad\.toml"):
        load_settings(config)


def test_parsing_words_come_from_toml(env, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(
        '[parsing.labels]\nboat = ["Vessel designation"]\n\n'
        '[parsing.kinds]\nconfirmed = ["all aboard"]\n'
    )
    vocabulary = load_settings(config).parsing
    assert vocabulary.fields("vessel designation") == {"boat"}
    assert vocabulary.kind_of("All aboard, Maya!") == "confirmed"


def test_parsing_words_come_from_the_environment(env):
    env.setenv("CHARTERHAND_PARSING__LABELS__BOOKING_ID", '["Charter token"]')
    assert load_settings().parsing.fields("charter token") == {"booking_id"}


def test_a_parsing_label_for_an_unknown_field_fails_at_start_up(env):
    env.setenv("CHARTERHAND_PARSING__LABELS__BOATS", '["Vessel"]')
    with pytest.raises(SettingsError, match=r"unknown fields in \[parsing.labels\]: boats"):
        load_settings()

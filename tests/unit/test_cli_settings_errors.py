"""Settings errors name where the bad value came from: a variable by its full name, a TOML key as
a TOML key, a list variable that is not JSON with the form it wants, a misspelt variable with the
one it resembles; and URLs and addresses are checked as such. Run as ``charterhand config check``
and ``charterhand dlq ls``, in their own processes."""

import os
import subprocess
from pathlib import Path

from tests.support.cli import charterhand
from tests.unit.test_cli_config_check import COMPLETE


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CHARTERHAND_", "AWS_"))}
    return charterhand(*args, env={**clean, **env})


def _check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return _run("config", "check", *args, env={**COMPLETE, **env})


def test_a_nested_variable_is_named_in_full():
    done = _check({"CHARTERHAND_MARGIN__CREW_HOURLY": "lots"})
    assert done.returncode == 2
    assert "CHARTERHAND_MARGIN__CREW_HOURLY (margin.crew_hourly): " in done.stderr
    assert "(got 'lots')" in done.stderr


def test_a_toml_key_is_named_as_a_toml_key(tmp_path: Path):
    config = tmp_path / "charterhand.toml"
    config.write_text('[margin]\ncrew_hourly = "lots"\n')
    done = _check({}, "--config", str(config))
    assert done.returncode == 2
    assert f"TOML key margin.crew_hourly in {config}: " in done.stderr
    assert "CHARTERHAND_MARGIN" not in done.stderr


def test_a_toml_key_inside_a_table_array_is_named_with_its_index(tmp_path: Path):
    config = tmp_path / "charterhand.toml"
    config.write_text('[[fleet.boats]]\nname = "WAHOO"\ncapacity = "many"\n')
    done = _check({}, "--config", str(config))
    assert done.returncode == 2
    assert f"TOML key fleet.boats[0].capacity in {config}: " in done.stderr


def test_an_unknown_toml_key_says_which_one_it_resembles(tmp_path: Path):
    config = tmp_path / "charterhand.toml"
    config.write_text("worker_thread = 8\n")
    done = _check({}, "--config", str(config))
    assert done.returncode == 2
    assert f"TOML key worker_thread in {config}: not a setting; did you mean worker_threads?" in (
        done.stderr
    )


def test_a_list_variable_that_is_not_json_shows_the_json_it_wants():
    done = _check({"CHARTERHAND_FORWARDER_ALLOWLIST": "dana@sailjada.com, ops@sailjada.com"})
    assert done.returncode == 2
    assert "CHARTERHAND_FORWARDER_ALLOWLIST is not JSON" in done.stderr
    assert """CHARTERHAND_FORWARDER_ALLOWLIST='["dana@sailjada.com", "ops@sailjada.com"]'""" in (
        done.stderr
    )
    assert "config file" not in done.stderr


def test_a_table_variable_that_is_not_json_shows_both_forms_and_never_its_value():
    done = _check({"CHARTERHAND_MARGIN": "crew_hourly=55 s3cr3t"})
    assert done.returncode == 2
    assert "CHARTERHAND_MARGIN is not JSON" in done.stderr
    assert "CHARTERHAND_MARGIN__CREW_HOURLY=" in done.stderr
    assert "s3cr3t" not in done.stderr


def test_a_misspelt_variable_is_named_with_the_one_it_resembles():
    env = {k: v for k, v in COMPLETE.items() if k != "CHARTERHAND_QUEUE_URL"}
    done = _run(
        "config", "check", env={**env, "CHARTERHAND_QUEUE_ULR": COMPLETE["CHARTERHAND_QUEUE_URL"]}
    )
    assert done.returncode == 2
    assert (
        "CHARTERHAND_QUEUE_ULR is not a setting: did you mean CHARTERHAND_QUEUE_URL?" in done.stderr
    )


def test_a_misspelt_optional_variable_is_refused_not_ignored():
    """A typo in a trust setting would otherwise leave the default silently in force."""
    done = _check({"CHARTERHAND_REQUIRE_VERIFIED_ORIGNAL": "true"})
    assert done.returncode == 2
    assert "did you mean CHARTERHAND_REQUIRE_VERIFIED_ORIGINAL?" in done.stderr


def test_a_misspelt_nested_variable_is_named_with_the_one_it_resembles():
    done = _check({"CHARTERHAND_MARGIN__CREW_HOURLEY": "55"})
    assert done.returncode == 2
    assert "did you mean CHARTERHAND_MARGIN__CREW_HOURLY?" in done.stderr


def test_a_variable_like_no_setting_is_named_but_not_refused():
    done = _check({"CHARTERHAND_TEST_RECORD": "/tmp/x"})
    assert done.returncode == 0, done.stderr
    assert "CHARTERHAND_TEST_RECORD is not a setting (ignored)" in done.stderr


def test_a_misspelt_variable_fails_a_command_that_reads_other_settings_too():
    done = _run(
        "dlq",
        "ls",
        env={
            "CHARTERHAND_QUEUE_URL": COMPLETE["CHARTERHAND_QUEUE_URL"],
            "CHARTERHAND_DLQ_URL": COMPLETE["CHARTERHAND_DLQ_URL"],
            "CHARTERHAND_WORKER_THREDS": "4",
        },
    )
    assert done.returncode == 2
    assert "did you mean CHARTERHAND_WORKER_THREADS?" in done.stderr


def test_a_url_without_its_scheme_is_refused():
    done = _check({"CHARTERHAND_SITE_BASE_URL": "jada.example"})
    assert done.returncode == 2
    assert "CHARTERHAND_SITE_BASE_URL (site_base_url): " in done.stderr
    assert "https://" in done.stderr


def test_a_queue_url_without_its_scheme_fails_dlq_too():
    done = _run(
        "dlq",
        "ls",
        env={
            "CHARTERHAND_QUEUE_URL": "sqs.us-east-1.amazonaws.com/123456789012/bookings",
            "CHARTERHAND_DLQ_URL": COMPLETE["CHARTERHAND_DLQ_URL"],
        },
    )
    assert done.returncode == 2
    assert "CHARTERHAND_QUEUE_URL (queue_url): " in done.stderr


def test_an_address_that_is_not_an_address_is_refused():
    done = _check({"CHARTERHAND_FROM_ADDRESS": "crew at jada"})
    assert done.returncode == 2
    assert "CHARTERHAND_FROM_ADDRESS (from_address): " in done.stderr
    assert "email address" in done.stderr


def test_an_allowlist_entry_that_is_not_an_address_is_named_by_its_place():
    done = _check({"CHARTERHAND_FORWARDER_ALLOWLIST": '["dana@sailjada.com", "ops"]'})
    assert done.returncode == 2
    assert "CHARTERHAND_FORWARDER_ALLOWLIST (forwarder_allowlist[1]): " in done.stderr

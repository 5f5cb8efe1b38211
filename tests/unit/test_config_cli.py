"""``charterhand config`` and the README's configuration reference."""

import os
import subprocess

from commands.config import reference_table
from tests.conftest import ROOT
from tests.support.cli import charterhand
from tests.unit.test_cli_config_check import COMPLETE

#: every setting the worker needs to start (its credentials as local values), and an offline AWS
#: account: ``config check`` builds the worker as ``charterhand worker`` does
REQUIRED = COMPLETE


def _check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CHARTERHAND_", "AWS_"))}
    return charterhand("config", "check", env={**clean, **env})


def test_check_prints_the_settings_with_secrets_masked():
    result = _check({**REQUIRED, "CHARTERHAND_SCC_SERVICE_KEY": "s3cret-service-key"})
    assert "s3cret-service-key" not in result.stderr
    assert result.returncode == 0, result.stderr
    assert (
        '"queue_url": "https://sqs.us-east-1.amazonaws.com/123456789012/bookings"' in result.stdout
    )
    assert "s3cret-service-key" not in result.stdout
    assert "settings are valid" in result.stderr


def test_check_names_each_missing_setting_by_its_variable():
    env = {k: v for k, v in REQUIRED.items() if k != "CHARTERHAND_TABLE_NAME"}
    result = _check({**env, "CHARTERHAND_WORKER_THREADS": "0"})
    assert result.returncode == 2
    assert "CHARTERHAND_TABLE_NAME (table_name): Field required" in result.stderr
    assert "CHARTERHAND_WORKER_THREADS" in result.stderr


def test_the_reference_names_every_setting():
    table = reference_table()
    from app.settings import Settings

    for name in Settings.model_fields:
        assert f"`CHARTERHAND_{name.upper()}`" in table


def test_the_readme_carries_the_current_reference():
    readme = (ROOT / "README.md").read_text()
    assert reference_table() in readme, "README's configuration table is stale: paste " + (
        "`charterhand config reference` into it"
    )


def test_the_readmes_fleet_example_is_valid(tmp_path):
    readme = (ROOT / "README.md").read_text()
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    config = tmp_path / "charterhand.toml"
    config.write_text(example)
    result = _check({**REQUIRED, "CHARTERHAND_CONFIG": str(config)})
    assert result.returncode == 0, result.stderr
    assert '"hourly_rate": "45"' in result.stdout
    assert '"listing_names": [\n          "Classic 50ft Sailing Yacht"' in result.stdout

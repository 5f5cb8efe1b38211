"""The optional steps in terraform: each flag reaches the worker, a step's secret exists only while
the step is on, and with SCC and the calendar off the worker accepts what terraform gives it."""

from pathlib import Path

import pytest

from app.settings import Settings
from app.steps import OPTIONAL_STEPS, steps_off
from tests.infra.module import Module
from tests.infra.terraform_cli import Terraform, console_map, export_settings


@pytest.mark.parametrize("step", OPTIONAL_STEPS)
def test_each_step_flag_is_a_bool_on_by_default_that_reaches_the_worker(tf: Module, step: str):
    variable = tf.variables[f"{step}_enabled"]
    assert variable["type"] in ("bool", "${bool}")
    assert variable["default"] is True
    assert tf.locals["worker_settings"][f"{step}_enabled"] == f"${{tostring(var.{step}_enabled)}}"


def test_the_step_secrets_exist_only_while_their_step_is_on(tf: Module):
    token = tf.resource("aws_secretsmanager_secret", "dashboard_token")
    key = tf.resource("aws_secretsmanager_secret", "scc_service_key")
    assert token["count"] == '${var.calendar_enabled && var.calendar_transport == "http" ? 1 : 0}'
    assert key["count"] == "${var.scc_enabled ? 1 : 0}"
    # the signing key is the pages', which always run
    assert "count" not in tf.resource("aws_secretsmanager_secret", "link_signing_key")


def test_secrets_made_before_the_flags_are_kept_not_replaced(tf: Module):
    moved = "\n".join(tf.files.values())
    for name in ("dashboard_token", "scc_service_key"):
        assert (
            f"from = aws_secretsmanager_secret.{name}\n  to   = aws_secretsmanager_secret.{name}[0]"
        ) in moved


def test_scc_needs_its_url_only_while_it_is_on(tf: Module):
    assert tf.variables["scc_base_url"]["default"] is None
    conditions = [
        p["condition"]
        for p in tf.resource("aws_ecs_task_definition", "worker")["lifecycle"][0]["precondition"]
    ]
    assert "${!var.scc_enabled || var.scc_base_url != null}" in conditions


STEPS_OFF = "scc_enabled = false\nscc_base_url = null\ncalendar_enabled = false\n"


def test_with_scc_and_the_calendar_off_the_worker_accepts_terraforms_environment(
    terraform: Terraform, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    # outside the shared module copy: the fmt check reads every file in it
    off_vars = tmp_path / "steps-off.tfvars"
    off_vars.write_text(STEPS_OFF)
    result = terraform.console("local.worker_settings", f"-var-file={off_vars}")
    assert result.returncode == 0, result.stderr
    values = console_map(result.stdout)
    assert (values["scc_enabled"], values["calendar_enabled"]) == ("false", "false")
    assert values["scc_base_url"] is None
    export_settings(values, monkeypatch)

    settings = Settings()

    assert steps_off(settings) == {"scc", "calendar"}
    assert settings.scc_base_url is None

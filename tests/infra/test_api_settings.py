"""The links API Lambda's environment is exactly what api.config.LinksApiConfig reads, and the
handler terraform names exists. Derived from the model, so a new field fails here by name."""

import importlib

import pytest

from api.config import LinksApiConfig
from tests.infra.module import Module
from tests.infra.terraform_cli import Terraform, console_map, export_settings


def test_terraform_gives_the_links_api_every_setting_it_reads(tf: Module):
    missing = sorted(set(LinksApiConfig.model_fields) - set(tf.locals["api_settings"]))
    assert not missing, (
        f"api.config.LinksApiConfig fields not set by infra/terraform: {missing}; "
        "add them to local.api_settings in infra/terraform/api.tf"
    )


def test_terraform_gives_the_links_api_nothing_it_does_not_read(tf: Module):
    unknown = sorted(set(tf.locals["api_settings"]) - set(LinksApiConfig.model_fields))
    assert not unknown, f"local.api_settings has fields LinksApiConfig does not declare: {unknown}"


def test_the_lambda_environment_is_those_settings(tf: Module):
    function = tf.resource("aws_lambda_function", "api")
    assert function["environment"][0]["variables"] == "${local.api_environment}"
    assert "CHARTERHAND_${upper(field)}" in tf.locals["api_environment"]
    assert "local.api_settings" in tf.locals["api_environment"]


def test_the_lambda_shares_the_workers_table_bucket_fleet_and_site(tf: Module):
    api, worker = tf.locals["api_settings"], tf.locals["worker_settings"]
    for field in ("table_name", "photos_bucket", "site_base_url", "fleet"):
        assert api[field] == worker[field], field


def test_the_handler_terraform_names_exists(tf: Module):
    module_name, function_name = tf.variables["api_handler"]["default"].rsplit(".", 1)
    handler = getattr(importlib.import_module(module_name), function_name)
    assert callable(handler)


def test_the_links_api_accepts_the_environment_terraform_gives_it(
    terraform: Terraform, monkeypatch: pytest.MonkeyPatch
):
    result = terraform.console("local.api_settings")
    assert result.returncode == 0, result.stderr
    export_settings(console_map(result.stdout), monkeypatch)

    config = LinksApiConfig()

    assert config.site_base_url == "https://charters.jada.example"
    assert [boat.name for boat in config.fleet.boats] == ["JADA"]
    assert config.photo_max_bytes == 20 * 1024 * 1024

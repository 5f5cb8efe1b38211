"""The deployed worker's configuration is exactly what app.settings.Settings reads.

Derived from ``Settings.model_fields``, so a field added to the settings fails here, by name,
until terraform sets it (or it is a secret value, which terraform must never hold).
"""

import re
import typing
from typing import Any

import annotated_types
import pytest
from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from api.config import LinksApiConfig
from app.settings import ENV_PREFIX, Settings
from bookings import Boat, CrewMember, Fleet, Kind, MarginPolicy
from parsers.labels import FIELD_LABELS
from parsers.vocabulary import Vocabulary
from tests.infra.module import Module, object_attributes, var_refs


def _is_secret_value(field: FieldInfo) -> bool:
    return SecretStr in typing.get_args(field.annotation) or field.annotation is SecretStr


SECRET_VALUES = {name for name, field in Settings.model_fields.items() if _is_secret_value(field)}
DEPLOYED = set(Settings.model_fields) - SECRET_VALUES


def test_the_settings_have_secret_values_that_terraform_must_not_hold():
    assert {"dashboard_token", "scc_service_key", "link_signing_key"} <= SECRET_VALUES


def test_terraform_sets_every_setting_the_deployed_worker_reads(tf: Module):
    configured = set(tf.locals["worker_settings"])
    missing = sorted(DEPLOYED - configured)
    assert not missing, (
        f"app.settings.Settings fields not set by infra/terraform: {missing}; "
        "add them to local.worker_settings in infra/terraform/worker.tf"
    )


def test_terraform_sets_nothing_the_worker_does_not_read(tf: Module):
    unknown = sorted(set(tf.locals["worker_settings"]) - DEPLOYED)
    assert not unknown, f"local.worker_settings has fields Settings does not declare: {unknown}"


def test_no_secret_value_appears_anywhere_in_terraform(tf: Module):
    text = "\n".join(tf.files.values())
    for name in SECRET_VALUES:
        assert not re.search(rf"{ENV_PREFIX}{name.upper()}\b", text), f"{name} is set"
        assert not re.search(rf"^\s*{name}\s*=", text, re.MULTILINE), f"{name} is set in terraform"


def test_the_task_definition_sets_the_environment_from_those_settings(tf: Module):
    environment = tf.locals["worker_environment"]
    assert "for field in sort(keys(local.worker_settings))" in environment
    assert 'name = "CHARTERHAND_${upper(field)}"' in environment
    assert ENV_PREFIX == "CHARTERHAND_"
    container = tf.resource("aws_ecs_task_definition", "worker")["container_definitions"]
    assert "environment = local.worker_environment" in container
    # secrets are read by the worker from Secrets Manager at run time, never injected as values
    assert "secrets =" not in container
    assert 'command = ["worker"]' in container


def test_every_infrastructure_value_a_setting_needs_is_an_output(tf: Module):
    settings = tf.locals["worker_settings"]
    passthrough = re.compile(r"\$\{((tostring|jsonencode)\()?var\.\w+\)?\}")
    needs_output = {field for field, value in settings.items() if not passthrough.fullmatch(value)}
    assert {"queue_url", "inbound_bucket", "table_name"} <= needs_output
    for field in sorted(needs_output):
        assert field in tf.outputs, f"setting {field} comes from infrastructure but has no output"
        assert tf.outputs[field]["value"] == settings[field], f"output {field} differs"


def _bounds(field: FieldInfo) -> dict[str, float]:
    bounds: dict[str, float] = {}
    for meta in field.metadata:
        for kind in ("ge", "gt", "le", "lt"):
            value = getattr(meta, kind, None)
            if isinstance(meta, annotated_types.BaseMetadata) and value is not None:
                bounds[kind] = float(value)
    return bounds


def _tf_bounds(condition: str, variable: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for op, number in re.findall(rf"var\.{variable}\s*(>=|>|<=|<)\s*([0-9.]+)", condition):
        found[{">=": "ge", ">": "gt", "<=": "le", "<": "lt"}[op]] = float(number)
    return found


#: each settings model and the terraform local that configures it
CONFIGURED: dict[str, type[BaseSettings]] = {
    "worker_settings": Settings,
    "api_settings": LinksApiConfig,
}


@pytest.mark.parametrize(
    ("local", "field"),
    [
        (local, field)
        for local, model in CONFIGURED.items()
        for field in sorted(model.model_fields)
        if _bounds(model.model_fields[field]) and not _is_secret_value(model.model_fields[field])
    ],
)
def test_terraform_accepts_only_values_the_code_accepts(tf: Module, local: str, field: str):
    (variable,) = var_refs(tf.locals[local][field])
    condition = tf.variables[variable]["validation"][0]["condition"]
    code = _bounds(CONFIGURED[local].model_fields[field])
    terraform = _tf_bounds(condition, variable)
    low = max(terraform.get("ge", float("-inf")), terraform.get("gt", float("-inf")))
    high = min(terraform.get("le", float("inf")), terraform.get("lt", float("inf")))
    assert low >= code.get("ge", code.get("gt", float("-inf"))), f"var.{variable} allows less"
    if "gt" in code:
        assert "gt" in terraform or low > code["gt"], f"var.{variable} allows {code['gt']}"
    assert high <= code.get("le", code.get("lt", float("inf"))), f"var.{variable} allows more"


@pytest.mark.parametrize(
    "field",
    sorted(
        f
        for f in DEPLOYED
        if typing.get_origin(Settings.model_fields[f].annotation) is typing.Literal
    ),
)
def test_terraform_offers_exactly_the_choices_the_worker_knows(tf: Module, field: str):
    (variable,) = var_refs(tf.locals["worker_settings"][field])
    condition = tf.variables[variable]["validation"][0]["condition"]
    offered = re.search(r"contains\(\[([^\]]*)\]", condition)
    assert offered, condition
    choices = {c.strip().strip('"') for c in offered.group(1).split(",")}
    assert choices == set(typing.get_args(Settings.model_fields[field].annotation))


def _optional_attributes(type_expression: str) -> dict[str, Any]:
    return object_attributes(type_expression)


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ((), Fleet),
        (("boats",), Boat),
        (("people",), CrewMember),
    ],
)
def test_the_fleet_variable_has_every_field_of_the_fleet(tf: Module, path, model):
    type_expression = tf.variables["fleet"]["type"]
    for step in path:
        type_expression = object_attributes(type_expression)[step]
    attributes = object_attributes(type_expression)
    assert set(attributes) == set(model.model_fields), f"fleet{'.'.join(('', *path))}"
    required = {n for n, f in model.model_fields.items() if f.is_required()}
    assert {n for n, t in attributes.items() if not t.startswith("optional(")} == required


def test_the_margin_variable_has_every_field_of_the_margin_policy(tf: Module):
    assert set(object_attributes(tf.variables["margin"]["type"])) == set(MarginPolicy.model_fields)


def test_the_parsing_variable_has_every_field_of_the_vocabulary(tf: Module):
    attributes = object_attributes(tf.variables["parsing_vocabulary"]["type"])
    assert set(attributes) == set(Vocabulary.model_fields)
    # each optional, empty by default: an unset vocabulary is the parser's own
    assert all(t.startswith("optional(") and t.endswith(", {})") for t in attributes.values())
    assert tf.locals["worker_settings"]["parsing"] == "${jsonencode(var.parsing_vocabulary)}"


def _offered(condition: str, attribute: str) -> set[str]:
    found = re.search(
        rf"keys\(var\.parsing_vocabulary\.{attribute}\)\s*:\s*contains\(\[([^\]]*)\]", condition
    )
    assert found, condition
    return {c.strip().strip('"') for c in found.group(1).split(",")}


@pytest.mark.parametrize(
    ("attribute", "known"),
    [("labels", set(FIELD_LABELS)), ("kinds", {kind.value for kind in Kind})],
)
def test_terraform_teaches_exactly_the_fields_and_kinds_the_parser_knows(
    tf: Module, attribute: str, known: set[str]
):
    conditions = [v["condition"] for v in tf.variables["parsing_vocabulary"]["validation"]]
    (condition,) = [c for c in conditions if f"keys(var.parsing_vocabulary.{attribute})" in c]
    assert _offered(condition, attribute) == known

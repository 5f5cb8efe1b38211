"""The real terraform binary, offline: the module validates, and the environment it gives the
worker, evaluated by terraform itself from the example tfvars, is accepted by Settings."""

from decimal import Decimal

import pytest

from app.settings import Settings
from bookings import Kind
from parsers.labels import normalise_label
from parsers.vocabulary import BUILT_IN
from tests.infra.terraform_cli import UNKNOWN, Terraform, console_map, export_settings


def test_the_module_is_valid_terraform(terraform: Terraform):
    result = terraform.run("validate")
    assert result.returncode == 0, result.stderr
    assert "Success" in result.stdout


def test_the_module_is_formatted(terraform: Terraform):
    result = terraform.run("fmt", "-check", "-recursive")
    assert result.returncode == 0, f"terraform fmt would change: {result.stdout}"


@pytest.fixture(scope="module")
def worker_settings(terraform: Terraform) -> dict[str, object]:
    result = terraform.console("local.worker_settings")
    assert result.returncode == 0, result.stderr
    return console_map(result.stdout)


def test_the_worker_accepts_the_environment_terraform_gives_it(
    worker_settings: dict[str, object], monkeypatch: pytest.MonkeyPatch
):
    export_settings(worker_settings, monkeypatch)

    settings = Settings()

    assert [boat.name for boat in settings.fleet.boats] == ["JADA"]
    assert settings.fleet.person("alex").hourly_rate == Decimal("55")
    assert settings.fleet.person("sam").hourly_rate is None  # unset: the policy's rate
    assert settings.margin.platform_fee_rate == Decimal("0.18")
    assert settings.margin.crew_extra_hours == Decimal("2")  # unset: DESIGN.md's default
    assert settings.forwarder_allowlist == ["owner@jada.example"]
    assert settings.require_authenticated_sender is True
    assert settings.calendar_function_name is None  # null in terraform: left unset
    assert settings.site_base_url == "https://charters.jada.example"
    assert settings.inbound_prefix == "raw/"
    assert settings.parsing == BUILT_IN  # nothing taught: the parser's own words


def test_infrastructure_values_are_left_to_apply_and_config_values_are_known(
    worker_settings: dict[str, object],
):
    assert worker_settings["queue_url"] is UNKNOWN
    assert worker_settings["table_name"] is UNKNOWN
    assert worker_settings["worker_threads"] == "4"
    assert worker_settings["summary_webhook_url"] is None


#: a taught vocabulary as an operator writes it in terraform.tfvars (kinds and rules left out)
TAUGHT = (
    '{labels = {boat = ["Charter vessel"], gross = ["Owner payout base"]}, '
    'kinds = {confirmed = ["all aboard"]}, '
    'not_bookings = {"insurance offer" = ["protect your trip"]}}'
)


def test_a_taught_vocabulary_reaches_the_worker_as_its_parsing_settings(
    terraform: Terraform, monkeypatch: pytest.MonkeyPatch
):
    result = terraform.console("local.worker_settings", "-var", f"parsing_vocabulary={TAUGHT}")
    assert result.returncode == 0, result.stderr
    export_settings(console_map(result.stdout), monkeypatch)

    parsing = Settings().parsing

    assert parsing.labels == {"boat": ["Charter vessel"], "gross": ["Owner payout base"]}
    assert parsing.kinds == {Kind.CONFIRMED: ["all aboard"]}
    assert parsing.not_bookings == {"insurance offer": ["protect your trip"]}
    # and the parser reads with it
    assert "boat" in parsing.fields(normalise_label("Charter vessel:"))
    assert parsing.kind_of("All aboard: your Saturday charter") is Kind.CONFIRMED
    assert parsing.not_a_booking("Protect your trip with cover") == "insurance offer"


def test_a_partly_taught_vocabulary_leaves_the_rest_empty(
    terraform: Terraform, monkeypatch: pytest.MonkeyPatch
):
    taught = 'parsing_vocabulary={labels = {boat = ["Charter vessel"]}}'
    result = terraform.console("local.worker_settings", "-var", taught)
    assert result.returncode == 0, result.stderr
    export_settings(console_map(result.stdout), monkeypatch)

    parsing = Settings().parsing

    assert parsing.labels == {"boat": ["Charter vessel"]}
    assert (parsing.kinds, parsing.not_bookings) == ({}, {})


def test_a_vocabulary_the_worker_would_refuse_is_refused_by_terraform(terraform: Terraform):
    wrong = (
        'parsing_vocabulary={labels = {vessel = ["Boat"]}, kinds = {booked = ["on"]}, '
        'not_bookings = {promo = ["  "]}}'
    )
    result = terraform.console("var.parsing_vocabulary", "-var", wrong)
    complaints = " ".join(result.stderr.split())
    assert "Invalid value for variable" in complaints
    assert "parsing_vocabulary.labels keys must be fields the parser reads" in complaints
    assert "parsing_vocabulary.kinds keys must be request, confirmed" in complaints
    assert "parsing_vocabulary words and phrases must not be blank" in complaints


BAD_VALUES = {
    "worker_threads=0": "worker_threads must be between 1 and 64",
    'calendar_transport="smtp"': "calendar_transport must be http or lambda",
    'inbound_recipient="Bookings at example"': "inbound_recipient must be a lowercase email",
}


def test_bad_values_are_refused_each_with_its_variables_name(terraform: Terraform):
    overrides = [arg for override in BAD_VALUES for arg in ("-var", override)]
    result = terraform.console("var.worker_threads", *overrides)
    assert "Invalid value for variable" in result.stderr
    for complaint in BAD_VALUES.values():
        assert complaint in " ".join(result.stderr.split())


def test_the_example_values_are_accepted(terraform: Terraform):
    result = terraform.console("var.worker_threads")
    assert (result.stdout.strip(), result.stderr) == ("4", "")

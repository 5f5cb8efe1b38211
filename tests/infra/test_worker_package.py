"""The worker Lambda's zip (worker_mode = lambda): what ``app.worker_lambda`` imports and nothing
more, built as the links API's is (tests/infra/test_api_package.py holds the shared machinery's
tests)."""

import importlib.metadata
import re
import sys

import pytest

from infra.build_api_package import ROOT, distribution_name
from infra.build_worker_package import (
    DISTRIBUTIONS,
    PACKAGES,
    SERVICES,
    SOURCE_ONLY,
    worker_requirements,
)
from tests.infra.module import Module
from tests.infra.runtime_only import RUNTIME_PACKAGES, import_closure, runtime_distributions

ENTRY_POINT = "app.worker_lambda"


@pytest.fixture(scope="module")
def closure() -> set[str]:
    """Every module the entry point imports at run time (``TYPE_CHECKING`` imports aside)."""
    return import_closure(ENTRY_POINT)


def test_the_zip_carries_exactly_our_packages_the_entry_point_imports(closure):
    ours = {module.split(".")[0] for module in closure} & set(RUNTIME_PACKAGES)
    assert ours == set(PACKAGES)
    assert not {"sandbox", "ops", "api", "commands"} & set(PACKAGES)


def test_the_declared_distributions_are_the_ones_the_entry_point_imports(closure):
    owners = importlib.metadata.packages_distributions()
    imported = {
        distribution_name(owners[top][0])
        for top in {module.split(".")[0] for module in closure}
        if top not in sys.stdlib_module_names and top not in RUNTIME_PACKAGES
    }
    assert imported <= runtime_distributions(worker_requirements()), "the zip would lack these"
    assert set(DISTRIBUTIONS) <= imported, "the worker imports none of these"
    assert set(SOURCE_ONLY) <= set(DISTRIBUTIONS)


def _called_services(packages: tuple[str, ...]) -> set[str]:
    pattern = r"(?:clients\.)?\bclient\(\s*\"([a-z0-9-]+)\""
    return {
        service
        for package in packages
        for source in (ROOT / package).rglob("*.py")
        for service in re.findall(pattern, source.read_text())
    }


def test_the_worker_calls_only_the_services_whose_models_the_zip_keeps():
    # SES (sesv2) and Lambda have their own constructors in publishers/transport
    assert _called_services(PACKAGES) | {"sesv2", "lambda"} == set(SERVICES)


def test_terraform_deploys_the_zip_make_builds(tf: Module):
    function = tf.resource("aws_lambda_function", "worker")
    assert function["handler"] == f"{ENTRY_POINT}.handler"
    assert function["runtime"] == "python3.11"
    assert function["source_code_hash"] == "${filebase64sha256(local.worker_lambda_package)}"
    assert tf.locals["worker_lambda_package"].endswith(
        '"${path.module}/../../build/worker-lambda.zip")}'
    )
    makefile = (ROOT / "Makefile").read_text()
    assert "infra/build_worker_package.py --arch $(ARCH)" in makefile


def test_the_mapping_reports_batch_item_failures(tf: Module):
    for name in ("worker_bookings", "worker_ses_events"):
        mapping = tf.resource("aws_lambda_event_source_mapping", name)
        assert mapping["function_response_types"] == ["ReportBatchItemFailures"]

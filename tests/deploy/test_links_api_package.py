"""The links API terraform deploys is the zip ``make api-package`` builds: its wheels are for the
function's architecture, and its handler answers from it alone (tests/deploy/journey.py runs the
handler from the unpacked zip; tests/deploy/recorded_lambda.py refuses modules from elsewhere)."""

import base64
import hashlib
from pathlib import Path

import pytest

from infra.build_api_package import misfits
from tests.deploy.conftest import ARCHITECTURE, Deployment, build_api_package
from tests.deploy.journey import Journey

pytestmark = pytest.mark.deploy


def test_the_function_holds_the_zip_make_api_package_built(deployment: Deployment):
    name = deployment.terraform.output("links_api_function_name")
    configuration = deployment.client("lambda").get_function(FunctionName=name)["Configuration"]
    digest = base64.b64encode(hashlib.sha256(deployment.api_package.read_bytes()).digest())
    assert configuration["CodeSha256"] == digest.decode()
    assert configuration["Architectures"] == [ARCHITECTURE]
    assert configuration["Handler"] == "api.lambda_function.handler"
    assert misfits(deployment.api_package, ARCHITECTURE) == []
    handler = deployment.api_task / "api" / "lambda_function.py"
    assert handler.is_file()


def test_the_handler_answers_from_the_deployed_zip(journey: Journey):
    """Both answers came from a process whose handler, our packages, pydantic-core, bcrypt and
    boto3 were loaded from the unpacked zip (or it would have exited non-zero)."""
    assert journey.api_answers["photo upload"]["statusCode"] == 200, journey.api_answers
    assert journey.api_answers["crew confirm"]["statusCode"] == 200, journey.api_answers


def test_the_default_arm64_package_is_built_for_arm64_only(tmp_path: Path):
    """Lambda's default here (lambda_architecture = arm64), built on whatever machine runs this:
    every native wheel is aarch64, so the tag check that passes it refuses it for x86_64."""
    package = build_api_package(tmp_path / "api-lambda-arm64.zip", "arm64")
    assert misfits(package, "arm64") == []
    wrong = misfits(package, "x86_64")
    assert any(line.startswith("pydantic_core-") for line in wrong), wrong

"""One apply per session: moto (its gaps stood in for), the sandbox calendar and SCC over HTTPS,
the root module applied by terraform, and the secrets put as the README says."""

import platform
import secrets
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.deploy.applied import Applied, apply_root_module, moto_network
from tests.deploy.downstream import HttpsDownstream, running_https_downstream
from tests.deploy.moto_gaps import GapFillingMoto, running_moto_with_gaps
from tests.infra.terraform_cli import require_terraform
from tests.support.paths import ROOT

#: terraform.tfvars.example's region: the deployment is the example's, as a new user's would be
REGION = "us-west-2"


@dataclass
class Deployment:
    """The applied module and everything a process needs to run on it."""

    moto: GapFillingMoto
    terraform: Applied
    downstream: HttpsDownstream
    dashboard_token: str
    scc_service_key: str
    workdir: Path
    #: the links API's zip terraform deployed, as ``make api-package`` builds it, and its
    #: contents as Lambda unpacks them into /var/task
    api_package: Path
    api_task: Path
    #: the worker Lambda's zip (``make worker-package``), built beside the first apply for the
    #: lambda-mode tests (tests/deploy/test_worker_lambda_on_terraform.py), and its build
    worker_package: Path | None = None
    worker_package_build: "subprocess.Popen[str] | None" = None

    def aws_env(self) -> dict[str, str]:
        """AWS SDK environment of a process on this deployment (fake credentials, moto)."""
        return {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": self.moto.endpoint_url,
        }

    def client(self, service: str) -> Any:
        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.moto.endpoint_url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


#: ``lambda_architecture`` of the deployment: this machine's, so the deployed zip's handler can be
#: imported here (Lambda's default, arm64, is checked by tag in test_links_api_package.py)
ARCHITECTURE = {"aarch64": "arm64", "arm64": "arm64"}.get(platform.machine(), "x86_64")


def build_api_package(out: Path, arch: str) -> Path:
    """``make api-package ARCH=<arch>``: the Makefile's command, with this interpreter."""
    command = [sys.executable, "infra/build_api_package.py", "--arch", arch, "--out", str(out)]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"make api-package failed:\n{done.stdout}\n{done.stderr[-3000:]}"
    return out


def start_worker_package(out: Path, arch: str) -> "subprocess.Popen[str]":
    """``make worker-package ARCH=<arch>``, started now and waited for by who needs the zip
    (mostly downloads: it overlaps the first apply)."""
    command = [sys.executable, "infra/build_worker_package.py", "--arch", arch, "--out", str(out)]
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _unpacked(package: Path, task: Path) -> Path:
    with zipfile.ZipFile(package) as archive:
        archive.extractall(task)
    return task


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    require_terraform("the deploy checks (terraform apply against moto, tests/deploy)")
    workdir = tmp_path_factory.mktemp("deploy")
    token, key = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    with (
        running_moto_with_gaps() as moto,
        running_https_downstream(workdir, token, key) as downstream,
    ):
        moto.configure({"lambda": {"use_docker": False}})
        vpc, subnet = moto_network(moto.endpoint_url, REGION)
        package = build_api_package(workdir / "api-lambda.zip", ARCHITECTURE)
        worker_package = workdir / "worker-lambda.zip"
        worker_build = start_worker_package(worker_package, ARCHITECTURE)
        applied = apply_root_module(
            workdir / "module",
            moto.endpoint_url,
            {
                "vpc_id": vpc,
                "subnet_ids": [subnet],
                "api_package": str(package),
                "lambda_architecture": ARCHITECTURE,
                # a fresh account: no other application's rule set to cut off
                "activate_receipt_rule_set": True,
                "calendar_base_url": downstream.calendar_url,
                "scc_base_url": downstream.scc_url,
                # a deployer's choices that keep the test short: no 20 s long poll at the end
                # of `worker --once`, retries without waiting
                "poll_wait_seconds": 1,
                "retry_base_seconds": 0,
            },
        )
        task = _unpacked(package, workdir / "var-task")
        deployment = Deployment(
            moto,
            applied,
            downstream,
            token,
            key,
            workdir,
            package,
            task,
            worker_package,
            worker_build,
        )
        _put_secrets(deployment)
        _drain_s3_test_events(deployment)
        yield deployment


def _drain_s3_test_events(deployment: Deployment) -> None:
    """S3 sends an ``s3:TestEvent`` to the bookings queue when terraform sets up the photos
    bucket's notification; the worker ignores it (tested elsewhere), and the journey counts on
    its first email being the first message."""
    sqs = deployment.client("sqs")
    url = deployment.terraform.output("queue_url")
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        messages = got.get("Messages", [])
        if not messages:
            return
        for message in messages:
            assert '"s3:TestEvent"' in message["Body"], "only S3's test event before any email"
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _put_secrets(deployment: Deployment) -> None:
    """README, "Then, once", step 1: put-secret-value on each secret terraform made."""
    manager = deployment.client("secretsmanager")
    values = {
        "dashboard_token_secret": deployment.dashboard_token,
        "scc_key_secret": deployment.scc_service_key,
        "link_signing_key_secret": secrets.token_hex(32),
    }
    for output, value in values.items():
        arn = deployment.terraform.output(output)
        manager.put_secret_value(SecretId=arn, SecretString=value)


@pytest.fixture(scope="session")
def journey(deployment: Deployment, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Every e2e path once on the deployment, every AWS call recorded (tests/deploy/journey.py)."""
    from tests.deploy.journey import walk

    return walk(deployment, tmp_path_factory.mktemp("calls") / "aws-calls.jsonl")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """worker_mode = lambda last among the deploy tests: it applies the shared deployment again in
    that mode, which the Fargate-mode tests must not see (test_worker_lambda_on_terraform.py).
    Right after them, not at the end of the whole run: moto's backends are one per process, and
    the other suites' fixtures reset them (the deployment's secrets and queues with them)."""
    lambda_mode = [i for i in items if i.path.name == "test_worker_lambda_on_terraform.py"]
    if not lambda_mode:
        return
    rest = [i for i in items if i.path.name != "test_worker_lambda_on_terraform.py"]
    deploy = [n for n, i in enumerate(rest) if i.get_closest_marker("deploy") is not None]
    at = deploy[-1] + 1 if deploy else len(rest)
    items[:] = rest[:at] + lambda_mode + rest[at:]

"""The root module applied by the real terraform binary to moto's server over HTTP.

The module is copied unchanged; one test-only file is added beside it, ``moto_override.tf``,
which only points the provider at moto (every endpoint, fake credentials, path-style S3). What
moto lacks is stood in for at the API (``moto_gaps``), not in terraform, so no resource of the
project's is changed or left out. The variables are ``terraform.tfvars.example`` with the values
only this machine can know: moto's default VPC and subnet, the links API package, and the
loopback URLs of the sandbox calendar and SCC.
"""

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from tests.infra.module import TERRAFORM_DIR
from tests.infra.terraform_cli import MIRROR, require_terraform

#: apply and plan each end within this (measured: apply ~2 min, plan ~30 s on 2 shared cores)
APPLY_TIMEOUT_SECONDS = 420

#: the provider services the module uses; each is pointed at moto
ENDPOINTS = (
    "apigatewayv2",
    "applicationautoscaling",
    "cloudfront",
    "cloudwatch",
    "dynamodb",
    "ec2",
    "ecr",
    "ecs",
    "iam",
    "kms",
    "lambda",
    "logs",
    "s3",
    "scheduler",
    "secretsmanager",
    "ses",
    "sesv2",
    "sns",
    "sqs",
    "sts",
)

#: environment variable naming resources to drop from the copy before apply (mutation runs):
#: ``CHARTERHAND_DEPLOY_DROP="aws_sns_topic_subscription.bookings,..."``
DROP_ENV = "CHARTERHAND_DEPLOY_DROP"


def override_tf(endpoint_url: str) -> str:
    """The one test-only file: the provider, pointed at moto. Nothing else is overridden."""
    endpoints = "\n".join(f'    {name} = "{endpoint_url}"' for name in ENDPOINTS)
    return (
        "# Test only (tests/deploy): the provider talks to moto's server on loopback.\n"
        'provider "aws" {\n'
        '  access_key                  = "testing"\n'
        '  secret_key                  = "testing"\n'
        "  skip_credentials_validation = true\n"
        "  skip_metadata_api_check     = true\n"
        "  skip_region_validation      = true\n"
        "  s3_use_path_style           = true\n\n"
        "  endpoints {\n"
        f"{endpoints}\n"
        "  }\n"
        "}\n"
    )


def cli_config(path: Path) -> Path:
    """A CLI configuration that installs every provider from the mirror and nothing else."""
    path.write_text(
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{MIRROR}"\n'
        '    include = ["registry.terraform.io/*/*"]\n'
        "  }\n"
        "  direct {\n"
        '    exclude = ["registry.terraform.io/*/*"]\n'
        "  }\n"
        "}\n"
    )
    return path


def drop_resources(text: str, addresses: list[str]) -> str:
    """``text`` without the ``resource "<kind>" "<name>" { ... }`` blocks named (mutation runs)."""
    for address in addresses:
        kind, name = address.split(".")
        match = re.search(rf'^resource "{kind}" "{name}" \{{\n.*?^\}}\n', text, re.M | re.S)
        if match:
            text = text[: match.start()] + text[match.end() :]
    return text


def tfvars(example: str, values: Mapping[str, Any]) -> str:
    """The example's text with ``values`` replacing (or adding) top-level assignments."""
    lines = example.splitlines()
    for key, value in values.items():
        rendered = f"{key} = {json.dumps(value)}"
        for index, line in enumerate(lines):
            if re.match(rf"^{key}\s*=", line):
                lines[index] = rendered
                break
        else:
            lines.append(rendered)
    return "\n".join(lines) + "\n"


@dataclass
class Applied:
    """A copy of the root module applied to moto, and how to ask terraform about it."""

    workdir: Path
    env: dict[str, str]
    binary: str
    apply_seconds: float = 0.0
    apply_log: str = ""
    _state: dict[str, Any] = field(default_factory=dict)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [self.binary, *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=APPLY_TIMEOUT_SECONDS,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"terraform {args[0]} failed:\n{done.stdout[-4000:]}\n{done.stderr}"
            )
        return done

    def output(self, name: str) -> Any:
        return json.loads(self.run("output", "-json", name).stdout)

    def resources(self) -> dict[str, dict[str, Any]]:
        """Every managed resource in the state: address → its attribute values."""
        if not self._state:
            shown = json.loads(self.run("show", "-json").stdout)
            module = shown["values"]["root_module"]
            self._state = {
                r["address"]: r["values"] for r in module["resources"] if r["mode"] == "managed"
            }
        return self._state

    def attribute(self, address: str, name: str) -> Any:
        return self.resources()[address][name]


def apply_root_module(workdir: Path, endpoint_url: str, variables: Mapping[str, Any]) -> Applied:
    """Copy, init offline, apply. Raises with terraform's own words when apply fails."""
    binary = require_terraform("the deploy checks (terraform apply against moto, tests/deploy)")
    shutil.copytree(TERRAFORM_DIR, workdir)
    dropped = [a for a in os.environ.get(DROP_ENV, "").split(",") if a]
    if dropped:
        for path in workdir.glob("*.tf"):
            path.write_text(drop_resources(path.read_text(), dropped))
    (workdir / "moto_override.tf").write_text(override_tf(endpoint_url))
    example = (TERRAFORM_DIR / "terraform.tfvars.example").read_text()
    (workdir / "terraform.tfvars").write_text(tfvars(example, variables))
    env = {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(cli_config(workdir.parent / "moto.tfrc")),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    applied = Applied(workdir=workdir, env=env, binary=binary)
    applied.run("init", "-backend=false", "-input=false", "-no-color")
    started = time.monotonic()
    done = applied.run(
        "apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=20", check=False
    )
    applied.apply_seconds = time.monotonic() - started
    applied.apply_log = done.stdout
    if done.returncode != 0:
        raise AssertionError(f"terraform apply failed:\n{done.stdout[-6000:]}\n{done.stderr}")
    return applied


def moto_network(endpoint_url: str, region: str) -> tuple[str, str]:
    """moto's default VPC and one of its subnets: what ``vpc_id`` / ``subnet_ids`` name."""
    ec2 = boto3.client(
        "ec2",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])
    return vpc["VpcId"], subnets["Subnets"][0]["SubnetId"]


# --- the second plan ------------------------------------------------------------------------------

#: (address, attribute) that differ on the plan after apply, each because of moto, and why
MOTO_PLAN_DIFF = {
    ("aws_cloudfront_distribution.site", "default_cache_behavior"): (
        "moto keeps the legacy forwarded_values block beside the cache policy and drops the "
        "response-headers policy id"
    ),
    ("aws_cloudfront_distribution.site", "ordered_cache_behavior"): (
        "moto drops function_association (the guest-path function on /g/*) and answers "
        "forwarded_values the module never set"
    ),
    ("aws_cloudfront_distribution.site", "origin"): (
        "moto drops origin_access_control_id from the origin"
    ),
    ("aws_cloudfront_distribution.site", "viewer_certificate"): (
        "moto answers cloudfront_default_certificate = true beside the ACM certificate"
    ),
    ("aws_ecs_service.worker[0]", "availability_zone_rebalancing"): (
        "moto does not store availability_zone_rebalancing"
    ),
    ("aws_ecs_service.worker[0]", "enable_ecs_managed_tags"): "moto does not store it",
    ("aws_lambda_function.api", "logging_config"): "moto does not store logging_config",
    ("aws_sesv2_configuration_set.outbound", "tracking_options"): (
        "moto answers empty TrackingOptions the module never set"
    ),
    ("aws_sesv2_configuration_set.outbound", "vdm_options"): (
        "moto answers empty VdmOptions the module never set"
    ),
    ("aws_sesv2_email_identity.inbound[0]", "tags_all"): "moto's SESv2 keeps no tags",
    ("aws_sesv2_email_identity.outbound", "tags_all"): "moto's SESv2 keeps no tags",
    ("aws_sqs_queue.bookings", "redrive_policy"): (
        "moto re-serialises the redrive policy JSON (same content, other spacing)"
    ),
    # Policies rendered from documents that name the resources above: terraform re-reads the
    # document during apply because those resources have (moto's) pending changes, so the
    # policy shows as "known after apply" - the same JSON once moto's diffs are gone.
    ("aws_iam_role_policy.worker_task[0]", "policy"): "follows the distribution's moto diff",
    ("aws_s3_bucket_policy.site", "policy"): "follows the distribution's moto diff",
    ("aws_sns_topic_policy.mail_feedback", "policy"): "follows the configuration set's moto diff",
    # its document names the configuration set (aws:SourceArn) too; the JSON moto keeps is the
    # document's own, statement for statement
    ("aws_sns_topic_policy.ses_events", "policy"): "follows the configuration set's moto diff",
    ("aws_sqs_queue.ses_events", "redrive_policy"): (
        "moto re-serialises the redrive policy JSON (same content, other spacing)"
    ),
    ("aws_sqs_queue_policy.bookings", "policy"): "follows the queue's moto diff",
    ("aws_sqs_queue_policy.ses_events", "policy"): "follows the queue's moto diff",
    ("aws_iam_group_policy.operators", "policy"): "follows the queue's moto diff",
    ("aws_iam_role_policy.api", "policy"): "follows the queue's moto diff",
    ("aws_iam_role_policy.schedules", "policy"): "follows the queue's moto diff",
}


def plan_diff(applied: Applied) -> dict[tuple[str, str], str]:
    """(address, attribute) → action for every attribute a second plan would change."""
    applied.run("plan", "-input=false", "-no-color", "-out=second.plan")
    shown = json.loads(applied.run("show", "-json", "second.plan").stdout)
    diff: dict[tuple[str, str], str] = {}
    for change in shown.get("resource_changes", []):
        actions = change["change"]["actions"]
        if actions in (["no-op"], ["read"]):
            continue
        before = change["change"]["before"] or {}
        after = change["change"]["after"] or {}
        unknown = change["change"].get("after_unknown") or {}
        changed = [
            key
            for key in sorted(set(before) | set(after))
            if before.get(key) != after.get(key) or unknown.get(key) is True
        ]
        for key in changed or ["(whole resource)"]:
            diff[(change["address"], key)] = "/".join(actions)
    return diff

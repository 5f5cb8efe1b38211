"""worker_mode = lambda on moto: the same root module applied again with the worker as an
SQS-triggered Lambda (the ECS service, its roles and scaling destroyed; the function, its role and
its event source mappings created), one email through to done on terraform's resources by the
deployed zip's handler with the function's own environment read back from Lambda, and every AWS
call its role makes decided by IAM as applied.

Runs after the Fargate-mode tests (tests/deploy/conftest.py orders it last): it changes the
deployment they share. moto runs no Lambda code without docker, so the poller is played in the
function's process (tests/deploy/recorded_worker_lambda.py), as the links API's handler is.
"""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from publishers.transport.http import HttpPolicy
from tests.deploy.aws_calls import CALLS_ENV, PRINCIPAL_ENV, Call, read_calls
from tests.deploy.conftest import Deployment, _unpacked
from tests.deploy.iam_sim import (
    ACCOUNT,
    Decision,
    Policies,
    evaluate,
    statements,
    unused_grants,
)
from tests.deploy.iam_sim import Deployment as Facts
from tests.deploy.journey import Journey
from tests.deploy.recorded_lambda import TASK_ENV
from tests.deploy.recorded_worker_lambda import FUNCTION_ARN_ENV, QUEUE_ARN_ENV
from tests.deploy.services import lambda_runs_the_worker
from tests.deploy.test_apply import declared_instances
from tests.support.paths import ROOT

pytestmark = pytest.mark.deploy

#: a booking no Fargate-mode path touched
SAMPLE = "boatsetter-confirmed-text-only.eml"
BOOKING = "boatsetter:tjslqav"
#: a body no decoder reads: dead-lettered at once, with its reason
UNREADABLE = "Test message."
#: grants the path here cannot show, each driven elsewhere: the send-refused mark and the crew
#: check as in Fargate mode (test_iam_by_calls.py); the SES events mapping's receive and delete
#: (moto's SES emits no events, and moto's own mapping would take them: the Fargate journey
#: records the worker's consumer); a lease-contention re-send (the Fargate journey, and the
#: Lambda's settling of it in tests/unit/test_worker_batch.py)
DOCUMENTED_UNUSED = {
    "StateTable: dynamodb:DeleteItem",
    "FindUpcomingCharters: dynamodb:Query",
    "ConsumeSesEvents: sqs:ReceiveMessage",
    "ConsumeSesEvents: sqs:DeleteMessage",
    "ConsumeBookings: sqs:SendMessage",
    # the audit's read-back of pages, as in Fargate mode (test_iam_by_calls.py)
    "ReadBackPages: s3:GetObject",
    "ReadBackPagesMissing: s3:ListBucket",
}


@dataclass
class LambdaMode:
    deployment: Deployment
    calls_file: Path
    apply_seconds: float
    outputs: list[dict[str, Any]]
    answers: list[Any]
    function_arn: str
    mapping_uuid: str


def worker_package(deployment: Deployment) -> Path:
    """The zip ``make worker-package`` builds, started beside the first apply (conftest)."""
    build, package = deployment.worker_package_build, deployment.worker_package
    assert build is not None
    assert package is not None
    out, err = build.communicate(timeout=600)
    assert build.returncode == 0, f"make worker-package failed:\n{out}\n{err[-3000:]}"
    return package


def _function_process(
    deployment: Deployment, task: Path, env: dict[str, str], step: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.deploy.recorded_worker_lambda", step],
        env={
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": os.pathsep.join((str(task), str(ROOT))),
            "SSL_CERT_FILE": str(deployment.downstream.ca_file),
            **deployment.aws_env(),
            **env,
            TASK_ENV: str(task),
        },
        cwd=task,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def lambda_mode(deployment: Deployment, journey: Journey, tmp_path_factory) -> LambdaMode:
    """The Fargate-mode journey done, the module applied again in lambda mode, one email."""
    fixture_started = time.monotonic()
    workdir = tmp_path_factory.mktemp("lambda-mode")
    package = worker_package(deployment)
    tf = deployment.terraform
    started = time.monotonic()
    tf.run(
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-parallelism=20",
        "-var",
        "worker_mode=lambda",
        "-var",
        f"worker_lambda_package={package}",
    )
    apply_seconds = time.monotonic() - started
    tf._state.clear()
    task = _unpacked(package, workdir / "var-task")
    calls_file = workdir / "aws-calls.jsonl"
    function = tf.output("worker_lambda_function_name")
    config = deployment.client("lambda").get_function_configuration(FunctionName=function)
    queue_arn = tf.attribute("aws_sqs_queue.bookings", "arn")
    env = {
        **config["Environment"]["Variables"],
        CALLS_ENV: str(calls_file),
        PRINCIPAL_ENV: "worker_lambda",
        FUNCTION_ARN_ENV: config["FunctionArn"],
        QUEUE_ARN_ENV: queue_arn,
    }
    disabled = _function_process(deployment, task, env, "disable")
    assert disabled.returncode == 0, disabled.stderr[-3000:]
    mail = Journey(deployment, calls_file)
    # one more 503 than the HTTP client's own retries: the message itself is retried once
    mail.scc_fails(HttpPolicy().retries + 1)
    mail.receive(SAMPLE)
    deployment.client("sqs").send_message(QueueUrl=tf.output("queue_url"), MessageBody=UNREADABLE)
    outputs: list[dict[str, Any]] = []
    answers: list[Any] = []
    for _ in range(8):  # the email twice, the unreadable body, what the journey left behind
        polled = _function_process(deployment, task, env, "poll")
        assert polled.returncode == 0, polled.stderr[-3000:]
        lines = [
            json.loads(line)
            for line in polled.stdout.splitlines()
            if line.startswith(("{", "null"))
        ]
        answers.append(lines[-1])
        outputs += [line for line in lines[:-1] if isinstance(line, dict)]
        if lines[-1] is None:
            break
    print(f"\nlambda mode: {time.monotonic() - fixture_started:.0f} s in all (the suite's extra)")
    return LambdaMode(
        deployment,
        calls_file,
        apply_seconds,
        outputs,
        answers,
        config["FunctionArn"],
        tf.output("worker_lambda_mapping_uuid"),
    )


def test_lambda_mode_replaces_the_service_with_a_function_and_its_mappings(lambda_mode: LambdaMode):
    tf = lambda_mode.deployment.terraform
    print(f"\nswitch to lambda mode: apply in {lambda_mode.apply_seconds:.0f} s")
    applied = set(tf.resources())
    missing = {d for d in declared_instances("lambda") if not d.endswith("[*]")} - applied
    assert not missing, f"declared but not applied: {sorted(missing)}"
    kinds = {address.split("[")[0] for address in applied}
    assert not {a for a in kinds if a.startswith(("aws_ecs_", "aws_appautoscaling_"))}, kinds
    assert "aws_security_group.worker" not in kinds
    outputs = json.loads(tf.run("output", "-json").stdout)
    assert "ecs_service_name" not in outputs  # null: not stored
    assert outputs["worker_lambda_function_name"]["value"]
    mappings = lambda_mode.deployment.client("lambda").list_event_source_mappings(
        FunctionName=lambda_mode.function_arn
    )["EventSourceMappings"]
    assert {m["FunctionResponseTypes"][0] for m in mappings} == {"ReportBatchItemFailures"}
    function = tf.attribute("aws_lambda_function.worker[0]", "vpc_config")
    assert not function, "no VPC"


def test_the_function_stopped_its_own_mapping_as_on_a_dlq_stop(lambda_mode: LambdaMode):
    mapping = lambda_mode.deployment.client("lambda").get_event_source_mapping(
        UUID=lambda_mode.mapping_uuid
    )
    assert mapping["State"] in ("Disabled", "Disabling"), mapping["State"]


def test_an_email_through_terraforms_topic_and_queue_ends_done_in_the_lambda(
    lambda_mode: LambdaMode,
):
    settled = [o for o in lambda_mode.outputs if o.get("event") == "message settled"]
    mine = [o for o in settled if o.get("booking_key") == BOOKING]
    # SCC failed past the HTTP client's retries: the message was retried (its visibility set to
    # the backoff, reported failed), then done
    assert [o["outcome"] for o in mine] == ["retry", "done"], json.dumps(settled)[-3000:]
    assert lambda_mode.answers[0]["batchItemFailures"], lambda_mode.answers
    records = lambda_mode.deployment.downstream.calendar.records.values()
    assert sum(1 for r in records if r["booking_id"] == BOOKING) == 1
    metrics = [o for o in lambda_mode.outputs if "_aws" in o and o.get("Outcome") == "done"]
    assert metrics, "no EMF line for the settled message"
    sqs = lambda_mode.deployment.client("sqs")
    url = lambda_mode.deployment.terraform.output("queue_url")
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


@dataclass
class Decided:
    decisions: list[Decision]
    policies: Policies
    calls: list[Call]


@pytest.fixture(scope="module")
def decided(lambda_mode: LambdaMode) -> Decided:
    tf = lambda_mode.deployment.terraform
    recorded = list(read_calls(lambda_mode.calls_file))
    calls = [c for c in recorded if c.principal == "worker_lambda"]
    calls += lambda_runs_the_worker(lambda_mode.deployment)
    iam = lambda_mode.deployment.client("iam")
    role = tf.attribute("aws_iam_role.worker_lambda[0]", "name")
    identity = {
        "worker_lambda": statements(
            iam.get_role_policy(RoleName=role, PolicyName="worker-lambda")["PolicyDocument"]
        )
    }
    key = tf.output("kms_key_arn")
    key_policy = lambda_mode.deployment.client("kms").get_key_policy(
        KeyId=key, PolicyName="default"
    )["Policy"]
    resource: dict[str, list[dict[str, Any]]] = {}
    sqs = lambda_mode.deployment.client("sqs")
    for output in ("queue_url", "dlq_url", "ses_events_queue_url"):
        attributes = sqs.get_queue_attributes(
            QueueUrl=tf.output(output), AttributeNames=["Policy", "QueueArn"]
        )["Attributes"]
        if "Policy" in attributes:
            resource[attributes["QueueArn"]] = statements(attributes["Policy"])
    s3 = lambda_mode.deployment.client("s3")
    for output in ("inbound_bucket", "site_bucket", "photos_bucket"):
        bucket = tf.output(output)
        resource[f"arn:aws:s3:::{bucket}"] = statements(
            s3.get_bucket_policy(Bucket=bucket)["Policy"]
        )
    policies = Policies(
        identity,
        {"worker_lambda": f"arn:aws:iam::{ACCOUNT}:role/{role}"},
        resource,
        {key: statements(key_policy)},
    )
    facts = Facts(
        region="us-west-2",
        kms_key_arn=key,
        encrypted_buckets=frozenset(
            tf.output(o) for o in ("inbound_bucket", "site_bucket", "photos_bucket")
        ),
        event_source_mappings={lambda_mode.mapping_uuid: lambda_mode.function_arn},
    )
    return Decided(evaluate(calls, facts, policies), policies, calls)


def test_an_unreadable_body_is_dead_lettered_by_the_lambda_with_its_reason(
    lambda_mode: LambdaMode,
):
    sqs = lambda_mode.deployment.client("sqs")
    dlq = lambda_mode.deployment.terraform.output("dlq_url")
    letters = sqs.receive_message(
        QueueUrl=dlq, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
    ).get("Messages", [])
    mine = [m for m in letters if m["Body"] == UNREADABLE]
    assert len(mine) == 1, letters
    reason = mine[0]["MessageAttributes"]["charterhand.reason"]["StringValue"]
    assert reason == "unreadable body: body is not JSON"


def test_every_call_of_the_lambdas_role_is_allowed(decided: Decided):
    decisions, calls = decided.decisions, decided.calls
    operations = sorted({f"{c.service}:{c.operation}" for c in calls})
    print(
        f"\nworker Lambda: {len(calls)} calls ({', '.join(operations)}), "
        f"{len(decisions)} authorisations"
    )
    assert {
        "lambda:UpdateEventSourceMapping",
        "sqs:ReceiveMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:SendMessage",
        "s3:GetObject",
    } <= set(operations)
    denied = [d for d in decisions if not d.allowed]
    print(f"denied: {len(denied)}")
    assert not denied, "\n".join(f"{d.need.action} on {d.need.resource}: {d.why}" for d in denied)


def test_no_grant_of_the_lambdas_role_goes_unused(decided: Decided):
    unused = unused_grants(decided.decisions, decided.policies.identity).get("worker_lambda", [])
    assert sorted(set(unused) - DOCUMENTED_UNUSED) == [], unused


def test_a_cut_grant_is_a_denial(decided: Decided, lambda_mode: LambdaMode):
    """The check can fail: without the mapping's condition key matching, the stop is denied."""
    tf = lambda_mode.deployment.terraform
    facts = Facts(
        region="us-west-2",
        kms_key_arn=tf.output("kms_key_arn"),
        encrypted_buckets=frozenset(),
        event_source_mappings={
            lambda_mode.mapping_uuid: lambda_mode.function_arn.replace("-worker", "-other")
        },
    )
    stop = [c for c in decided.calls if c.operation == "UpdateEventSourceMapping"]
    assert stop
    assert not any(d.allowed for d in evaluate(stop, facts, decided.policies))

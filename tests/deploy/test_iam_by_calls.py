"""IAM checked by calls: every AWS call the worker, the links API and the operator CLI made on the
e2e paths, and what AWS's services do for the deployment (tests/deploy/services.py: CloudFront,
alarms, CloudWatch Logs, ECS's execution role, Lambda's runtime, API Gateway), evaluated against
the policies as applied (read back from moto, not from .tf files)."""

import json
from collections import Counter
from typing import Any

import pytest

from tests.deploy.aws_calls import Call, read_calls
from tests.deploy.conftest import Deployment
from tests.deploy.iam_sim import (
    ACCOUNT,
    Policies,
    evaluate,
    statements,
    unused_grants,
)
from tests.deploy.iam_sim import (
    Deployment as Facts,
)
from tests.deploy.journey import Journey
from tests.deploy.services import aws_for_us

pytestmark = pytest.mark.deploy

#: grants no recorded path uses, each kept for a reason the e2e paths cannot show
DOCUMENTED_UNUSED = {
    # SES answers lost after it accepted, and SES refusing a send, are faults moto cannot be made
    # to show on terraform's stack; tests/integration/test_emails_once.py drives both paths
    ("worker", "StateTable: dynamodb:DeleteItem"),  # the "sending" mark of a refused send
    # (dynamodb:Query is used on every send: the recipient's lane is read for a pending send)
    # the hourly crew check (EventBridge Scheduler's message) and the crew's photo gallery are
    # driven on moto by tests/integration/test_crew_answers.py and links_api/test_gallery.py; the
    # journey does not wait for a charter 47 h away nor open the gallery
    ("worker", "FindUpcomingCharters: dynamodb:Query"),
    # the hourly audit reads pages back (tests/integration/test_audit_downstream*.py on moto);
    # the journey's charters lie beyond its 60-day horizon
    ("worker", "ReadBackPages: s3:GetObject"),
    ("worker", "ReadBackPagesMissing: s3:ListBucket"),
    ("links_api", "ListPhotosForTheGallery: s3:ListBucket"),
}


def applied_policies(deployment: Deployment) -> Policies:
    """Each principal's identity policy, and every resource policy, as moto holds them now."""
    tf = deployment.terraform
    iam = deployment.client("iam")
    role = {
        "worker": (tf.attribute("aws_iam_role.worker_task[0]", "name"), "worker"),
        "links_api": (tf.attribute("aws_iam_role.api", "name"), "links-api"),
        "worker_execution": (
            tf.attribute("aws_iam_role.worker_execution[0]", "name"),
            "pull-and-log",
        ),
    }
    identity = {
        who: statements(iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"])
        for who, (name, policy) in role.items()
    }
    group = tf.attribute("aws_iam_group.operators", "name")
    identity["operator"] = statements(
        iam.get_group_policy(GroupName=group, PolicyName="operator-cli")["PolicyDocument"]
    )
    arns = {who: f"arn:aws:iam::{ACCOUNT}:role/{name}" for who, (name, _) in role.items()}
    arns["operator"] = f"arn:aws:iam::{ACCOUNT}:user/an-operator-in-{group}"

    resource: dict[str, list[dict[str, Any]]] = {}
    s3 = deployment.client("s3")
    for output in ("inbound_bucket", "site_bucket", "photos_bucket"):
        bucket = tf.output(output)
        resource[f"arn:aws:s3:::{bucket}"] = statements(
            s3.get_bucket_policy(Bucket=bucket)["Policy"]
        )
    sqs = deployment.client("sqs")
    for output in ("queue_url", "dlq_url", "ses_events_queue_url"):
        attributes = sqs.get_queue_attributes(
            QueueUrl=tf.output(output), AttributeNames=["Policy", "QueueArn"]
        )["Attributes"]
        if "Policy" in attributes:
            resource[attributes["QueueArn"]] = statements(attributes["Policy"])
    sns = deployment.client("sns")
    for address in ("aws_sns_topic.inbound", "aws_sns_topic.ses_events", "aws_sns_topic.alarms"):
        topic = tf.attribute(address, "arn")
        topic_policy = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
        resource[topic] = statements(topic_policy["Policy"])
    function = tf.attribute("aws_lambda_function.api", "arn")
    lambda_policy = deployment.client("lambda").get_policy(FunctionName=function)["Policy"]
    resource[function] = statements(lambda_policy)
    key = tf.output("kms_key_arn")
    key_policy = deployment.client("kms").get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    return Policies(identity, arns, resource, {key: statements(key_policy)})


def photo_upload(journey: Journey, deployment: Deployment) -> list[Call]:
    """The upload the links API's presigned form allows: a PutObject with the API role's rights."""
    grant = json.loads(journey.api_answers["photo upload"]["body"])
    bucket = deployment.terraform.output("photos_bucket")
    params = {"Bucket": bucket, "Key": grant["fields"]["key"]}
    return [Call("links_api", "s3", "PutObject", "us-west-2", params, presigned=True)]


@pytest.fixture(scope="module")
def checked(journey: Journey, deployment: Deployment) -> tuple[list[Any], Policies, Facts]:
    recorded = list(read_calls(journey.calls_file)) + photo_upload(journey, deployment)
    calls = recorded + aws_for_us(deployment, recorded)
    tf = deployment.terraform
    facts = Facts(
        region="us-west-2",
        kms_key_arn=tf.output("kms_key_arn"),
        encrypted_buckets=frozenset(
            tf.output(o) for o in ("inbound_bucket", "site_bucket", "photos_bucket")
        ),
    )
    return calls, applied_policies(deployment), facts


def test_every_recorded_call_is_allowed(checked: tuple[list[Any], Policies, Facts]):
    calls, policies, facts = checked
    decisions = evaluate(calls, facts, policies)
    per_service = Counter(f"{c.principal} {c.service}" for c in calls if not c.presigned)
    print("\nrecorded AWS calls:", json.dumps(dict(sorted(per_service.items())), indent=1))
    print(f"authorisations evaluated: {len(decisions)}")
    denied = [d for d in decisions if not d.allowed]
    assert {c.principal for c in calls} == {
        "worker",
        "worker_execution",
        "links_api",
        "operator",
        "service:ses.amazonaws.com",
        "service:sns.amazonaws.com",
        "service:cloudfront.amazonaws.com",
        "service:cloudwatch.amazonaws.com",
        "service:logs.us-west-2.amazonaws.com",
        "service:apigateway.amazonaws.com",
    }
    assert not denied, "\n".join(
        f"{d.principal}: {d.need.action} on {d.need.resource}: {d.why}" for d in denied
    )


def test_no_grant_goes_unused(checked: tuple[list[Any], Policies, Facts]):
    calls, policies, facts = checked
    decisions = evaluate(calls, facts, policies)
    unused = unused_grants(decisions, policies.identity)
    undocumented = {
        who: [g for g in grants if (who, g) not in DOCUMENTED_UNUSED]
        for who, grants in unused.items()
    }
    print("\nunused grants:", json.dumps(unused, indent=1))
    assert not any(undocumented.values()), undocumented


def _cut(policies: Policies, principal: str, sid: str, keep: Any) -> Policies:
    """The policies with one statement of ``principal``'s narrowed by ``keep`` (or removed)."""
    narrowed = []
    for statement in policies.identity[principal]:
        if statement.get("Sid") == sid:
            statement = keep(dict(statement))
        if statement is not None:
            narrowed.append(statement)
    return Policies(
        {**policies.identity, principal: narrowed},
        policies.principal_arns,
        policies.resource,
        policies.key_policies,
    )


def _without_resource(suffix: str) -> Any:
    def keep(statement: dict[str, Any]) -> dict[str, Any]:
        resources = [r for r in statement["Resource"] if not r.endswith(suffix)]
        return {**statement, "Resource": resources}

    return keep


def _without_action(action: str) -> Any:
    def keep(statement: dict[str, Any]) -> dict[str, Any]:
        actions = [a for a in statement["Action"] if a != action]
        return {**statement, "Action": actions}

    return keep


@pytest.mark.parametrize(
    ("principal", "sid", "keep", "denied_action"),
    [
        # the bug apply revealed: pages were refused at robots.txt before the grant named it
        ("worker", "PublishPages", _without_resource("/robots.txt"), "s3:PutObject"),
        (
            "worker",
            "ConsumeBookings",
            _without_action("sqs:ChangeMessageVisibility"),
            "sqs:ChangeMessageVisibility",
        ),
        ("worker", "UseTheDataKey", lambda s: None, "kms:Decrypt"),
        # the contention path: a message that only waited for a lease is re-sent fresh
        ("worker", "ConsumeBookings", _without_action("sqs:SendMessage"), "sqs:SendMessage"),
        # SES's report on a send, recorded by the worker's consumer, then deleted
        ("worker", "ConsumeSesEvents", _without_action("sqs:DeleteMessage"), "sqs:DeleteMessage"),
        ("operator", "ReplayIntoTheBookingsQueue", lambda s: None, "sqs:SendMessage"),
        ("links_api", "SignPhotoUploads", lambda s: None, "s3:PutObject"),
        # what AWS does with our roles (tests/deploy/services.py)
        ("worker_execution", "PullTheWorkerImage", lambda s: None, "ecr:BatchGetImage"),
        ("worker_execution", "ShipLogs", lambda s: None, "logs:PutLogEvents"),
        ("links_api", "WriteItsOwnLogs", lambda s: None, "logs:PutLogEvents"),
        ("links_api", "UseTheDataKey", lambda s: None, "kms:Decrypt"),
    ],
)
def test_a_cut_grant_that_a_path_uses_is_a_denial(
    checked: tuple[list[Any], Policies, Facts],
    principal: str,
    sid: str,
    keep: Any,
    denied_action: str,
):
    calls, policies, facts = checked
    decisions = evaluate(calls, facts, _cut(policies, principal, sid, keep))
    denied = {d.need.action for d in decisions if not d.allowed and d.principal == principal}
    assert denied_action in denied, f"cutting {principal}/{sid} went unnoticed"


@pytest.mark.parametrize(
    ("kind", "suffix", "denied_service", "denied_action"),
    [
        ("sqs", "-bookings", "service:sns.amazonaws.com", "sqs:SendMessage"),
        ("sqs", "-ses-events", "service:sns.amazonaws.com", "sqs:SendMessage"),
        ("sns", "-ses-events", "service:ses.amazonaws.com", "sns:Publish"),
    ],
)
def test_without_a_resource_policy_the_service_cannot_deliver(
    checked: tuple[list[Any], Policies, Facts],
    kind: str,
    suffix: str,
    denied_service: str,
    denied_action: str,
):
    """moto delivers anyway (it enforces no resource policy); the evaluator does not."""
    calls, policies, facts = checked
    (cut_arn,) = [
        arn
        for arn in policies.resource
        if arn.startswith(f"arn:aws:{kind}:") and arn.endswith(suffix)
    ]
    without = {arn: found for arn, found in policies.resource.items() if arn != cut_arn}
    cut = Policies(policies.identity, policies.principal_arns, without, policies.key_policies)
    denied = {(d.principal, d.need.action) for d in evaluate(calls, facts, cut) if not d.allowed}
    assert denied == {(denied_service, denied_action)}


def _without_key_statement(policies: Policies, sid: str) -> Policies:
    (key,) = policies.key_policies
    kept = [s for s in policies.key_policies[key] if s.get("Sid") != sid]
    assert len(kept) < len(policies.key_policies[key]), f"no key statement {sid}"
    return Policies(policies.identity, policies.principal_arns, policies.resource, {key: kept})


@pytest.mark.parametrize(
    ("sid", "denied"),
    [
        # SES's raw mail into the inbound bucket, encrypted by S3 on SES's behalf (issue 20, 1)
        (
            "SesWritesRawMailThroughS3IntoTheInboundBucket",
            {("service:ses.amazonaws.com", "kms:GenerateDataKey")},
        ),
        ("CloudFrontReadsThePages", {("service:cloudfront.amazonaws.com", "kms:Decrypt")}),
        (
            "CloudWatchAlarmsPublishToOurEncryptedTopic",
            {
                ("service:cloudwatch.amazonaws.com", "kms:GenerateDataKey"),
                ("service:cloudwatch.amazonaws.com", "kms:Decrypt"),
            },
        ),
        (
            "CloudWatchLogsEncryptsOurLogGroups",
            {
                ("service:logs.us-west-2.amazonaws.com", "kms:GenerateDataKey"),
                ("service:logs.us-west-2.amazonaws.com", "kms:Decrypt"),
            },
        ),
    ],
)
def test_a_service_refused_by_the_key_policy_is_a_denial(
    checked: tuple[list[Any], Policies, Facts], sid: str, denied: set[tuple[str, str]]
):
    calls, policies, facts = checked
    decisions = evaluate(calls, facts, _without_key_statement(policies, sid))
    refused = {(d.principal, d.need.action) for d in decisions if not d.allowed}
    assert denied <= refused, f"cutting key statement {sid} went unnoticed: {refused}"


def test_without_the_lambda_permission_api_gateway_cannot_invoke(
    checked: tuple[list[Any], Policies, Facts],
):
    calls, policies, facts = checked
    without = {arn: s for arn, s in policies.resource.items() if ":lambda:" not in arn}
    cut = Policies(policies.identity, policies.principal_arns, without, policies.key_policies)
    refused = {(d.principal, d.need.action) for d in evaluate(calls, facts, cut) if not d.allowed}
    assert refused == {("service:apigateway.amazonaws.com", "lambda:InvokeFunction")}

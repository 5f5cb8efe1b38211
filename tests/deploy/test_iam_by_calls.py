"""IAM checked by calls: every AWS call the worker, the links API and the operator CLI made on the
e2e paths, evaluated against the policies as applied (read back from moto, not from .tf files)."""

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

pytestmark = pytest.mark.deploy

#: grants no recorded path uses, each kept for a reason the e2e paths cannot show
DOCUMENTED_UNUSED = {
    # Lambda's runtime uses these with the links API's role; the handler never calls them
    ("links_api", "WriteItsOwnLogs: logs:CreateLogStream"),
    ("links_api", "WriteItsOwnLogs: logs:PutLogEvents"),
    ("links_api", "UseTheDataKey: kms:Decrypt"),  # the function's KMS-encrypted environment
    # SES answers lost after it accepted, and SES refusing a send, are faults moto cannot be made
    # to show on terraform's stack; tests/integration/test_emails_once.py drives both paths
    ("worker", "StateTable: dynamodb:DeleteItem"),  # the "sending" mark of a refused send
    # (dynamodb:Query is used on every send: the recipient's lane is read for a pending send)
}


def applied_policies(deployment: Deployment) -> Policies:
    """Each principal's identity policy, and every resource policy, as moto holds them now."""
    tf = deployment.terraform
    iam = deployment.client("iam")
    role = {
        "worker": (tf.attribute("aws_iam_role.worker_task", "name"), "worker"),
        "links_api": (tf.attribute("aws_iam_role.api", "name"), "links-api"),
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
    for address in ("aws_sns_topic.inbound", "aws_sns_topic.ses_events"):
        topic = tf.attribute(address, "arn")
        topic_policy = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
        resource[topic] = statements(topic_policy["Policy"])
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
    calls = list(read_calls(journey.calls_file)) + photo_upload(journey, deployment)
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
        "links_api",
        "operator",
        "service:ses.amazonaws.com",
        "service:sns.amazonaws.com",
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

"""Least privilege: no wildcard actions in any grant; "*" resources only where AWS requires
them, each commented; the worker's task role names only resources this module declares."""

import re
from typing import Any

import pytest

from tests.infra.module import Module, comments, local_refs, resource_refs

#: (policy document, statement sid) that may grant on "*": AWS offers no narrower resource.
STAR_RESOURCE_EXCEPTIONS = {
    ("worker_execution", "EcrLogin"),
    ("operator", "QueueAgeMetric"),
    ("worker_lambda", "FindItsMapping"),
}

#: role policies attached to our roles (each is a data.aws_iam_policy_document)
ROLE_POLICIES = ("worker_task", "worker_execution", "worker_lambda", "api", "schedules")

#: the operators group's policy: what the operator CLI calls (tests/deploy evaluate it by its calls)
GROUP_POLICIES = ("operator",)

#: resource policies on buckets, topics and the queue
RESOURCE_POLICIES = (
    "inbound_bucket",
    "site_bucket",
    "tls_only",
    "inbound_topic",
    "bookings_queue",
    "alarms_topic",
    "mail_feedback_topic",
    "ses_events_topic",
    "ses_events_queue",
)


def _grants(tf: Module, document: str) -> list[dict[str, Any]]:
    return [s for s in tf.policy_document(document) if s.get("effect", "Allow") == "Allow"]


def test_each_role_policy_is_the_one_attached_to_its_role(tf: Module):
    attached = {
        body["policy"].removeprefix("${data.aws_iam_policy_document.").removesuffix(".json}")
        for body in tf.of_kind("aws_iam_role_policy").values()
    }
    assert attached == set(ROLE_POLICIES)
    assert not tf.of_kind("aws_iam_role_policy_attachment"), "no managed policies: they grant on *"


def test_the_operator_cli_policy_is_the_operators_groups(tf: Module):
    (body,) = tf.of_kind("aws_iam_group_policy").values()
    assert body["policy"] == "${data.aws_iam_policy_document.operator.json}"
    assert body["group"] == "${aws_iam_group.operators.name}"


@pytest.mark.parametrize("document", ROLE_POLICIES + GROUP_POLICIES + RESOURCE_POLICIES)
def test_no_grant_uses_a_wildcard_action(tf: Module, document: str):
    for statement in _grants(tf, document):
        wild = [a for a in statement["actions"] if "*" in a]
        assert not wild, f"{document}/{statement.get('sid')} grants {wild}"


def test_every_policy_document_is_checked(tf: Module):
    declared = {name for kind, name in tf.data if kind == "aws_iam_policy_document"}
    assumes = {name for name in declared if name.endswith("_assume")}
    assert declared - assumes == set(ROLE_POLICIES + GROUP_POLICIES + RESOURCE_POLICIES)


def test_star_resources_only_where_aws_requires_and_say_so(tf: Module):
    for kind, document in tf.data:
        if kind != "aws_iam_policy_document":
            continue
        for statement in _grants(tf, document):
            if "*" in statement.get("resources", []):
                assert (document, statement.get("sid")) in STAR_RESOURCE_EXCEPTIONS, (
                    f"{document}/{statement.get('sid')} grants on *"
                )
                assert "AWS requires" in comments(statement), "say why AWS requires *"


def _listed(resources: list[str] | str) -> list[str]:
    """A statement's resources, each ``${...}``: a list as written, or the items of
    ``compact([...])`` (resources that exist only while their step is on)."""
    if isinstance(resources, list):
        return resources
    inner = re.fullmatch(r"\$\{compact\(\[(.*)\]\)\}", resources, re.DOTALL)
    assert inner, f"resources must be a list or compact([...]): {resources}"
    return ["${" + item.strip() + "}" for item in inner.group(1).split(",") if item.strip()]


def _resolved(tf: Module, resource: str) -> str:
    """``${local.x}`` replaced by local x's own expression."""
    name = resource.removeprefix("${local.").removesuffix("}")
    return str(tf.locals[name]) if resource.startswith("${local.") else resource


def test_the_task_role_names_only_resources_declared_here(tf: Module):
    declared = {f"{kind}.{name}" for kind, name in tf.resources}
    for statement in tf.policy_document("worker_task"):
        assert "*" not in statement["resources"], statement.get("sid")
        for resource in _listed(statement["resources"]):
            refs = resource_refs(_resolved(tf, resource))
            if statement.get("for_each"):
                # the one documented outsider: the dashboard's Lambda, by its configured name
                assert resource == "${statement.value}"
                assert local_refs(statement["for_each"]) == {"calendar_function_arn"}
                continue
            assert refs, f"{statement.get('sid')}: {resource} names no declared resource"
            assert refs <= declared, f"{statement.get('sid')}: {refs - declared} not declared"


def test_the_task_role_covers_what_the_worker_does(tf: Module):
    granted = {a for s in tf.policy_document("worker_task") for a in s["actions"]}
    assert {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:SendMessage",
        "s3:GetObject",
        "s3:PutObject",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:GetItem",
        "cloudfront:CreateInvalidation",
        "ses:SendEmail",
        "secretsmanager:GetSecretValue",
        "kms:Decrypt",
    } <= granted


def test_the_task_role_reads_exactly_the_secrets_the_worker_is_told_about(tf: Module):
    (statement,) = [s for s in tf.policy_document("worker_task") if s.get("sid") == "ReadSecrets"]
    readable = {r.removeprefix("${").removesuffix("}") for r in _listed(statement["resources"])}
    settings = tf.locals["worker_settings"]
    told = {
        settings[field].removeprefix("${").removesuffix("}")
        for field in settings
        if field.endswith("_secret")
    }
    assert readable == told


def test_the_worker_sends_mail_only_as_the_from_address(tf: Module):
    (statement,) = [
        s for s in tf.policy_document("worker_task") if s.get("sid") == "SendCrewAndManagerMail"
    ]
    (condition,) = statement["condition"]
    assert (condition["variable"], condition["values"]) == (
        "ses:FromAddress",
        ["${var.from_address}"],
    )


def test_roles_are_assumed_only_by_their_service_in_this_account(tf: Module):
    for name in ("ecs_tasks_assume", "api_assume", "schedules_assume"):
        (statement,) = tf.policy_document(name)
        assert statement["actions"] == ["sts:AssumeRole"]
        (condition,) = statement["condition"]
        assert condition["variable"] == "aws:SourceAccount"


def test_operators_change_the_state_table_only_to_resume_intake(tf: Module):
    """`charterhand intake resume` writes the shared DLQ limit's one item and nothing else: the
    grant is held to that partition key, the one state.keys builds for it."""
    from state.keys import intake_key

    writes = [
        s
        for s in _grants(tf, "operator")
        if any(a.startswith("dynamodb:") and a != "dynamodb:Scan" for a in s["actions"])
        and any(a in ("dynamodb:UpdateItem", "dynamodb:PutItem") for a in s["actions"])
    ]
    assert len(writes) == 1, writes
    (grant,) = writes
    assert "dynamodb:PutItem" not in grant["actions"]
    (condition,) = grant["condition"]
    assert condition["test"] == "ForAllValues:StringEquals"
    assert condition["variable"] == "dynamodb:LeadingKeys"
    assert condition["values"] == [intake_key()["pk"]["S"]]

"""The evaluator the recorded-calls check relies on: each rule it applies, on small policies.
No terraform needed: these run everywhere."""

from typing import Any

import pytest

from tests.deploy.aws_calls import Call
from tests.deploy.iam_sim import (
    ACCOUNT,
    Deployment,
    Need,
    Policies,
    decide,
    requirements,
    unused_grants,
)

ROLE = f"arn:aws:iam::{ACCOUNT}:role/worker"
BUCKET = "arn:aws:s3:::site"
KEY = f"arn:aws:kms:us-west-2:{ACCOUNT}:key/k"


def _policies(
    identity: list[dict[str, Any]],
    resource: list[dict[str, Any]] | None = None,
    key: list[dict[str, Any]] | None = None,
) -> Policies:
    return Policies(
        {"worker": identity}, {"worker": ROLE}, {BUCKET: resource or []}, {KEY: key or []}
    )


def _allow(action: str | list[str], resource: str, **extra: Any) -> dict[str, Any]:
    return {"Sid": "S", "Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_an_identity_grant_with_a_wildcard_allows():
    policies = _policies([_allow("s3:PutObject", f"{BUCKET}/g/*")])
    assert decide(Need("s3:PutObject", f"{BUCKET}/g/a.html"), "worker", policies).allowed
    assert not decide(Need("s3:PutObject", f"{BUCKET}/robots.txt"), "worker", policies).allowed


def test_an_explicit_deny_in_a_resource_policy_wins():
    deny = {
        "Sid": "TLS",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": f"{BUCKET}/*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    policies = _policies([_allow("s3:PutObject", f"{BUCKET}/*")], [deny])
    over_tls = Need("s3:PutObject", f"{BUCKET}/a", (("aws:SecureTransport", "true"),))
    plain = Need("s3:PutObject", f"{BUCKET}/a", (("aws:SecureTransport", "false"),))
    assert decide(over_tls, "worker", policies).allowed
    assert "explicit deny" in decide(plain, "worker", policies).why


def test_a_resource_policy_allows_only_the_principal_it_names():
    service_only = _allow("s3:GetObject", f"{BUCKET}/*", Principal={"Service": "x.amazonaws.com"})
    refused = decide(Need("s3:GetObject", f"{BUCKET}/a"), "worker", _policies([], [service_only]))
    assert not refused.allowed
    ours = _allow("s3:GetObject", f"{BUCKET}/*", Principal={"AWS": ROLE})
    assert decide(Need("s3:GetObject", f"{BUCKET}/a"), "worker", _policies([], [ours])).allowed


def test_a_condition_on_the_sender_must_hold():
    grant = _allow(
        "ses:SendEmail", "*", Condition={"StringEquals": {"ses:FromAddress": "crew@x.example"}}
    )
    policies = _policies([grant])
    ok = Need("ses:SendEmail", "arn", (("ses:FromAddress", "crew@x.example"),))
    other = Need("ses:SendEmail", "arn", (("ses:FromAddress", "boss@x.example"),))
    assert decide(ok, "worker", policies).allowed
    assert not decide(other, "worker", policies).allowed
    assert not decide(Need("ses:SendEmail", "arn"), "worker", policies).allowed


def test_kms_needs_the_key_policy_to_hand_the_decision_to_iam():
    root = {
        "Sid": "Root",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    identity = [_allow("kms:Decrypt", KEY)]
    need = Need("kms:Decrypt", KEY)
    assert decide(need, "worker", _policies(identity, key=[root])).allowed
    assert not decide(need, "worker", _policies(identity, key=[])).allowed
    assert not decide(need, "worker", _policies([], key=[root])).allowed


def test_what_it_cannot_evaluate_it_refuses_to_guess():
    odd = _allow("s3:GetObject", "*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    with pytest.raises(ValueError, match="IpAddress"):
        decide(Need("s3:GetObject", f"{BUCKET}/a"), "worker", _policies([odd]))
    with pytest.raises(KeyError, match="REQUIREMENTS"):
        requirements(Call("worker", "s3", "DeleteBucket", "us-west-2", {}), _deployment())


def _deployment() -> Deployment:
    return Deployment("us-west-2", KEY, frozenset({"site"}))


def test_an_encrypted_object_write_also_needs_the_data_key():
    call = Call("worker", "s3", "PutObject", "us-west-2", {"Bucket": "site", "Key": "g/a.html"})
    needs = requirements(call, _deployment())
    assert [n.action for n in needs] == ["s3:PutObject", "kms:GenerateDataKey"]
    assert needs[1].key("kms:ViaService") == "s3.us-west-2.amazonaws.com"


def test_a_grant_no_allowed_request_matched_is_reported_unused():
    policies = _policies([_allow(["s3:PutObject", "s3:DeleteObject"], f"{BUCKET}/*")])
    decisions = [decide(Need("s3:PutObject", f"{BUCKET}/a"), "worker", policies)]
    assert unused_grants(decisions, policies.identity) == {"worker": ["S: s3:DeleteObject"]}


def _key_statement(sid: str, effect: str, principal: str, **extra: Any) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": effect,
        "Principal": {"AWS": principal},
        "Action": "kms:*",
        "Resource": "*",
        **extra,
    }


VIA_S3 = {"StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"}}


@pytest.mark.parametrize("deny_first", [True, False])
def test_an_explicit_deny_in_a_key_policy_wins_over_its_allow(deny_first: bool):
    allow = _key_statement("Worker", "Allow", ROLE)
    deny = _key_statement("NotThroughS3", "Deny", ROLE, Condition=VIA_S3)
    policies = _policies([], key=[deny, allow] if deny_first else [allow, deny])
    via_sqs = Need("kms:Decrypt", KEY, (("kms:ViaService", "sqs.us-west-2.amazonaws.com"),))
    via_s3 = Need("kms:Decrypt", KEY, (("kms:ViaService", "s3.us-west-2.amazonaws.com"),))
    assert decide(via_sqs, "worker", policies).allowed
    refused = decide(via_s3, "worker", policies)
    assert (refused.allowed, refused.why) == (False, "explicit deny: key/NotThroughS3")


def test_an_explicit_deny_in_a_key_policy_wins_over_iam_the_root_statement_delegates_to():
    root = f"arn:aws:iam::{ACCOUNT}:root"
    statements = [_key_statement("Root", "Allow", root), _key_statement("NoWorker", "Deny", ROLE)]
    decision = decide(
        Need("kms:Decrypt", KEY), "worker", _policies([_allow("kms:*", KEY)], key=statements)
    )
    assert (decision.allowed, decision.why) == (False, "explicit deny: key/NoWorker")


def test_a_deny_naming_the_account_root_covers_every_principal_of_the_account():
    root = f"arn:aws:iam::{ACCOUNT}:root"
    in_key = [_key_statement("Worker", "Allow", ROLE), _key_statement("Nobody", "Deny", root)]
    assert not decide(Need("kms:Decrypt", KEY), "worker", _policies([], key=in_key)).allowed
    in_bucket = {
        **_allow("s3:GetObject", f"{BUCKET}/*"),
        "Effect": "Deny",
        "Principal": {"AWS": root},
    }
    policies = _policies([_allow("s3:GetObject", f"{BUCKET}/*")], [in_bucket])
    assert not decide(Need("s3:GetObject", f"{BUCKET}/a"), "worker", policies).allowed
    # a service acting for us is not a principal of the account: the deny does not reach it
    for_ses = _allow("s3:GetObject", f"{BUCKET}/*", Principal={"Service": "ses.amazonaws.com"})
    services = Policies({}, {}, {BUCKET: [in_bucket, for_ses]}, {})
    assert decide(
        Need("s3:GetObject", f"{BUCKET}/a"), "service:ses.amazonaws.com", services
    ).allowed


def test_a_grant_held_to_leading_keys_allows_only_those_partitions():
    table = f"arn:aws:dynamodb:us-west-2:{ACCOUNT}:table/state"
    held = {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["intake#dlq-limit"]}}
    policies = _policies([_allow("dynamodb:UpdateItem", table, Condition=held)])

    def update(pk: str) -> Need:
        return Need("dynamodb:UpdateItem", table, (("dynamodb:LeadingKeys", pk),))

    assert decide(update("intake#dlq-limit"), "worker", policies).allowed
    assert not decide(update("booking#boatsetter:xhqgmdh"), "worker", policies).allowed

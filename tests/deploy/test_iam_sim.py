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

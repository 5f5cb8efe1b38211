"""Every bucket private and encrypted; the state table as docs/contracts.md says."""

from typing import Any

import pytest

from tests.infra.module import Module, ref

BUCKET_CONTROLS = (
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_policy",
)


def _covers(tf: Module, body: dict[str, Any], bucket: str) -> bool:
    """A control applies to a bucket directly, or through for_each over local.private_buckets."""
    wanted = f"aws_s3_bucket.{bucket}.id"
    if body.get("for_each") == "${local.private_buckets}":
        shared = tf.locals["private_buckets"]
        return (
            body["bucket"] == "${each.value}" and bucket in shared and ref(shared[bucket]) == wanted
        )
    return ref(body["bucket"]) == wanted


def _control_for(tf: Module, kind: str, bucket: str) -> dict[str, Any]:
    found = [body for body in tf.of_kind(kind).values() if _covers(tf, body, bucket)]
    assert len(found) == 1, f"aws_s3_bucket.{bucket} has {len(found)} {kind}"
    return found[0]


def test_there_are_buckets_to_check(tf: Module):
    assert set(tf.of_kind("aws_s3_bucket")) == {"inbound", "site", "photos"}


@pytest.mark.parametrize("kind", BUCKET_CONTROLS)
def test_every_bucket_has_its_controls(tf: Module, kind: str):
    for bucket in tf.of_kind("aws_s3_bucket"):
        _control_for(tf, kind, bucket)


def test_every_bucket_blocks_all_public_access(tf: Module):
    for bucket in tf.of_kind("aws_s3_bucket"):
        block = _control_for(tf, "aws_s3_bucket_public_access_block", bucket)
        flags = ("block_public_acls", "block_public_policy", "ignore_public_acls")
        assert all(block[flag] is True for flag in (*flags, "restrict_public_buckets")), bucket


def test_every_bucket_is_encrypted_with_our_key_and_versioned(tf: Module):
    for bucket in tf.of_kind("aws_s3_bucket"):
        sse = _control_for(tf, "aws_s3_bucket_server_side_encryption_configuration", bucket)
        default = sse["rule"][0]["apply_server_side_encryption_by_default"][0]
        assert default["sse_algorithm"] == "aws:kms", bucket
        assert ref(default["kms_master_key_id"]) == "aws_kms_key.main.arn", bucket
        versioning = _control_for(tf, "aws_s3_bucket_versioning", bucket)
        assert versioning["versioning_configuration"][0]["status"] == "Enabled", bucket


def test_every_bucket_refuses_plain_http(tf: Module):
    (deny,) = tf.policy_document("tls_only")
    assert (
        tf.data[("aws_iam_policy_document", "tls_only")]["for_each"] == "${local.private_buckets}"
    )
    assert deny["effect"] == "Deny"
    (condition,) = deny["condition"]
    assert (condition["variable"], condition["values"]) == ("aws:SecureTransport", ["false"])
    for bucket in tf.of_kind("aws_s3_bucket"):
        policy = ref(_control_for(tf, "aws_s3_bucket_policy", bucket)["policy"])
        tls_only = f'data.aws_iam_policy_document.tls_only["{bucket}"].json'
        if policy != tls_only:
            document = policy.removeprefix("data.aws_iam_policy_document.").removesuffix(".json")
            sources = tf.data[("aws_iam_policy_document", document)]["source_policy_documents"]
            assert sources == ["${" + tls_only + "}"], bucket


def test_the_state_table_has_the_contract_keys_and_is_on_demand_recoverable_and_encrypted(
    tf: Module,
):
    table = tf.resource("aws_dynamodb_table", "state")
    assert (table["hash_key"], table["range_key"]) == ("pk", "sk")
    assert {(a["name"], a["type"]) for a in table["attribute"]} == {
        ("pk", "S"),
        ("sk", "S"),
        # the sparse "upcoming" index the hourly crew check reads (state.upcoming)
        ("charter_boat", "S"),
        ("charter_start", "S"),
    }
    (index,) = table["global_secondary_index"]
    assert (index["name"], index["hash_key"], index["range_key"]) == (
        "upcoming",
        "charter_boat",
        "charter_start",
    )
    assert index["projection_type"] == "KEYS_ONLY"
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["ttl"] == [{"attribute_name": "expires_at", "enabled": True}]
    assert table["point_in_time_recovery"] == [{"enabled": True}]
    sse = table["server_side_encryption"][0]
    assert sse["enabled"] is True
    assert ref(sse["kms_key_arn"]) == "aws_kms_key.main.arn"
    assert ref(tf.locals["worker_settings"]["table_name"]) == "aws_dynamodb_table.state.name"


def test_logs_are_kept_for_the_configured_days_and_encrypted(tf: Module):
    groups = tf.of_kind("aws_cloudwatch_log_group")
    assert "worker" in groups
    for name, group in groups.items():
        assert group["retention_in_days"] == "${var.log_retention_days}", name
        assert ref(group["kms_key_id"]) == "aws_kms_key.main.arn", name


def test_the_key_rotates(tf: Module):
    assert tf.resource("aws_kms_key", "main")["enable_key_rotation"] is True


def test_the_image_repository_scans_on_push_and_never_retags(tf: Module):
    repository = tf.resource("aws_ecr_repository", "worker")
    assert repository["image_tag_mutability"] == "IMMUTABLE"
    assert repository["image_scanning_configuration"] == [{"scan_on_push": True}]
    assert repository["encryption_configuration"][0]["encryption_type"] == "KMS"

"""Traps that moto does not spring and only real AWS would: each checked on the module's own
documents (python-hcl2), the key policy decided by the deploy tests' IAM evaluator.

What these cannot prove, only an apply on AWS can: that S3 sends exactly this request context to
KMS when it encrypts for SES, and that the alarm's metric has data (infra/terraform/README.md,
"What only AWS proves", lists each such claim).
"""

from typing import Any

from tests.deploy.iam_sim import Need, Policies, decide
from tests.infra.module import Module, encoded, ref

SES = "service:ses.amazonaws.com"
KEY = "${aws_kms_key.main.arn}"
INBOUND = "${aws_s3_bucket.inbound.arn}"
VIA_S3 = ("kms:ViaService", "s3.${local.region}.amazonaws.com")
CONTEXT = "kms:EncryptionContext:aws:s3:arn"


def _key_policy(tf: Module) -> Policies:
    statements: list[dict[str, Any]] = encoded(tf.resource("aws_kms_key_policy", "main")["policy"])[
        "Statement"
    ]
    return Policies({}, {}, {}, {KEY: statements})


def _s3_for_ses(action: str, s3_arn: str, via: tuple[str, str] = VIA_S3) -> Need:
    """What reaches KMS when S3 encrypts (or reads back) an object SES writes with the bucket's
    default SSE-KMS: the calling service and the encryption context S3 sets. No aws:SourceArn
    and no aws:SourceAccount: AWS does not document that SES's reach KMS through S3."""
    return Need(action, KEY, (via, (CONTEXT, s3_arn)))


def test_ses_may_use_the_key_through_s3_for_the_inbound_bucket_without_its_source_arn(
    tf: Module,
):
    policies = _key_policy(tf)
    # with a bucket key S3 names the bucket; without one (an object written before), the object
    for s3_arn in (INBOUND, f"{INBOUND}/${{local.inbound_prefix}}0a1b2c3d"):
        for action in ("kms:GenerateDataKey", "kms:Decrypt"):
            decision = decide(_s3_for_ses(action, s3_arn), SES, policies)
            assert decision.allowed, f"{action} for {s3_arn}: {decision.why}"


def test_ses_may_not_use_the_key_for_another_bucket_or_outside_s3(tf: Module):
    policies = _key_policy(tf)
    for bucket in ("site", "photos"):
        other = _s3_for_ses("kms:GenerateDataKey", f"${{aws_s3_bucket.{bucket}.arn}}")
        assert not decide(other, SES, policies).allowed, bucket
    direct = _s3_for_ses("kms:GenerateDataKey", INBOUND, via=("kms:ViaService", "sqs.x"))
    assert not decide(direct, SES, policies).allowed


def test_the_inbound_bucket_is_encrypted_with_the_key_that_policy_governs(tf: Module):
    encryption = tf.resource("aws_s3_bucket_server_side_encryption_configuration", "private")
    assert tf.locals["private_buckets"]["inbound"] == "${aws_s3_bucket.inbound.id}"
    rule = encryption["rule"][0]
    default = rule["apply_server_side_encryption_by_default"][0]
    assert (default["sse_algorithm"], ref(default["kms_master_key_id"])) == (
        "aws:kms",
        "aws_kms_key.main.arn",
    )
    assert rule["bucket_key_enabled"] is True  # so the context S3 sends is the bucket's ARN


def test_the_links_api_alarm_counts_the_http_apis_5xx_answers(tf: Module):
    """The handler turns every exception into a 500 (api/lambda_function.py), so Lambda's Errors
    counts only timeouts and crashes; API Gateway's 5xx counts both those and the 500s."""
    alarm = tf.resource("aws_cloudwatch_metric_alarm", "api_errors")
    assert (alarm["namespace"], alarm["metric_name"]) == ("AWS/ApiGateway", "5xx")
    assert alarm["dimensions"] == {
        "ApiId": "${aws_apigatewayv2_api.links.id}",
        "Stage": "${aws_apigatewayv2_stage.links.name}",
    }
    assert (alarm["statistic"], alarm["comparison_operator"]) == ("Sum", "GreaterThanThreshold")
    assert alarm["alarm_actions"] == ["${aws_sns_topic.alarms.arn}"]


def test_api_gateway_may_invoke_the_function_from_any_stage_and_route(tf: Module):
    permission = tf.resource("aws_lambda_permission", "links")
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["source_arn"] == "${aws_apigatewayv2_api.links.execution_arn}/*/*"


def test_the_rule_set_is_not_activated_unless_the_owner_asks(tf: Module):
    """A region has one active rule set per account: activating ours by default would cut off
    another application's inbound mail. An output names the command when it is left inactive."""
    assert tf.variables["activate_receipt_rule_set"]["default"] is False
    output = tf.outputs["receipt_rule_set_activation"]["value"]
    assert "var.activate_receipt_rule_set" in output
    assert "aws ses set-active-receipt-rule-set" in output
    assert "aws_ses_receipt_rule_set.inbound.rule_set_name" in output


def test_scale_in_waits_for_delayed_messages_too(tf: Module):
    """A retry that only waits for a lease is re-sent with a delay: while it is delayed, the
    queue shows it neither visible nor in flight, and scaling to zero would strand it."""
    alarm = tf.resource("aws_cloudwatch_metric_alarm", "worker_idle")
    queries = {q["id"]: q for q in alarm["metric_query"]}
    expression = next(q["expression"] for q in queries.values() if q.get("return_data"))
    metrics = {
        q["metric"][0]["metric_name"]: q["id"]
        for q in queries.values()
        if "metric" in q
        and q["metric"][0]["dimensions"]["QueueName"] == "${aws_sqs_queue.bookings.name}"
    }
    assert set(metrics) == {
        "ApproximateNumberOfMessagesVisible",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    }
    assert set(expression.replace(" ", "").split("+")) == set(metrics.values())


def test_the_ses_events_queue_has_a_dead_letter_queue_and_an_alarm_on_it(tf: Module):
    queue = tf.resource("aws_sqs_queue", "ses_events")
    redrive = encoded(queue["redrive_policy"])
    assert redrive["deadLetterTargetArn"] == "${aws_sqs_queue.ses_events_dlq.arn}"
    assert redrive["maxReceiveCount"] == "${var.ses_events_max_receive_count}"
    assert tf.variables["ses_events_max_receive_count"]["default"] >= 3
    allow = encoded(
        tf.resource("aws_sqs_queue_redrive_allow_policy", "ses_events_dlq")["redrive_allow_policy"]
    )
    assert allow["sourceQueueArns"] == ["${aws_sqs_queue.ses_events.arn}"]
    dlq = tf.resource("aws_sqs_queue", "ses_events_dlq")
    assert dlq["message_retention_seconds"] == 14 * 86400
    alarm = tf.resource("aws_cloudwatch_metric_alarm", "ses_events_dlq_not_empty")
    assert alarm["dimensions"] == {"QueueName": "${aws_sqs_queue.ses_events_dlq.name}"}
    assert alarm["alarm_actions"] == ["${aws_sns_topic.alarms.arn}"]


def test_secrets_can_be_deleted_at_once_to_recreate_an_environment(tf: Module):
    variable = tf.variables["secrets_recovery_window_days"]
    assert variable["default"] == 30
    condition = variable["validation"][0]["condition"]
    assert "== 0" in condition
    assert ">= 7" in condition
    assert "<= 30" in condition
    secrets = tf.of_kind("aws_secretsmanager_secret")
    assert secrets
    for name, secret in secrets.items():
        assert secret.get("recovery_window_in_days") == "${var.secrets_recovery_window_days}", name

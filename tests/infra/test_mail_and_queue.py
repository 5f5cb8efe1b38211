"""SES → S3 + SNS → SQS → DLQ: each hop names the resource the next hop reads from."""

import re
from typing import Any

from tests.infra.module import Module, ref


def _receipt_rule(tf: Module) -> dict[str, Any]:
    return tf.resource("aws_ses_receipt_rule", "bookings")


def test_the_receipt_rule_writes_where_the_worker_reads_and_notifies_the_topic_the_queue_follows(
    tf: Module,
):
    action = _receipt_rule(tf)["s3_action"][0]
    subscription = tf.resource("aws_sns_topic_subscription", "bookings")
    settings = tf.locals["worker_settings"]

    assert ref(action["bucket_name"]) == "aws_s3_bucket.inbound.id"
    assert ref(settings["inbound_bucket"]) == "aws_s3_bucket.inbound.id"
    assert (
        ref(action["object_key_prefix"])
        == ref(settings["inbound_prefix"])
        == "local.inbound_prefix"
    )
    assert tf.locals["inbound_prefix"] == "raw/"

    assert (
        ref(action["topic_arn"])
        == ref(subscription["topic_arn"])
        == ref(settings["inbound_topic_arn"])
        == "aws_sns_topic.inbound.arn"
    )
    assert subscription["protocol"] == "sqs"
    # the worker reads SNS's envelope (and its TopicArn, which admission checks)
    assert subscription["raw_message_delivery"] is False
    assert ref(subscription["endpoint"]) == "aws_sqs_queue.bookings.arn"
    assert ref(settings["queue_url"]) == "aws_sqs_queue.bookings.url"


def test_the_receipt_rule_takes_the_configured_recipient_and_scans_for_spam_and_viruses(tf: Module):
    rule = _receipt_rule(tf)
    assert rule["recipients"] == ["${var.inbound_recipient}"]
    assert rule["scan_enabled"] is True
    assert rule["enabled"] is True
    assert ref(rule["rule_set_name"]) == "aws_ses_receipt_rule_set.inbound.rule_set_name"


def test_the_rule_arn_the_policies_trust_is_the_rule_terraform_creates(tf: Module):
    rule, rule_set = _receipt_rule(tf), tf.resource("aws_ses_receipt_rule_set", "inbound")
    assert ref(rule["name"]) == "local.receipt_rule_name"
    assert ref(rule_set["rule_set_name"]) == "local.receipt_rule_set"
    assert tf.locals["receipt_rule_arn"].endswith(
        ":receipt-rule-set/${local.receipt_rule_set}:receipt-rule/${local.receipt_rule_name}"
    )
    assert tf.locals["receipt_rule_arn"].startswith("arn:${local.partition}:ses:${local.region}:")


def _conditions(statement: dict[str, Any]) -> dict[str, list[str]]:
    return {c["variable"]: c["values"] for c in statement.get("condition", [])}


def test_only_ses_for_this_account_and_rule_may_write_to_the_inbound_bucket(tf: Module):
    statements = tf.policy_document("inbound_bucket")
    grants = [s for s in statements if s.get("effect", "Allow") == "Allow"]
    assert len(grants) == 1
    (grant,) = grants
    assert grant["principals"] == [{"type": "Service", "identifiers": ["ses.amazonaws.com"]}]
    assert grant["actions"] == ["s3:PutObject"]
    assert grant["resources"] == ["${aws_s3_bucket.inbound.arn}/${local.inbound_prefix}*"]
    assert _conditions(grant) == {
        "aws:SourceAccount": ["${local.account_id}"],
        "aws:SourceArn": ["${local.receipt_rule_arn}"],
    }
    policy = tf.resource("aws_s3_bucket_policy", "inbound")
    assert ref(policy["policy"]) == "data.aws_iam_policy_document.inbound_bucket.json"


def test_only_our_receipt_rule_may_publish_to_the_inbound_topic(tf: Module):
    (statement,) = tf.policy_document("inbound_topic")
    assert statement["principals"] == [{"type": "Service", "identifiers": ["ses.amazonaws.com"]}]
    assert statement["actions"] == ["sns:Publish"]
    assert _conditions(statement)["aws:SourceArn"] == ["${local.receipt_rule_arn}"]
    policy = tf.resource("aws_sns_topic_policy", "inbound")
    assert ref(policy["arn"]) == "aws_sns_topic.inbound.arn"


def test_the_queue_accepts_messages_from_the_inbound_topic_and_the_photos_bucket_only(
    tf: Module,
):
    statement, photos = tf.policy_document("bookings_queue")
    assert photos["principals"] == [{"type": "Service", "identifiers": ["s3.amazonaws.com"]}]
    assert photos["actions"] == ["sqs:SendMessage"]
    assert photos["resources"] == ["${aws_sqs_queue.bookings.arn}"]
    assert _conditions(photos) == {
        "aws:SourceAccount": ["${local.account_id}"],
        "aws:SourceArn": ["${aws_s3_bucket.photos.arn}"],
    }
    notification = tf.resource("aws_s3_bucket_notification", "photos")
    (queue,) = notification["queue"]
    assert ref(queue["queue_arn"]) == "aws_sqs_queue.bookings.arn"
    assert queue["events"] == ["s3:ObjectCreated:*"]
    assert queue["filter_prefix"] == "photos/"
    assert statement["principals"] == [{"type": "Service", "identifiers": ["sns.amazonaws.com"]}]
    assert statement["actions"] == ["sqs:SendMessage"]
    assert statement["resources"] == ["${aws_sqs_queue.bookings.arn}"]
    assert _conditions(statement) == {"aws:SourceArn": ["${aws_sns_topic.inbound.arn}"]}
    policy = tf.resource("aws_sqs_queue_policy", "bookings")
    assert ref(policy["queue_url"]) == "aws_sqs_queue.bookings.id"
    assert ref(policy["policy"]) == "data.aws_iam_policy_document.bookings_queue.json"


def test_redrive_sends_to_the_dlq_after_the_configured_receive_count(tf: Module):
    redrive = tf.resource("aws_sqs_queue", "bookings")["redrive_policy"]
    target = re.search(r"deadLetterTargetArn\s*=\s*([\w.]+)", redrive)
    count = re.search(r"maxReceiveCount\s*=\s*([\w.]+)", redrive)
    assert target
    assert target.group(1) == "aws_sqs_queue.bookings_dlq.arn"
    assert count
    assert count.group(1) == "var.redrive_max_receive_count"
    assert ref(tf.locals["worker_settings"]["dlq_url"]) == "aws_sqs_queue.bookings_dlq.url"
    allow = tf.resource("aws_sqs_queue_redrive_allow_policy", "bookings_dlq")[
        "redrive_allow_policy"
    ]
    assert "aws_sqs_queue.bookings.arn" in allow


def test_the_dlq_keeps_messages_fourteen_days(tf: Module):
    assert tf.resource("aws_sqs_queue", "bookings_dlq")["message_retention_seconds"] == 14 * 86400


def test_the_queue_and_the_worker_share_visibility_timeout_and_receive_count(tf: Module):
    queue, settings = tf.resource("aws_sqs_queue", "bookings"), tf.locals["worker_settings"]
    assert queue["visibility_timeout_seconds"] == "${var.visibility_timeout_seconds}"
    assert settings["visibility_timeout_seconds"] == "${tostring(var.visibility_timeout_seconds)}"
    assert settings["max_receive_count"] == "${tostring(var.max_receive_count)}"
    conditions = {p["condition"] for p in queue["lifecycle"][0]["precondition"]}
    assert "${var.visibility_timeout_seconds > var.lease_seconds}" in conditions


def test_the_worker_dead_letters_with_a_reason_before_the_redrive_would(tf: Module):
    queue = tf.resource("aws_sqs_queue", "bookings")
    conditions = {p["condition"] for p in queue["lifecycle"][0]["precondition"]}
    assert "${var.redrive_max_receive_count > var.max_receive_count}" in conditions
    defaults = {
        n: tf.variables[n]["default"] for n in ("max_receive_count", "redrive_max_receive_count")
    }
    assert defaults["redrive_max_receive_count"] > defaults["max_receive_count"]


def test_every_queue_and_topic_is_encrypted_with_our_key(tf: Module):
    for kind in ("aws_sqs_queue", "aws_sns_topic"):
        for name, body in tf.of_kind(kind).items():
            assert ref(body.get("kms_master_key_id", "${none}")) == "aws_kms_key.main.arn", (
                f"{kind}.{name} is not encrypted with aws_kms_key.main"
            )


def test_alarms_watch_the_dlq_and_the_oldest_message_and_email_the_operator(tf: Module):
    dlq = tf.resource("aws_cloudwatch_metric_alarm", "dlq_not_empty")
    assert dlq["metric_name"] == "ApproximateNumberOfMessagesVisible"
    assert dlq["dimensions"] == {"QueueName": "${aws_sqs_queue.bookings_dlq.name}"}
    assert (dlq["comparison_operator"], dlq["threshold"]) == ("GreaterThanThreshold", 0)

    stuck = tf.resource("aws_cloudwatch_metric_alarm", "queue_stuck")
    assert stuck["metric_name"] == "ApproximateAgeOfOldestMessage"
    assert stuck["dimensions"] == {"QueueName": "${aws_sqs_queue.bookings.name}"}
    assert stuck["threshold"] == "${var.oldest_message_alarm_seconds}"

    for alarm in (dlq, stuck):
        assert alarm["alarm_actions"] == ["${aws_sns_topic.alarms.arn}"]
    subscription = tf.resource("aws_sns_topic_subscription", "alarms_email")
    assert ref(subscription["topic_arn"]) == "aws_sns_topic.alarms.arn"
    assert (subscription["protocol"], subscription["endpoint"]) == ("email", "${var.alarm_email}")


def test_outbound_mail_is_dkim_signed_from_a_custom_mail_from_and_reports_bounces(tf: Module):
    identity = tf.resource("aws_sesv2_email_identity", "outbound")
    assert ref(identity["email_identity"]) == "local.from_domain"
    assert identity["dkim_signing_attributes"][0]["next_signing_key_length"] == "RSA_2048_BIT"
    mail_from = tf.resource("aws_sesv2_email_identity_mail_from_attributes", "outbound")
    assert ref(mail_from["mail_from_domain"]) == "local.mail_from_domain"
    assert tf.locals["mail_from_domain"] == "${var.mail_from_subdomain}.${local.from_domain}"

    destination = tf.resource("aws_sesv2_configuration_set_event_destination", "feedback")
    event = destination["event_destination"][0]
    assert {"BOUNCE", "COMPLAINT"} <= set(event["matching_event_types"])
    assert ref(event["sns_destination"][0]["topic_arn"]) == "aws_sns_topic.mail_feedback.arn"
    assert ref(tf.locals["worker_settings"]["ses_configuration_set"]) == (
        "aws_sesv2_configuration_set.outbound.configuration_set_name"
    )


def test_dns_records_the_operator_must_publish_are_outputs(tf: Module):
    records = str(tf.outputs["dns_records"]["value"])
    for expected in (
        "inbound-smtp.${local.region}.amazonaws.com",  # MX for receiving
        "feedback-smtp.${local.region}.amazonses.com",  # MX for the MAIL FROM domain
        "v=spf1 include:amazonses.com ~all",
        "_dmarc.${local.from_domain}",
        "._domainkey.${local.from_domain}",
        "dkim.amazonses.com",
    ):
        assert expected in records

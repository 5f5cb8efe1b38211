# Mail in and out.
#   In:  SES receives bookings@in.<domain>, scans it for spam and viruses, writes the raw MIME to
#        s3://<inbound>/raw/<messageId> and then notifies the inbound topic (queue.tf).
#   Out: crew and manager emails leave from the From domain with Easy DKIM and a custom MAIL FROM
#        (SPF and DKIM align with the From domain, so DMARC passes); bounces and complaints are
#        recorded through the configuration set.

locals {
  inbound_domain    = split("@", var.inbound_recipient)[1]
  inbound_prefix    = "raw/"
  from_domain       = lower(split("@", var.from_address)[1])
  mail_from_domain  = "${var.mail_from_subdomain}.${local.from_domain}"
  receipt_rule_set  = "${local.name}-inbound"
  receipt_rule_name = "${local.name}-bookings"
  # Built from names, not from the rule itself: the bucket policy must exist before the rule does.
  receipt_rule_arn = "arn:${local.partition}:ses:${local.region}:${local.account_id}:receipt-rule-set/${local.receipt_rule_set}:receipt-rule/${local.receipt_rule_name}"
}

# --- the inbound bucket: raw mail, written by SES only -----------------------------------------

resource "aws_s3_bucket" "inbound" {
  bucket = "${local.name}-inbound-${local.account_id}"
}

resource "aws_s3_bucket_lifecycle_configuration" "inbound" {
  bucket     = aws_s3_bucket.inbound.id
  depends_on = [aws_s3_bucket_versioning.private]

  rule {
    id     = "expire-raw-mail"
    status = "Enabled"

    filter {
      prefix = local.inbound_prefix
    }

    expiration {
      days = var.raw_mail_retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 7
    }
  }

  rule {
    id     = "tidy-delete-markers-and-uploads"
    status = "Enabled"

    filter {}

    expiration {
      expired_object_delete_marker = true
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_s3_bucket_policy" "inbound" {
  bucket     = aws_s3_bucket.inbound.id
  policy     = data.aws_iam_policy_document.inbound_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.private]
}

data "aws_iam_policy_document" "inbound_bucket" {
  source_policy_documents = [data.aws_iam_policy_document.tls_only["inbound"].json]

  statement {
    sid       = "OnlySesThisAccountThisRuleWritesRawMail"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.inbound.arn}/${local.inbound_prefix}*"]

    principals {
      type        = "Service"
      identifiers = ["ses.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.receipt_rule_arn]
    }
  }
}

# --- receiving ---------------------------------------------------------------------------------

# Receiving needs the recipient's domain verified; DKIM CNAMEs (outputs) verify it.
resource "aws_sesv2_email_identity" "inbound" {
  count          = local.inbound_domain == local.from_domain ? 0 : 1
  email_identity = local.inbound_domain

  dkim_signing_attributes {
    next_signing_key_length = "RSA_2048_BIT"
  }
}

resource "aws_ses_receipt_rule_set" "inbound" {
  rule_set_name = local.receipt_rule_set
}

# A region has one active rule set per account: this replaces any other (see README).
resource "aws_ses_active_receipt_rule_set" "inbound" {
  count         = var.activate_receipt_rule_set ? 1 : 0
  rule_set_name = aws_ses_receipt_rule_set.inbound.rule_set_name
}

resource "aws_ses_receipt_rule" "bookings" {
  name          = local.receipt_rule_name
  rule_set_name = aws_ses_receipt_rule_set.inbound.rule_set_name
  recipients    = [var.inbound_recipient]
  enabled       = true
  scan_enabled  = true
  tls_policy    = "Require"

  s3_action {
    position          = 1
    bucket_name       = aws_s3_bucket.inbound.id
    object_key_prefix = local.inbound_prefix
    topic_arn         = aws_sns_topic.inbound.arn
  }

  # SES checks at creation that it may write to the bucket, use the key and publish to the topic.
  depends_on = [
    aws_s3_bucket_policy.inbound,
    aws_sns_topic_policy.inbound,
    aws_kms_key_policy.main,
  ]
}

# --- sending -----------------------------------------------------------------------------------

resource "aws_sesv2_configuration_set" "outbound" {
  configuration_set_name = local.name

  delivery_options {
    tls_policy = "REQUIRE"
  }

  reputation_options {
    reputation_metrics_enabled = true
  }

  sending_options {
    sending_enabled = true
  }

  suppression_options {
    suppressed_reasons = ["BOUNCE", "COMPLAINT"]
  }
}

resource "aws_sesv2_email_identity" "outbound" {
  email_identity         = local.from_domain
  configuration_set_name = aws_sesv2_configuration_set.outbound.configuration_set_name

  # Easy DKIM: SES signs with a 2048-bit key published through three CNAMEs (outputs).
  dkim_signing_attributes {
    next_signing_key_length = "RSA_2048_BIT"
  }
}

resource "aws_sesv2_email_identity_mail_from_attributes" "outbound" {
  email_identity         = aws_sesv2_email_identity.outbound.email_identity
  mail_from_domain       = local.mail_from_domain
  behavior_on_mx_failure = "USE_DEFAULT_VALUE"
}

resource "aws_sns_topic" "mail_feedback" {
  name              = "${local.name}-mail-feedback"
  kms_master_key_id = aws_kms_key.main.arn
}

resource "aws_sns_topic_policy" "mail_feedback" {
  arn    = aws_sns_topic.mail_feedback.arn
  policy = data.aws_iam_policy_document.mail_feedback_topic.json
}

data "aws_iam_policy_document" "mail_feedback_topic" {
  statement {
    sid       = "OnlyOurConfigurationSetPublishes"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.mail_feedback.arn]

    principals {
      type        = "Service"
      identifiers = ["ses.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_sesv2_configuration_set.outbound.arn]
    }
  }
}

resource "aws_sesv2_configuration_set_event_destination" "feedback" {
  configuration_set_name = aws_sesv2_configuration_set.outbound.configuration_set_name
  event_destination_name = "bounces-and-complaints"

  event_destination {
    enabled              = true
    matching_event_types = ["BOUNCE", "COMPLAINT", "REJECT", "RENDERING_FAILURE", "DELIVERY_DELAY"]

    sns_destination {
      topic_arn = aws_sns_topic.mail_feedback.arn
    }
  }

  depends_on = [aws_sns_topic_policy.mail_feedback, aws_kms_key_policy.main]
}

resource "aws_sns_topic_subscription" "mail_feedback_email" {
  topic_arn = aws_sns_topic.mail_feedback.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

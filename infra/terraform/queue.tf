# SES -> SNS "inbound" -> SQS "bookings" (redrive -> "bookings-dlq" after redrive_max_receive_count).
# The worker dead-letters permanent faults itself, with a reason; the redrive policy is the safety
# net for a worker that dies on a message. Both queues and the topic are encrypted with our key.

resource "aws_sns_topic" "inbound" {
  name              = "${local.name}-inbound"
  kms_master_key_id = aws_kms_key.main.arn
}

resource "aws_sns_topic_policy" "inbound" {
  arn    = aws_sns_topic.inbound.arn
  policy = data.aws_iam_policy_document.inbound_topic.json
}

data "aws_iam_policy_document" "inbound_topic" {
  statement {
    sid       = "OnlyOurReceiptRulePublishes"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.inbound.arn]

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

resource "aws_sqs_queue" "bookings_dlq" {
  name                              = "${local.name}-bookings-dlq"
  message_retention_seconds         = 1209600 # 14 days, SQS's most: time for an operator to replay
  kms_master_key_id                 = aws_kms_key.main.arn
  kms_data_key_reuse_period_seconds = 3600
}

resource "aws_sqs_queue" "bookings" {
  name                              = "${local.name}-bookings"
  visibility_timeout_seconds        = var.visibility_timeout_seconds
  message_retention_seconds         = var.queue_retention_seconds
  receive_wait_time_seconds         = 20
  kms_master_key_id                 = aws_kms_key.main.arn
  kms_data_key_reuse_period_seconds = 3600

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.bookings_dlq.arn
    maxReceiveCount     = var.redrive_max_receive_count
  })

  lifecycle {
    precondition {
      condition     = var.visibility_timeout_seconds > var.lease_seconds
      error_message = "visibility_timeout_seconds must exceed lease_seconds: a message must stay hidden while a worker holds its step's lease."
    }

    precondition {
      condition     = var.redrive_max_receive_count > var.max_receive_count
      error_message = "redrive_max_receive_count must exceed max_receive_count: the worker dead-letters with a reason; the redrive is only the safety net."
    }
  }
}

# Only the bookings queue may use the DLQ as its dead-letter target.
resource "aws_sqs_queue_redrive_allow_policy" "bookings_dlq" {
  queue_url = aws_sqs_queue.bookings_dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.bookings.arn]
  })
}

resource "aws_sqs_queue_policy" "bookings" {
  queue_url = aws_sqs_queue.bookings.id
  policy    = data.aws_iam_policy_document.bookings_queue.json
}

data "aws_iam_policy_document" "bookings_queue" {
  statement {
    sid       = "OnlyTheInboundTopicSends"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.bookings.arn]

    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_sns_topic.inbound.arn]
    }
  }

  # Guests' photos arriving (site.tf: the photos bucket's ObjectCreated notification).
  statement {
    sid       = "OnlyThePhotosBucketNotifies"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.bookings.arn]

    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_s3_bucket.photos.arn]
    }
  }
}

resource "aws_sns_topic_subscription" "bookings" {
  topic_arn = aws_sns_topic.inbound.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.bookings.arn

  # The worker decodes the SNS envelope (DESIGN.md, "Messages and outcomes").
  raw_message_delivery = false

  depends_on = [aws_sqs_queue_policy.bookings, aws_kms_key_policy.main]
}

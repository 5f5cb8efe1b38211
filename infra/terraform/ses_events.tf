# SES's own report on every email the worker sends: the configuration set's Send, Delivery,
# Bounce, Complaint, Reject, ... events -> SNS "ses-events" -> SQS "ses-events", which the worker
# consumes (CHARTERHAND_SES_EVENTS_QUEUE_URL) into the state table. Each event carries the send's
# `charterhand-send` tag, so a send whose answer was lost (a 5xx, a timeout, a worker killed
# before its record) is settled from what SES saw instead of being sent again (worker/ses_events.py,
# publishers/deliveries.py). The bounces-and-complaints destination in mail.tf stays as it is:
# that one tells the operator; this one tells the worker.

variable "ses_events_retention_seconds" {
  type        = number
  description = "How long an SES event waits in its queue for the worker (it is recorded within seconds while the worker runs; longer than the worker's report wait, 900 s)."
  default     = 345600 # 4 days

  validation {
    condition     = var.ses_events_retention_seconds >= 3600 && var.ses_events_retention_seconds <= 1209600
    error_message = "ses_events_retention_seconds must be between 3600 (1 h) and 1209600 (14 days)."
  }
}

resource "aws_sns_topic" "ses_events" {
  name              = "${local.name}-ses-events"
  kms_master_key_id = aws_kms_key.main.arn
}

resource "aws_sns_topic_policy" "ses_events" {
  arn    = aws_sns_topic.ses_events.arn
  policy = data.aws_iam_policy_document.ses_events_topic.json
}

data "aws_iam_policy_document" "ses_events_topic" {
  statement {
    sid       = "OnlyOurConfigurationSetPublishes"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.ses_events.arn]

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

variable "ses_events_max_receive_count" {
  type        = number
  description = "Receives of one SES event before SQS moves it to the ses-events dead-letter queue (the worker re-reads an event it could not record after the queue's visibility timeout)."
  default     = 10

  validation {
    condition     = var.ses_events_max_receive_count >= 3 && var.ses_events_max_receive_count <= 1000 && floor(var.ses_events_max_receive_count) == var.ses_events_max_receive_count
    error_message = "ses_events_max_receive_count must be a whole number between 3 and 1000."
  }
}

resource "aws_sqs_queue" "ses_events_dlq" {
  name                              = "${local.name}-ses-events-dlq"
  message_retention_seconds         = 1209600 # 14 days, SQS's most
  kms_master_key_id                 = aws_kms_key.main.arn
  kms_data_key_reuse_period_seconds = 3600
}

resource "aws_sqs_queue" "ses_events" {
  name                              = "${local.name}-ses-events"
  message_retention_seconds         = var.ses_events_retention_seconds
  receive_wait_time_seconds         = 20
  kms_master_key_id                 = aws_kms_key.main.arn
  kms_data_key_reuse_period_seconds = 3600

  # An event the worker cannot record (a malformed one, a table that refuses it) would come back
  # every visibility timeout until retention ends; after ses_events_max_receive_count it waits
  # in the dead-letter queue instead, and the alarm below says so.
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.ses_events_dlq.arn
    maxReceiveCount     = var.ses_events_max_receive_count
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "ses_events_dlq" {
  queue_url = aws_sqs_queue.ses_events_dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.ses_events.arn]
  })
}

# SES's reports on our sends that the worker could not record after
# ses_events_max_receive_count tries (ses_events.tf): a send whose answer was lost may then be
# sent again. Look with `aws sqs receive-message --queue-url <ses_events_dlq_url>`.
resource "aws_cloudwatch_metric_alarm" "ses_events_dlq_not_empty" {
  alarm_name          = "${local.name}-ses-events-dlq-not-empty"
  alarm_description   = "An SES report on a sent email could not be recorded: see the worker's log (\"could not record an SES event\") and the ses-events dead-letter queue."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.ses_events_dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_sqs_queue_policy" "ses_events" {
  queue_url = aws_sqs_queue.ses_events.id
  policy    = data.aws_iam_policy_document.ses_events_queue.json
}

data "aws_iam_policy_document" "ses_events_queue" {
  statement {
    sid       = "OnlyTheSesEventsTopicSends"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.ses_events.arn]

    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_sns_topic.ses_events.arn]
    }
  }
}

resource "aws_sns_topic_subscription" "ses_events" {
  topic_arn = aws_sns_topic.ses_events.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.ses_events.arn

  # The worker reads the SNS envelope or the bare event alike (worker/ses_events.py).
  raw_message_delivery = false

  depends_on = [aws_sqs_queue_policy.ses_events, aws_kms_key_policy.main]
}

resource "aws_sesv2_configuration_set_event_destination" "worker" {
  configuration_set_name = aws_sesv2_configuration_set.outbound.configuration_set_name
  event_destination_name = "worker-send-reports"

  event_destination {
    enabled = true
    # every event that proves SES accepted a send (any of them settles it)
    matching_event_types = ["SEND", "DELIVERY", "BOUNCE", "COMPLAINT", "REJECT", "RENDERING_FAILURE", "DELIVERY_DELAY"]

    sns_destination {
      topic_arn = aws_sns_topic.ses_events.arn
    }
  }

  depends_on = [aws_sns_topic_policy.ses_events, aws_kms_key_policy.main]
}

output "ses_events_queue_url" {
  description = "CHARTERHAND_SES_EVENTS_QUEUE_URL: SES's send reports, which the worker records"
  value       = aws_sqs_queue.ses_events.url
}

output "ses_events_dlq_url" {
  description = "SES's send reports the worker could not record (alarmed when not empty)"
  value       = aws_sqs_queue.ses_events_dlq.url
}

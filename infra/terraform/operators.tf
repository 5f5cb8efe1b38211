# The operator's CLI (`charterhand dlq ...`, `charterhand status`) runs with a person's own
# credentials, not the worker's role: add the people who replay dead letters to this group. Its
# policy is what those commands call (tests/deploy record the calls and evaluate them against it).

resource "aws_iam_group" "operators" {
  name = "${local.name}-operators"
}

resource "aws_iam_group_policy" "operators" {
  name   = "operator-cli"
  group  = aws_iam_group.operators.name
  policy = data.aws_iam_policy_document.operator.json
}

data "aws_iam_policy_document" "operator" {
  # dlq ls / show / replay / purge look at dead letters (receive with a short hold, then return them
  # to the queue or delete them); status counts both queues.
  statement {
    sid       = "InspectAndReplayDeadLetters"
    actions   = ["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.bookings_dlq.arn]
  }

  statement {
    sid       = "ReplayIntoTheBookingsQueue"
    actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.bookings.arn]
  }

  # dlq show prints what the dead-lettered email says.
  statement {
    sid       = "ReadRawMailOfADeadLetter"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.inbound.arn}/${local.inbound_prefix}*"]
  }

  # status lists the latest bookings and their steps.
  statement {
    sid       = "ReadBookingState"
    actions   = ["dynamodb:Scan", "dynamodb:Query", "dynamodb:GetItem"]
    resources = [aws_dynamodb_table.state.arn]
  }

  # intake resume clears the shared DLQ limit: one item of the state table, nothing else.
  statement {
    sid       = "ResumeIntake"
    actions   = ["dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.state.arn]
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "dynamodb:LeadingKeys"
      values   = ["intake#dlq-limit"]
    }
  }

  statement {
    sid     = "QueueAgeMetric"
    actions = ["cloudwatch:GetMetricStatistics"]
    # AWS requires "*": CloudWatch metric reads have no resource type.
    resources = ["*"]
  }

  statement {
    sid       = "UseTheDataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]
  }
}

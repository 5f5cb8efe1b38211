# The role EventBridge Scheduler takes to put the worker's own tasks on the bookings queue: the
# hourly crew check (crew_check.tf) and the hourly audit (audit.tf). Each body only asks for a
# run (bookings/tasks.py), so one role for both gives neither more than the other needs.

resource "aws_iam_role" "schedules" {
  name               = "${local.name}-schedules"
  description        = "EventBridge Scheduler puts the worker's hourly tasks on the bookings queue"
  assume_role_policy = data.aws_iam_policy_document.schedules_assume.json
}

data "aws_iam_policy_document" "schedules_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role_policy" "schedules" {
  name   = "put-the-tasks"
  role   = aws_iam_role.schedules.id
  policy = data.aws_iam_policy_document.schedules.json
}

data "aws_iam_policy_document" "schedules" {
  statement {
    sid       = "PutTheTasks"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.bookings.arn]
  }

  # the bookings queue and the schedules themselves are encrypted with our key
  statement {
    sid       = "UseTheDataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]
  }
}

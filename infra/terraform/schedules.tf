# The worker's own hourly tasks, put on the bookings queue by EventBridge Scheduler: the crew
# check (crew_check.tf) and the audit (audit.tf). Each body only asks for a run of the task its
# key names (bookings/tasks.py), so whoever else could send one could only make it run early, and
# one role for both gives neither more than the other needs.

locals {
  scheduled_tasks = {
    "crew-check" = {
      schedule    = var.crew_check_schedule
      description = "charterhand: remind silent crew before a charter, tell the manager"
    }
    "audit" = {
      schedule    = var.audit_schedule
      description = "charterhand: the platforms' calendars and our records against the bookings"
    }
  }
}

resource "aws_scheduler_schedule" "tasks" {
  for_each = local.scheduled_tasks

  name                = "${local.name}-${each.key}"
  description         = each.value.description
  schedule_expression = each.value.schedule
  # the schedule (its input included) at rest under our key; the role below decrypts it
  kms_key_arn = aws_kms_key.main.arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_sqs_queue.bookings.arn
    role_arn = aws_iam_role.schedules.arn
    input    = jsonencode({ charterhand = each.key })

    # a run missed for an hour is made by the next one: no need to keep trying longer
    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 10
    }
  }
}

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

# The worker as a Lambda (worker_mode = "lambda"): no cluster, no service, no VPC, no NAT; nothing
# runs while the queue is empty. The same code as the Fargate task (app/worker_lambda.py composes
# the same MessageHandler, retry policy, settling, shared DLQ limit and EMF metrics), fed by SQS
# event source mappings instead of its own long poll:
#   - the bookings queue, with ReportBatchItemFailures: the function deletes nothing itself for a
#     done or ignored message (the mapping deletes what it does not report failed); a retry
#     changes the message's visibility to the policy's backoff and is reported failed, so SQS keeps
#     it hidden that long; a dead letter is sent to the DLQ with its charterhand.* attributes, then
#     left to the mapping to delete. The queue's redrive policy stays the safety net.
#   - SES's events on our sends (the Fargate worker's companion consumer).
# When the shared DLQ limit stops intake, the function disables its bookings mapping (the queue
# is then left alone: no receive is counted, nothing redriven). After `charterhand intake
# resume`, enable it again: `terraform apply`, or
#   aws lambda update-event-source-mapping --uuid $(terraform output -raw worker_lambda_mapping_uuid) --enabled
# Its log lines (and so its EMF metrics: the same dashboard and alarms) go to the worker's log
# group. Its role is the task role's statements (worker.tf) and what Lambda's poller needs.

locals {
  lambda_count          = var.worker_mode == "lambda" ? 1 : 0
  worker_lambda_package = coalesce(var.worker_lambda_package, "${path.module}/../../build/worker-lambda.zip")
  worker_lambda_name    = "${local.name}-worker"
  # named, not referenced: the role's policy names the function, and the function waits for it
  worker_lambda_arn = "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${local.worker_lambda_name}"

  # the worker's settings, with the Lambda's memory as the email byte budget's
  worker_lambda_environment = merge(
    { for entry in local.worker_environment : entry.name => entry.value },
    { CHARTERHAND_TASK_MEMORY_MIB = tostring(var.worker_lambda_memory_mb) },
  )
}

resource "aws_iam_role" "worker_lambda" {
  count = local.lambda_count

  name               = "${local.name}-worker-lambda"
  description        = "The charterhand worker, as a Lambda"
  assume_role_policy = data.aws_iam_policy_document.api_assume.json # lambda.amazonaws.com, this account
}

resource "aws_iam_role_policy" "worker_lambda" {
  count = local.lambda_count

  name   = "worker-lambda"
  role   = aws_iam_role.worker_lambda[0].id
  policy = data.aws_iam_policy_document.worker_lambda.json
}

data "aws_iam_policy_document" "worker_lambda" {
  # exactly what the worker does (the task role's statements), then what being a Lambda adds
  source_policy_documents = [data.aws_iam_policy_document.worker_task.json]

  # Lambda's poller, with this role, receives and deletes (granted above) and reads the queues'
  # attributes.
  statement {
    sid       = "EventSourceMappingsPoll"
    actions   = ["sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.bookings.arn, aws_sqs_queue.ses_events.arn]
  }

  # Used by Lambda's runtime with this role, not by the handler: the function's log lines.
  statement {
    sid       = "WriteItsOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.worker.arn}:*"]
  }

  # The DLQ limit stopped intake: the function finds its bookings mapping and disables it.
  statement {
    sid     = "FindItsMapping"
    actions = ["lambda:ListEventSourceMappings"]
    # AWS requires "*": ListEventSourceMappings has no resource type.
    resources = ["*"]
  }

  statement {
    sid       = "StopItsIntake"
    actions   = ["lambda:UpdateEventSourceMapping"]
    resources = ["arn:${local.partition}:lambda:${local.region}:${local.account_id}:event-source-mapping:*"]

    condition {
      test     = "ArnEquals"
      variable = "lambda:FunctionArn"
      values   = [local.worker_lambda_arn]
    }
  }
}

resource "aws_lambda_function" "worker" {
  count = local.lambda_count

  function_name                  = local.worker_lambda_name
  description                    = "charterhand worker: booking emails from the bookings queue"
  role                           = aws_iam_role.worker_lambda[0].arn
  runtime                        = "python3.11"
  architectures                  = [var.lambda_architecture]
  handler                        = "app.worker_lambda.handler"
  filename                       = local.worker_lambda_package
  source_code_hash               = filebase64sha256(local.worker_lambda_package)
  memory_size                    = var.worker_lambda_memory_mb
  timeout                        = var.worker_lambda_timeout_seconds
  reserved_concurrent_executions = coalesce(var.worker_lambda_reserved_concurrency, -1) # -1: unreserved
  kms_key_arn                    = aws_kms_key.main.arn

  environment {
    variables = local.worker_lambda_environment
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.worker.name
  }

  lifecycle {
    precondition {
      # Lambda's limit on all environment variables together is 4 KB; the fleet is the big one.
      condition     = length(jsonencode(local.worker_lambda_environment)) < 4096
      error_message = "The worker Lambda's environment exceeds Lambda's 4 KB: shorten the fleet (checklists, what_to_bring) or the parsing vocabulary, or use worker_mode = fargate."
    }

    precondition {
      # SQS hands a message to the function for its visibility timeout; a run longer than that
      # would see it handed to a second one.
      condition     = var.worker_lambda_timeout_seconds <= var.visibility_timeout_seconds
      error_message = "worker_lambda_timeout_seconds must not exceed visibility_timeout_seconds."
    }

    precondition {
      condition     = !var.calendar_enabled || (var.calendar_transport == "http" ? var.calendar_base_url != null : var.calendar_function_name != null)
      error_message = "calendar is on (calendar_enabled) but calendar_transport = http needs calendar_base_url and calendar_transport = lambda needs calendar_function_name: set it, or calendar_enabled = false."
    }

    precondition {
      condition     = !var.scc_enabled || var.scc_base_url != null
      error_message = "scc is on (scc_enabled) but scc_base_url is not set: set it, or scc_enabled = false."
    }
  }

  depends_on = [aws_iam_role_policy.worker_lambda]
}

resource "aws_lambda_event_source_mapping" "worker_bookings" {
  count = local.lambda_count

  event_source_arn        = aws_sqs_queue.bookings.arn
  function_name           = aws_lambda_function.worker[0].arn
  batch_size              = var.worker_lambda_batch_size
  function_response_types = ["ReportBatchItemFailures"]
  enabled                 = true
}

resource "aws_lambda_event_source_mapping" "worker_ses_events" {
  count = local.lambda_count

  event_source_arn        = aws_sqs_queue.ses_events.arn
  function_name           = aws_lambda_function.worker[0].arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
}

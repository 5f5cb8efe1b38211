# The worker: an image in ECR, a Fargate service running `charterhand worker`, scaled on the
# bookings queue's depth (to zero when worker_min_count = 0). The task role may do exactly what
# the worker does, on exactly these resources.

locals {
  # worker_mode: the Fargate service below, or the Lambda of worker_lambda.tf (not both)
  fargate_count = var.worker_mode == "fargate" ? 1 : 0

  log_group_prefix = "/charterhand/${var.environment}"

  # Unset (null) attributes are left out, so the worker's own defaults apply.
  fleet_json = jsonencode({
    boats  = [for boat in var.fleet.boats : { for k, v in boat : k => v if v != null }]
    people = [for person in var.fleet.people : { for k, v in person : k => v if v != null }]
  })
  margin_json = jsonencode({ for k, v in var.margin : k => v if v != null })

  # CHARTERHAND_<field> for every field of app.settings.Settings the deployed worker needs
  # (tests/infra compare this map with Settings.model_fields and fail naming what is missing).
  # Secret *values* never appear here: the worker reads them from Secrets Manager by ARN.
  # A null value leaves the variable unset, so the setting keeps its default.
  worker_settings = {
    queue_url                    = aws_sqs_queue.bookings.url
    dlq_url                      = aws_sqs_queue.bookings_dlq.url
    inbound_bucket               = aws_s3_bucket.inbound.id
    inbound_prefix               = local.inbound_prefix
    inbound_topic_arn            = aws_sns_topic.inbound.arn
    table_name                   = aws_dynamodb_table.state.name
    site_bucket                  = aws_s3_bucket.site.id
    photos_bucket                = aws_s3_bucket.photos.id
    cloudfront_distribution_id   = aws_cloudfront_distribution.site.id
    site_base_url                = local.site_origin
    links_api_base_url           = aws_apigatewayv2_api.links.api_endpoint
    from_address                 = var.from_address
    manager_address              = var.manager_address
    ses_configuration_set        = aws_sesv2_configuration_set.outbound.configuration_set_name
    ses_events_queue_url         = aws_sqs_queue.ses_events.url
    summary_webhook_url          = var.summary_webhook_url
    crew_reminder_hours          = tostring(var.crew_reminder_hours)
    guest_message                = var.guest_message
    forwarder_allowlist          = jsonencode(var.forwarder_allowlist)
    require_authenticated_sender = tostring(var.require_authenticated_sender)
    require_verified_original    = tostring(var.require_verified_original)
    calendar_enabled             = tostring(var.calendar_enabled)
    scc_enabled                  = tostring(var.scc_enabled)
    crew_email_enabled           = tostring(var.crew_email_enabled)
    summary_enabled              = tostring(var.summary_enabled)
    calendar_transport           = var.calendar_transport
    calendar_base_url            = var.calendar_base_url
    calendar_function_name       = var.calendar_function_name
    scc_base_url                 = var.scc_base_url
    dashboard_token_secret       = local.dashboard_token_secret_arn
    scc_key_secret               = local.scc_key_secret_arn
    link_signing_key_secret      = aws_secretsmanager_secret.link_signing_key.arn
    secrets_ttl_seconds          = tostring(var.secrets_ttl_seconds)
    http_timeout_seconds         = tostring(var.http_timeout_seconds)
    audit_repair                 = tostring(var.audit_repair)
    worker_threads               = tostring(var.worker_threads)
    task_memory_mib              = tostring(var.worker_memory)
    visibility_timeout_seconds   = tostring(var.visibility_timeout_seconds)
    max_receive_count            = tostring(var.max_receive_count)
    lease_seconds                = tostring(var.lease_seconds)
    shutdown_deadline_seconds    = tostring(var.shutdown_deadline_seconds)
    poll_wait_seconds            = tostring(var.poll_wait_seconds)
    retry_base_seconds           = tostring(var.retry_base_seconds)
    retry_max_seconds            = tostring(var.retry_max_seconds)
    dlq_limit_count              = tostring(var.dlq_limit_count)
    dlq_limit_window_seconds     = tostring(var.dlq_limit_window_seconds)
    fleet                        = local.fleet_json
    margin                       = local.margin_json
    parsing                      = jsonencode(var.parsing_vocabulary)
    log_level                    = var.log_level
    metrics_namespace            = local.metrics_namespace
    audit_feed_urls_secret       = aws_secretsmanager_secret.audit_feed_urls.arn
    audit_horizon_days           = tostring(var.audit_horizon_days)
  }
  worker_environment = [
    for field in sort(keys(local.worker_settings)) : {
      name  = "CHARTERHAND_${upper(field)}"
      value = local.worker_settings[field]
    } if local.worker_settings[field] != null
  ]

  # The one resource the task role names that this module does not declare: the JADA dashboard's
  # Lambda, invoked directly when calendar_transport = lambda.
  calendar_function_arn = var.calendar_function_name == null ? null : "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${var.calendar_function_name}"
}

# --- the image ---------------------------------------------------------------------------------

resource "aws_ecr_repository" "worker" {
  name                 = "${local.name}-worker"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.main.arn
  }
}

resource "aws_ecr_lifecycle_policy" "worker" {
  repository = aws_ecr_repository.worker.name

  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the newest ${var.ecr_keep_images} images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = var.ecr_keep_images
      }
      action = { type = "expire" }
    }]
  })
}

# --- the cluster, logs and roles ---------------------------------------------------------------

resource "aws_ecs_cluster" "main" {
  count = local.fargate_count # worker_mode = "fargate" only (worker_lambda.tf otherwise)

  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_cloudwatch_log_group" "worker" {
  name              = "${local.log_group_prefix}/worker"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
  depends_on        = [aws_kms_key_policy.main]
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# The execution role is ECS's: it pulls the image and ships the logs.
resource "aws_iam_role" "worker_execution" {
  count = local.fargate_count # worker_mode = "fargate" only (worker_lambda.tf otherwise)

  name               = "${local.name}-worker-execution"
  description        = "ECS pulls the worker image and writes its logs"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy" "worker_execution" {
  count = local.fargate_count # worker_mode = "fargate" only (worker_lambda.tf otherwise)

  name   = "pull-and-log"
  role   = aws_iam_role.worker_execution[0].id
  policy = data.aws_iam_policy_document.worker_execution.json
}

data "aws_iam_policy_document" "worker_execution" {
  statement {
    sid     = "EcrLogin"
    actions = ["ecr:GetAuthorizationToken"]
    # AWS requires "*": GetAuthorizationToken is account-wide and has no resource type.
    resources = ["*"]
  }

  statement {
    sid       = "PullTheWorkerImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [aws_ecr_repository.worker.arn]
  }

  statement {
    sid       = "ShipLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.worker.arn}:*"]
  }
}

# The task role is the worker's own: exactly what it does, on exactly these resources.
resource "aws_iam_role" "worker_task" {
  count = local.fargate_count # worker_mode = "fargate" only (worker_lambda.tf otherwise)

  name               = "${local.name}-worker"
  description        = "The charterhand worker"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy" "worker_task" {
  count = local.fargate_count # worker_mode = "fargate" only (worker_lambda.tf otherwise)

  name   = "worker"
  role   = aws_iam_role.worker_task[0].id
  policy = data.aws_iam_policy_document.worker_task.json
}

data "aws_iam_policy_document" "worker_task" {
  statement {
    sid = "ConsumeBookings"
    # SendMessage: a retry that only waits (a held lease) is re-sent as a fresh message
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:SendMessage"]
    resources = [aws_sqs_queue.bookings.arn]
  }

  statement {
    sid       = "ConsumeSesEvents"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage"]
    resources = [aws_sqs_queue.ses_events.arn]
  }

  statement {
    sid       = "DeadLetterWithAReason"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.bookings_dlq.arn]
  }

  statement {
    sid       = "ReadRawMail"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.inbound.arn}/${local.inbound_prefix}*"]
  }

  # Query: SES's reports on a send whose answer was lost (worker/ses_events.py); DeleteItem: a
  # "sending" mark dropped after SES refused the send (state/deliveries.py). Both are off the
  # deploy journey's paths (tests/integration/test_emails_once.py drives them).
  # TransactWriteItems has no action of its own: each of its writes is authorized as the
  # PutItem or UpdateItem it is (a fresh crew's marks and tokens, then their records:
  # state/deliveries.py).
  statement {
    sid = "StateTable"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:Query",
      "dynamodb:DeleteItem",
    ]
    resources = [aws_dynamodb_table.state.arn]
  }

  # The hourly crew check (worker/crew.py) finds the bookings that will sail in the sparse index
  # "upcoming" (state/upcoming.py), by boat and start.
  statement {
    sid       = "FindUpcomingCharters"
    actions   = ["dynamodb:Query"]
    resources = ["${aws_dynamodb_table.state.arn}/index/upcoming"]
  }

  # Both page publishers also keep robots.txt (publishers/transport/site.py) at the bucket's root,
  # and the guest page publisher the site's 404.html (CloudFront's answer to a missing page): the
  # two objects outside g/ and crew/ the worker writes.
  statement {
    sid     = "PublishPages"
    actions = ["s3:PutObject"]
    resources = [
      "${aws_s3_bucket.site.arn}/g/*",
      "${aws_s3_bucket.site.arn}/crew/*",
      "${aws_s3_bucket.site.arn}/robots.txt",
      "${aws_s3_bucket.site.arn}/404.html",
    ]
  }

  # The hourly audit (audit/page_readback.py) reads each published page back to find one deleted
  # or edited by hand. ListBucket lets S3 answer a deleted page 404 (missing: repaired) instead
  # of 403 (unreadable: only logged); the worker already knows every key it could list.
  statement {
    sid     = "ReadBackPages"
    actions = ["s3:GetObject"]
    resources = [
      "${aws_s3_bucket.site.arn}/g/*",
      "${aws_s3_bucket.site.arn}/crew/*",
    ]
  }

  statement {
    sid       = "ReadBackPagesMissing"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.site.arn]
  }

  statement {
    sid       = "InvalidateChangedPages"
    actions   = ["cloudfront:CreateInvalidation"]
    resources = [aws_cloudfront_distribution.site.arn]
  }

  # SESv2 SendEmail (raw content included) is authorised as ses:SendEmail alone.
  statement {
    sid       = "SendCrewAndManagerMail"
    actions   = ["ses:SendEmail"]
    resources = [aws_sesv2_email_identity.outbound.arn, aws_sesv2_configuration_set.outbound.arn]

    condition {
      test     = "StringEquals"
      variable = "ses:FromAddress"
      values   = [var.from_address]
    }
  }

  statement {
    sid     = "ReadSecrets"
    actions = ["secretsmanager:GetSecretValue"]
    # the step secrets only while their step is on (null otherwise, and left out)
    resources = compact([
      local.dashboard_token_secret_arn,
      local.scc_key_secret_arn,
      aws_secretsmanager_secret.link_signing_key.arn,
      aws_secretsmanager_secret.audit_feed_urls.arn,
    ])
  }

  statement {
    sid       = "UseTheDataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]
  }

  dynamic "statement" {
    for_each = var.calendar_enabled && var.calendar_transport == "lambda" ? [local.calendar_function_arn] : []

    content {
      sid       = "InvokeTheCalendarLambda"
      actions   = ["lambda:InvokeFunction"]
      resources = [statement.value]
    }
  }
}

# --- the task and the service ------------------------------------------------------------------

resource "aws_ecs_task_definition" "worker" {
  count = local.fargate_count # worker_mode = "fargate" only (worker_lambda.tf otherwise)

  family                   = "${local.name}-worker"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.worker_cpu
  memory                   = var.worker_memory
  execution_role_arn       = aws_iam_role.worker_execution[0].arn
  task_role_arn            = aws_iam_role.worker_task[0].arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.worker_architecture
  }

  # The root filesystem is read-only; /tmp is the task's own scratch space.
  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([{
    name                   = "worker"
    image                  = "${aws_ecr_repository.worker.repository_url}:${var.worker_image_tag}"
    essential              = true
    command                = ["worker"]
    environment            = local.worker_environment
    readonlyRootFilesystem = true
    # SIGTERM, then shutdown_deadline_seconds to finish in-flight messages or return them to the queue; Fargate's most is 120 s.
    stopTimeout     = min(120, var.shutdown_deadline_seconds + 10)
    linuxParameters = { initProcessEnabled = true }
    mountPoints     = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.worker.name
        awslogs-region        = local.region
        awslogs-stream-prefix = "worker"
      }
    }
  }])

  lifecycle {
    precondition {
      condition     = !var.calendar_enabled || (var.calendar_transport == "http" ? var.calendar_base_url != null : var.calendar_function_name != null)
      error_message = "calendar is on (calendar_enabled) but calendar_transport = http needs calendar_base_url and calendar_transport = lambda needs calendar_function_name: set it, or calendar_enabled = false."
    }

    precondition {
      condition     = !var.scc_enabled || var.scc_base_url != null
      error_message = "scc is on (scc_enabled) but scc_base_url is not set: set it, or scc_enabled = false."
    }
  }
}

resource "aws_security_group" "worker" {
  count = local.fargate_count # worker_mode = "fargate" only (worker_lambda.tf otherwise)

  name        = "${local.name}-worker"
  description = "charterhand worker tasks: no inbound; HTTPS out to AWS APIs, the calendar and SCC"
  vpc_id      = var.vpc_id

  lifecycle {
    precondition {
      condition     = var.vpc_id != null && length(var.subnet_ids) > 0
      error_message = "worker_mode = fargate runs the worker in a VPC: set vpc_id and subnet_ids."
    }
  }
}

resource "aws_vpc_security_group_egress_rule" "worker_https" {
  count = local.fargate_count # worker_mode = "fargate" only (worker_lambda.tf otherwise)

  security_group_id = aws_security_group.worker[0].id
  description       = "HTTPS to AWS APIs, the JADA calendar and ShipCaptainCrew"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_ecs_service" "worker" {
  count = local.fargate_count # worker_mode = "fargate" only (worker_lambda.tf otherwise)

  name                               = "worker"
  cluster                            = aws_ecs_cluster.main[0].id
  task_definition                    = aws_ecs_task_definition.worker[0].arn
  desired_count                      = var.worker_min_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.worker[0].id]
    assign_public_ip = var.worker_assign_public_ip
  }

  # Autoscaling owns the task count after the first apply.
  lifecycle {
    ignore_changes = [desired_count]
  }
}

# --- scaling on the queue ----------------------------------------------------------------------

resource "aws_appautoscaling_target" "worker" {
  count = local.fargate_count # worker_mode = "fargate" only (worker_lambda.tf otherwise)

  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main[0].name}/${aws_ecs_service.worker[0].name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.worker_min_count
  max_capacity       = var.worker_max_count

  lifecycle {
    precondition {
      condition     = var.worker_max_count >= var.worker_min_count
      error_message = "worker_max_count must be at least worker_min_count."
    }
  }
}

# Messages waiting: add tasks, more for a bigger backlog (step bounds are above the alarm's 0).
resource "aws_appautoscaling_policy" "worker_scale_out" {
  count = local.fargate_count # worker_mode = "fargate" only (worker_lambda.tf otherwise)

  name               = "${local.name}-worker-scale-out"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.worker[0].service_namespace
  resource_id        = aws_appautoscaling_target.worker[0].resource_id
  scalable_dimension = aws_appautoscaling_target.worker[0].scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = 120
    metric_aggregation_type = "Maximum"

    step_adjustment {
      metric_interval_lower_bound = 0
      metric_interval_upper_bound = 100
      scaling_adjustment          = 1
    }

    step_adjustment {
      metric_interval_lower_bound = 100
      metric_interval_upper_bound = 500
      scaling_adjustment          = 2
    }

    step_adjustment {
      metric_interval_lower_bound = 500
      scaling_adjustment          = 4
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "worker_backlog" {
  count = local.fargate_count # worker_mode = "fargate" only (worker_lambda.tf otherwise)

  alarm_name          = "${local.name}-worker-backlog"
  alarm_description   = "Bookings are waiting: scale the worker out"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.bookings.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.worker_scale_out[0].arn]
}

# Nothing waiting, in flight or delayed for scale_in_idle_minutes: back to worker_min_count.
resource "aws_appautoscaling_policy" "worker_scale_in" {
  count = local.fargate_count # worker_mode = "fargate" only (worker_lambda.tf otherwise)

  name               = "${local.name}-worker-scale-in"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.worker[0].service_namespace
  resource_id        = aws_appautoscaling_target.worker[0].resource_id
  scalable_dimension = aws_appautoscaling_target.worker[0].scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ExactCapacity"
    cooldown                = 300
    metric_aggregation_type = "Maximum"

    step_adjustment {
      metric_interval_upper_bound = 0
      scaling_adjustment          = var.worker_min_count
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "worker_idle" {
  count = local.fargate_count # worker_mode = "fargate" only (worker_lambda.tf otherwise)

  alarm_name          = "${local.name}-worker-idle"
  alarm_description   = "No booking waiting, in flight or delayed: scale the worker in"
  evaluation_periods  = var.scale_in_idle_minutes
  comparison_operator = "LessThanOrEqualToThreshold"
  threshold           = 0
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_appautoscaling_policy.worker_scale_in[0].arn]

  metric_query {
    id          = "work"
    expression  = "visible + in_flight + delayed"
    label       = "Bookings waiting, in flight or delayed"
    return_data = true
  }

  metric_query {
    id = "visible"

    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = aws_sqs_queue.bookings.name }
      stat        = "Maximum"
      period      = 60
    }
  }

  metric_query {
    id = "in_flight"

    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesNotVisible"
      dimensions  = { QueueName = aws_sqs_queue.bookings.name }
      stat        = "Maximum"
      period      = 60
    }
  }

  # a retry that only waits for another worker's lease is re-sent with a delay (worker/queue.py, resend):
  # neither visible nor in flight while it waits, it still needs a worker when it comes back
  metric_query {
    id = "delayed"

    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesDelayed"
      dimensions  = { QueueName = aws_sqs_queue.bookings.name }
      stat        = "Maximum"
      period      = 60
    }
  }
}

# What the worker is doing, on one dashboard: its own metrics (EMF lines in its log, extracted by
# CloudWatch Logs: no PutMetricData, no extra permission) beside the queue's, and an alarm per
# step when most of that step's runs fail.
#
# The worker's metrics are app/metrics.py's METRICS (charted) and ALARMED (alarmed, and charted
# beside the alarm's threshold); tests/infra check every chart below against those lists (metric
# names, dimension sets, dimension values), so the dashboard never names a metric the worker does
# not emit.

locals {
  # CHARTERHAND_METRICS_NAMESPACE: one namespace per environment.
  metrics_namespace = "Charterhand/${var.environment}"

  # the publisher steps (publishers/*.py, `step`), each a series of the step charts
  step_series = [["calendar"], ["scc"], ["guest_page"], ["crew_page"], ["crew_email"], ["summary"]]

  # The worker's own charts: one line per series (dimension values, in the order of
  # `dimensions`) and stat; no series means every series there is (a SEARCH expression).
  worker_charts = [
    {
      title      = "Emails by outcome"
      metric     = "Emails"
      dimensions = ["Outcome"]
      series     = [["done"], ["ignored"], ["retry"], ["dead-letter"]]
      stats      = ["Sum"]
    },
    {
      title      = "Emails by outcome and reason class"
      metric     = "Emails"
      dimensions = ["Outcome", "ReasonClass"]
      series     = []
      stats      = ["Sum"]
    },
    {
      title      = "Enqueue to done (ms)"
      metric     = "EnqueueToSettled"
      dimensions = ["Outcome"]
      series     = [["done"]]
      stats      = ["p50", "p95", "Maximum"]
    },
    {
      title      = "Step latency p95 (ms)"
      metric     = "StepLatency"
      dimensions = ["Step"]
      series     = local.step_series
      stats      = ["p95"]
    },
    {
      title      = "Step failure rate (share of runs)"
      metric     = "StepFailures"
      dimensions = ["Step"]
      series     = local.step_series
      stats      = ["Average"]
    },
    {
      title      = "Step runs"
      metric     = "StepFailures"
      dimensions = ["Step"]
      series     = local.step_series
      stats      = ["SampleCount"]
    },
    {
      # 1 per booking state written without a field its platform's emails normally carry (the
      # log line's Labels member names the words to teach under [parsing])
      title      = "Bookings published without a value, by field"
      metric     = "MissingValues"
      dimensions = ["Field"]
      series     = [["gross"], ["party_size"]]
      stats      = ["Sum"]
    },
    {
      # per hourly audit run, the open findings of each kind (audit.tf alarms on missed-booking)
      title      = "Audit findings, by kind"
      metric     = "AuditFindings"
      dimensions = ["Kind"]
      series     = [["missed-booking"], ["gone-from-platform"], ["feed-unreadable"]]
      stats      = ["Maximum"]
    },
  ]

  worker_widgets = [
    for index, chart in local.worker_charts : {
      type   = "metric"
      x      = (index % 2) * 12
      y      = floor(index / 2) * 6
      width  = 12
      height = 6
      properties = {
        title  = chart.title
        region = local.region
        view   = "timeSeries"
        period = var.dashboard_period_seconds
        metrics = concat(
          [
            for pair in setproduct(chart.series, chart.stats) : concat(
              [local.metrics_namespace, chart.metric],
              flatten([for i, name in chart.dimensions : [name, pair[0][i]]]),
              [{ stat = pair[1], label = "${join(" ", pair[0])} ${pair[1]}" }],
            )
          ],
          [
            for stat in(length(chart.series) == 0 ? chart.stats : []) : [{
              id         = "search"
              expression = "SEARCH('{${local.metrics_namespace},${join(",", chart.dimensions)}} MetricName=\"${chart.metric}\"', '${stat}', ${var.dashboard_period_seconds})"
            }]
          ],
        )
      }
    }
  ]

  # Metrics an alarm watches (app/metrics.py's ALARMED), charted with the alarm's threshold, after
  # the worker's charts: shaped as worker_charts (tests/infra check them against ALARMED, and
  # tests/integration/test_dlq_limit.py that a stopped worker emits each series). IntakeStopped is
  # written without dimensions (the alarm's one series) and by ReasonClass: `by` adds a SEARCH
  # over that dimension set, so the chart names the class that stopped intake, and when.
  alarmed_charts = [
    {
      title      = "Intake stopped by the DLQ limit, by reason class (1: no worker takes messages)"
      metric     = "IntakeStopped"
      dimensions = []
      series     = [[]]
      by         = ["ReasonClass"]
      stats      = ["Maximum"]
      # the alarm's (worker_intake_stopped) period and threshold: tests/infra keep them equal
      period    = 60
      threshold = 1
      alarm     = "${local.name}-worker-intake-stopped"
    },
  ]

  alarmed_widgets = [
    for index, chart in local.alarmed_charts : {
      type   = "metric"
      x      = ((length(local.worker_charts) + index) % 2) * 12
      y      = floor((length(local.worker_charts) + index) / 2) * 6
      width  = 12
      height = 6
      properties = {
        title  = chart.title
        region = local.region
        view   = "timeSeries"
        period = chart.period
        metrics = concat(
          [
            for pair in setproduct(chart.series, chart.stats) : concat(
              [local.metrics_namespace, chart.metric],
              flatten([for i, name in chart.dimensions : [name, pair[0][i]]]),
              [{ stat = pair[1], label = trimspace("${join(" ", pair[0])} ${pair[1]}") }],
            )
          ],
          [
            for index, stat in(length(chart.by) > 0 ? chart.stats : []) : [{
              id         = "by${index}"
              expression = "SEARCH('{${local.metrics_namespace},${join(",", chart.by)}} MetricName=\"${chart.metric}\"', '${stat}', ${chart.period})"
            }]
          ],
        )
        annotations = {
          horizontal = [{ label = "alarm ${chart.alarm}", value = chart.threshold }]
        }
      }
    }
  ]

  # below every chart of the worker's
  queue_widgets_y = ceil((length(local.worker_charts) + length(local.alarmed_charts)) / 2) * 6

  queue_widgets = [
    {
      type   = "metric"
      x      = 0
      y      = local.queue_widgets_y
      width  = 8
      height = 6
      properties = {
        title  = "Bookings queue depth"
        region = local.region
        view   = "timeSeries"
        period = 60
        stat   = "Maximum"
        metrics = [
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.bookings.name, { label = "waiting" }],
          ["AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "QueueName", aws_sqs_queue.bookings.name, { label = "in flight" }],
        ]
      }
    },
    {
      type   = "metric"
      x      = 8
      y      = local.queue_widgets_y
      width  = 8
      height = 6
      properties = {
        title   = "Oldest booking email waiting (s)"
        region  = local.region
        view    = "timeSeries"
        period  = 60
        stat    = "Maximum"
        metrics = [["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", aws_sqs_queue.bookings.name]]
      }
    },
    {
      type   = "metric"
      x      = 16
      y      = local.queue_widgets_y
      width  = 8
      height = 6
      properties = {
        title   = "Dead-letter queue depth"
        region  = local.region
        view    = "timeSeries"
        period  = 60
        stat    = "Maximum"
        metrics = [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.bookings_dlq.name]]
      }
    },
  ]
}

resource "aws_cloudwatch_dashboard" "worker" {
  dashboard_name = local.name
  dashboard_body = jsonencode({
    widgets = concat(local.worker_widgets, local.alarmed_widgets, local.queue_widgets)
  })
}

# A step failing on most of its runs, period after period: a downstream system is down, or
# rejects our credential or our requests. Single failures (a 503 retried a minute later) do not
# alarm: StepFailures is 0 or 1 per run, so its Average is the share of runs that failed.
resource "aws_cloudwatch_metric_alarm" "step_failing" {
  for_each = toset(flatten(local.step_series))

  alarm_name          = "${local.name}-step-${each.key}-failing"
  alarm_description   = "More than ${var.step_failure_rate_alarm_threshold * 100} % of ${each.key} runs failed in ${var.step_failure_alarm_periods} of the last ${var.step_failure_alarm_periods + 1} periods of ${var.dashboard_period_seconds} s: see the worker's log for the step's errors, and `charterhand dlq ls`."
  namespace           = local.metrics_namespace
  metric_name         = "StepFailures"
  dimensions          = { Step = each.key }
  statistic           = "Average"
  period              = var.dashboard_period_seconds
  evaluation_periods  = var.step_failure_alarm_periods + 1
  datapoints_to_alarm = var.step_failure_alarm_periods
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.step_failure_rate_alarm_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# Intake stopped: the shared DLQ limit (one record in the state table, counted by every worker)
# saw dlq_limit_count admitted emails dead-lettered in a row for one reason class (a bad deploy, a
# rotated key), so every worker left the rest of the queue alone instead of moving it to the DLQ.
# Each stopped worker writes IntakeStopped = 1 at once and every minute until `charterhand intake
# resume` clears the record, so any breaching minute among the last three keeps the alarm on; once
# resumed the workers write none, and the alarm clears three minutes later.
resource "aws_cloudwatch_metric_alarm" "worker_intake_stopped" {
  alarm_name          = "${local.name}-worker-intake-stopped"
  alarm_description   = "Every worker stopped taking messages after ${var.dlq_limit_count} admitted emails were dead-lettered in a row for one reason class within ${var.dlq_limit_window_seconds} s (`charterhand status` and the dashboard name the class and the time). Fix the cause and deploy the fix (roll back the deploy, restore the credential), then `charterhand intake resume` (no restart needed), then `charterhand dlq replay --since <time>`."
  namespace           = local.metrics_namespace
  metric_name         = "IntakeStopped"
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

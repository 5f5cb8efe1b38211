# The audit (audit/, worker/audit.py): every hour (var.audit_schedule, schedules.tf) EventBridge
# Scheduler puts {"charterhand":"audit"} on the bookings queue, and whichever worker takes it
# reads each boat's iCal export per platform (the URLs: the secret below) and compares its booked
# spans with the bookings whose emails were read: a span with no booking is a missed booking (the
# manager is told once, `charterhand status` lists it, the alarm below fires); a booking gone from
# its platform's calendar, or a feed that cannot be read, is told and listed the same way. The
# body asks only for a run (bookings/tasks.py): whoever else could send it could only make the
# audit run early. The feeds are evidence for a person: the audit changes no booking.

# The platforms' iCal export URLs per boat, a JSON object
# {"<boat>": {"boatsetter": "https://...", "getmyboat": "https://..."}}: each URL opens the boat's
# calendar to whoever has it, so it is a secret. Terraform creates the container only; put its
# value with the AWS CLI (README). Without a value the audit reads no feed, and says so in the log.
resource "aws_secretsmanager_secret" "audit_feed_urls" {
  name        = "${local.name}/audit-feed-urls"
  description = "The platforms' iCal export URLs per boat (JSON), read by the hourly audit"
  kms_key_id  = aws_kms_key.main.arn

  recovery_window_in_days = var.secrets_recovery_window_days
}

# A span booked on a platform with no booking email read: find the email (spam, a mail rule, a
# forward that never happened) and forward it. The worker writes AuditFindings each run, per kind
# (0 when none), so the alarm clears on the first run after the email is read.
resource "aws_cloudwatch_metric_alarm" "audit_missed_booking" {
  alarm_name          = "${local.name}-audit-missed-booking"
  alarm_description   = "A booking is on a platform's calendar with no booking email read: `charterhand status` (or `charterhand audit`) names it; find its email and forward it to the bookings address."
  namespace           = local.metrics_namespace
  metric_name         = "AuditFindings"
  dimensions          = { Kind = "missed-booking" }
  statistic           = "Maximum"
  period              = 3600
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

variable "audit_schedule" {
  type        = string
  description = "When EventBridge Scheduler puts the audit on the bookings queue: a rate() or cron() expression (hourly by default)."
  default     = "rate(1 hour)"

  validation {
    condition     = can(regex("^(rate|cron)\\(.+\\)$", var.audit_schedule))
    error_message = "audit_schedule must be a rate(...) or cron(...) expression."
  }
}

variable "audit_horizon_days" {
  type        = number
  description = "How many days ahead the audit compares the platforms' calendars with the bookings."
  default     = 60

  validation {
    condition     = var.audit_horizon_days >= 1 && var.audit_horizon_days <= 400 && floor(var.audit_horizon_days) == var.audit_horizon_days
    error_message = "audit_horizon_days must be a whole number from 1 to 400."
  }
}

output "audit_feed_urls_secret" {
  description = "CHARTERHAND_AUDIT_FEED_URLS_SECRET: put the platforms' iCal export URLs per boat here (JSON)"
  value       = aws_secretsmanager_secret.audit_feed_urls.arn
}

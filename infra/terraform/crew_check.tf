# The crew check (worker/crew.py): every hour (var.crew_check_schedule) EventBridge Scheduler puts
# {"charterhand":"crew-check"} on the bookings queue, and whichever worker takes it reminds the
# crew who have not answered a charter starting within var.crew_reminder_hours (once each) and
# sends the manager the list of who is still silent (once per booking). The body asks only for a
# check of what the state table holds (bookings/tasks.py), so whoever else could send it could
# only make the worker check early. The worker reads the sparse index "upcoming" (state.tf).
#
# The links API announces each recorded crew answer on the same queue (api.tf,
# AnnounceCrewAnswers), so the manager hears of a decline at once; the check also tells any
# decline whose announcement was lost.

resource "aws_scheduler_schedule" "crew_check" {
  name                = "${local.name}-crew-check"
  description         = "charterhand: remind silent crew before a charter, tell the manager"
  schedule_expression = var.crew_check_schedule
  # the schedule (its input included) at rest under our key; the role below decrypts it
  kms_key_arn = aws_kms_key.main.arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_sqs_queue.bookings.arn
    role_arn = aws_iam_role.schedules.arn
    input    = jsonencode({ charterhand = "crew-check" })

    # a check missed for an hour is made by the next one: no need to keep trying longer
    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 10
    }
  }
}

# The crew check (worker/crew.py): every hour (var.crew_check_schedule, schedules.tf) EventBridge
# Scheduler puts {"charterhand":"crew-check"} on the bookings queue, and whichever worker takes
# it reminds the crew who have not answered a charter starting within var.crew_reminder_hours
# (once each) and sends the manager the list of who is still silent (once per booking). The body
# asks only for a check of what the state table holds (bookings/tasks.py), so whoever else could
# send it could only make the worker check early. The worker reads the sparse index "upcoming"
# (state.tf).
#
# The links API announces each recorded crew answer on the same queue (api.tf,
# AnnounceCrewAnswers), so the manager hears of a decline at once; the check also tells any
# decline whose announcement was lost.

variable "crew_check_schedule" {
  type        = string
  description = "When EventBridge Scheduler puts the crew check on the bookings queue: a rate() or cron() expression (hourly by default; the reminder goes out within this of crew_reminder_hours before the charter)."
  default     = "rate(1 hour)"

  validation {
    condition     = can(regex("^(rate|cron)\\(.+\\)$", var.crew_check_schedule))
    error_message = "crew_check_schedule must be a rate(...) or cron(...) expression."
  }
}

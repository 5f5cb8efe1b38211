# The secrets the worker reads at run time (cached for secrets_ttl_seconds, so a rotated value is
# picked up without a redeploy). Terraform creates the containers only: their values never pass
# through terraform or its state. Put them with the AWS CLI after the first apply (README).
# The dashboard token and the SCC key exist only while their step is on (calendar_enabled with
# the http transport; scc_enabled): turning a step off deletes its secret (Secrets Manager keeps
# it for its recovery window).
# A deleted secret keeps its name for secrets_recovery_window_days: 0 deletes it at once, so a
# destroyed environment can be applied again under the same names.

resource "aws_secretsmanager_secret" "dashboard_token" {
  count       = var.calendar_enabled && var.calendar_transport == "http" ? 1 : 0
  name        = "${local.name}/dashboard-token"
  description = "X-Dashboard-Token of the JADA calendar API (calendar_transport = http)"
  kms_key_id  = aws_kms_key.main.arn

  recovery_window_in_days = var.secrets_recovery_window_days
}

resource "aws_secretsmanager_secret" "scc_service_key" {
  count       = var.scc_enabled ? 1 : 0
  name        = "${local.name}/scc-service-key"
  description = "ShipCaptainCrew service key (its bcrypt hash is SCC's SERVICE_KEY_HASH)"
  kms_key_id  = aws_kms_key.main.arn

  recovery_window_in_days = var.secrets_recovery_window_days
}

resource "aws_secretsmanager_secret" "link_signing_key" {
  name        = "${local.name}/link-signing-key"
  description = "Key that derives crew page paths (HMAC-SHA256); 32+ random bytes"
  kms_key_id  = aws_kms_key.main.arn

  recovery_window_in_days = var.secrets_recovery_window_days
}

variable "secrets_recovery_window_days" {
  type        = number
  description = "Days a deleted secret can be restored (and keeps its name) before Secrets Manager erases it: 7 to 30, or 0 to delete at once (to destroy and re-create an environment under the same names)."
  default     = 30

  validation {
    condition     = var.secrets_recovery_window_days == 0 || (var.secrets_recovery_window_days >= 7 && var.secrets_recovery_window_days <= 30 && floor(var.secrets_recovery_window_days) == var.secrets_recovery_window_days)
    error_message = "secrets_recovery_window_days must be 0 (delete at once) or a whole number from 7 to 30."
  }
}

# Before the steps could be turned off these two had no count: the same secrets, kept.
moved {
  from = aws_secretsmanager_secret.dashboard_token
  to   = aws_secretsmanager_secret.dashboard_token[0]
}

moved {
  from = aws_secretsmanager_secret.scc_service_key
  to   = aws_secretsmanager_secret.scc_service_key[0]
}

locals {
  # null while the step is off: the worker is told no secret, and reads none
  dashboard_token_secret_arn = one(aws_secretsmanager_secret.dashboard_token[*].arn)
  scc_key_secret_arn         = one(aws_secretsmanager_secret.scc_service_key[*].arn)
}

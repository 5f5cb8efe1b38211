# The secrets the worker reads at run time (cached for secrets_ttl_seconds, so a rotated value is
# picked up without a redeploy). Terraform creates the containers only: their values never pass
# through terraform or its state. Put them with the AWS CLI after the first apply (README).

resource "aws_secretsmanager_secret" "dashboard_token" {
  name        = "${local.name}/dashboard-token"
  description = "X-Dashboard-Token of the JADA calendar API (calendar_transport = http)"
  kms_key_id  = aws_kms_key.main.arn
}

resource "aws_secretsmanager_secret" "scc_service_key" {
  name        = "${local.name}/scc-service-key"
  description = "ShipCaptainCrew service key (its bcrypt hash is SCC's SERVICE_KEY_HASH)"
  kms_key_id  = aws_kms_key.main.arn
}

resource "aws_secretsmanager_secret" "link_signing_key" {
  name        = "${local.name}/link-signing-key"
  description = "Key that derives crew page paths (HMAC-SHA256); 32+ random bytes"
  kms_key_id  = aws_kms_key.main.arn
}

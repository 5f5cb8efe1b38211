# Outputs named after the worker's settings hold the infrastructure values those settings need
# (tests/infra check that every such setting has one). `worker_environment` is the whole set as
# CHARTERHAND_* variables, for running the CLI (dlq, status, ingest) against this deployment.

# --- the worker's settings ---------------------------------------------------------------------

output "queue_url" {
  description = "CHARTERHAND_QUEUE_URL: the bookings queue"
  value       = aws_sqs_queue.bookings.url
}

output "dlq_url" {
  description = "CHARTERHAND_DLQ_URL: the dead-letter queue"
  value       = aws_sqs_queue.bookings_dlq.url
}

output "inbound_bucket" {
  description = "CHARTERHAND_INBOUND_BUCKET: where SES writes raw mail"
  value       = aws_s3_bucket.inbound.id
}

output "inbound_prefix" {
  description = "CHARTERHAND_INBOUND_PREFIX: key prefix of SES's S3 action"
  value       = local.inbound_prefix
}

output "inbound_topic_arn" {
  description = "CHARTERHAND_INBOUND_TOPIC_ARN: the topic SES announces received mail on (SNS envelopes from any other are ignored)"
  value       = aws_sns_topic.inbound.arn
}

output "table_name" {
  description = "CHARTERHAND_TABLE_NAME: the state table"
  value       = aws_dynamodb_table.state.name
}

output "site_bucket" {
  description = "CHARTERHAND_SITE_BUCKET: guest and crew pages"
  value       = aws_s3_bucket.site.id
}

output "photos_bucket" {
  description = "CHARTERHAND_PHOTOS_BUCKET: guests' photo uploads"
  value       = aws_s3_bucket.photos.id
}

output "cloudfront_distribution_id" {
  description = "CHARTERHAND_CLOUDFRONT_DISTRIBUTION_ID: invalidated after a page changes"
  value       = aws_cloudfront_distribution.site.id
}

output "site_base_url" {
  description = "CHARTERHAND_SITE_BASE_URL: where guests and crew open pages"
  value       = local.site_origin
}

output "links_api_base_url" {
  description = "CHARTERHAND_LINKS_API_BASE_URL: the links API"
  value       = aws_apigatewayv2_api.links.api_endpoint
}

output "ses_configuration_set" {
  description = "CHARTERHAND_SES_CONFIGURATION_SET: records bounces and complaints"
  value       = aws_sesv2_configuration_set.outbound.configuration_set_name
}

output "dashboard_token_secret" {
  description = "CHARTERHAND_DASHBOARD_TOKEN_SECRET: put the dashboard token here (null while the calendar is off or uses the lambda transport)"
  value       = local.dashboard_token_secret_arn
}

output "scc_key_secret" {
  description = "CHARTERHAND_SCC_KEY_SECRET: put the SCC service key here (null while scc_enabled = false)"
  value       = local.scc_key_secret_arn
}

output "link_signing_key_secret" {
  description = "CHARTERHAND_LINK_SIGNING_KEY_SECRET: put 32+ random bytes here"
  value       = aws_secretsmanager_secret.link_signing_key.arn
}

output "fleet" {
  description = "CHARTERHAND_FLEET: the fleet as the worker reads it (JSON)"
  value       = local.fleet_json
}

output "margin" {
  description = "CHARTERHAND_MARGIN: the margin policy as the worker reads it (JSON)"
  value       = local.margin_json
}

output "worker_environment" {
  description = "Every CHARTERHAND_* variable the deployed worker gets (no secret values: those are read from Secrets Manager)"
  value       = { for entry in local.worker_environment : entry.name => entry.value }
}

# --- operating it ------------------------------------------------------------------------------

output "ecr_repository_url" {
  description = "Push the worker image here (tags are immutable)"
  value       = aws_ecr_repository.worker.repository_url
}

output "ecs_cluster_name" {
  description = "The cluster the worker service runs in (null with worker_mode = lambda)"
  value       = one(aws_ecs_cluster.main[*].name)
}

output "ecs_service_name" {
  description = "The worker service (null with worker_mode = lambda)"
  value       = one(aws_ecs_service.worker[*].name)
}

output "worker_log_group" {
  description = "The worker's logs (the service's tasks, or the worker Lambda)"
  value       = aws_cloudwatch_log_group.worker.name
}

output "worker_lambda_function_name" {
  description = "The worker Lambda (null with worker_mode = fargate)"
  value       = one(aws_lambda_function.worker[*].function_name)
}

output "worker_lambda_mapping_uuid" {
  description = "The bookings queue's event source mapping to the worker Lambda: enable it again after `charterhand intake resume` (null with worker_mode = fargate)"
  value       = one(aws_lambda_event_source_mapping.worker_bookings[*].uuid)
}

output "cloudfront_domain_name" {
  description = "Point site_domain at this (CNAME, or an alias record in Route 53)"
  value       = aws_cloudfront_distribution.site.domain_name
}

output "links_api_function_name" {
  description = "The links API Lambda"
  value       = aws_lambda_function.api.function_name
}

output "alarm_topic_arn" {
  description = "Alarms are published here (and emailed to alarm_email)"
  value       = aws_sns_topic.alarms.arn
}

output "kms_key_arn" {
  description = "The key that encrypts charterhand's data"
  value       = aws_kms_key.main.arn
}

output "inbound_recipient" {
  description = "Forward booking mail to this address"
  value       = var.inbound_recipient
}

output "receipt_rule_set_name" {
  description = "SES receipt rule set holding the bookings rule"
  value       = aws_ses_receipt_rule_set.inbound.rule_set_name
}

output "receipt_rule_set_activation" {
  description = "Whether terraform activated the bookings rule set, and if not, the one command that does (after checking that no other rule set is active: `aws ses describe-active-receipt-rule-set`)"
  value = var.activate_receipt_rule_set ? "active: terraform activated ${aws_ses_receipt_rule_set.inbound.rule_set_name}" : join(" ", [
    "NOT ACTIVE: no mail reaches charterhand until you run",
    "`aws ses set-active-receipt-rule-set --region ${local.region} --rule-set-name ${aws_ses_receipt_rule_set.inbound.rule_set_name}`",
    "(this deactivates any other active rule set; if one is active, add the bookings rule to it instead, or set activate_receipt_rule_set = true)",
  ])
}

# --- DNS: publish these at your DNS host --------------------------------------------------------

output "dns_records" {
  description = "Every DNS record charterhand needs: inbound MX, DKIM CNAMEs, MAIL FROM MX and SPF, a DMARC policy, and the site's CNAME"
  value = concat(
    [
      {
        name    = local.inbound_domain
        type    = "MX"
        value   = "10 inbound-smtp.${local.region}.amazonaws.com"
        purpose = "SES receives booking mail for ${var.inbound_recipient}"
      },
      {
        name    = local.mail_from_domain
        type    = "MX"
        value   = "10 feedback-smtp.${local.region}.amazonses.com"
        purpose = "custom MAIL FROM: bounces come back to SES"
      },
      {
        name    = local.mail_from_domain
        type    = "TXT"
        value   = "v=spf1 include:amazonses.com ~all"
        purpose = "SPF for the MAIL FROM domain (aligned with ${local.from_domain})"
      },
      {
        name    = "_dmarc.${local.from_domain}"
        type    = "TXT"
        value   = "v=DMARC1; p=${var.dmarc_policy}; rua=mailto:${var.manager_address}"
        purpose = "DMARC for the From domain (skip if one exists)"
      },
      {
        name    = var.site_domain
        type    = "CNAME"
        value   = aws_cloudfront_distribution.site.domain_name
        purpose = "guest and crew pages"
      },
    ],
    [
      for token in aws_sesv2_email_identity.outbound.dkim_signing_attributes[0].tokens : {
        name    = "${token}._domainkey.${local.from_domain}"
        type    = "CNAME"
        value   = "${token}.dkim.amazonses.com"
        purpose = "Easy DKIM for ${local.from_domain}"
      }
    ],
    flatten([
      for identity in aws_sesv2_email_identity.inbound : [
        for token in identity.dkim_signing_attributes[0].tokens : {
          name    = "${token}._domainkey.${local.inbound_domain}"
          type    = "CNAME"
          value   = "${token}.dkim.amazonses.com"
          purpose = "verifies ${local.inbound_domain} for receiving"
        }
      ]
    ]),
  )
}

# --- monitoring --------------------------------------------------------------------------------

output "metrics_namespace" {
  description = "CHARTERHAND_METRICS_NAMESPACE: where the worker's EMF metrics land"
  value       = local.metrics_namespace
}

output "dashboard_url" {
  description = "The worker's CloudWatch dashboard"
  value       = "https://${local.region}.console.aws.amazon.com/cloudwatch/home?region=${local.region}#dashboards/dashboard/${aws_cloudwatch_dashboard.worker.dashboard_name}"
}

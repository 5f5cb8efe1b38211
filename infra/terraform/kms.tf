# One customer-managed key encrypts charterhand's data at rest: raw mail, pages, photos, the state
# table, the queues and topics, logs, secrets, the Lambda's environment and the image repository.
# AWS services that encrypt or decrypt on our behalf are named in the key policy, each limited to
# this account and to our own resources. The policy is its own resource so that it can name those
# resources (the distribution, the topics) without a cycle through the key. It is a key policy,
# not an IAM policy: "Resource": "*" there means "this key" (AWS requires it in every statement).

resource "aws_kms_key" "main" {
  description             = "${local.name}: data at rest"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

resource "aws_kms_alias" "main" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.main.key_id
}

resource "aws_kms_key_policy" "main" {
  key_id = aws_kms_key.main.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # AWS's default key statement: without it no IAM policy (ours included) can use the key.
        Sid       = "AccountAdministersTheKeyThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        # SES's S3 action writes raw mail; S3 encrypts it with the bucket's default key and asks
        # KMS on SES's behalf. What KMS then sees is S3's service and the encryption context S3
        # sets (the bucket's ARN with a bucket key, the object's without): AWS does not document
        # that SES's aws:SourceArn reaches KMS through S3, so the grant rests on what it does
        # document. Only our receipt rule may put objects there (the bucket policy, mail.tf).
        Sid       = "SesWritesRawMailThroughS3IntoTheInboundBucket"
        Effect    = "Allow"
        Principal = { Service = "ses.amazonaws.com" }
        Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = "*"
        Condition = {
          StringEquals = { "kms:ViaService" = "s3.${local.region}.amazonaws.com" }
          ArnLike = {
            "kms:EncryptionContext:aws:s3:arn" = [aws_s3_bucket.inbound.arn, "${aws_s3_bucket.inbound.arn}/${local.inbound_prefix}*"]
          }
        }
      },
      {
        # SES publishes to the inbound topic (the receipt rule) and the SES-events and feedback
        # topics (the configuration set), which are encrypted with this key.
        Sid       = "SesPublishesToOurEncryptedTopics"
        Effect    = "Allow"
        Principal = { Service = "ses.amazonaws.com" }
        Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnEquals    = { "aws:SourceArn" = [local.receipt_rule_arn, aws_sesv2_configuration_set.outbound.arn] }
        }
      },
      {
        Sid       = "SnsDeliversToOurEncryptedQueue"
        Effect    = "Allow"
        Principal = { Service = "sns.amazonaws.com" }
        Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = "*"
        Condition = {
          ArnEquals = { "aws:SourceArn" = [aws_sns_topic.inbound.arn, aws_sns_topic.ses_events.arn] }
        }
      },
      {
        Sid       = "PhotosBucketNotifiesOurEncryptedQueue"
        Effect    = "Allow"
        Principal = { Service = "s3.amazonaws.com" }
        Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnEquals    = { "aws:SourceArn" = aws_s3_bucket.photos.arn }
        }
      },
      {
        Sid       = "CloudWatchAlarmsPublishToOurEncryptedTopic"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${local.name}-*" }
        }
      },
      {
        Sid       = "CloudWatchLogsEncryptsOurLogGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource  = "*"
        Condition = {
          ArnLike = { "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_prefix}/*" }
        }
      },
      {
        Sid       = "CloudFrontReadsThePages"
        Effect    = "Allow"
        Principal = { Service = "cloudfront.amazonaws.com" }
        Action    = "kms:Decrypt"
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceArn" = aws_cloudfront_distribution.site.arn }
        }
      },
    ]
  })
}

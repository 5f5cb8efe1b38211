# What every bucket gets, written once: all public access blocked, ACLs off (the bucket owner owns
# every object), SSE-KMS with our key (bucket keys keep KMS calls down), versioning. Each bucket's
# own policy, lifecycle and CORS sit with its concern (mail.tf, site.tf).

locals {
  private_buckets = {
    inbound = aws_s3_bucket.inbound.id
    site    = aws_s3_bucket.site.id
    photos  = aws_s3_bucket.photos.id
  }
}

resource "aws_s3_bucket_public_access_block" "private" {
  for_each = local.private_buckets

  bucket                  = each.value
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "private" {
  for_each = local.private_buckets

  bucket = each.value

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "private" {
  for_each = local.private_buckets

  bucket = each.value

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.main.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "private" {
  for_each = local.private_buckets

  bucket = each.value

  versioning_configuration {
    status = "Enabled"
  }
}

# Part of every bucket's policy: refuse plain HTTP.
data "aws_iam_policy_document" "tls_only" {
  for_each = local.private_buckets

  statement {
    sid    = "DenyInsecureTransport"
    effect = "Deny"
    # A deny, not a grant: refuses every S3 action over plain HTTP.
    actions   = ["s3:*"]
    resources = ["arn:${local.partition}:s3:::${each.value}", "arn:${local.partition}:s3:::${each.value}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

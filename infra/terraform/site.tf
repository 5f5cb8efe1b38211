# Guest and crew pages: a private bucket behind CloudFront (origin access control, HTTPS only).
# /g/<slug> is rewritten to g/<slug>.html by the guest-path function; /crew/* is never cached and
# never indexed. Guests' photos go straight from the browser to the photos bucket (presigned POST
# from the links API), which accepts cross-origin requests from the site's origin only.

locals {
  site_origin = "https://${var.site_domain}"
}

# --- the site bucket ---------------------------------------------------------------------------

resource "aws_s3_bucket" "site" {
  bucket = "${local.name}-site-${local.account_id}"
}

resource "aws_s3_bucket_lifecycle_configuration" "site" {
  bucket     = aws_s3_bucket.site.id
  depends_on = [aws_s3_bucket_versioning.private]

  rule {
    id     = "expire-old-page-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_s3_bucket_policy" "site" {
  bucket     = aws_s3_bucket.site.id
  policy     = data.aws_iam_policy_document.site_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.private]
}

data "aws_iam_policy_document" "site_bucket" {
  source_policy_documents = [data.aws_iam_policy_document.tls_only["site"].json]

  statement {
    sid       = "OnlyOurDistributionReads"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.site.arn}/*"]

    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudfront_distribution.site.arn]
    }
  }
}

# --- CloudFront --------------------------------------------------------------------------------

resource "aws_cloudfront_origin_access_control" "site" {
  name                              = "${local.name}-site"
  description                       = "CloudFront signs its requests to the site bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_function" "guest_path_rewrite" {
  name    = "${local.name}-guest-path-rewrite"
  runtime = "cloudfront-js-2.0"
  comment = "/g/<slug> -> /g/<slug>.html; bad slugs -> the site's 404 page"
  publish = true
  code    = file("${path.module}/functions/guest-path-rewrite.js")
}

data "aws_cloudfront_cache_policy" "caching_optimized" {
  name = "Managed-CachingOptimized"
}

data "aws_cloudfront_cache_policy" "caching_disabled" {
  name = "Managed-CachingDisabled"
}

# Security headers on every page. Crew pages live at unguessable paths: they also stay out of
# search engines (X-Robots-Tag) and out of Referer headers.
locals {
  page_headers = {
    pages = { comment = "guest pages", referrer_policy = "strict-origin-when-cross-origin", noindex = false }
    crew  = { comment = "crew pages: noindex, no referrer", referrer_policy = "no-referrer", noindex = true }
  }
}

resource "aws_cloudfront_response_headers_policy" "pages" {
  for_each = local.page_headers

  name    = "${local.name}-${each.key}"
  comment = "Security headers for ${each.value.comment}"

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }

    content_type_options {
      override = true
    }

    frame_options {
      frame_option = "DENY"
      override     = true
    }

    referrer_policy {
      referrer_policy = each.value.referrer_policy
      override        = true
    }
  }

  dynamic "custom_headers_config" {
    for_each = each.value.noindex ? ["noindex"] : []

    content {
      items {
        header   = "X-Robots-Tag"
        value    = "noindex, nofollow"
        override = true
      }
    }
  }
}

resource "aws_cloudfront_distribution" "site" {
  enabled         = true
  is_ipv6_enabled = true
  http_version    = "http2and3"
  comment         = "${local.name} guest and crew pages"
  aliases         = [var.site_domain]
  price_class     = var.cloudfront_price_class
  # A visit to / asks for index.html (403 until someone publishes one), never the bucket root.
  default_root_object = "index.html"

  origin {
    origin_id                = "site"
    domain_name              = aws_s3_bucket.site.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.site.id
  }

  default_cache_behavior {
    target_origin_id           = "site"
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.caching_optimized.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.pages["pages"].id
  }

  ordered_cache_behavior {
    path_pattern               = "/g/*"
    target_origin_id           = "site"
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.caching_optimized.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.pages["pages"].id

    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.guest_path_rewrite.arn
    }
  }

  ordered_cache_behavior {
    path_pattern               = "/crew/*"
    target_origin_id           = "site"
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.caching_disabled.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.pages["crew"].id
  }

  # Without s3:ListBucket a missing page is a 403: it, and a 404, show the site's own friendly
  # page (404.html, written by the worker: publishers/not_found.py) with a 404, never S3's error
  # XML. Such answers are cached briefly, so a page published a moment later shows up at once.
  custom_error_response {
    error_code            = 403
    response_code         = 404
    response_page_path    = "/404.html"
    error_caching_min_ttl = 10
  }

  custom_error_response {
    error_code            = 404
    response_code         = 404
    response_page_path    = "/404.html"
    error_caching_min_ttl = 10
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    acm_certificate_arn      = var.site_certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }
}

# --- the photos bucket -------------------------------------------------------------------------

resource "aws_s3_bucket" "photos" {
  bucket = "${local.name}-photos-${local.account_id}"
}

resource "aws_s3_bucket_lifecycle_configuration" "photos" {
  bucket     = aws_s3_bucket.photos.id
  depends_on = [aws_s3_bucket_versioning.private]

  rule {
    id     = "expire-photos"
    status = "Enabled"

    filter {
      prefix = "photos/"
    }

    expiration {
      days = var.photos_retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 7
    }
  }

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

# The guest page POSTs the photo straight to S3 with the presigned form: allow the site's origin only.
resource "aws_s3_bucket_cors_configuration" "photos" {
  bucket = aws_s3_bucket.photos.id

  cors_rule {
    allowed_methods = ["POST"]
    allowed_origins = [local.site_origin]
    allowed_headers = ["content-type"]
    expose_headers  = ["ETag", "Location"]
    max_age_seconds = 3000
  }
}

# A guest's photo landing under photos/ tells the worker (worker/photos.py): it is counted for
# `charterhand status`, and the booking manager hears of new photos once a day at most.
resource "aws_s3_bucket_notification" "photos" {
  bucket = aws_s3_bucket.photos.id

  queue {
    queue_arn     = aws_sqs_queue.bookings.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "photos/"
  }

  depends_on = [aws_sqs_queue_policy.bookings, aws_kms_key_policy.main]
}

resource "aws_s3_bucket_policy" "photos" {
  bucket     = aws_s3_bucket.photos.id
  policy     = data.aws_iam_policy_document.tls_only["photos"].json
  depends_on = [aws_s3_bucket_public_access_block.private]
}

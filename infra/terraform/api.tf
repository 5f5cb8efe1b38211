# The links API (api/): API Gateway HTTP API (payload v2) -> one Lambda. Guests ask it for a
# presigned photo upload; crew confirm or decline through it; the crew and the manager open a
# booking's photo gallery through it. Its role reads and writes the state table, signs uploads into
# photos/ of the photos bucket, and lists and signs reads of photos/ for the gallery, nothing else.

locals {
  api_package = coalesce(var.api_package, "${path.module}/../../build/api-lambda.zip")

  # CHARTERHAND_<field> for every field of api.config.LinksApiConfig (tests/infra check the set).
  api_settings = {
    table_name              = aws_dynamodb_table.state.name
    photos_bucket           = aws_s3_bucket.photos.id
    site_base_url           = local.site_origin
    fleet                   = local.fleet_json
    answers_queue_url       = aws_sqs_queue.bookings.url
    photo_max_bytes         = tostring(var.photo_max_bytes)
    photo_uploads_per_hour  = tostring(var.photo_uploads_per_hour)
    photo_upload_days_after = tostring(var.photo_upload_days_after)
  }
  api_environment = { for field, value in local.api_settings : "CHARTERHAND_${upper(field)}" => value if value != null }
}

resource "aws_cloudwatch_log_group" "api" {
  name              = "${local.log_group_prefix}/links-api"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
  depends_on        = [aws_kms_key_policy.main]
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "${local.log_group_prefix}/links-api-access"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
  depends_on        = [aws_kms_key_policy.main]
}

resource "aws_iam_role" "api" {
  name               = "${local.name}-links-api"
  description        = "The links API Lambda"
  assume_role_policy = data.aws_iam_policy_document.api_assume.json
}

data "aws_iam_policy_document" "api_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role_policy" "api" {
  name   = "links-api"
  role   = aws_iam_role.api.id
  policy = data.aws_iam_policy_document.api.json
}

data "aws_iam_policy_document" "api" {
  # Used by Lambda's runtime with this role, not by the handler (so no recorded call shows them):
  # it writes the function's logs, and decrypts its KMS-encrypted environment at a cold start.
  statement {
    sid       = "WriteItsOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.api.arn}:*"]
  }

  statement {
    sid       = "StateTable"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.state.arn]
  }

  # A recorded crew answer is announced to the worker on the bookings queue (api/announce.py):
  # the worker tells the manager of a decline at once. Encrypted with the data key (below).
  statement {
    sid       = "AnnounceCrewAnswers"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.bookings.arn]
  }

  # A presigned POST carries the signer's rights: the upload can land only under photos/.
  statement {
    sid       = "SignPhotoUploads"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.photos.arn}/photos/*"]
  }

  # The gallery lists one booking's photos/<booking>/ prefix and presigns a GET of each (the
  # presigned GET, and the guest's own thumbnail in each upload grant, carry these rights).
  statement {
    sid       = "ListPhotosForTheGallery"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.photos.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["photos/*"]
    }
  }

  statement {
    sid       = "SignPhotoReads"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.photos.arn}/photos/*"]
  }

  statement {
    sid       = "UseTheDataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]
  }
}

resource "aws_lambda_function" "api" {
  function_name                  = "${local.name}-links-api"
  description                    = "charterhand links API: photo uploads, crew confirm/decline"
  role                           = aws_iam_role.api.arn
  runtime                        = "python3.11"
  architectures                  = [var.lambda_architecture]
  handler                        = var.api_handler
  filename                       = local.api_package
  source_code_hash               = filebase64sha256(local.api_package)
  memory_size                    = var.api_memory_mb
  timeout                        = var.api_timeout_seconds
  reserved_concurrent_executions = coalesce(var.api_reserved_concurrency, -1) # -1: unreserved
  kms_key_arn                    = aws_kms_key.main.arn

  environment {
    variables = local.api_environment
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.api.name
  }

  lifecycle {
    precondition {
      # Lambda's limit on all environment variables together is 4 KB; the fleet is the big one.
      condition     = length(jsonencode(local.api_environment)) < 4096
      error_message = "The links API's environment exceeds Lambda's 4 KB: shorten the fleet (checklists, what_to_bring)."
    }
  }

  depends_on = [aws_iam_role_policy.api]
}

resource "aws_apigatewayv2_api" "links" {
  name          = "${local.name}-links"
  description   = "charterhand links for guests and crew"
  protocol_type = "HTTP"

  # The guest page (on the site's origin) calls POST /g/{slug}/photos; the crew sheet (same
  # origin) calls GET /crew/{token}/answers with the token of the member who opened it.
  cors_configuration {
    allow_origins = [local.site_origin]
    allow_methods = ["GET", "POST"]
    allow_headers = ["content-type"]
    max_age       = 3600
  }
}

resource "aws_apigatewayv2_integration" "links" {
  api_id                 = aws_apigatewayv2_api.links.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.api.invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = (var.api_timeout_seconds + 1) * 1000
}

# Crew links: GET shows the question and its button and records nothing (mail scanners open
# every link in an email); the button's POST records the answer. The crew sheet's script reads
# GET /crew/{token}/answers: whose link it is and the crew's answers, read-only. GET
# /photos/{gallery} is a booking's private photo gallery, at its crew page's own id (api/gallery.py).
resource "aws_apigatewayv2_route" "links" {
  for_each = toset([
    "POST /g/{slug}/photos",
    "GET /crew/{token}/confirm",
    "POST /crew/{token}/confirm",
    "GET /crew/{token}/decline",
    "POST /crew/{token}/decline",
    "GET /crew/{token}/answers",
    "GET /photos/{gallery}",
  ])

  api_id    = aws_apigatewayv2_api.links.id
  route_key = each.value
  target    = "integrations/${aws_apigatewayv2_integration.links.id}"
}

resource "aws_apigatewayv2_stage" "links" {
  api_id      = aws_apigatewayv2_api.links.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_rate_limit  = var.api_throttle_rate
    throttling_burst_limit = var.api_throttle_burst
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId      = "$context.requestId"
      requestTime    = "$context.requestTime"
      httpMethod     = "$context.httpMethod"
      routeKey       = "$context.routeKey"
      status         = "$context.status"
      responseLength = "$context.responseLength"
      latencyMs      = "$context.responseLatency"
      errorMessage   = "$context.integrationErrorMessage"
    })
  }
}

resource "aws_lambda_permission" "links" {
  statement_id  = "AllowLinksApiInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  principal     = "apigateway.amazonaws.com"
  # any stage, any route (the provider's documented form): a literal "$default" in the ARN is
  # not the form API Gateway matches for the default stage.
  source_arn = "${aws_apigatewayv2_api.links.execution_arn}/*/*"
}

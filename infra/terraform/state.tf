# The one state table (docs/contracts.md, "State table"): booking state, per-step records with
# leases, seen emails, crew tokens and answers, photo quotas. Items that may lapse carry expires_at.

resource "aws_dynamodb_table" "state" {
  name                        = "${local.name}-state"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.main.arn
  }
}

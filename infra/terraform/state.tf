# The one state table (docs/contracts.md, "State table"): booking state, per-step records with
# leases, seen emails, crew tokens and answers, photo quotas. Items that may lapse carry expires_at.
# The sparse index "upcoming" holds only bookings that will sail (confirmed or modified), by boat
# and start (state/store.py writes its keys with the state): the hourly crew check reads it.

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

  attribute {
    name = "charter_boat"
    type = "S"
  }

  attribute {
    name = "charter_start"
    type = "S"
  }

  global_secondary_index {
    name            = "upcoming"
    hash_key        = "charter_boat"
    range_key       = "charter_start"
    projection_type = "KEYS_ONLY"
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

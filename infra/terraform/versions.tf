# One root module for everything charterhand runs on. Files by concern:
#   mail.tf (SES in and out)  queue.tf (SNS -> SQS + DLQ)  state.tf (DynamoDB)  site.tf (pages, photos)
#   api.tf (links API)  worker.tf (ECR, ECS, autoscaling)  alarms.tf  kms.tf  secrets.tf
terraform {
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60.0, < 6.0.0"
    }
  }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge(var.tags, {
      Application = "charterhand"
      Environment = var.environment
      ManagedBy   = "terraform"
    })
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  name       = "charterhand-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = var.aws_region
}

from tests.pages_support import dynamodb, photos_bucket, s3, site_bucket, state_table

__all__ = ["dynamodb", "photos_bucket", "s3", "site_bucket", "state_table"]

from tests.support.pages import dynamodb, photos_bucket, s3, site_bucket, state_table

__all__ = ["dynamodb", "photos_bucket", "s3", "site_bucket", "state_table"]

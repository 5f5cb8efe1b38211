import boto3


def test_boto3_reaches_moto_through_aws_endpoint_url(aws):
    s3 = boto3.client("s3")
    assert s3.meta.endpoint_url == aws.endpoint_url
    s3.create_bucket(Bucket="charterhand-probe")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["charterhand-probe"]


def test_each_test_starts_from_an_empty_account(aws):
    assert boto3.client("s3").list_buckets()["Buckets"] == []

"""The links API signs photo links with SigV4: S3 serves KMS-encrypted objects (the photos
bucket's) only to SigV4 requests, and botocore would presign these with SigV2. Signing is local:
no request is made."""

from datetime import UTC, datetime

import pytest

from api.app import LinksApi
from api.config import LinksApiConfig


@pytest.fixture
def api(monkeypatch) -> LinksApi:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "example-secret",
        "AWS_DEFAULT_REGION": "us-west-2",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    config = LinksApiConfig(
        table_name="t", photos_bucket="jada-photos", site_base_url="https://jada.example"
    )
    return LinksApi.build(config)


def test_the_gallery_and_thumbnail_links_are_sigv4(api):
    url = api.photos.view_url("photos/boatsetter:xhqgmdh/a.jpg")
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url
    assert "X-Amz-Expires=900" in url


def test_the_upload_grant_is_sigv4(api):
    grant = api.photos.grant("boatsetter:xhqgmdh", "image/jpeg", now=datetime.now(UTC))
    assert grant.fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in grant.view_url

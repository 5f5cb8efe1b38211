"""The page publishers against moto's S3 and CloudFront over HTTP."""

import re
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config

from bookings import Booking, Kind, PermanentError, TransientError, default_fleet
from publishers.base import Publisher, StepContext
from publishers.crew_page import CrewPagePublisher
from publishers.guest_page import GuestPagePublisher, upload_origin
from publishers.transport.site import ROBOTS_TXT, SiteBucket
from state.crew_tokens import CrewTokens
from tests.support.bookings_factory import booking
from tests.support.pages import PHOTOS_BUCKET, SIGNING_KEY

SITE_URL = "https://jada.example"


def context(b: Booking, key: str = "boatsetter:xhqgmdh:step:hash1") -> StepContext:
    return StepContext(booking=b, previous=None, external_ids={}, idempotency_key=key)


@pytest.fixture
def distribution(aws):
    cloudfront = boto3.client("cloudfront")
    answer = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "site",
            "Comment": "site",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "site",
                        "DomainName": "charterhand-site.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "site",
                "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
            },
        }
    )
    return cloudfront, answer["Distribution"]["Id"]


def site(
    s3: Any, bucket: str, cloudfront: Any = None, distribution_id: str | None = None
) -> SiteBucket:
    return SiteBucket(
        s3=s3,
        bucket=bucket,
        base_url=SITE_URL,
        cloudfront=cloudfront,
        distribution_id=distribution_id,
    )


def guest_publisher(
    s3: Any, site_bucket: str, cloudfront: Any = None, distribution_id: str | None = None
) -> GuestPagePublisher:
    return GuestPagePublisher(
        site=site(s3, site_bucket, cloudfront, distribution_id),
        fleet=default_fleet(),
        links_api_base_url="https://links.jada.example",
        photos_upload_origin=upload_origin(s3, PHOTOS_BUCKET),
    )


def invalidation_paths(cloudfront: Any, distribution_id: str) -> list[list[str]]:
    listing = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"]
    paths = []
    for summary in listing.get("Items", []):
        detail = cloudfront.get_invalidation(DistributionId=distribution_id, Id=summary["Id"])
        paths.append(detail["Invalidation"]["InvalidationBatch"]["Paths"]["Items"])
    return paths


def test_publishers_fit_the_publisher_interface(s3, site_bucket, dynamodb, state_table):
    tokens = CrewTokens(table_name=state_table, dynamodb=dynamodb, rounds=4)
    crew = CrewPagePublisher(
        site=SiteBucket(s3=s3, bucket=site_bucket, base_url=SITE_URL),
        fleet=default_fleet(),
        signing_key=SIGNING_KEY,
        links=tokens,
        links_api_base_url="https://links.jada.example",
    )
    assert isinstance(guest_publisher(s3, site_bucket), Publisher)
    assert isinstance(crew, Publisher)
    assert (GuestPagePublisher.step, CrewPagePublisher.step) == ("guest_page", "crew_page")


def test_guest_page_lands_in_the_site_bucket_with_its_headers(s3, site_bucket):
    ids = guest_publisher(s3, site_bucket).publish(context(booking()))
    assert ids == {"url": f"{SITE_URL}/g/xhqgmdh", "key": "g/xhqgmdh.html"}
    page = s3.get_object(Bucket=site_bucket, Key="g/xhqgmdh.html")
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert page["CacheControl"] == "public, max-age=300, s-maxage=86400"
    assert "<h1>JADA</h1>" in page["Body"].read().decode()


def test_calendar_file_lands_beside_the_page(s3, site_bucket):
    guest_publisher(s3, site_bucket).publish(context(booking()))
    ics = s3.get_object(Bucket=site_bucket, Key="g/xhqgmdh.ics")
    assert ics["ContentType"] == "text/calendar; charset=utf-8"
    assert ics["ContentDisposition"] == 'attachment; filename="JADA-xhqgmdh.ics"'
    assert b"BEGIN:VEVENT" in ics["Body"].read()


def test_robots_txt_keeps_crawlers_out(s3, site_bucket):
    guest_publisher(s3, site_bucket).publish(context(booking()))
    robots = s3.get_object(Bucket=site_bucket, Key="robots.txt")["Body"].read().decode()
    assert robots == ROBOTS_TXT
    assert "Disallow: /crew/" in robots


def test_guest_page_change_invalidates_its_paths_once(s3, site_bucket, distribution):
    cloudfront, distribution_id = distribution
    publisher = guest_publisher(s3, site_bucket, cloudfront, distribution_id)
    publisher.publish(context(booking()))
    assert invalidation_paths(cloudfront, distribution_id) == [["/g/xhqgmdh*"]]


def test_cancelled_booking_replaces_the_page(s3, site_bucket):
    publisher = guest_publisher(s3, site_bucket)
    publisher.publish(context(booking()))
    publisher.publish(context(booking(kind=Kind.CANCELLED, as_of=datetime(2031, 5, 2, tzinfo=UTC))))
    page = s3.get_object(Bucket=site_bucket, Key="g/xhqgmdh.html")["Body"].read().decode()
    assert "This charter has been cancelled" in page


def test_missing_site_bucket_is_a_permanent_error(s3):
    with pytest.raises(PermanentError, match="NoSuchBucket") as caught:
        guest_publisher(s3, "charterhand-no-such-bucket").publish(context(booking()))
    assert caught.value.step == "guest_page"
    assert caught.value.__cause__ is not None


def test_unreachable_s3_is_a_transient_error(aws):
    s3 = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:9",
        config=Config(retries={"max_attempts": 1}, connect_timeout=1),
    )
    with pytest.raises(TransientError, match="could not be reached"):
        guest_publisher(s3, "charterhand-site").publish(context(booking()))


def crew_publisher(
    s3: Any,
    site_bucket: str,
    dynamodb: Any,
    table: str,
    cloudfront: Any = None,
    distribution_id: str | None = None,
) -> CrewPagePublisher:
    return CrewPagePublisher(
        site=site(s3, site_bucket, cloudfront, distribution_id),
        fleet=default_fleet(),
        signing_key=SIGNING_KEY,
        links=CrewTokens(table_name=table, dynamodb=dynamodb, rounds=4),
        links_api_base_url="https://links.jada.example",
    )


def test_crew_page_lands_at_a_stable_unguessable_path(s3, site_bucket, dynamodb, state_table):
    publisher = crew_publisher(s3, site_bucket, dynamodb, state_table)
    first = publisher.publish(context(booking()))
    again = publisher.publish(context(booking(party_size=8), key="k2"))
    other = publisher.publish(context(booking(booking_id="abcdefg")))
    assert first == again
    assert first["key"].startswith("crew/")
    assert len(first["key"]) == len("crew/") + 32 + len(".html")
    assert other["key"] != first["key"]
    assert first["url"] == f"{SITE_URL}/{first['key']}"


def test_crew_page_is_never_cached_and_not_indexed(s3, site_bucket, dynamodb, state_table):
    key = crew_publisher(s3, site_bucket, dynamodb, state_table).publish(context(booking()))["key"]
    page = s3.get_object(Bucket=site_bucket, Key=key)
    assert page["CacheControl"] == "private, no-store, max-age=0"
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert '<meta name="robots" content="noindex' in page["Body"].read().decode()


def test_crew_page_links_carry_tokens_the_issuer_stored(s3, site_bucket, dynamodb, state_table):
    key = crew_publisher(s3, site_bucket, dynamodb, state_table).publish(context(booking()))["key"]
    html = s3.get_object(Bucket=site_bucket, Key=key)["Body"].read().decode()
    tokens = CrewTokens(table_name=state_table, dynamodb=dynamodb)
    found = re.findall(r"https://links\.jada\.example/crew/([^/]+)/confirm", html)
    grants = [tokens.verify(token) for token in found]
    assert sorted(g.crew_id for g in grants) == ["alex", "sam"]
    assert {g.booking_key for g in grants} == {"boatsetter:xhqgmdh"}


def test_crew_page_change_invalidates_its_path(
    s3, site_bucket, dynamodb, state_table, distribution
):
    cloudfront, distribution_id = distribution
    publisher = crew_publisher(s3, site_bucket, dynamodb, state_table, cloudfront, distribution_id)
    key = publisher.publish(context(booking()))["key"]
    assert invalidation_paths(cloudfront, distribution_id) == [[f"/{key.removesuffix('.html')}*"]]

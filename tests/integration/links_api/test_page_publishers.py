"""The page publishers against moto's S3 and CloudFront over HTTP."""

import re
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config

from bookings import Booking, Kind, PermanentError, TransientError, default_fleet
from bookings.slugs import guest_slug
from publishers.base import Publisher, StepContext
from publishers.crew_page import CrewPagePublisher
from publishers.guest_page import GuestPagePublisher, upload_origin
from publishers.transport.site import ROBOTS_TXT, SiteBucket
from tests.support.bookings_factory import booking
from tests.support.pages import PHOTOS_BUCKET, SIGNING_KEY

SITE_URL = "https://jada.example"
SLUG = guest_slug(SIGNING_KEY, "boatsetter:xhqgmdh")
#: what the guest page step recorded for a booking published before slugs carried an HMAC
LEGACY_IDS = {"url": f"{SITE_URL}/g/xhqgmdh", "key": "g/xhqgmdh.html"}


def context(
    b: Booking, key: str = "boatsetter:xhqgmdh:step:hash1", ids: dict[str, str] | None = None
) -> StepContext:
    return StepContext(booking=b, previous=None, external_ids=ids or {}, idempotency_key=key)


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
    s3: Any,
    site_bucket: str,
    cloudfront: Any = None,
    distribution_id: str | None = None,
    now: datetime = datetime(2031, 6, 1, tzinfo=UTC),
) -> GuestPagePublisher:
    return GuestPagePublisher(
        site=site(s3, site_bucket, cloudfront, distribution_id),
        fleet=default_fleet(),
        signing_key=SIGNING_KEY,
        clock=lambda: now,
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
    crew = CrewPagePublisher(
        site=SiteBucket(s3=s3, bucket=site_bucket, base_url=SITE_URL),
        fleet=default_fleet(),
        signing_key=SIGNING_KEY,
        links_api_base_url="https://links.jada.example",
    )
    assert isinstance(guest_publisher(s3, site_bucket), Publisher)
    assert isinstance(crew, Publisher)
    assert (GuestPagePublisher.step, CrewPagePublisher.step) == ("guest_page", "crew_page")


def test_guest_page_lands_in_the_site_bucket_with_its_headers(s3, site_bucket):
    ids = guest_publisher(s3, site_bucket).publish(context(booking()))
    assert ids == {"url": f"{SITE_URL}/g/{SLUG}", "key": f"g/{SLUG}.html"}
    page = s3.get_object(Bucket=site_bucket, Key=f"g/{SLUG}.html")
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert page["CacheControl"] == "public, max-age=300, s-maxage=86400"
    assert "<h1>JADA</h1>" in page["Body"].read().decode()


def test_calendar_file_lands_beside_the_page(s3, site_bucket):
    guest_publisher(s3, site_bucket).publish(context(booking()))
    ics = s3.get_object(Bucket=site_bucket, Key=f"g/{SLUG}.ics")
    assert ics["ContentType"] == "text/calendar; charset=utf-8"
    assert ics["ContentDisposition"] == f'attachment; filename="JADA-{SLUG}.ics"'
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
    assert invalidation_paths(cloudfront, distribution_id) == [[f"/g/{SLUG}*"]]


def test_cancelled_booking_replaces_the_page(s3, site_bucket):
    publisher = guest_publisher(s3, site_bucket)
    publisher.publish(context(booking()))
    publisher.publish(context(booking(kind=Kind.CANCELLED, as_of=datetime(2031, 5, 2, tzinfo=UTC))))
    page = s3.get_object(Bucket=site_bucket, Key=f"g/{SLUG}.html")["Body"].read().decode()
    assert "This charter has been cancelled" in page


def site_keys(s3: Any, bucket: str) -> set[str]:
    return {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="g/").get("Contents", [])}


def test_no_page_is_published_at_a_countable_booking_id(s3, site_bucket):
    guest_publisher(s3, site_bucket).publish(
        context(booking(source="getmyboat", booking_id="1234"))
    )
    slug = guest_slug(SIGNING_KEY, "getmyboat:1234")
    assert site_keys(s3, site_bucket) == {f"g/{slug}.html", f"g/{slug}.ics"}


def test_an_old_bare_id_page_is_kept_current_until_the_charter_ends(s3, site_bucket):
    b = booking(meeting_point="Shelter Island guest dock")
    ids = guest_publisher(s3, site_bucket).publish(context(b, ids=LEGACY_IDS))

    assert ids == {
        "url": f"{SITE_URL}/g/{SLUG}",
        "key": f"g/{SLUG}.html",
        "legacy_key": "g/xhqgmdh.html",
    }
    assert site_keys(s3, site_bucket) == {
        f"g/{SLUG}.html",
        f"g/{SLUG}.ics",
        "g/xhqgmdh.html",
        "g/xhqgmdh.ics",
    }
    old = s3.get_object(Bucket=site_bucket, Key="g/xhqgmdh.html")["Body"].read().decode()
    assert "Shelter Island guest dock" in old
    assert 'data-endpoint="https://links.jada.example/g/xhqgmdh/photos"' in old
    assert SLUG not in old  # the old link does not lead to the new one


def test_an_old_bare_id_page_is_removed_once_the_charter_has_ended(s3, site_bucket, distribution):
    cloudfront, distribution_id = distribution
    b = booking()
    s3.put_object(Bucket=site_bucket, Key="g/xhqgmdh.html", Body=b"old page")
    s3.put_object(Bucket=site_bucket, Key="g/xhqgmdh.ics", Body=b"old calendar")
    kept = {**LEGACY_IDS, "key": f"g/{SLUG}.html", "legacy_key": "g/xhqgmdh.html"}
    publisher = guest_publisher(s3, site_bucket, cloudfront, distribution_id, now=b.end)

    ids = publisher.publish(context(b, ids=kept))

    assert ids == {"url": f"{SITE_URL}/g/{SLUG}", "key": f"g/{SLUG}.html"}
    assert site_keys(s3, site_bucket) == {f"g/{SLUG}.html", f"g/{SLUG}.ics"}
    assert ["/g/xhqgmdh*"] in invalidation_paths(cloudfront, distribution_id)


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


def test_crew_page_holds_no_crew_token(s3, site_bucket, dynamodb, state_table):
    key = crew_publisher(s3, site_bucket, dynamodb, state_table).publish(context(booking()))["key"]
    html = s3.get_object(Bucket=site_bucket, Key=key)["Body"].read().decode()
    assert not re.search(r"[0-9a-f]{16}\.[A-Za-z0-9_-]{43}", html)
    assert dynamodb.scan(TableName=state_table)["Items"] == []  # and issued none


def test_crew_page_change_invalidates_its_path(
    s3, site_bucket, dynamodb, state_table, distribution
):
    cloudfront, distribution_id = distribution
    publisher = crew_publisher(s3, site_bucket, dynamodb, state_table, cloudfront, distribution_id)
    key = publisher.publish(context(booking()))["key"]
    assert invalidation_paths(cloudfront, distribution_id) == [[f"/{key.removesuffix('.html')}*"]]

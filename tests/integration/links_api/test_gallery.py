"""The crew's photo gallery over real HTTP: the links API lists one booking's photos with
short-lived presigned GETs, at the crew page's unguessable id, and nothing for anyone else."""

import html
import re
import urllib.request
from datetime import UTC, datetime

import pytest

from api.app import LinksApi
from api.config import LinksApiConfig
from bookings.slugs import gallery_id
from publishers.crew_page import crew_page_id
from sandbox.links_api import LinksApiServer
from tests.integration.links_api.test_links_api import SITE, call
from tests.support.bookings_factory import booking
from tests.support.pages import SIGNING_KEY, store_booking

KEY = "boatsetter:xhqgmdh"
PAGE_ID = crew_page_id(SIGNING_KEY, KEY)
GALLERY = gallery_id(KEY, PAGE_ID)
NOW = datetime(2031, 6, 14, 20, 0, tzinfo=UTC)


@pytest.fixture
def api(dynamodb, s3, state_table, photos_bucket):
    config = LinksApiConfig(table_name=state_table, photos_bucket=photos_bucket, site_base_url=SITE)
    links = LinksApi.build(config, dynamodb=dynamodb, s3=s3)
    links.clock = lambda: NOW
    with LinksApiServer(links).running() as server:
        yield server.base_url


def publish(dynamodb, **changes) -> None:
    """The booking stored with its crew page published, as the worker records it."""
    store_booking(dynamodb, booking(**changes), crew_page={"key": f"crew/{PAGE_ID}.html"})


def images(page: str) -> list[str]:
    return [html.unescape(src) for src in re.findall(r'<img[^>]* src="([^"]+)"', page)]


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        data: bytes = response.read()
        return data


def test_gallery_lists_the_bookings_photos_with_links_that_open_them(
    api, dynamodb, s3, photos_bucket
):
    publish(dynamodb)
    mine = {
        f"photos/{KEY}/{'a' * 32}.jpg": b"first photo",
        f"photos/{KEY}/{'b' * 32}.png": b"second photo",
    }
    for key, body in mine.items():
        s3.put_object(Bucket=photos_bucket, Key=key, Body=body, ContentType="image/jpeg")
    s3.put_object(Bucket=photos_bucket, Key=f"photos/boatsetter:other/{'c' * 32}.jpg", Body=b"no")

    status, headers, page = call("GET", f"{api}/photos/{GALLERY}")

    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Robots-Tag"] == "noindex, nofollow"
    assert "2 photos" in page
    shown = images(page)
    assert sorted(fetch(url) for url in shown) == sorted(mine.values())
    assert all("X-Amz-Expires=900" in url or "Expires=" in url for url in shown)


def test_gallery_page_allows_images_from_the_bucket_only(api, dynamodb, s3, photos_bucket):
    publish(dynamodb)
    s3.put_object(Bucket=photos_bucket, Key=f"photos/{KEY}/{'a' * 32}.jpg", Body=b"x")
    _, _, page = call("GET", f"{api}/photos/{GALLERY}")
    (csp,) = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    (image_sources,) = [d for d in html.unescape(csp).split("; ") if d.startswith("img-src")]
    (url,) = images(page)
    bucket_origin = "/".join(url.split("/")[:3])
    assert image_sources == f"img-src 'self' data: {bucket_origin}"


def test_gallery_without_photos_says_so(api, dynamodb):
    publish(dynamodb)
    status, _, page = call("GET", f"{api}/photos/{GALLERY}")
    assert status == 200
    assert "No photos yet" in page
    assert images(page) == []


@pytest.mark.parametrize(
    "gallery",
    [
        gallery_id(KEY, "0" * 32),  # a page id the worker never published for this booking
        gallery_id("boatsetter:abcdefg", PAGE_ID),  # another booking id with this page id
        "xhqgmdh",  # no page id at all
        GALLERY.upper(),
    ],
)
def test_a_gallery_id_the_worker_did_not_publish_lists_nothing(
    api, dynamodb, s3, photos_bucket, gallery
):
    publish(dynamodb)
    s3.put_object(Bucket=photos_bucket, Key=f"photos/{KEY}/{'a' * 32}.jpg", Body=b"secret")
    status, _, page = call("GET", f"{api}/photos/{gallery}")
    assert status == 404
    assert "This link is not valid" in page
    assert images(page) == []


def test_gallery_of_a_booking_never_published_is_not_found(api, dynamodb):
    status, _, page = call("GET", f"{api}/photos/{GALLERY}")
    assert status == 404
    assert images(page) == []


def test_gallery_answers_only_get(api, dynamodb):
    publish(dynamodb)
    status, headers, _ = call("POST", f"{api}/photos/{GALLERY}", body={})
    assert status == 405
    assert headers["Allow"] == "GET, HEAD"

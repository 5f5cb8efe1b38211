"""The local site server: moto's site bucket served through the guest-path rewrite."""

import json
import urllib.error
import urllib.request
from email.message import Message
from typing import Any

import pytest

from sandbox.site import SiteServer
from tests.conftest import FIXTURES

HTML = "text/html; charset=utf-8"
CASES = json.loads((FIXTURES / "guest_path_rewrite_cases.json").read_text())["cases"]


@pytest.fixture
def site(s3, site_bucket):
    with SiteServer(s3=s3, bucket=site_bucket).running() as server:
        yield server


def get(url: str) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(
        url.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def put(
    s3: Any, bucket: str, key: str, body: bytes = b"<p>hi</p>", content_type: str = HTML
) -> None:
    s3.put_object(
        Bucket=bucket, Key=key, Body=body, ContentType=content_type, CacheControl="max-age=300"
    )


def test_guest_slug_serves_the_page_object(site, s3, site_bucket):
    put(s3, site_bucket, "g/xhqgmdh.html", b"<h1>JADA</h1>")
    for path in ("/g/xhqgmdh", "/g/xhqgmdh/", "/g/xhqgmdh.html"):
        status, headers, body = get(site.base_url + path)
        assert (status, body) == (200, b"<h1>JADA</h1>"), path
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert headers["Cache-Control"] == "max-age=300"
        assert headers["X-Robots-Tag"] == "noindex, nofollow"


def test_bad_slug_never_reaches_its_object_and_gets_the_sites_404_page(site, s3, site_bucket):
    put(s3, site_bucket, "g/XHQGMDH.html")
    put(s3, site_bucket, "404.html", b"<h1>We can't find that page</h1>")
    status, headers, body = get(site.base_url + "/g/XHQGMDH")
    assert status == 404
    assert body == b"<h1>We can't find that page</h1>"
    assert headers["Content-Type"] == HTML


def test_missing_page_is_the_sites_own_404_page_with_a_404(site, s3, site_bucket):
    put(s3, site_bucket, "404.html", b"<h1>We can't find that page</h1>")
    for path in ("/g/nosuchpage", "/crew/0123.html", "/"):
        status, headers, body = get(site.base_url + path)
        assert (status, body) == (404, b"<h1>We can't find that page</h1>"), path
        assert headers["Content-Type"] == HTML


def test_missing_page_before_any_404_page_is_a_plain_404(site):
    status, _, body = get(site.base_url + "/g/nosuchpage")
    assert (status, body) == (404, b"Not found")


def test_other_paths_are_served_as_they_are(site, s3, site_bucket):
    put(s3, site_bucket, "robots.txt", b"User-agent: *\n", "text/plain")
    status, headers, body = get(site.base_url + "/robots.txt")
    assert (status, body) == (200, b"User-agent: *\n")
    assert "X-Robots-Tag" not in headers


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_server_follows_the_rewrite_table(site, s3, site_bucket, case):
    """Every object the table rewrites to is served."""
    target = case["expect"]["uri"]
    if target == "/":
        assert get(site.base_url + "/")[0] == 404  # no index document at the root
    else:
        put(s3, site_bucket, target.lstrip("/"), b"target")
        status, _, body = get(site.base_url + case["uri"])
        assert (status, body) == (200, b"target")

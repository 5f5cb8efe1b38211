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


def test_bad_slug_is_404_without_touching_the_bucket(site, s3, site_bucket):
    put(s3, site_bucket, "g/XHQGMDH.html")
    status, _, body = get(site.base_url + "/g/XHQGMDH")
    assert status == 404
    assert body == b"Not found"


def test_missing_page_is_404(site):
    assert get(site.base_url + "/g/nosuchpage")[0] == 404


def test_other_paths_are_served_as_they_are(site, s3, site_bucket):
    put(s3, site_bucket, "robots.txt", b"User-agent: *\n", "text/plain")
    status, headers, body = get(site.base_url + "/robots.txt")
    assert (status, body) == (200, b"User-agent: *\n")
    assert "X-Robots-Tag" not in headers


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_server_follows_the_rewrite_table(site, s3, site_bucket, case):
    """Every object the table rewrites to is served; every 404 of the table is a 404 here."""
    if case["expect"].get("uri") == "/":
        assert get(site.base_url + "/")[0] == 404  # no index document at the root
    elif "uri" in case["expect"]:
        put(s3, site_bucket, case["expect"]["uri"].lstrip("/"), b"target")
        status, _, body = get(site.base_url + case["uri"])
        assert (status, body) == (200, b"target")
    else:
        assert get(site.base_url + case["uri"])[0] == case["expect"]["status"]

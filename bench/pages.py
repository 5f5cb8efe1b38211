"""Pages and links: render cost and size of the two pages, and the links API's latency.

Run by hand: ``.venv/bin/python bench/pages.py``. Renders in-process; the links API runs its
real handler against moto's server (started here), with the production bcrypt cost (10).
"""

import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.app import LinksApi
from api.config import LinksApiConfig
from bookings import default_fleet
from publishers.crew_page import CrewPagePublisher
from publishers.guest_page import GuestPagePublisher
from publishers.transport.site import SiteBucket
from sandbox.aws import running_moto
from sandbox.links_api import payload_v2_event
from sandbox.table import create_table
from state.crew_tokens import CrewTokens
from tests.support.bookings_factory import booking
from tests.support.pages import publish_booking


def timed(fn: Callable[[], Any], count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(name: str, times: list[float]) -> None:
    times = sorted(times)
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"{name}: p50 {statistics.median(times):.2f} ms, p95 {p95:.2f} ms (n={len(times)})")


def renders() -> None:
    site = SiteBucket(s3=None, bucket="site", base_url="https://jada.example")  # type: ignore[arg-type]
    guest = GuestPagePublisher(
        site=site,
        fleet=default_fleet(),
        signing_key=b"k" * 32,
        links_api_base_url="https://links.jada.example",
        photos_upload_origin="https://photos.s3.amazonaws.com",
    )
    crew = CrewPagePublisher(
        site=site,
        fleet=default_fleet(),
        signing_key=b"k" * 32,
        links_api_base_url="https://links.jada.example",
    )
    b = booking()
    guest_html = guest.render(guest.input_of(b))
    crew_html = crew.render(crew.input_of(b))
    print(f"guest page: {len(guest_html.encode()):,} bytes; crew page: {len(crew_html.encode()):,}")
    tracemalloc.start()
    summary("guest page input + render", timed(lambda: guest.render(guest.input_of(b)), 500))
    summary("crew page input + render", timed(lambda: crew.render(crew.input_of(b)), 500))
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    print(f"peak traced memory over 1,000 renders: {peak:.1f} MiB")
    tracemalloc.stop()


def links_api() -> None:
    with running_moto():
        dynamodb, s3 = boto3.client("dynamodb"), boto3.client("s3")
        create_table(dynamodb, "state")
        s3.create_bucket(Bucket="photos")
        slug = publish_booking(dynamodb, booking(), table="state")
        config = LinksApiConfig(
            table_name="state",
            photos_bucket="photos",
            site_base_url="https://jada.example",
            photo_uploads_per_hour=10_000,
        )
        api = LinksApi.build(config, dynamodb=dynamodb, s3=s3)
        token = CrewTokens(table_name="state", dynamodb=dynamodb).issue(
            "boatsetter:xhqgmdh", "alex", datetime.now(UTC) + timedelta(days=1)
        )
        path = f"/crew/{token}/confirm"
        ask = payload_v2_event("GET", path, [], b"", "127.0.0.1")
        confirm = payload_v2_event(
            "POST", path, [("origin", "null"), ("sec-fetch-site", "same-origin")], b"", "127.0.0.1"
        )
        photo = payload_v2_event(
            "POST",
            f"/g/{slug}/photos",
            [("content-type", "application/json")],
            b'{"content_type": "image/jpeg"}',
            "127.0.0.1",
        )
        assert api.handle(ask)["statusCode"] == 200
        assert api.handle(confirm)["statusCode"] == 200
        assert api.handle(photo)["statusCode"] == 200
        summary(
            "crew link opened: the question (bcrypt cost 10, 4 reads)",
            timed(lambda: api.handle(ask), 40),
        )
        summary(
            "crew button pressed: the answer (bcrypt cost 10, 3 reads, 1 write)",
            timed(lambda: api.handle(confirm), 40),
        )
        summary(
            "photo grant (1 read, 1 conditional update, presign)",
            timed(lambda: api.handle(photo), 200),
        )


if __name__ == "__main__":
    renders()
    links_api()

"""A whole local stack for the browser: moto (table, site and photos buckets), the local site
server, the links API server, published pages, and headless Debian Chromium driven by Playwright."""

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from api.app import LinksApi
from api.config import LinksApiConfig
from bookings import Booking, default_fleet
from publishers.base import StepContext
from publishers.crew_email import member_sheet
from publishers.crew_page import CrewPagePublisher
from publishers.guest_page import GuestPagePublisher, upload_origin
from publishers.transport.site import SiteBucket
from sandbox.links_api import LinksApiServer
from sandbox.site import SiteServer
from sandbox.stack import allow_uploads_from
from state.crew_tokens import CrewTokens
from tests.conftest import ROOT
from tests.support.pages import (
    SIGNING_KEY,
    dynamodb,
    photos_bucket,
    require_executable,
    s3,
    site_bucket,
    state_table,
    store_booking,
)

__all__ = ["dynamodb", "photos_bucket", "s3", "site_bucket", "state_table"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE: Any = {"width": 390, "height": 844}
ARTIFACTS = ROOT / "artifacts"


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def png(width: int = 2, height: int = 2) -> bytes:
    """A real (tiny) PNG image, made here rather than shipped."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    rows = b"".join(b"\x00" + b"\x20\x80\xc0" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@dataclass
class Stack:
    site_url: str
    api_url: str
    upload_origin: str
    guest: GuestPagePublisher
    crew: CrewPagePublisher
    tokens: CrewTokens
    dynamodb: Any
    s3: Any
    photos_bucket: str

    def publish(self, booking: Booking) -> tuple[str, str]:
        """Store the booking as the worker would, publish both pages and record the guest page
        step's result (the slug the API accepts); (guest URL, crew URL)."""
        store_booking(self.dynamodb, booking)
        ctx = StepContext(
            booking=booking, previous=None, external_ids={}, idempotency_key=f"{booking.key}:t"
        )
        guest = self.guest.publish(ctx)
        store_booking(self.dynamodb, booking, guest_page=guest)
        return guest["url"], self.crew.publish(ctx)["url"]

    def member_link(self, booking: Booking, crew_id: str, crew_url: str) -> str:
        """The crew sheet link in one member's crew email, with their own token."""
        token = self.tokens.issue(booking.key, crew_id, booking.end + timedelta(days=1))
        return member_sheet(crew_url, token)

    def photos(self) -> list[dict[str, Any]]:
        listing = self.s3.list_objects_v2(Bucket=self.photos_bucket, Prefix="photos/")
        return list(listing.get("Contents", []))


@pytest.fixture
def stack(s3, dynamodb, state_table, site_bucket, photos_bucket) -> Iterator[Stack]:
    with SiteServer(s3=s3, bucket=site_bucket).running() as site:
        config = LinksApiConfig(
            table_name=state_table, photos_bucket=photos_bucket, site_base_url=site.base_url
        )
        links = LinksApiServer(LinksApi.build(config, dynamodb=dynamodb, s3=s3))
        with links.running() as api:
            allow_uploads_from(s3, photos_bucket, site.base_url)
            pages = SiteBucket(s3=s3, bucket=site_bucket, base_url=site.base_url)
            yield Stack(
                site_url=site.base_url,
                api_url=api.base_url,
                upload_origin=upload_origin(s3, photos_bucket),
                guest=GuestPagePublisher(
                    site=pages,
                    fleet=default_fleet(),
                    signing_key=SIGNING_KEY,
                    links_api_base_url=api.base_url,
                    photos_upload_origin=upload_origin(s3, photos_bucket),
                ),
                crew=CrewPagePublisher(
                    site=pages,
                    fleet=default_fleet(),
                    signing_key=SIGNING_KEY,
                    links_api_base_url=api.base_url,
                ),
                tokens=CrewTokens(table_name=state_table, dynamodb=dynamodb),
                dynamodb=dynamodb,
                s3=s3,
                photos_bucket=photos_bucket,
            )


@pytest.fixture
def browser(tmp_path: Path):
    """Opens a fresh headless Chromium profile; ``browser(javascript=False)`` for a no-JS one."""
    executable = require_executable(CHROMIUM, "the browser tests drive Debian's chromium")
    from playwright.sync_api import sync_playwright

    contexts: list[Any] = []
    with sync_playwright() as playwright:

        def open_context(*, javascript: bool = True):
            context = playwright.chromium.launch_persistent_context(
                str(tmp_path / f"profile-{len(contexts)}"),
                executable_path=executable,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport=PHONE,
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                java_script_enabled=javascript,
            )
            contexts.append(context)
            return context

        yield open_context
        for context in contexts:
            context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

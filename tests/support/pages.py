"""Fixtures and helpers for the page, link and browser tests: the table, buckets and bookings
laid out exactly as docs/contracts.md says, on moto's server."""

import os
import shutil
from collections.abc import Mapping
from typing import Any

import boto3
import pytest

from bookings import Booking
from bookings.slugs import CREW_PAGE_STEP, GUEST_PAGE_STEP, guest_slug
from sandbox.table import create_table
from state.store import StateStore
from tests.support.leases import take_lease

TABLE = "charterhand-state"
SITE_BUCKET = "charterhand-site"
PHOTOS_BUCKET = "charterhand-photos"
SIGNING_KEY = b"test-link-signing-key-0123456789"


def require_executable(path: str, why: str) -> str:
    """The executable, or a visible skip; under CI=true a missing one fails the test instead."""
    found = shutil.which(path)
    if found:
        return found
    message = f"{path} is not installed: {why}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI must have it)")
    pytest.skip(message)


@pytest.fixture
def dynamodb(aws):
    return boto3.client("dynamodb")


@pytest.fixture
def s3(aws):
    return boto3.client("s3")


@pytest.fixture
def state_table(dynamodb) -> str:
    """The state table as terraform makes it (pk/sk strings, TTL on expires_at)."""
    create_table(dynamodb, TABLE)
    return TABLE


@pytest.fixture
def site_bucket(s3) -> str:
    s3.create_bucket(Bucket=SITE_BUCKET)
    return SITE_BUCKET


@pytest.fixture
def photos_bucket(s3) -> str:
    s3.create_bucket(Bucket=PHOTOS_BUCKET)
    return PHOTOS_BUCKET


def store_booking(
    dynamodb: Any,
    booking: Booking,
    table: str = TABLE,
    *,
    guest_page: Mapping[str, str] | None = None,
    crew_page: Mapping[str, str] | None = None,
) -> None:
    """Store the booking state as the worker does: through its store, under a lease it releases;
    with ``guest_page``, also what its guest page step recorded (``{"key": "g/<slug>.html"}``);
    with ``crew_page``, its crew page step's (``{"key": "crew/<page id>.html"}``)."""
    store = StateStore(table, dynamodb)
    take_lease(store, booking.key, state=booking, owner="test", seconds=30)
    published = {
        step: ids
        for step, ids in ((GUEST_PAGE_STEP, guest_page), (CREW_PAGE_STEP, crew_page))
        if ids is not None
    }
    if not published:
        store.release(booking.key, owner="test")
        return
    record = store.load(booking.key)
    steps = {
        step: record.step(step).published_as("h", booking, ids) for step, ids in published.items()
    }
    store.record(booking.key, steps, fence=record.fence, release=True)


def publish_booking(dynamodb: Any, booking: Booking, table: str = TABLE) -> str:
    """Store the booking with its guest page published at its HMAC slug; returns the slug."""
    slug = guest_slug(SIGNING_KEY, booking.key)
    store_booking(dynamodb, booking, table, guest_page={"key": f"g/{slug}.html"})
    return slug


def stored_answer(
    dynamodb: Any, booking_key: str, crew_id: str, table: str = TABLE
) -> dict[str, str]:
    """The crew answer item's attributes ({} when there is none)."""
    item = dynamodb.get_item(
        TableName=table,
        Key={"pk": {"S": f"booking#{booking_key}"}, "sk": {"S": f"answer#{crew_id}"}},
        ConsistentRead=True,
    ).get("Item")
    return {k: str(next(iter(v.values()))) for k, v in (item or {}).items()}

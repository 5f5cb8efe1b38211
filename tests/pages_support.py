"""Fixtures and helpers for the page, link and browser tests: the table, buckets and bookings
laid out exactly as docs/contracts.md says, on moto's server."""

import os
import shutil
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from bookings import Booking

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
    """The state table per docs/contracts.md: pk/sk strings, TTL on expires_at."""
    dynamodb.create_table(
        TableName=TABLE,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_time_to_live(
        TableName=TABLE,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )
    return TABLE


@pytest.fixture
def site_bucket(s3) -> str:
    s3.create_bucket(Bucket=SITE_BUCKET)
    return SITE_BUCKET


@pytest.fixture
def photos_bucket(s3) -> str:
    s3.create_bucket(Bucket=PHOTOS_BUCKET)
    return PHOTOS_BUCKET


def store_booking(dynamodb: Any, booking: Booking, table: str = TABLE) -> None:
    """The booking state item, as the worker writes it (docs/contracts.md)."""
    dynamodb.put_item(
        TableName=table,
        Item={
            "pk": {"S": f"booking#{booking.key}"},
            "sk": {"S": "state"},
            "booking": {"S": booking.model_dump_json()},
            "as_of": {"S": booking.as_of.isoformat()},
            "updated_at": {"S": datetime.now(UTC).isoformat()},
        },
    )


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

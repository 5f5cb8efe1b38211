"""Bookings that will sail soon: the crew check's read of the sparse index ``upcoming``.

The index (:data:`state.keys.UPCOMING_INDEX`) holds only the state items of confirmed or modified
bookings (:func:`state.store.upcoming_attributes`), keyed by boat and start (UTC), so the hourly
crew check asks one Query per boat for the bookings starting in a window, instead of scanning
the table (which also holds tokens, deliveries and SES's events). The index is eventually
consistent: each key found is read again from the table, strongly, before anything is sent.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import classify
from state import keys
from state.store import utc_iso

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class UpcomingBookings:
    """The keys of bookings of one boat starting between two times."""

    def __init__(self, table_name: str, dynamodb: "DynamoDBClient") -> None:
        self.table_name = table_name
        self.dynamodb = dynamodb

    def starting(self, boat: str, after: datetime, until: datetime) -> list[str]:
        """Booking keys of ``boat`` whose charter starts in ``[after, until]``, soonest first."""
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": keys.UPCOMING_INDEX,
            "KeyConditionExpression": "#boat = :boat AND #start BETWEEN :after AND :until",
            "ExpressionAttributeNames": {
                "#boat": keys.UPCOMING_BOAT,
                "#start": keys.UPCOMING_START,
            },
            "ExpressionAttributeValues": {
                ":boat": {"S": boat},
                ":after": {"S": utc_iso(after)},
                ":until": {"S": utc_iso(until)},
            },
        }
        found: list[str] = []
        while True:
            try:
                page = self.dynamodb.query(**request)
            except (ClientError, BotoCoreError) as exc:
                raise classify(exc, "reading upcoming bookings", step="crew_check") from exc
            found += [keys.booking_key_of(item[keys.PK]["S"]) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

"""Guests' photos as the worker heard of them (S3's ObjectCreated events on the photos bucket):
which arrived for a booking, per day, so ``charterhand status`` counts them without reading the
bucket, and the manager's "new photos" email says how many came that day.

One item per booking and day (:func:`state.keys.photo_arrivals_key`) holding the photos' names as
a string set: adding a name twice (S3 delivers an event at least once; a replay) counts it once.
A day holds at most a day of uploads (the links API grants ``photo_uploads_per_hour``), so the
item stays far below DynamoDB's item size.
"""

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import classify
from state import keys

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class PhotoArrivals:
    """Records arrived photos and counts them."""

    def __init__(self, *, table_name: str, dynamodb: "DynamoDBClient") -> None:
        self.table_name = table_name
        self.dynamodb = dynamodb

    def record(self, booking_key: str, day: str, name: str) -> int:
        """Add one photo (its object name) to the booking's day; how many that day holds now."""
        try:
            answer = self.dynamodb.update_item(
                TableName=self.table_name,
                Key=keys.photo_arrivals_key(booking_key, day),
                UpdateExpression="ADD #names :name",
                ExpressionAttributeNames={"#names": "names"},
                ExpressionAttributeValues={":name": {"SS": [name]}},
                ReturnValues="ALL_NEW",
            )
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, "recording an arrived photo", step="photos") from exc
        return len(answer.get("Attributes", {}).get("names", {}).get("SS", []))

    def count(self, booking_key: str) -> int:
        """Every photo that arrived for the booking, all days together.

        For operators (``status``): errors come as boto3 raised them, for the tool to explain.
        """
        total = 0
        pages = self.dynamodb.get_paginator("query").paginate(
            TableName=self.table_name,
            KeyConditionExpression=f"{keys.PK} = :pk AND begins_with({keys.SK}, :arrived)",
            ExpressionAttributeValues={
                ":pk": {"S": keys.booking_pk(booking_key)},
                ":arrived": {"S": keys.ARRIVED},
            },
        )
        for page in pages:
            total += sum(len(item.get("names", {}).get("SS", [])) for item in page["Items"])
        return total

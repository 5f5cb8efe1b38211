"""The email publishers' delivery log in the state table: what was sent under which key.

One item per message: ``pk = delivery#<idempotency key>:<recipient>``, ``sk = delivery``, with the
SES message id and a TTL (``expires_at``) well past any redelivery. Its own partition, so it never
mixes with a booking's state item.
"""

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import translate

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PREFIX = "delivery#"


class DynamoDeliveryLog:
    """``publishers.base.DeliveryLog`` backed by the DynamoDB state table."""

    def __init__(
        self,
        table_name: str,
        client: "DynamoDBClient | None" = None,
        *,
        keep_days: int = 35,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table_name = table_name
        self._client = client or boto3.client("dynamodb")
        self._keep_seconds = keep_days * 86400
        self._clock = clock

    def recall(self, key: str) -> str | None:
        try:
            answer = self._client.get_item(
                TableName=self.table_name,
                Key={"pk": {"S": PREFIX + key}, "sk": {"S": "delivery"}},
                ConsistentRead=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "DynamoDB (delivery log)") from exc
        item = answer.get("Item")
        return item["message_id"]["S"] if item else None

    def record(self, key: str, message_id: str) -> None:
        now = int(self._clock())
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item={
                    "pk": {"S": PREFIX + key},
                    "sk": {"S": "delivery"},
                    "message_id": {"S": message_id},
                    "sent_at": {"N": str(now)},
                    "expires_at": {"N": str(now + self._keep_seconds)},
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "DynamoDB (delivery log)") from exc

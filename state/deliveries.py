"""The email publishers' delivery log in the state table: what was sent under which key.

One item per message: ``pk = delivery#<idempotency key>:<recipient>``, ``sk = delivery``: first a
*sending* mark (``state = sending``, ``marked_at``) written before the call, then the SES message
id (``state = sent``); a TTL (``expires_at``) well past any redelivery. Its own partition, so it
never mixes with a booking's state item. What SES reported about a send comes from its events,
recorded by :mod:`worker.ses_events` under the send's tag (``publishers.deliveries``).
"""

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import error_code, translate
from publishers.deliveries import DEFAULT_REPORT_WAIT_SECONDS, delivery_tag
from worker.ses_events import SesEventLog

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PREFIX = "delivery#"
SYSTEM = "DynamoDB (delivery log)"


class DynamoDeliveryLog:
    """``publishers.base.DeliveryLog`` backed by the DynamoDB state table."""

    def __init__(
        self,
        table_name: str,
        client: "DynamoDBClient | None" = None,
        *,
        keep_days: int = 35,
        report_wait_seconds: float = DEFAULT_REPORT_WAIT_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table_name = table_name
        self._client = client or boto3.client("dynamodb")
        self._keep_seconds = keep_days * 86400
        self._clock = clock
        self.report_wait_seconds = report_wait_seconds
        self._events = SesEventLog(table_name, self._client, keep_days=keep_days, clock=clock)

    def recall(self, key: str) -> str | None:
        item = self._get(key)
        return item["message_id"]["S"] if item and "message_id" in item else None

    def record(self, key: str, message_id: str) -> None:
        now = int(self._clock())
        self._put(
            {
                **self._key(key),
                "state": {"S": "sent"},
                "message_id": {"S": message_id},
                "sent_at": {"N": str(now)},
                "expires_at": {"N": str(now + self._keep_seconds)},
            }
        )

    def mark(self, key: str) -> float | None:
        now = self._clock()
        item = {
            **self._key(key),
            "state": {"S": "sending"},
            "marked_at": {"N": f"{now:.3f}"},
            "expires_at": {"N": str(int(now) + self._keep_seconds)},
        }
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise translate(exc, SYSTEM) from exc
            returned: Any = exc.response.get("Item")  # the mark found (ALL_OLD)
            found: dict[str, Any] = returned or self._get(key) or {}
            marked_at = float(found.get("marked_at", {}).get("N", now))
            return max(0.0, now - marked_at)
        except BotoCoreError as exc:
            raise translate(exc, SYSTEM) from exc
        return None

    def remark(self, key: str) -> None:
        now = self._clock()
        self._put(
            {
                **self._key(key),
                "state": {"S": "sending"},
                "marked_at": {"N": f"{now:.3f}"},
                "expires_at": {"N": str(int(now) + self._keep_seconds)},
            }
        )

    def unmark(self, key: str) -> None:
        try:
            self._client.delete_item(
                TableName=self.table_name,
                Key=self._key(key),
                ConditionExpression="#state = :sending",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":sending": {"S": "sending"}},
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":  # gone or sent: fine
                raise translate(exc, SYSTEM) from exc
        except BotoCoreError as exc:
            raise translate(exc, SYSTEM) from exc

    def reported(self, key: str) -> str | None:
        return self._events.reported(delivery_tag(key))

    # --- internals -----------------------------------------------------------------------------

    @staticmethod
    def _key(key: str) -> dict[str, dict[str, str]]:
        return {"pk": {"S": PREFIX + key}, "sk": {"S": "delivery"}}

    def _get(self, key: str) -> dict[str, Any] | None:
        try:
            answer = self._client.get_item(
                TableName=self.table_name, Key=self._key(key), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, SYSTEM) from exc
        return answer.get("Item")

    def _put(self, item: dict[str, Any]) -> None:
        try:
            self._client.put_item(TableName=self.table_name, Item=item)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, SYSTEM) from exc

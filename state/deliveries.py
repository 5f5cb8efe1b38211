"""The email publishers' delivery log in the state table: what was sent under which key.

One item per message (:func:`state.keys.delivery_key`, by its idempotency key, which names the
recipient too): first a *sending* mark (``state = sending``, ``marked_at``) written before the call,
then the SES message id (``state = sent``); a TTL (``expires_at``) well past any redelivery. Its own
partition, so it never mixes with a booking's state item. What SES reported about a send comes from
its events, recorded (:mod:`state.ses_events`) under the send's tag
(:func:`state.keys.delivery_tag`).
"""

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import error_code, translate
from state import keys
from state.ses_events import SesEventLog
from state.writes import CONDITION_FAILED, Retained, create

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: how long a send whose answer was lost waits for SES's report before it is sent again
#: (:func:`publishers.deliveries.send_once`)
DEFAULT_REPORT_WAIT_SECONDS = 900.0
SYSTEM = "DynamoDB (delivery log)"


class DynamoDeliveryLog(Retained):
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
        super().__init__(table_name, client, keep_days=keep_days, clock=clock)
        self.report_wait_seconds = report_wait_seconds
        self._events = SesEventLog(table_name, self._client, keep_days=keep_days, clock=clock)

    def recall(self, key: str) -> str | None:
        item = self._get(key)
        return item["message_id"]["S"] if item and "message_id" in item else None

    def record(self, key: str, message_id: str) -> None:
        now = int(self._clock())
        self._put(
            {
                **keys.delivery_key(key),
                "state": {"S": "sent"},
                "message_id": {"S": message_id},
                "sent_at": {"N": str(now)},
                **self._expires(now),
            }
        )

    def mark(self, key: str) -> float | None:
        now = self._clock()
        try:
            refused = create(self._client, self.table_name, self._sending(key, now))
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, SYSTEM) from exc
        if refused is None:
            return None
        returned: Any = refused.response.get("Item")  # the mark found (ALL_OLD)
        found: dict[str, Any] = returned or self._get(key) or {}
        marked_at = float(found.get("marked_at", {}).get("N", now))
        return max(0.0, now - marked_at)

    def remark(self, key: str) -> None:
        self._put(self._sending(key, self._clock()))

    def unmark(self, key: str) -> None:
        try:
            self._client.delete_item(
                TableName=self.table_name,
                Key=keys.delivery_key(key),
                ConditionExpression="#state = :sending",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":sending": {"S": "sending"}},
            )
        except ClientError as exc:
            if error_code(exc) != CONDITION_FAILED:  # gone or sent: fine
                raise translate(exc, SYSTEM) from exc
        except BotoCoreError as exc:
            raise translate(exc, SYSTEM) from exc

    def reported(self, key: str) -> str | None:
        return self._events.reported(keys.delivery_tag(key))

    # --- internals -----------------------------------------------------------------------------

    def _sending(self, key: str, now: float) -> dict[str, Any]:
        """The mark written before a send: the send's answer may be lost after it."""
        return {
            **keys.delivery_key(key),
            "state": {"S": "sending"},
            "marked_at": {"N": f"{now:.3f}"},
            **self._expires(now),
        }

    def _get(self, key: str) -> dict[str, Any] | None:
        try:
            answer = self._client.get_item(
                TableName=self.table_name, Key=keys.delivery_key(key), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, SYSTEM) from exc
        return answer.get("Item")

    def _put(self, item: dict[str, Any]) -> None:
        try:
            self._client.put_item(TableName=self.table_name, Item=item)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, SYSTEM) from exc

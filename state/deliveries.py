"""The email publishers' delivery log in the state table: what was sent to whom, once.

One once-record (:mod:`state.once`) per message, keyed by what it sends
(:func:`state.keys.delivery_key`: the recipient's lane, then the message): *in progress* (the
sending mark) written before the call, *completed* with SES's message id after it, the payload's
hash and the booking as the message showed it kept with it, and a TTL (``expires_at``) well past
any redelivery. A lane is one partition, so one query reads every send to one recipient about one
booking. What SES reported about a send comes from its events, recorded (:mod:`state.ses_events`)
under the send's tag (:attr:`state.keys.SendKey.tag`).
"""

import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from aws import clients
from aws.errors import translate
from state import keys
from state.keys import SendKey
from state.once import OnceRecord, OnceTable
from state.ses_events import SesEventLog

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: how long a send whose answer was lost waits for SES's report before it is sent again, and
#: blocks the recipient's later sends (:func:`publishers.deliveries.send_once`)
DEFAULT_REPORT_WAIT_SECONDS = 900.0
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
        self.report_wait_seconds = report_wait_seconds
        client = client or clients.client("dynamodb")
        self._records = OnceTable(
            table_name,
            client,
            failure=partial(translate, system=SYSTEM),
            hold_seconds=report_wait_seconds,
            keep_days=keep_days,
            clock=clock,
        )
        self.table_name = table_name
        self._events = SesEventLog(table_name, client, keep_days=keep_days, clock=clock)

    def lane(self, lane: str) -> list[OnceRecord]:
        return self._records.partition(keys.delivery_pk(lane))

    def mark(self, key: SendKey, *, payload_hash: str, payload: str) -> OnceRecord | None:
        return self._records.begin(
            keys.delivery_key(key), payload_hash=payload_hash, payload=payload
        )

    def remark(self, key: SendKey, found: OnceRecord, *, payload_hash: str, payload: str) -> bool:
        return self._records.take_over(
            keys.delivery_key(key), found, payload_hash=payload_hash, payload=payload
        )

    def record(
        self,
        key: SendKey,
        message_id: str,
        *,
        payload_hash: str | None = None,
        payload: str | None = None,
    ) -> None:
        self._records.complete(
            keys.delivery_key(key), message_id, payload_hash=payload_hash, payload=payload
        )

    def unmark(self, key: SendKey) -> None:
        self._records.abandon(keys.delivery_key(key))

    def reported(self, key: SendKey) -> str | None:
        return self._events.reported(key.tag)

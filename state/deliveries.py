"""The email publishers' delivery log in the state table: what was sent to whom, once.

One once-record (:mod:`state.once`) per message, keyed by what it sends
(:func:`state.keys.delivery_key`: the recipient's lane, then the message): *in progress* (the
sending mark) written before the call, *completed* with SES's message id after it, the payload's
hash and the booking as the message showed it kept with it, and a TTL (``expires_at``) well past
any redelivery. A lane is one partition, so one query reads every send to one recipient about one
booking. What SES reported about a send comes from its events, recorded (:mod:`state.ses_events`)
under the send's tag (:attr:`state.keys.SendKey.tag`).

A crew email step's first sends are marked together, with the members' crew tokens, in one
transaction (:meth:`DynamoDeliveryLog.mark_together`), and a crew email step's sends (one per
member) have their message ids recorded together (:meth:`DynamoDeliveryLog.record_together`):
one request for the whole crew instead of one per member.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from aws import clients
from aws.errors import translate
from state import keys
from state.crew_tokens import TokenDraft
from state.keys import SendKey
from state.once import Begin, Completion, OnceRecord, OnceTable
from state.ses_events import SesEventLog

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: how long a send whose answer was lost waits for SES's report before it is sent again, and
#: blocks the recipient's later sends (:func:`publishers.deliveries.send_once`)
DEFAULT_REPORT_WAIT_SECONDS = 900.0
SYSTEM = "DynamoDB (delivery log)"


@dataclass(frozen=True)
class Mark:
    """A sending mark to write (:meth:`DynamoDeliveryLog.mark_together`)."""

    key: SendKey
    payload_hash: str
    payload: str


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

    def mark_together(
        self, marks: Sequence[Mark], tokens: Sequence[TokenDraft] = ()
    ) -> dict[SendKey, OnceRecord] | None:
        """Mark every send, and store every token, in one write: None when all were written.
        Else nothing was: the marks found where ours were to go, by key (a send not among them
        was not refused: mark it again). The tokens are new random ids; no one else writes a
        first send's mark while the booking's lease is held, so the transaction meets no other
        writer on a booking working as it should."""
        found = self._records.begin_together(
            [Begin(keys.delivery_key(m.key), m.payload_hash, m.payload) for m in marks],
            [(token.table_name, token.item) for token in tokens],
        )
        if found is None:
            return None
        return {
            mark.key: record
            for mark, record in zip(marks, found, strict=True)
            if record is not None
        }

    def record_together(self, sends: Sequence[tuple[SendKey, str]]) -> None:
        """Record each send's message id (``sends``: key, message id), in one write; a send
        another attempt recorded meanwhile keeps its record."""
        self._records.complete_together(
            [Completion(keys.delivery_key(key), message_id) for key, message_id in sends]
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

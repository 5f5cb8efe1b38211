"""Forwarding confirmations in the state table: claimed once, marked mailed, listed for ``status``.

One once-record (:mod:`state.once`) per confirmation mail (:func:`state.keys.confirmation_key`),
with what the mail said, shown by ``charterhand status`` for ``SHOW_DAYS`` days; its TTL removes it
a day after that. :mod:`worker.confirmations`
mails the link and code to the manager between :meth:`ConfirmationRecords.claim` and
:meth:`ConfirmationRecords.mailed`.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from aws.errors import classify
from bookings import TransientError
from state import keys
from state.once import OnceTable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SHOW_DAYS = 7
#: how long one worker's claim on mailing a confirmation holds before another may take over
CLAIM_SECONDS = 60
DOING = "recording a forwarding confirmation"
BUSY = "another worker is mailing this forwarding confirmation"


class ConfirmationBusy(TransientError):
    """Another worker is mailing this confirmation right now: look again later."""


@dataclass(frozen=True)
class PendingConfirmation:
    """One confirmation as ``status`` shows it."""

    provider: str
    mailbox: str
    code: str
    link: str
    received_at: str
    email_id: str


class ConfirmationRecords:
    """The forwarding confirmations' items: who mails each one, and that it was mailed. Each is
    a once-record (:mod:`state.once`): in progress while a worker mails it, completed with SES's
    message id."""

    def __init__(
        self,
        *,
        table_name: str,
        dynamodb: "DynamoDBClient",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table_name = table_name
        self.dynamodb = dynamodb
        self.clock = clock
        self._records = OnceTable(
            table_name,
            dynamodb,
            failure=partial(classify, doing=DOING, step="confirmation"),
            hold_seconds=CLAIM_SECONDS,
            keep_days=SHOW_DAYS + 1,
            clock=clock,
        )

    def claim(self, email_id: str, *, provider: str, mailbox: str, code: str, link: str) -> bool:
        """Take the confirmation for this worker; False when it was already mailed.

        The first delivery creates the record in progress (a put that fails for a record
        already there, returning it); a claim whose worker died is taken over once it expires
        (``CLAIM_SECONDS``), over the start it had, so only one worker ever takes it over.
        Raises :class:`ConfirmationBusy` while another worker's claim holds.
        """
        shown = {
            "provider": {"S": provider},
            "mailbox": {"S": mailbox},
            "code": {"S": code},
            "link": {"S": link},
            "received": {"N": f"{self.clock():.3f}"},
        }
        key = keys.confirmation_key(email_id)
        found = self._records.begin(key, extra=shown)
        if found is None:
            return True
        if found.completed:
            return False
        if not found.expired or not self._records.take_over(key, found):
            raise ConfirmationBusy(BUSY, step="confirmation")
        return True

    def mailed(self, email_id: str, message_id: str) -> None:
        """The confirmation went out as SES's ``message_id``: nobody mails it again."""
        self._records.complete(keys.confirmation_key(email_id), message_id)


def pending_confirmations(
    client: "DynamoDBClient", table_name: str, now: datetime, days: int = SHOW_DAYS
) -> list[PendingConfirmation]:
    """Confirmations received in the last ``days`` days, newest first."""
    since = (now - timedelta(days=days)).timestamp()
    request: dict[str, Any] = {
        "TableName": table_name,
        "FilterExpression": f"{keys.SK} = :sk AND received > :since",
        "ExpressionAttributeValues": {
            ":sk": {"S": keys.CONFIRMATION_SK},
            ":since": {"N": f"{since:.3f}"},
        },
    }
    found: list[tuple[float, PendingConfirmation]] = []
    while True:
        page = client.scan(**request)
        for item in page.get("Items", []):
            received = float(item["received"]["N"])
            found.append((received, _pending(item, received)))
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return [confirmation for _, confirmation in sorted(found, key=lambda f: f[0], reverse=True)]


def _pending(item: dict[str, Any], received: float) -> PendingConfirmation:
    return PendingConfirmation(
        provider=item.get("provider", {}).get("S", ""),
        mailbox=item.get("mailbox", {}).get("S", ""),
        code=item.get("code", {}).get("S", ""),
        link=item.get("link", {}).get("S", ""),
        received_at=datetime.fromtimestamp(received, UTC).isoformat(timespec="seconds"),
        email_id=keys.email_id_of(item[keys.PK]["S"]),
    )

"""Forwarding confirmations in the state table: claimed once, marked mailed, listed for ``status``.

One item per confirmation mail (:func:`state.keys.confirmation_key`), shown by ``charterhand
status`` for ``SHOW_DAYS`` days; its TTL removes it a day after that. :mod:`worker.confirmations`
mails the link and code to the manager between :meth:`ConfirmationRecords.claim` and
:meth:`ConfirmationRecords.mailed`.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import classify, error_code
from bookings import TransientError
from state import keys
from state.writes import CONDITION_FAILED, create

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
    """The forwarding confirmations' items: who mails each one, and that it was mailed."""

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

    def claim(self, email_id: str, *, provider: str, mailbox: str, code: str, link: str) -> bool:
        """Take the confirmation for this worker; False when it was already mailed.

        The first delivery creates the record (a put that fails for a record already there,
        returning it); a claim whose worker died is taken over once it expires
        (``CLAIM_SECONDS``), over the expiry it had, so only one worker ever takes it over.
        Raises :class:`ConfirmationBusy` while another worker's claim holds.
        """
        now = self.clock()
        lease = {"N": f"{now + CLAIM_SECONDS:.3f}"}
        item = {
            **keys.confirmation_key(email_id),
            "provider": {"S": provider},
            "mailbox": {"S": mailbox},
            "code": {"S": code},
            "link": {"S": link},
            "received": {"N": f"{now:.3f}"},
            "lease_expires": lease,
            keys.TTL: {"N": str(int(now) + (SHOW_DAYS + 1) * 86400)},
        }
        try:
            refused = create(self.dynamodb, self.table_name, item)
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, DOING, step="confirmation") from exc
        if refused is None:
            return True
        found: Any = refused.response.get("Item") or {}
        if "message_id" in found:
            return False
        held = found.get("lease_expires", {}).get("N")
        if held is not None and float(held) > now:
            raise ConfirmationBusy(BUSY, step="confirmation")
        self._take_over(email_id, lease, held or "0")
        return True

    def mailed(self, email_id: str, message_id: str) -> None:
        """The confirmation went out as SES's ``message_id``: nobody mails it again."""
        try:
            self.dynamodb.update_item(
                TableName=self.table_name,
                Key=keys.confirmation_key(email_id),
                UpdateExpression="SET message_id = :sent REMOVE lease_expires",
                ExpressionAttributeValues={":sent": {"S": message_id}},
            )
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, DOING, step="confirmation") from exc

    def _take_over(self, email_id: str, lease: dict[str, str], held: str) -> None:
        """Claim a confirmation whose claim expired, over the expiry it had."""
        try:
            self.dynamodb.update_item(
                TableName=self.table_name,
                Key=keys.confirmation_key(email_id),
                UpdateExpression="SET lease_expires = :lease",
                ConditionExpression="attribute_not_exists(message_id) AND lease_expires = :held",
                ExpressionAttributeValues={":lease": lease, ":held": {"N": held}},
            )
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                raise ConfirmationBusy(BUSY, step="confirmation") from exc
            raise classify(exc, DOING, step="confirmation") from exc
        except BotoCoreError as exc:
            raise classify(exc, DOING, step="confirmation") from exc


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

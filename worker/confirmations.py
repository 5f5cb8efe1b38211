"""Forwarding confirmations: the link and code go to the manager, once, and wait in the state table.

Nobody has to read raw objects in S3 to finish setting up forwarding: the worker mails Gmail's
confirmation link and code to the manager through SES, once per confirmation mail, and records it
(``pk = forwarding#<email id>``, ``sk = confirmation``) so ``charterhand status`` lists it for
``SHOW_DAYS`` days; its TTL removes it a day after that.

Once: a conditional write claims the confirmation before mailing (two deliveries of one email
worked at once: the second retries later, then finds it mailed), and the delivery log, keyed by
the email's id, keeps a worker that died between mailing and recording from mailing it again.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import classify, error_code
from bookings import TransientError
from publishers.base import DeliveryLog
from publishers.deliveries import send_once
from publishers.transport.mail import Mailer, compose
from state.store import CONDITION_FAILED
from worker.admission import allowlisted
from worker.setup_mail import Confirmation

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PK_PREFIX = "forwarding#"
SK = "confirmation"
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


class ForwardingConfirmations:
    """Sends each confirmation's link and code to the manager, and records it for ``status``."""

    def __init__(
        self,
        *,
        table_name: str,
        dynamodb: "DynamoDBClient",
        mailer: Mailer,
        deliveries: DeliveryLog,
        from_address: str,
        manager_address: str,
        forwarder_allowlist: Sequence[str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table_name = table_name
        self.dynamodb = dynamodb
        self.mailer = mailer
        self.deliveries = deliveries
        self.from_address = from_address
        self.manager_address = manager_address
        self.forwarder_allowlist = list(forwarder_allowlist)
        self.clock = clock

    def handle(self, confirmation: Confirmation, email_id: str) -> str | None:
        """Mail it to the manager and record it; SES's message id, or None when it was already
        mailed (a duplicate delivery). Raises :class:`ConfirmationBusy` while another worker is
        mailing the same confirmation (two deliveries of one email, worked at once)."""
        if not self._claim(confirmation, email_id):
            return None
        key = f"forwarding-confirmation:{email_id}:manager"
        message_id = send_once(
            self.deliveries, key, lambda tag: self._send(confirmation, email_id, tag)
        )
        self._update(
            email_id,
            "SET message_id = :sent REMOVE lease_expires",
            {":sent": {"S": message_id}},
        )
        return message_id

    def _claim(self, confirmation: Confirmation, email_id: str) -> bool:
        """Take the confirmation for this worker; False when it was already mailed.

        The first delivery creates the record (a put that fails for a record already there,
        returning it); a claim whose worker died is taken over once it expires
        (``CLAIM_SECONDS``), over the expiry it had, so only one worker ever takes it over.
        """
        now = self.clock()
        item = {
            **_key(email_id),
            "provider": {"S": confirmation.provider},
            "mailbox": {"S": confirmation.mailbox or ""},
            "code": {"S": confirmation.code or ""},
            "link": {"S": confirmation.link},
            "received": {"N": f"{now:.3f}"},
            "lease_expires": {"N": f"{now + CLAIM_SECONDS:.3f}"},
            "expires_at": {"N": str(int(now) + (SHOW_DAYS + 1) * 86400)},
        }
        try:
            self.dynamodb.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            return True
        except ClientError as exc:
            if error_code(exc) != CONDITION_FAILED:
                raise classify(exc, DOING, step="confirmation") from exc
            found: Any = exc.response.get("Item") or {}
        except BotoCoreError as exc:
            raise classify(exc, DOING, step="confirmation") from exc
        if "message_id" in found:
            return False
        held = found.get("lease_expires", {}).get("N")
        if held is not None and float(held) > now:
            raise ConfirmationBusy(BUSY, step="confirmation")
        try:
            self.dynamodb.update_item(
                TableName=self.table_name,
                Key=_key(email_id),
                UpdateExpression="SET lease_expires = :lease",
                ConditionExpression="attribute_not_exists(message_id) AND lease_expires = :held",
                ExpressionAttributeValues={
                    ":lease": item["lease_expires"],
                    ":held": {"N": held or "0"},
                },
            )
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                raise ConfirmationBusy(BUSY, step="confirmation") from exc
            raise classify(exc, DOING, step="confirmation") from exc
        except BotoCoreError as exc:
            raise classify(exc, DOING, step="confirmation") from exc
        return True

    def _send(self, confirmation: Confirmation, email_id: str, tag: str) -> str:
        who = confirmation.mailbox or "a mailbox"
        code = f" (code {confirmation.code})" if confirmation.code else ""
        subject = f"Confirm {confirmation.provider} forwarding from {who}{code}"
        text = manager_text(confirmation, allowed=self._allowed(confirmation))
        message = compose(
            sender=self.from_address,
            to=self.manager_address,
            subject=subject,
            text=text,
            html=f"<pre style='font-family:inherit;white-space:pre-wrap'>{escape(text)}</pre>",
            headers={
                "X-Charterhand-Kind": "forwarding-confirmation",
                "X-Charterhand-Email": email_id,
            },
        )
        return self.mailer.send(message, system="SES (forwarding confirmation)", tag=tag)

    def _allowed(self, confirmation: Confirmation) -> bool:
        mailbox = confirmation.mailbox
        return mailbox is not None and allowlisted(mailbox, self.forwarder_allowlist)

    def _update(self, email_id: str, expression: str, values: dict[str, Any]) -> None:
        try:
            self.dynamodb.update_item(
                TableName=self.table_name,
                Key=_key(email_id),
                UpdateExpression=expression,
                ExpressionAttributeValues=values,
            )
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, DOING, step="confirmation") from exc


def _key(email_id: str) -> dict[str, Any]:
    return {"pk": {"S": PK_PREFIX + email_id}, "sk": {"S": SK}}


def manager_text(confirmation: Confirmation, *, allowed: bool) -> str:
    """What the manager reads: what to click or type, and whether that mailbox is allowlisted."""
    who = confirmation.mailbox or "A mailbox (its address was not in the mail)"
    lines = [
        f"{who} asked {confirmation.provider} to forward its mail to the bookings inbox.",
        "",
        "To confirm, open this link (it is Google's own confirmation page):",
        confirmation.link,
        "",
    ]
    if confirmation.code:
        lines += [
            f"Or type this confirmation code in {confirmation.provider}'s forwarding settings: "
            f"{confirmation.code}",
            "",
        ]
    if allowed:
        lines.append("This mailbox is in forwarder_allowlist: booking emails it forwards are read.")
    else:
        lines.append(
            "This mailbox is NOT in forwarder_allowlist: booking emails it forwards will be "
            "ignored until it is added. If nobody you know asked for this, do nothing."
        )
    return "\n".join(lines) + "\n"


def pending_confirmations(
    client: "DynamoDBClient", table_name: str, now: datetime, days: int = SHOW_DAYS
) -> list[PendingConfirmation]:
    """Confirmations received in the last ``days`` days, newest first."""
    since = (now - timedelta(days=days)).timestamp()
    request: dict[str, Any] = {
        "TableName": table_name,
        "FilterExpression": "sk = :sk AND received > :since",
        "ExpressionAttributeValues": {":sk": {"S": SK}, ":since": {"N": f"{since:.3f}"}},
    }
    found: list[tuple[float, PendingConfirmation]] = []
    while True:
        page = client.scan(**request)
        for item in page.get("Items", []):
            received = float(item["received"]["N"])
            found.append(
                (
                    received,
                    PendingConfirmation(
                        provider=item.get("provider", {}).get("S", ""),
                        mailbox=item.get("mailbox", {}).get("S", ""),
                        code=item.get("code", {}).get("S", ""),
                        link=item.get("link", {}).get("S", ""),
                        received_at=datetime.fromtimestamp(received, UTC).isoformat(
                            timespec="seconds"
                        ),
                        email_id=item["pk"]["S"].removeprefix(PK_PREFIX),
                    ),
                )
            )
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return [confirmation for _, confirmation in sorted(found, key=lambda f: f[0], reverse=True)]

"""Forwarding confirmations: the link and code go to the manager, once, and wait in the state table.

Nobody has to read raw objects in S3 to finish setting up forwarding: the worker mails Gmail's
confirmation link and code to the manager through SES, once per confirmation mail, and records it
(:mod:`state.confirmations`) so ``charterhand status`` lists it.

Once: a conditional write claims the confirmation before mailing (two deliveries of one email
worked at once: the second retries later, then finds it mailed), and the delivery log, keyed by
what it sends (the email's id, to the manager), keeps a worker that died between mailing and
recording from mailing it again. Both are once-records (:mod:`state.once`).
"""

import time
from collections.abc import Callable, Sequence
from html import escape
from typing import TYPE_CHECKING

from publishers.base import DeliveryLog
from publishers.deliveries import send_once
from publishers.transport.mail import Mailer, compose
from state import keys
from state.confirmations import ConfirmationRecords
from trust.admission import allowlisted
from trust.setup_mail import Confirmation

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


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
        self.records = ConfirmationRecords(table_name=table_name, dynamodb=dynamodb, clock=clock)
        self.mailer = mailer
        self.deliveries = deliveries
        self.from_address = from_address
        self.manager_address = manager_address
        self.forwarder_allowlist = list(forwarder_allowlist)

    def handle(self, confirmation: Confirmation, email_id: str) -> str | None:
        """Mail it to the manager and record it; SES's message id, or None when it was already
        mailed (a duplicate delivery). Raises :class:`state.confirmations.ConfirmationBusy`
        while another worker is mailing the same confirmation (two deliveries of one email,
        worked at once)."""
        if not self._claim(confirmation, email_id):
            return None
        sent = send_once(
            self.deliveries,
            keys.confirmation_send(email_id),
            lambda tag: self._send(confirmation, email_id, tag),
        )
        self.records.mailed(email_id, sent.message_id)
        return sent.message_id

    def _claim(self, confirmation: Confirmation, email_id: str) -> bool:
        """Take the confirmation for this worker; False when it was already mailed."""
        return self.records.claim(
            email_id,
            provider=confirmation.provider,
            mailbox=confirmation.mailbox or "",
            code=confirmation.code or "",
            link=confirmation.link,
        )

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

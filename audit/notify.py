"""The manager hears of each audit finding once, by email, as every other manager email goes.

A finding is sent once through the delivery log (:func:`publishers.deliveries.send_once`), keyed
by what it sends: lane ``audit:<boat>:manager`` (:func:`state.keys.audit_lane`), message
``<kind>:<digest of the finding's key and when it opened>``. The same finding on the next run is
the same key (recalled, nothing sent); a finding that closed (the booking's email arrived, the
feed reads again) and opens again later is news again.

Plain text (its HTML part is that text, escaped): the sentence says what was seen and what the
manager may do; no renter detail is in it (the feeds' SUMMARY is never read into a finding).
"""

from dataclasses import dataclass
from datetime import datetime
from html import escape

from audit.findings import Finding, FindingKind
from publishers.base import DeliveryLog
from publishers.deliveries import send_once
from publishers.transport.mail import Mailer, compose
from state import keys

#: what the manager may do about each kind
ADVICE = {
    FindingKind.MISSED_BOOKING: (
        "Look for the booking email (spam, a mail rule, a forward that did not happen) and "
        "forward it to the bookings address; nothing was changed."
    ),
    FindingKind.GONE_FROM_PLATFORM: (
        "Check the booking on the platform: if it was cancelled or moved, forward that email to "
        "the bookings address; the booking was left as it is."
    ),
    FindingKind.FEED_UNREADABLE: (
        "Check the calendar export URL in the audit's settings; until it reads again, bookings "
        "missing from our mail cannot be noticed on this calendar."
    ),
}
SUBJECTS = {
    FindingKind.MISSED_BOOKING: "A booking we have no email for",
    FindingKind.GONE_FROM_PLATFORM: "A booking gone from the platform's calendar",
    FindingKind.FEED_UNREADABLE: "A platform calendar we cannot read",
}


@dataclass(frozen=True)
class FindingMailSettings:
    from_address: str
    manager_address: str


class FindingMail:
    """Tells the manager of findings, each once."""

    def __init__(
        self, settings: FindingMailSettings, mailer: Mailer, deliveries: DeliveryLog
    ) -> None:
        self._settings = settings
        self._mailer = mailer
        self._deliveries = deliveries

    def tell(self, finding: Finding, opened_at: datetime) -> bool:
        """Send the finding unless it went before: True when it went now."""
        lane = keys.audit_lane(finding.boat or "fleet")
        key = keys.send_key(lane, finding.kind.value, finding.key, opened_at.isoformat())
        subject = f"{SUBJECTS.get(finding.kind, 'The audit found something')}: {finding.boat}"
        lines = [
            finding.sentence + ".",
            "",
            ADVICE.get(finding.kind, "See `charterhand status` for what the audit found."),
        ]
        text = "\n".join(lines) + "\n"
        went: list[str] = []

        def letter(tag: str) -> str:
            message = compose(
                sender=self._settings.from_address,
                to=self._settings.manager_address,
                subject=subject,
                text=text,
                html=f"<pre style='font-family:inherit;white-space:pre-wrap'>{escape(text)}</pre>",
                headers={"X-Charterhand-Kind": f"audit-{finding.kind.value}"},
            )
            message_id = self._mailer.send(message, system="SES (audit)", tag=tag)
            went.append(message_id)
            return message_id

        send_once(self._deliveries, key, letter)
        return bool(went)

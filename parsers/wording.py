"""What an email's subject or headline says it is: a booking event of some kind, or something else.

Only the subject and the body's first line are read, never the rest of the body: a confirmation
says "your payout is scheduled" and has a "Message from Maya" section, and neither makes it a payout
notice or a chat message.
"""

import re

from bookings import Kind

#: mail from a booking platform that is not a booking event, with the reason it is ignored
NOT_BOOKINGS: list[tuple[str, re.Pattern[str]]] = [
    (
        "chat message notification",
        re.compile(
            r"\bnew messages?\b|\bsent you a\b.*\bmessage\b|\bmessaged you\b|\breplied\b"
            r"|\binquir(?:y|ies)\b|\bconversation\b|\bchat\b|\bhas a question\b",
            re.IGNORECASE,
        ),
    ),
    (
        "payout notice",
        re.compile(
            r"\bpayouts?\b|\bpaid out\b|\b(?:you've|you have) been paid\b|\bdirect deposit\b"
            r"|\bpayment (?:sent|is on its way|processed|transferred)\b"
            r"|\bearnings (?:statement|report)\b",
            re.IGNORECASE,
        ),
    ),
    ("review request", re.compile(r"\breviews?\b|\brate your\b|\bhow was\b", re.IGNORECASE)),
    (
        "trip reminder",
        re.compile(r"\breminder\b|\bupcoming (?:trip|booking|charter)\b", re.IGNORECASE),
    ),
    (
        "account notice",
        re.compile(r"\bpassword\b|\bverify your\b|\bsign[- ]?in\b|\blog[- ]?in\b", re.IGNORECASE),
    ),
]

_CONTEXT = re.compile(r"\b(?:booking|reservation|trip|charter|rental|boat|yacht)\b", re.IGNORECASE)
#: checked in this order: "booking request cancelled" is a cancellation
KINDS: list[tuple[Kind, re.Pattern[str]]] = [
    (Kind.CANCELLED, re.compile(r"\bcancel+(?:ed|ation|s)?\b", re.IGNORECASE)),
    (
        Kind.MODIFIED,
        re.compile(
            r"\b(?:modif(?:ied|ication)|changed?|updated?|rescheduled|altered|edited)\b",
            re.IGNORECASE,
        ),
    ),
    (
        Kind.CONFIRMED,
        re.compile(r"\bconfirm(?:ed|ation)\b|\bbooked\b|\baccepted\b|\bapproved\b", re.IGNORECASE),
    ),
    (
        Kind.REQUEST,
        re.compile(r"\brequest(?:ed|s)?\b|\bwants to book\b|\binstant book\b", re.IGNORECASE),
    ),
]
_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|fwd?|fw|tr|wg)\s*:\s*)+", re.IGNORECASE)


def bare_subject(subject: str) -> str:
    """The subject without "Re:", "Fwd:", "FW:" prefixes."""
    return _REPLY_PREFIX.sub("", subject).strip()


def not_a_booking_reason(text: str) -> str | None:
    for reason, pattern in NOT_BOOKINGS:
        if pattern.search(text):
            return reason
    return None


def kind_of(text: str) -> Kind | None:
    """The booking event a subject or headline announces; None when it announces none."""
    if not _CONTEXT.search(text):
        return None
    for kind, pattern in KINDS:
        if pattern.search(text):
            return kind
    return None


def classify(subject: str, headline: str) -> tuple[Kind | None, str | None]:
    """(kind, None) for a booking event, (None, reason) for something else, (None, None) unsure.

    The subject decides first; the headline only when the subject says nothing either way.
    """
    for text in (bare_subject(subject), headline):
        if not text:
            continue
        reason = not_a_booking_reason(text)
        if reason:
            return None, reason
        kind = kind_of(text)
        if kind:
            return kind, None
    return None, None

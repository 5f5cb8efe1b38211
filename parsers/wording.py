"""What an email's subject or headline says it is: a booking event of some kind, or something else.

Only the subject and the body's first lines (above its first field) are read, never the rest of
the body: a confirmation says "your payout is scheduled" and has a "Message from Maya" section,
and neither makes it a payout notice or a chat message.

This module is the parser's vocabulary of kinds: the rules that make an email *not a booking*
(each named, so an operator sees which rule ignored what), the phrases of each booking kind, and
the mail that is about mail (bounces, auto-replies, a mail provider's forwarding confirmation).
Settings can add phrases (``[parsing]``, see ``parsers.vocabulary``) without a deploy.
"""

import re
from collections.abc import Sequence
from typing import Protocol

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
        re.compile(
            r"\breminder\b|\bupcoming (?:trip|booking|charter)\b|\b(?:trip|charter) is (?:tomorrow"
            r"|today|coming up)\b|\bdon't forget\b",
            re.IGNORECASE,
        ),
    ),
    (
        "account notice",
        re.compile(
            r"\bpassword\b|\bverify your\b|\bsign[- ]?in\b|\blog[- ]?in\b|\bwelcome to\b"
            r"|\byour account\b|\bsecurity (?:alert|code)\b|\bverification code\b"
            r"|\bterms of (?:service|use)\b|\bprivacy policy\b"
            r"|\bcomplete your (?:profile|listing)\b",
            re.IGNORECASE,
        ),
    ),
]

#: the rules a word of change outweighs: a reminder, payout or chat notice that says the booking
#: was confirmed, changed or cancelled is about the booking, and read (or refused) as one
OUTWEIGHED = frozenset({"chat message notification", "payout notice", "trip reminder"})
_CHANGES = frozenset({Kind.CONFIRMED, Kind.MODIFIED, Kind.CANCELLED})
CHAT = "chat message notification"

#: mail about mail, recognised on the message that reached us: (rule, pattern over its subject)
FORWARDING_CONFIRMATION = re.compile(
    r"forwarding confirmation|confirm (?:your )?(?:email )?forwarding|forwarding (?:request|"
    r"verification)|verify (?:your )?forwarding|receive mail from",
    re.IGNORECASE,
)
#: senders of forwarding confirmations (Gmail's; Outlook's come from Microsoft's accounts)
FORWARDING_SENDERS = re.compile(
    r"^(?:forwarding-noreply@google\.com|[^@]+@(?:accountprotection\.)?microsoft\.com)$",
    re.IGNORECASE,
)
BOUNCE_SUBJECT = re.compile(
    r"\bundeliverable\b|\bundelivered\b|delivery status notification|\bdelivery (?:has )?failed\b"
    r"|mail delivery (?:failed|failure|subsystem)|returned mail|failure notice|\bnot delivered\b"
    r"|unzustellbar|non remis|no entregado",
    re.IGNORECASE,
)
BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster)@", re.IGNORECASE)
AUTO_REPLY_SUBJECT = re.compile(
    r"^(?:automatic reply|auto(?:matic)?[- ]?reply|autoreply|out of (?:the )?office|abwesenheit"
    r"|réponse automatique|respuesta automática|risposta automatica|resposta automática"
    r"|automatisch antwoord|automatisk svar|automaattinen vastaus)\b",
    re.IGNORECASE,
)

_CONTEXT = re.compile(
    r"\b(?:booking|booked|reservation|reserved|trip|charter|rental|boat|yacht|request(?:ed)?)\b"
    r"|\bbook\b|\bcancel+(?:ed|ation)\b",
    re.IGNORECASE,
)
#: checked in this order: "booking request cancelled" is a cancellation, "request to change" a
#: modification, and a request is only a request when nothing later says it was answered
KINDS: list[tuple[Kind, re.Pattern[str]]] = [
    (
        Kind.CANCELLED,
        re.compile(
            r"\bcancel+(?:ed|ation|s|ing)?\b|\bcalled off\b|\bwithdrawn\b|\bno longer (?:happening"
            r"|booked)\b|\bdeclined\b|\brefunded\b|\bvoided\b",
            re.IGNORECASE,
        ),
    ),
    (
        Kind.MODIFIED,
        re.compile(
            r"\b(?:modif(?:ied|ication|y)|changed?|changes|updated?|rescheduled?|reschedul(?:ing|e)"
            r"|altered|alteration|edited|amended|amendment|extended|extension|moved"
            r"|new (?:date|time))\b",
            re.IGNORECASE,
        ),
    ),
    (
        Kind.CONFIRMED,
        re.compile(
            r"\bconfirm(?:ed|ation|s)?\b|\bbooked\b|\baccepted\b|\bapproved\b|\breserved\b"
            r"|\bis (?:set|a go|all set)\b|\ball set\b|\bsecured\b|\bcompleted? booking\b"
            r"|\bbooking (?:complete|completed|made|placed|is in)\b|\bnew booking\b(?! request)"
            r"|\byou(?:'ve| have) (?:got|a) (?:a )?new booking\b|\bit's a go\b",
            re.IGNORECASE,
        ),
    ),
    (
        Kind.REQUEST,
        re.compile(
            r"\brequest(?:ed|s|ing)?\b|\bwants to book\b|\bwould like to book\b|\binstant book\b"
            r"|\bpending\b|\bawaiting (?:your )?(?:approval|response|reply)\b|\baction required\b"
            r"|\b(?:can|could|may) .{1,60}\bbook\b.*\?|\b(?:accept|approve) (?:this|the|a) "
            r"(?:booking|trip|reservation)\b|\brespond to\b|\bneeds your (?:approval|response)\b",
            re.IGNORECASE,
        ),
    ),
]
_REPLY_PREFIX = re.compile(
    r"^(?:\s*[\[(]?(?:re|aw|sv|vs|fwd?|fw|tr|wg|rv|enc|i|pd|vb|vl|rif|doorst|videresend|İlt|trs"
    r"|πρθ|пересл|转发|轉寄|転送|전달)[\])]?\s*[:：]\s*)+",
    re.IGNORECASE,
)


def bare_subject(subject: str) -> str:
    """The subject without "Re:", "Fwd:", "FW:" prefixes."""
    return _REPLY_PREFIX.sub("", subject).strip()


def not_a_booking_reason(text: str, extra: "Phrases | None" = None) -> str | None:
    for reason, pattern in NOT_BOOKINGS:
        if pattern.search(text):
            return reason
    if extra is not None:
        return extra.not_a_booking(text)
    return None


def notice_of(
    sender: str | None, subject: str, content_type: str, headers: dict[str, str]
) -> str | None:
    """The rule that makes the message that reached us mail about mail, or None.

    ``headers`` holds Auto-Submitted, X-Autoreply, X-Autorespond and Precedence, lowercased.
    Only "auto-replied" counts: platforms mark their own transactional mail "auto-generated".
    """
    if (
        sender is None or FORWARDING_SENDERS.match(sender) or "forward" in subject.lower()
    ) and FORWARDING_CONFIRMATION.search(subject):
        return "forwarding confirmation"
    if content_type == "multipart/report" or (sender and BOUNCE_SENDER.match(sender)):
        return "bounce"
    # the sender first: the subject's pattern (a dozen phrases, any case) costs more to try
    if sender is not None and "daemon" in sender.lower() and BOUNCE_SUBJECT.search(subject):
        return "bounce"
    if headers.get("auto-submitted", "").startswith("auto-replied"):
        return "auto-reply"
    if headers.get("x-autoreply") or headers.get("x-autorespond"):
        return "auto-reply"
    if headers.get("precedence") == "auto_reply" or AUTO_REPLY_SUBJECT.search(subject):
        return "auto-reply"
    return None


def kind_of(text: str, extra: "Phrases | None" = None) -> Kind | None:
    """The booking event a subject or headline announces; None when it announces none.

    Settings' phrases come first: an operator adds one because ours misread or missed it.
    """
    if extra is not None and (taught := extra.kind_of(text)) is not None:
        return taught
    if not _CONTEXT.search(text):
        return None
    for kind, pattern in KINDS:
        if pattern.search(text):
            return kind
    return None


def classify(
    subject: str, headlines: Sequence[str], extra: "Phrases | None" = None
) -> tuple[Kind | None, str | None]:
    """(kind, None) for a booking event, (None, reason) for something else, (None, None) unsure.

    The subject decides first; the headlines (the body's lines above its first field) only when
    the subject says nothing either way. Evidence is exclusive: a reminder's, payout's or chat's
    words count only when none of these texts says the booking was confirmed, changed or
    cancelled ("Your upcoming trip has been confirmed" is a confirmation, however bare). A chat
    notice's body is the renter's words ("can we change the time?"): only its subject outweighs.
    """
    bare = bare_subject(subject)
    texts = [text for text in (bare, *headlines) if text]
    kinds = [kind_of(text, extra) for text in texts]
    changed = any(kind in _CHANGES for kind in kinds)
    said = kinds[0] in _CHANGES if bare else False  # texts[0] is the subject when it says any
    for text, kind in zip(texts, kinds, strict=True):
        reason = not_a_booking_reason(text, extra)
        if reason and not (said if reason == CHAT else changed and reason in OUTWEIGHED):
            return None, reason
        if kind:
            return kind, None
    return None, None


class Phrases(Protocol):
    """Phrases an operator taught in settings (``parsers.vocabulary.Vocabulary``)."""

    def kind_of(self, text: str) -> Kind | None: ...

    def not_a_booking(self, text: str) -> str | None: ...

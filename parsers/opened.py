"""One email decoded and unwrapped once: for callers that both read its envelope and parse it."""

from dataclasses import dataclass
from datetime import datetime
from email.message import Message

from parsers.forwarding import Original, unwrap
from parsers.mime import decode_message, header_date
from parsers.registry import is_platform
from parsers.vocabulary import BUILT_IN, Vocabulary


@dataclass(frozen=True)
class OpenedEmail:
    """The raw message as decoded, the platform's original found inside it, and the message's
    own Date header as read (both unwrapping and the receipt need it: it is parsed once)."""

    message: Message
    original: Original
    date: datetime | None


def open_email(raw: bytes | OpenedEmail, vocabulary: Vocabulary = BUILT_IN) -> OpenedEmail:
    """Decode ``raw`` and find its original. An opened email is returned as is. Raises only a
    ``ParseError``, for MIME nested too deep to decode (``parsers.nesting``)."""
    if isinstance(raw, OpenedEmail):
        return raw
    message = decode_message(raw)
    date = header_date(message)
    return OpenedEmail(message, unwrap(message, is_platform, vocabulary, msg_date=date), date)

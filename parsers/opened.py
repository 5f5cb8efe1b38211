"""One email decoded and unwrapped once: for callers that both read its envelope and parse it."""

from dataclasses import dataclass
from email.message import Message

from parsers.forwarding import Original, unwrap
from parsers.mime import decode_message
from parsers.registry import is_platform
from parsers.vocabulary import BUILT_IN, Vocabulary


@dataclass(frozen=True)
class OpenedEmail:
    """The raw message as decoded, and the platform's original found inside it."""

    message: Message
    original: Original


def open_email(raw: bytes | OpenedEmail, vocabulary: Vocabulary = BUILT_IN) -> OpenedEmail:
    """Decode ``raw`` and find its original. An opened email is returned as is. Raises only a
    ``ParseError``, for MIME nested too deep to decode (``parsers.nesting``)."""
    if isinstance(raw, OpenedEmail):
        return raw
    message = decode_message(raw)
    return OpenedEmail(message, unwrap(message, is_platform, vocabulary))

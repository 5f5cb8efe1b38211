"""Raw MIME → headers and body text, tolerant of what real mail does to both.

Uses the standard library's ``email`` package with the lenient ``compat32`` policy: it never raises
on malformed input (defects are recorded instead), it is four times faster than the modern policy,
and the few header helpers that can raise are wrapped here, once.
"""

import email
import email.errors
import email.header
import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from functools import lru_cache

from parsers.mime_feed import BoundaryFeedParser
from parsers.nesting import check_nesting

#: charsets that mail software labels as Latin-1 but fills with Windows-1252 (as browsers assume)
_LATIN1_LABELS = {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin-1", "latin1", "l1"}
_CHARSET_NAME = re.compile(r"[a-z0-9][a-z0-9_.:-]{0,39}")
#: refuse to decode bodies beyond this: a booking email is a few tens of kilobytes
MAX_BODY_BYTES = 2_000_000
#: a header is cut to this many characters before its encoded words are decoded (decoding is
#: far from linear: a 2 MB Subject took 20-40 s). Four folded lines of RFC 5322's 998 each; a
#: booking email's Subject, From or Date is a small fraction of it.
MAX_HEADER_CHARS = 4000


@dataclass
class Bodies:
    """The readable alternatives of one message, and the messages attached to it whole."""

    text: str | None = None
    html: str | None = None
    attached: list[Message] = field(default_factory=list)


#: bytes fed to the MIME parser at a time
FEED_CHUNK = 64 * 1024


def decode_message(raw: bytes) -> Message:
    """Parse raw bytes. Raises a ``ParseError`` for MIME nested deeper than any mail client
    writes (``parsers.nesting``), before the parser recurses into it; nothing else (compat32
    records defects instead).

    What ``email.message_from_bytes`` does, without first decoding the whole email into one
    ``str`` (a second copy of up to 40 MB): the same parser is fed a chunk at a time, and
    compiles no pattern per boundary (``parsers.mime_feed``).
    """
    check_nesting(raw)
    parser = BoundaryFeedParser()
    for start in range(0, len(raw), FEED_CHUNK):
        parser.feed(raw[start : start + FEED_CHUNK])
    return parser.close()


def decode_headers(raw: bytes) -> Message:
    """Only the header block of ``raw``, parsed as :func:`decode_message` parses it (compat32):
    for a caller that reads headers alone, the body is never split or decoded."""
    return BytesHeaderParser(policy=compat32).parsebytes(header_block(raw))


def header_block(raw: bytes) -> bytes:
    """The raw email up to its first empty line: all a header parser needs. (Given the whole of a
    40 MB email, the standard library's header parser still decodes and splits all of it.)"""
    ends = [i for i in (raw.find(b"\n\n"), raw.find(b"\n\r\n")) if i >= 0]
    return raw[: min(ends) + 1] if ends else raw


def header_text(msg: Message, name: str) -> str:
    """A header as readable text, RFC 2047 words decoded; "" when absent or unreadable."""
    value = msg.get(name)
    if value is None:
        return ""
    return decode_words(value)


def decode_words(value: object) -> str:
    """Decode RFC 2047 encoded words (``=?utf-8?q?...?=``); fall back to the text as it is.

    Only the first ``MAX_HEADER_CHARS`` characters are read: what an attacker makes longer costs
    no more time than that."""
    raw = (value if isinstance(value, str) else str(value))[:MAX_HEADER_CHARS]
    if "=?" not in raw:  # no encoded word: what decoding would give back unchanged, for less
        decoded = raw
    else:
        try:
            decoded = str(email.header.make_header(email.header.decode_header(raw)))
        except (email.errors.HeaderParseError, LookupError, UnicodeError, ValueError):
            decoded = raw
    return " ".join(decoded.encode("utf-8", "replace").decode("utf-8").split())


@dataclass(frozen=True)
class Sender:
    """A sender header read as one mailbox; ``address`` is None when it names none exactly.

    ``problem`` says why not: ``none`` (no address), ``several`` (two or more), ``undisclosed``
    (a group such as "Undisclosed recipients:;"). Admission refuses a forwarder it cannot name.
    """

    name: str
    address: str | None
    problem: str | None = None


_GROUP = re.compile(r":\s*;|\bundisclosed\b", re.IGNORECASE)


@lru_cache(maxsize=4096)
def sender_of(value: str) -> Sender:
    """The single mailbox of a From-like header value, read *before* RFC 2047 words are decoded.

    An encoded word is never an address (RFC 2047 forbids it in an addr-spec), so
    ``=?utf-8?q?no-reply=40boatsetter=2Ecom?=`` names no address, and a display name never
    supplies one. Only the display name is decoded afterwards. Cached: the same few senders
    (a platform's no-reply, the owners' mailboxes) write nearly every email.
    """
    try:
        pairs = email.utils.getaddresses([value])
    except (ValueError, IndexError, TypeError):
        return Sender(decode_words(value), None, "none")
    found = [(name, addr.strip().strip("<>").lower()) for name, addr in pairs if addr.strip()]
    if len(found) > 1:
        return Sender(decode_words(found[0][0]), None, "several")
    if not found:
        problem = "undisclosed" if _GROUP.search(value) else "none"
        return Sender(decode_words(value if not pairs else pairs[0][0] or value), None, problem)
    name, addr = found[0]
    local, _, domain = addr.rpartition("@")
    if not local or not domain or " " in addr or "=?" in addr or "." not in domain:
        problem = "undisclosed" if _GROUP.search(value) else "none"
        return Sender(decode_words(name or value), None, problem)
    return Sender(decode_words(name), addr)


def header_sender(msg: Message, name: str = "From") -> Sender:
    """The one mailbox a header names (see :func:`sender_of`); absent headers name none. Only the
    first ``MAX_HEADER_CHARS`` are read, as for every header: an address past them names none.

    A header given twice names none either (``several``): a DKIM signature, and SES's verdicts
    on it, speak to the bottom-most instance, while a reader takes the first."""
    values = msg.get_all(name) or []
    if not values:
        return Sender("", None, "none")
    found = sender_of(" ".join(str(values[0])[:MAX_HEADER_CHARS].split()))
    if len(values) > 1:
        return Sender(found.name, None, "several")
    return found


def domain_of(address: str) -> str:
    """The domain part of an address, lowercase, without a trailing dot."""
    return address.rpartition("@")[2].lower().rstrip(".")


def header_date(msg: Message, name: str = "Date") -> datetime | None:
    """An RFC 5322 date header as an aware datetime; None when absent or unreadable."""
    return parse_rfc_date(header_text(msg, name))


def parse_rfc_date(value: str) -> datetime | None:
    """``Tue, 02 Mar 2027 09:14:00 -0800`` → aware datetime (``-0000`` is read as UTC)."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def bodies(msg: Message) -> Bodies:
    """The first text/plain and text/html parts outside attached messages, and the attachments.

    Parts inside an attached message (message/rfc822) belong to that message, not this one.
    """
    found = Bodies()
    for part, ctype in _walk_own_parts(msg):
        if ctype == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                found.attached.append(inner[0])
            continue
        if not ctype.startswith("text/") or _is_attachment(part):
            continue
        if ctype == "text/plain" and found.text is None:
            found.text = part_text(part)
        elif ctype == "text/html" and found.html is None:
            found.html = part_text(part)
    return found


def _walk_own_parts(msg: Message) -> Iterator[tuple[Message, str]]:
    """Each part outside attached messages, with its content type (read once: it is parsed
    from the header each time it is asked for)."""
    stack = [msg]
    while stack:
        part = stack.pop()
        ctype = part.get_content_type()
        if ctype == "message/rfc822" or not part.is_multipart():
            yield part, ctype
            continue
        payload = part.get_payload()  # a list of parts: nothing is decoded here
        if isinstance(payload, list):
            stack.extend(p for p in reversed(payload) if isinstance(p, Message))


def _is_attachment(part: Message) -> bool:
    disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
    return disposition == "attachment"


#: the common Content-Type ``text/plain; charset="utf-8"``, whose charset the library's general
#: parameter reader (RFC 2231 continuations, quoting) would give back the same, slower
_PLAIN_CHARSET = re.compile(
    r"[ \t]*[a-z0-9.+-]+/[a-z0-9.+-]+[ \t]*;[ \t]*charset[ \t]*=[ \t]*"
    r'(?:"(?P<quoted>[a-z0-9_.:-]+)"|(?P<bare>[a-z0-9_.:-]+))[ \t]*',
    re.ASCII | re.IGNORECASE,
)


def _charset_of(part: Message) -> str | None:
    """``part.get_content_charset()``, read directly when the header is of the common shape."""
    value = part.get("Content-Type")
    if isinstance(value, str) and (found := _PLAIN_CHARSET.fullmatch(value)):
        return (found.group("quoted") or found.group("bare")).lower()
    return part.get_content_charset()


def part_text(part: Message) -> str:
    """A text part's content as str: transfer encoding undone, declared charset honoured.

    Labels of Latin-1 are decoded as Windows-1252 (its superset, which mail software really
    sends); an unknown or wrong charset falls back to UTF-8, then Windows-1252, never failing.
    """
    try:
        payload = part.get_payload(decode=True)
        charset = (_charset_of(part) or "").strip().lower()
    except (ValueError, LookupError, UnicodeError):  # a charset label like "utf-8\0"
        return ""
    if not isinstance(payload, bytes):
        return ""
    payload = payload[:MAX_BODY_BYTES]
    if not _CHARSET_NAME.fullmatch(charset):
        charset = ""
    candidates = ["cp1252"] if charset in _LATIN1_LABELS else [charset] if charset else []
    # us-ascii (or no label) is often UTF-8 in practice: the fallbacks below cover both
    candidates += ["utf-8", "cp1252"]
    for candidate in candidates:
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeError, ValueError):
            continue
    return payload.decode("latin-1")

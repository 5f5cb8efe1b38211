"""The exact bytes of an original forwarded as an attachment (message/rfc822), for its DKIM check.

A platform's DKIM signature covers the bytes it sent; a parsed and re-serialised message is not
those bytes. So the part is cut out of the raw MIME by its boundaries, following the same path
``parsers.forwarding.unwrap`` takes (the first attached message, while its sender is not a
platform), and kept only when the standard parser read the same headers there: the bytes checked
are then the message the booking was read from, or nothing is checked at all.
"""

import re
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

from parsers.mime import bodies, decode_headers, decode_message, header_sender
from parsers.quoted_headers import MAX_NESTING
from parsers.registry import is_platform

_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
MAX_MULTIPART_DEPTH = 20


def attached_original(raw: bytes, message: Message | None = None) -> bytes | None:
    """The innermost attached original's bytes, as the parsers read it; None when the email is
    not a forward as an attachment, or its parts cannot be cut out exactly. ``message`` is
    ``raw`` already decoded, when the caller has it (a 40 MB email is not decoded twice)."""
    data = raw
    message = decode_message(raw) if message is None else message
    found: bytes | None = None
    for _ in range(MAX_NESTING):
        if is_platform(header_sender(message).address):
            break
        attached = bodies(message).attached
        if not attached:
            break
        inner = first_attached_bytes(data)
        if inner is None or not _same_headers(decode_headers(inner), attached[0]):
            return None
        data, message, found = inner, attached[0], inner
    return found


def first_attached_bytes(data: bytes, depth: int = 0) -> bytes | None:
    """The body of the first message/rfc822 part in document order, outside attached messages
    (the part ``parsers.mime.bodies`` lists first); None when there is none, or when multiparts
    nest deeper than any mail client writes them."""
    if depth > MAX_MULTIPART_DEPTH:
        return None
    head, body = _split(data)
    headers = BytesHeaderParser(policy=compat32).parsebytes(head + b"\r\n")
    if headers.get_content_type() == "message/rfc822":
        encoding = str(headers.get("Content-Transfer-Encoding", "")).strip().lower()
        return body if encoding in ("", "7bit", "8bit", "binary") else None
    boundary = headers.get_boundary() if headers.get_content_maintype() == "multipart" else None
    if not boundary:
        return None
    for part in _parts(body, boundary.encode("utf-8", "surrogateescape")):
        inner = first_attached_bytes(part, depth + 1)
        if inner is not None:
            return inner
    return None


def _split(data: bytes) -> tuple[bytes, bytes]:
    """(header block, body): the headers end at the first empty line."""
    for start in (b"\r\n", b"\n"):
        if data.startswith(start):
            return b"", data[len(start) :]
    match = _BLANK_LINE.search(data)
    if match is None:
        return data, b""
    return data[: match.start()], data[match.end() :]


def _parts(body: bytes, boundary: bytes) -> list[bytes]:
    """A multipart body's parts (RFC 2046 §5.1.1: the line break before a delimiter is its own)."""
    delimiter = re.compile(
        rb"(?:^|\r?\n)--" + re.escape(boundary) + rb"(--)?[ \t]*(?=\r?\n|$)\r?\n?"
    )
    parts: list[bytes] = []
    previous = None
    for match in delimiter.finditer(body):
        if previous is not None:
            parts.append(body[previous : match.start()])
        if match.group(1):
            break
        previous = match.end()
    return parts


def _same_headers(cut: Message, parsed: Message) -> bool:
    return cut.items() == parsed.items()

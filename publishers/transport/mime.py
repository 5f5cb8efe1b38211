"""Writing the one MIME shape charterhand sends, directly as bytes.

multipart/mixed: multipart/alternative (text, HTML), then the attachments (without attachments,
the alternative alone), with the headers the
``email`` package would write for the same input (the same transfer-encoding choices as its
content manager; non-ASCII display names and subjects as RFC 2047 encoded words). Writing it
directly costs a tenth of building an ``EmailMessage``, whose header registry parses and refolds
every header. :func:`multipart_email` answers ``None`` for what it would have to fold or quote
beyond plain cases (a header longer than a line, a non-ASCII address, an attachment name with
quotes or non-ASCII characters): the caller then builds it with the ``email`` package.
"""

import binascii
import secrets
from collections.abc import Mapping, Sequence
from email import quoprimime
from email.header import Header
from email.utils import formataddr, getaddresses
from functools import lru_cache

#: the line length the email package's default policy keeps headers and text bodies within
MAX_LINE = 78
#: the characters an attachment's name or a parameter may have here, written in quotes
_PLAIN = frozenset(map(chr, range(0x20, 0x7F))) - {'"', "\\"}

Part = tuple[str, bytes, str, Mapping[str, str]]


def multipart_email(
    *,
    sender: str,
    to: str,
    reply_to: str | None,
    subject: str,
    message_id: str,
    headers: Mapping[str, str],
    text: str,
    html: str,
    attachments: Sequence[Part],
) -> bytes | None:
    """The email's bytes (``\\n`` line ends, as ``EmailMessage.as_bytes``), or ``None`` when
    it needs the ``email`` package (see the module docstring). Header values have been checked
    for line breaks by the caller."""
    lines: list[str] = []
    for name, value in (("From", sender), ("To", to), ("Reply-To", reply_to)):
        if value:
            addresses = _addresses(value)
            if addresses is None:
                return None
            lines.append(f"{name}: {addresses}")
    lines.append(Header(subject, _charset(subject), header_name="Subject").encode())
    lines[-1] = f"Subject: {lines[-1]}"
    lines.append(f"Message-ID: {message_id}")
    for name, value in headers.items():
        if not (name.isascii() and value.isascii()):
            return None
        lines.append(f"{name}: {value}")
    if any(len(line) > MAX_LINE for line in lines if "\n" not in line):
        return None
    texts = [_text_part(text, "plain"), _text_part(html, "html")]
    lines.append("MIME-Version: 1.0")
    head = ("\n".join(lines) + "\n").encode("ascii")
    if not attachments:  # as the email package: the alternative is the whole email
        return head + _multipart("alternative", texts, top=True)
    parts = [_multipart("alternative", texts, top=False)]
    for filename, content, mime_type, params in attachments:
        part = _attachment(filename, content, mime_type, params)
        if part is None:
            return None
        parts.append(part)
    return head + _multipart("mixed", parts, top=True)


@lru_cache(maxsize=256)  # the same sender and crew addresses, email after email
def _addresses(value: str) -> str | None:
    pairs = getaddresses([value])
    if not pairs or any(not address or not address.isascii() for _, address in pairs):
        return None
    return ", ".join(formataddr(pair, charset="utf-8") for pair in pairs)


def _charset(value: str) -> str:
    return "us-ascii" if value.isascii() else "utf-8"


def _text_part(text: str, subtype: str) -> bytes:
    """A text part as the ``email`` content manager writes it (its ``_encode_text``)."""
    lines = text.encode("utf-8").splitlines()
    if max((len(line) for line in lines), default=0) <= MAX_LINE:
        cte = "7bit" if text.isascii() else "8bit"
        body = b"\n".join(lines) + b"\n"
    else:
        sniff = b"\n".join(lines[:10]) + b"\n"
        sniff_qp = quoprimime.body_encode(sniff.decode("latin-1"), MAX_LINE)
        if len(sniff_qp) > len(binascii.b2a_base64(sniff)):
            cte, body = "base64", _base64(b"\n".join(lines) + b"\n")
        else:
            cte = "quoted-printable"
            whole = (b"\n".join(lines) + b"\n").decode("latin-1")
            body = quoprimime.body_encode(whole, MAX_LINE).encode("ascii")
    head = (
        f'Content-Type: text/{subtype}; charset="utf-8"\n'
        f"Content-Transfer-Encoding: {cte}\n"
        "MIME-Version: 1.0\n\n"
    )
    return head.encode("ascii") + body


def _attachment(
    filename: str, content: bytes, mime_type: str, params: Mapping[str, str]
) -> bytes | None:
    if not set(filename) <= _PLAIN or not all(
        set(f"{k}{v}") <= _PLAIN and k.isidentifier() for k, v in params.items()
    ):
        return None
    content_type = mime_type + "".join(f'; {k}="{v}"' for k, v in params.items())
    head = [
        "Content-Transfer-Encoding: base64",
        f'Content-Disposition: attachment; filename="{filename}"',
        f"Content-Type: {content_type}",
        "MIME-Version: 1.0",
    ]
    if any(len(line) > MAX_LINE for line in head):
        return None
    return ("\n".join(head) + "\n\n").encode("ascii") + _base64(content)


def _base64(data: bytes) -> bytes:
    """Base64 in lines of 76 characters, each ended by ``\\n``."""
    encoded = binascii.b2a_base64(data, newline=False)
    return b"".join(encoded[i : i + 76] + b"\n" for i in range(0, len(encoded), 76))


def _multipart(subtype: str, parts: Sequence[bytes], *, top: bool) -> bytes:
    """The parts under a boundary that none of them contains (drawn again if one does)."""
    while True:
        boundary = f"==============={secrets.randbelow(10**19):019d}=="
        marker = f"--{boundary}".encode("ascii")
        if not any(marker in part for part in parts):
            break
    head = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n'
    if not top:
        head += "MIME-Version: 1.0\n"
    body = b"\n".join(marker + b"\n" + part for part in parts)
    return head.encode("ascii") + b"\n" + body + b"\n" + marker + b"--\n"

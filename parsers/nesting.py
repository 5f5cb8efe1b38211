"""How deep an email's MIME containers nest, found on the raw bytes before any parser sees them.

The standard library's parser recurses once per container (a multipart, or a ``message/*`` part)
and checks every enclosing boundary on every line: nesting costs it quadratic time (900 levels:
0.5 s) and, past about 1,000 levels, a ``RecursionError``. No mail client nests more than a
handful of levels (a forward as an attachment of a multipart/alternative is three), so an email
nested deeper than :data:`MAX_MIME_DEPTH` is refused as a ``ParseError`` first.

The scan follows the parser's own rules (a part's headers, its first ``Content-Type``, the
boundary delimiter lines of every enclosing multipart, ``message/rfc822`` as the default type in
a ``multipart/digest``), reads the headers of each part and skips through bodies to the next
line that starts with ``--``. It stops as soon as the limit is passed, so its cost is linear in
the email's size whatever the nesting.
"""

import re
from dataclasses import dataclass
from email.message import Message

from bookings import ParseError

#: containers inside containers; what any real email needs is a handful
MAX_MIME_DEPTH = 50
#: a header line or its continuation, as ``email.feedparser`` recognises one
_HEADER_LINE = re.compile(rb"(?:From |[\041-\071\073-\176]*:|[\t ])")
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)?")
#: a line that may be a boundary delimiter: it starts with "--" (after a line break)
_DASHES = re.compile(rb"(?<=[\r\n])--")
#: emails up to this size are first checked by counting words (``_few_containers``)
_QUICK_BYTES = 1_000_000


@dataclass(frozen=True)
class _Container:
    """One open container: a multipart (its boundary) or a message/* part (no boundary)."""

    boundary: bytes | None
    digest: bool = False


def check_nesting(raw: bytes, limit: int = MAX_MIME_DEPTH) -> None:
    """Raise a ``ParseError`` naming the limit when ``raw`` nests containers deeper than it."""
    if _few_containers(raw, limit):
        return
    if mime_depth(raw, limit) > limit:
        raise ParseError(f"MIME nested more than {limit} levels deep: refused before parsing")


def _few_containers(raw: bytes, limit: int) -> bool:
    """True when ``raw`` cannot hold more than ``limit`` containers, seen without the scan.

    Every container is a part whose Content-Type names ``multipart`` or ``message`` (any case),
    each in its own header, except a ``multipart/digest``'s parts, whose type is implied: so
    without "digest" anywhere, fewer such words than the limit bound the depth (what a real
    email has: a few). Only below :data:`_QUICK_BYTES`: the check copies the email once.
    """
    if len(raw) > _QUICK_BYTES:
        return False
    lowered = raw.lower()
    if b"digest" in lowered:
        return False
    return lowered.count(b"multipart") + lowered.count(b"message") <= limit


def mime_depth(raw: bytes, limit: int = MAX_MIME_DEPTH) -> int:
    """The deepest nesting of containers in ``raw`` as the standard library's parser would
    recurse into them; the scan stops at ``limit + 1``."""
    open_: list[_Container] = []
    deepest = 0
    pos, size = 0, len(raw)
    in_headers = True
    while pos < size:
        if in_headers:
            pos, content_type, ended_by = _headers(raw, pos, open_)
            if ended_by is not None:  # a delimiter line ended the part before its body
                pos, in_headers = _delimiter(open_, *ended_by)
                continue
            opened = _opens(content_type, digest_part=bool(open_) and open_[-1].digest)
            in_headers = opened is not None and opened.boundary is None
            if opened is not None:
                open_.append(opened)
                deepest = max(deepest, len(open_))
                if deepest > limit:
                    return deepest
            continue
        if not any(c.boundary for c in open_):
            return deepest  # a leaf's body, with no boundary around it: nothing more opens
        start = pos if raw.startswith(b"--", pos) else None
        if start is None:
            found = _DASHES.search(raw, pos)
            if found is None:
                return deepest
            start = found.start()
        line = _LINE.match(raw, start)
        end = line.end() if line else size
        match = _match(open_, raw[start:end])
        if match is None:
            pos = max(end, start + 2)
            continue
        pos, in_headers = _delimiter(open_, *match, end=end)
    return deepest


def _headers(
    raw: bytes, pos: int, open_: list[_Container]
) -> tuple[int, str | None, tuple[int, bool, int] | None]:
    """Read one part's header block from ``pos``: where its body starts, its first Content-Type,
    and the delimiter (container index, closing, end) that cut it short, if one did."""
    content_type: list[bytes] | None = None
    collecting = False
    while pos < len(raw):
        line = _LINE.match(raw, pos)
        assert line is not None  # the pattern matches the empty string
        text = line.group()
        if text.startswith(b"--"):
            match = _match(open_, text)
            if match is not None:
                return pos, _text(content_type), (*match[:2], line.end())
        if text.strip(b"\r\n") == b"":
            return line.end(), _text(content_type), None
        if not _HEADER_LINE.match(text):
            return pos, _text(content_type), None  # the body starts here, without a blank line
        if text[:1] in (b" ", b"\t"):
            if collecting and content_type is not None:
                content_type.append(text)
        else:
            name = text.split(b":", 1)[0]
            collecting = content_type is None and name.lower() == b"content-type"
            if collecting:
                content_type = [text.split(b":", 1)[1].lstrip(b" \t")]
        pos = line.end()
    return pos, _text(content_type), None


def _text(lines: list[bytes] | None) -> str | None:
    if lines is None:
        return None
    return b"".join(lines).rstrip(b"\r\n").decode("ascii", "surrogateescape")


def _opens(content_type: str | None, *, digest_part: bool) -> _Container | None:
    """The container a part with this Content-Type opens, None for a leaf (the parser's rules,
    through its own ``Message``: type defaults, parameters, quoting)."""
    headers = Message()
    if digest_part:
        headers.set_default_type("message/rfc822")
    if content_type is not None:
        headers.set_raw("Content-Type", content_type)
    maintype = headers.get_content_maintype()
    if maintype == "message":
        return _Container(None)
    if maintype != "multipart":
        return None
    boundary = headers.get_boundary()
    if boundary is None:
        return None  # read to its end as one payload: nothing inside it is parsed
    digest = headers.get_content_subtype() == "digest"
    try:
        delimiter = boundary.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:  # a code point no line of bytes can hold: it never matches, so
        return None  # the parser reads no part inside it either
    return _Container(delimiter, digest)


def _match(open_: list[_Container], line: bytes) -> tuple[int, bool] | None:
    """(index of the innermost open multipart whose delimiter ``line`` is, closing?) or None."""
    text = line.rstrip(b"\r\n").rstrip(b" \t")
    for index in range(len(open_) - 1, -1, -1):
        boundary = open_[index].boundary
        if boundary is None:
            continue
        separator = b"--" + boundary
        if text == separator:
            return index, False
        if text == separator + b"--":
            return index, True
    return None


def _delimiter(open_: list[_Container], index: int, closing: bool, end: int) -> tuple[int, bool]:
    """After a delimiter of container ``index``: where to go on, and whether a part's headers
    follow (a separator) or the multipart's epilogue (its close)."""
    if closing:
        del open_[index:]
        return end, False
    del open_[index + 1 :]
    return end, True

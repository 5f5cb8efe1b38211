"""Forwarded mail → the original message: its sender, subject, date and body, and who forwarded it.

Styles recognised, in this order:
- ``attachment``: the original attached whole (message/rfc822), headers intact;
- ``inline``: the original quoted in the body under a header block — Gmail's
  "---------- Forwarded message ---------", Outlook's "From: / Sent: / To: / Subject:" (after a rule
  or "-----Original Message-----"), Apple Mail's "Begin forwarded message:", Thunderbird's
  "-------- Forwarded Message --------"; in text and in HTML, nested forwards to the innermost;
- ``auto``: a mailbox rule that passes the message on unchanged (Gmail sets ``X-Forwarded-For``;
  a redirect sets ``Resent-From``): the headers are the original's, the forwarder is named there;
- otherwise the message came straight to us and there is no forwarder.

Mail from a platform itself is never unwrapped, and through nested forwards the search stops at
the first quoted message a platform sent: a renter who types a header block into their message
cannot pose as the original.

A quoted header block's Date often has no zone ("Sun, May 2, 2027 at 6:20 PM" is in the forwarder's
own zone). It is read in the boat's zone when the forward's own Date header has that zone's offset
at that moment (the owner lives where the boat is, and daylight saving is then right); otherwise in
the forward's fixed offset. See ``Original.as_of``.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import Message
from functools import cached_property
from zoneinfo import ZoneInfo

from parsers.document import Document
from parsers.mime import address_of, bodies, header_date, header_text, parse_rfc_date
from parsers.values import find_date, find_time

_HEADER = re.compile(
    r"^\*?(?P<name>from|sent|date|to|cc|bcc|subject|reply-to)\*?\s*:\*?\s*(?P<value>.*)$",
    re.IGNORECASE,
)
_MARKER = re.compile(
    r"^(?:-{2,}\s*(?:forwarded message|original message)\s*-{2,}|begin forwarded message:?"
    r"|_{8,}|-{5,}\s*original message\s*-{5,})$",
    re.IGNORECASE,
)
_BRACKET_MAILTO = re.compile(r"\[mailto:([^\]]+)\]", re.IGNORECASE)
_MAILTO = re.compile(r"mailto:", re.IGNORECASE)
_ZONE_ABBREVIATIONS = {
    "UTC": 0,
    "GMT": 0,
    "UT": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "AKST": -9,
    "AKDT": -8,
    "HST": -10,
}
_ZONE_WORD = re.compile(
    r"\b(?:(?P<abbr>" + "|".join(_ZONE_ABBREVIATIONS) + r")\b(?:\s*(?P<sign>[+-])(?P<h>\d{1,2})"
    r"(?::?(?P<m>\d{2}))?)?|(?P<sign2>[+-])(?P<h2>\d{2}):?(?P<m2>\d{2})\b)"
)
_RFC_DATE = re.compile(r"^\s*(?:[a-z]{3},\s*)?\d{1,2}\s+[a-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}", re.I)
MAX_NESTING = 5


Trusted = Callable[[str | None], bool]


@dataclass(frozen=True)
class HeaderBlock:
    """A quoted header block in a body: the headers it names and the line it ends on."""

    headers: dict[str, str]
    last_line: int
    marker: str

    @property
    def sender(self) -> tuple[str, str | None]:
        """(display name, address) of its From; Outlook writes "Name [mailto:address]"."""
        return address_of(_quoted_sender(self.headers.get("from", "")))


class Content:
    """The original's bodies as documents, each built only when first asked for.

    HTML costs the most to read, so it is rendered only when the text body did not answer. For an
    inline forward (``inline`` set) each body is cut below its own innermost header block.
    """

    def __init__(self, text: str | None, html: str | None, trusted: Trusted) -> None:
        self._text = text
        self._html = html
        self._trusted = trusted
        self.inline = False

    @cached_property
    def whole_text(self) -> Document | None:
        return Document.from_text(self._text) if self._text else None

    @cached_property
    def whole_html(self) -> Document | None:
        return Document.from_html(self._html) if self._html else None

    @cached_property
    def text_doc(self) -> Document | None:
        return self._cut(self.whole_text)

    @cached_property
    def html_doc(self) -> Document | None:
        return self._cut(self.whole_html)

    def primary(self) -> Document | None:
        """The body a person reads first: the text one, else the HTML one."""
        return self.whole_text or self.whole_html

    def docs(self) -> Iterator[Document]:
        """The text body, then (only if the caller reads on) the HTML body."""
        if self.text_doc is not None:
            yield self.text_doc
        if self.html_doc is not None:
            yield self.html_doc

    def _cut(self, doc: Document | None) -> Document | None:
        if doc is None or not self.inline:
            return doc
        block = chosen_block(doc, self._trusted)
        return doc.after(block.last_line) if block else doc


@dataclass(frozen=True)
class Original:
    """The message a booking platform sent, however it reached us."""

    sender: str | None
    sender_name: str
    subject: str
    written_date: datetime | None  # naive when a quoted header block gave no zone
    forward_date: datetime | None  # the forwarding message's own Date, when forwarded
    forwarder: str | None
    style: str | None  # None (direct) | "auto" | "inline" | "attachment"
    bulk: bool  # List-Unsubscribe / Precedence: bulk on the original's own headers
    content: Content

    @property
    def forwarded(self) -> bool:
        return self.style is not None

    def as_of(self, zone: ZoneInfo | None = None) -> datetime | None:
        """The original's Date as an aware datetime (see the module docstring for naive ones)."""
        written = self.written_date
        if written is None or written.tzinfo is not None:
            return written
        outer = self.forward_date
        if zone is not None:
            if outer is None:
                return written.replace(tzinfo=zone)
            if outer.astimezone(zone).utcoffset() == outer.utcoffset():
                return written.replace(tzinfo=zone)
        if outer is not None and outer.tzinfo is not None:
            return written.replace(tzinfo=outer.tzinfo)
        return None


def unwrap(msg: Message, trusted: Trusted, depth: int = 0) -> Original:
    """Find the original message inside ``msg`` (which may be it).

    ``trusted`` tells a platform's address. Mail from a platform is never unwrapped further, so a
    renter who types a header block into their message cannot pose as the original; likewise the
    search through nested forwards stops at the first quoted message a platform sent.
    """
    found = bodies(msg)
    from_name, from_address = address_of(header_text(msg, "From"))
    content = Content(found.text, found.html, trusted)
    from_platform = trusted(from_address)
    if found.attached and depth < MAX_NESTING and not from_platform:
        inner = unwrap(found.attached[0], trusted, depth + 1)
        return _forwarded_by(inner, from_address, header_date(msg), "attachment")
    primary = None if from_platform else content.primary()
    block = chosen_block(primary, trusted) if primary is not None else None
    if block is not None:
        name, address = block.sender
        content.inline = True
        return Original(
            sender=address,
            sender_name=name,
            subject=block.headers.get("subject", ""),
            written_date=_quoted_date(block.headers.get("date") or block.headers.get("sent", "")),
            forward_date=header_date(msg),
            forwarder=from_address,
            style="inline",
            bulk=False,
            content=content,
        )
    forwarder = _auto_forwarder(msg)
    return Original(
        sender=from_address,
        sender_name=from_name,
        subject=header_text(msg, "Subject"),
        written_date=header_date(msg),
        forward_date=None,
        forwarder=forwarder,
        style="auto" if forwarder else None,
        bulk=_is_bulk(msg),
        content=content,
    )


def _forwarded_by(
    inner: Original, forwarder: str | None, date: datetime | None, style: str
) -> Original:
    return Original(
        sender=inner.sender,
        sender_name=inner.sender_name,
        subject=inner.subject,
        written_date=inner.written_date,
        forward_date=inner.forward_date or date,
        forwarder=forwarder,
        style=style,
        bulk=inner.bulk,
        content=inner.content,
    )


def _quoted_sender(value: str) -> str:
    """Outlook writes "Boatsetter [mailto:no-reply@boatsetter.com]" or "<mailto:...>"."""
    return _MAILTO.sub("", _BRACKET_MAILTO.sub(r"<\1>", value))


def _auto_forwarder(msg: Message) -> str | None:
    """The mailbox that passed the message on unchanged, from the headers it adds."""
    forwarded_for = header_text(msg, "X-Forwarded-For").split()
    if forwarded_for:
        return address_of(forwarded_for[0])[1]
    resent = header_text(msg, "Resent-From")
    if resent:
        return address_of(resent)[1]
    return None


def _is_bulk(msg: Message) -> bool:
    precedence = header_text(msg, "Precedence").lower()
    return bool(header_text(msg, "List-Unsubscribe")) or precedence in {"bulk", "list", "junk"}


def chosen_block(doc: Document, trusted: Trusted) -> HeaderBlock | None:
    """The quoted header block of the original in ``doc``: the first whose sender is a platform,
    else the innermost (whose untrusted sender the registry then names)."""
    found: HeaderBlock | None = None
    start = 0
    for _ in range(MAX_NESTING):
        block = _next_block(doc.lines, start)
        if block is None:
            break
        found = block
        if trusted(block.sender[1]):
            break
        start = block.last_line + 1
    return found


def _next_block(lines: list[str], start: int) -> HeaderBlock | None:
    index = start
    while index < len(lines):
        if _HEADER.match(lines[index]) is None:
            index += 1
            continue
        headers, last = _read_headers(lines, index)
        marker = _marker_above(lines, index, start)
        dated = "date" in headers or "sent" in headers
        if "from" in headers and "subject" in headers and (dated or marker):
            return HeaderBlock(headers, last, marker)
        index += 1
    return None


def _read_headers(lines: list[str], first: int) -> tuple[dict[str, str], int]:
    headers: dict[str, str] = {}
    last = first
    index = first
    blanks = 0
    while index < len(lines) and index - first < 16:
        line = lines[index]
        match = _HEADER.match(line)
        if match:
            name = match.group("name").lower()
            if name in headers:
                break
            headers[name] = match.group("value").strip()
            last, blanks = index, 0
        elif not line and blanks == 0:
            blanks = 1
        elif line and "@" in line and lines[index - 1] and last == index - 1:
            last = index  # a wrapped To/Cc list
        else:
            break
        index += 1
    return headers, last


def _marker_above(lines: list[str], index: int, floor: int) -> str:
    for above in range(index - 1, max(floor, index - 3) - 1, -1):
        if _MARKER.match(lines[above].strip()):
            return lines[above].strip()
    return ""


def _quoted_date(value: str) -> datetime | None:
    """A quoted header block's date: RFC 5322, or "Sun, May 2, 2027 at 6:20 PM [PDT]"."""
    if not value:
        return None
    if _RFC_DATE.match(value):
        parsed = parse_rfc_date(value)
        if parsed is not None:
            return parsed
    day = find_date(value)
    clock = find_time(value)
    if day is None or clock is None:
        return None
    written = datetime.combine(day, clock)
    offset = _zone_offset(value)
    return written.replace(tzinfo=offset) if offset is not None else written


def _zone_offset(value: str) -> timezone | None:
    match = _ZONE_WORD.search(value)
    if match is None:
        return None
    if match.group("abbr"):
        minutes = _ZONE_ABBREVIATIONS[match.group("abbr")] * 60
        if match.group("sign"):  # "GMT-07:00"
            extra = int(match.group("h")) * 60 + int(match.group("m") or 0)
            minutes += extra if match.group("sign") == "+" else -extra
    else:
        extra = int(match.group("h2")) * 60 + int(match.group("m2"))
        minutes = extra if match.group("sign2") == "+" else -extra
    if abs(minutes) >= 24 * 60:
        return None
    return timezone(timedelta(minutes=minutes))

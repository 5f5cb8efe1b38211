"""Forwarded mail → the original message: its sender, subject, date and body, and every hop.

Styles recognised, in this order:
- ``attachment``: the original attached whole (message/rfc822), headers intact;
- ``inline``: the original quoted in the body under a header block, in any client and language
  (``parsers.forward_words`` holds the words): Gmail's "---------- Forwarded message ---------",
  Outlook's "From: / Sent: / To: / Subject:" (after a rule, or written on one line), Apple Mail's
  "Begin forwarded message:", "Message transféré", "Weitergeleitete Nachricht", "差出人:",
  "On <date>, <sender> wrote:" intros; in text and in HTML, through nested forwards;
- ``auto``: a mailbox rule that passes the message on unchanged (Gmail sets ``X-Forwarded-For``;
  a redirect sets ``Resent-From``): the headers are the original's, the forwarder is named there;
- otherwise the message came straight to us and there is no forwarder.

Every forwarding step between the platform's message and our inbox is a :class:`Hop`, listed from
the inbox side inwards, in every nesting shape: forwards quoted inline in forwards, attached to
them, and an inline forward of a message that attached the original (mail clients carry the
forwarded message's attachments along: the senders it quotes are hops too). A hop whose mailbox
cannot be named exactly (no address, several, an "Undisclosed recipients" group) says so, and
admission refuses it.

Mail from a platform itself is never unwrapped, and through nested forwards the search stops at
the first quoted message a platform sent: a renter who types a header block into their message
cannot pose as the original.

A quoted Date often has no zone ("Sun, May 2, 2027 at 6:20 PM" is in the forwarder's own zone).
It is read in the boat's zone when the forward's own Date header has that zone's offset at that
moment (the owner lives where the boat is, and daylight saving is then right); otherwise in the
forward's fixed offset. See ``Original.as_of`` and ``parsers.quoted_date``.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from types import EllipsisType
from zoneinfo import ZoneInfo

from parsers.document import Document
from parsers.mime import Sender, bodies, header_date, header_sender, header_text, sender_of
from parsers.once import once
from parsers.quoted_date import read_quoted_date
from parsers.quoted_headers import MAX_NESTING, HeaderBlock, Trusted, block_chain
from parsers.vocabulary import BUILT_IN, Vocabulary

#: the original's headers read as the booking's (its From, through ``header_sender``, names no
#: sender when given twice): each must be there once. A DKIM signature, and SES's verdict on it,
#: proves the bottom-most instance of a header while a reader takes the top-most, so a second one
#: above is whatever someone put there (see ``trust.original_dkim``).
READ_ONCE = ("Subject", "Date")


@dataclass(frozen=True)
class Hop:
    """One forwarding step: the mailbox that passed the message on, or why it cannot be named."""

    address: str | None
    style: str  # "auto" | "inline" | "attachment"
    problem: str | None = None  # "none" | "several" | "undisclosed" when address is None

    @classmethod
    def of(cls, sender: Sender, style: str) -> "Hop":
        return cls(sender.address, style, sender.problem if sender.address is None else None)


class Content:
    """The original's bodies as documents, and the header blocks quoted in each, each built
    once, when first asked for (both bodies are read: their values must agree). For an inline
    forward (``inline`` set) each body is cut below its own innermost header block.
    """

    def __init__(
        self,
        text: str | None,
        html: str | None,
        trusted: Trusted,
        vocabulary: Vocabulary = BUILT_IN,
    ) -> None:
        self._text = text
        self._html = html
        self._trusted = trusted
        self.vocabulary = vocabulary
        self.inline = False

    @once
    def whole_text(self) -> Document | None:
        return Document.from_text(self._text, self.vocabulary) if self._text else None

    @once
    def whole_html(self) -> Document | None:
        return Document.from_html(self._html, self.vocabulary) if self._html else None

    @once
    def text_doc(self) -> Document | None:
        if self.whole_text is None or not self.inline:
            return self.whole_text
        return _below(self.whole_text, self.text_chain)

    @once
    def html_doc(self) -> Document | None:
        if self.whole_html is None or not self.inline:
            return self.whole_html
        return _below(self.whole_html, self.html_chain)

    @once
    def text_chain(self) -> list[HeaderBlock]:
        """The header blocks quoted in the text body, down to the original's (``block_chain``)."""
        return block_chain(self.whole_text, self._trusted) if self.whole_text else []

    @once
    def html_chain(self) -> list[HeaderBlock]:
        """The header blocks quoted in the HTML body, down to the original's."""
        return block_chain(self.whole_html, self._trusted) if self.whole_html else []

    def chains(self) -> Iterator[list[HeaderBlock]]:
        """The text body's chain, then (only if the caller reads on) the HTML body's."""
        yield self.text_chain
        yield self.html_chain

    def wholes(self) -> Iterator[Document]:
        """The text body, then the HTML body, uncut."""
        if self.whole_text is not None:
            yield self.whole_text
        if self.whole_html is not None:
            yield self.whole_html

    def docs(self) -> Iterator[Document]:
        """The text body, then (only if the caller reads on) the HTML body."""
        if self.text_doc is not None:
            yield self.text_doc
        if self.html_doc is not None:
            yield self.html_doc

    @once
    def both(self) -> list[Document]:
        """What :meth:`docs` yields, for a caller that reads both (each field is read from
        both bodies: a list is walked for less than a generator is made)."""
        return list(self.docs())


def _below(doc: Document, chain: list[HeaderBlock]) -> Document:
    """An inline forward's body: what follows its innermost header block."""
    return doc.after(chain[-1].last_line) if chain else doc


@dataclass(frozen=True)
class Original:
    """The message a booking platform sent, however it reached us."""

    sender: str | None
    sender_name: str
    subject: str
    written_date: datetime | None  # naive when a quoted date gave no zone
    forward_date: datetime | None  # the forwarding message's own Date, when forwarded
    hops: tuple[Hop, ...]  # from the inbox side inwards; () when it came straight to us
    bulk: bool  # List-Unsubscribe / Precedence: bulk on the original's own headers
    content: Content
    date_problem: str | None = None  # why written_date is None
    sender_problem: str | None = None  # why sender is None
    languages: frozenset[str] = field(default_factory=frozenset)
    quoted_date: str = ""  # the date as an inline forward quotes it
    #: the headers read from the original (``READ_ONCE``) that it gives more than once
    repeated: tuple[str, ...] = ()
    date_how: str = ""  # how the quoted date was read (``parsers.quoted_date``)

    @property
    def forwarded(self) -> bool:
        return bool(self.hops)

    @property
    def forwarder(self) -> str | None:
        """The outermost forwarding mailbox (None when not forwarded, or when unnameable)."""
        return self.hops[0].address if self.hops else None

    @property
    def style(self) -> str | None:
        """How the outermost hop forwarded it: None (direct) | auto | inline | attachment."""
        return self.hops[0].style if self.hops else None

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

    def through(self, hops: tuple[Hop, ...], date: datetime | None) -> "Original":
        """This original as reached through ``hops`` more (outside the ones it has)."""
        return Original(
            sender=self.sender,
            sender_name=self.sender_name,
            subject=self.subject,
            written_date=self.written_date,
            forward_date=self.forward_date or date,
            hops=hops + self.hops,
            bulk=self.bulk,
            content=self.content,
            date_problem=self.date_problem,
            sender_problem=self.sender_problem,
            languages=self.languages,
            quoted_date=self.quoted_date,
            repeated=self.repeated,
            date_how=self.date_how,
        )


def unwrap(
    msg: Message,
    trusted: Trusted,
    vocabulary: Vocabulary = BUILT_IN,
    depth: int = 0,
    *,
    msg_date: datetime | EllipsisType | None = ...,
) -> Original:
    """Find the original message inside ``msg`` (which may be it), and the hops it came through.

    ``trusted`` tells a platform's address; ``msg_date``, when given, is ``msg``'s own Date header
    as :func:`parsers.mime.header_date` reads it (a caller that read it already). Mail from a
    platform is never unwrapped further, so a renter who types a header block into their
    message cannot pose as the original; likewise the search through nested forwards stops at
    the first quoted message a platform sent.
    """
    own_date = header_date(msg) if isinstance(msg_date, EllipsisType) else msg_date
    found = bodies(msg)
    sender = header_sender(msg)
    auto = _auto_hops(msg)
    content = Content(found.text, found.html, trusted, vocabulary)
    from_platform = trusted(sender.address)
    if found.attached and depth < MAX_NESTING and not from_platform:
        inner = unwrap(found.attached[0], trusted, vocabulary, depth + 1)
        return inner.through((*auto, *_carrier_hops(sender, content)), own_date)
    chain = [] if from_platform else _inline_chain(content)
    if chain:
        last = chain[-1]
        quoted = last.sender
        content.inline = True
        forwarded_at = own_date
        date = read_quoted_date(last.headers.get("date", ""), last.languages, forwarded_at)
        return Original(
            sender=quoted.address,
            sender_name=quoted.name,
            subject=last.headers.get("subject") or header_text(msg, "Subject"),
            written_date=date.value,
            forward_date=forwarded_at,
            hops=(
                *auto,
                Hop.of(sender, "inline"),
                *(Hop.of(b.sender, "inline") for b in chain[:-1]),
            ),
            bulk=False,
            content=content,
            date_problem=date.problem,
            sender_problem=quoted.problem,
            languages=last.languages,
            quoted_date=last.headers.get("date", ""),
            date_how=date.how,
        )
    repeated = tuple(name for name in READ_ONCE if len(msg.get_all(name) or []) > 1)
    written = None if "Date" in repeated else own_date
    return Original(
        sender=sender.address,
        sender_name=sender.name,
        subject=header_text(msg, "Subject"),
        written_date=written,
        forward_date=None,
        hops=auto,
        bulk=_is_bulk(msg),
        content=content,
        date_problem=_date_problem(written, repeated),
        sender_problem=sender.problem,
        repeated=repeated,
    )


def _date_problem(written: datetime | None, repeated: tuple[str, ...]) -> str | None:
    if "Date" in repeated:
        return "the email has more than one Date header"
    return None if written else "the email has no readable Date header"


def _carrier_hops(sender: Sender, content: Content) -> tuple[Hop, ...]:
    """The hops of a message that carries the original as an attachment.

    Forwarded as attachment, it is one hop. But an inline forward carries the forwarded message's
    attachments along: then the body quotes the message (or the forwards of it) that attached
    the original, and each quoted sender passed it on too. So every header block quoted in the
    body is a hop (the innermost attached the original); a note that only quotes a conversation
    therefore names its writers as hops, and admission refuses an outside one: closed by default.
    """
    blocks = _inline_chain(content)
    if not blocks:
        return (Hop.of(sender, "attachment"),)
    return (
        Hop.of(sender, "inline"),
        *(Hop.of(block.sender, "inline") for block in blocks[:-1]),
        Hop.of(blocks[-1].sender, "attachment"),
    )


def _inline_chain(content: Content) -> list[HeaderBlock]:
    """The header blocks down to the original's, in the text body or else the HTML one."""
    return next((chain for chain in content.chains() if chain), [])


def _auto_hops(msg: Message) -> tuple[Hop, ...]:
    """The mailbox that passed the message on unchanged, from the headers it adds."""
    forwarded_for = header_text(msg, "X-Forwarded-For").split()
    if forwarded_for:
        return (Hop.of(sender_of(forwarded_for[0]), "auto"),)
    resent = msg.get("Resent-From")
    if resent is not None:
        return (Hop.of(sender_of(" ".join(str(resent).split())), "auto"),)
    return ()


def _is_bulk(msg: Message) -> bool:
    precedence = header_text(msg, "Precedence").lower()
    return bool(header_text(msg, "List-Unsubscribe")) or precedence in {"bulk", "list", "junk"}

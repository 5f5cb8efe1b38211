"""Which platform an email is from, judged by the original sender's domain and nothing else.

A display name, a subject or a body can say anything; the domain of the original sender's address
must be the platform's own (or a subdomain of it). Whether the mail really came from there (SPF,
DKIM, the forwarding mailbox) is the worker's admission step, which reads the same envelope.

Loud by default: an email is *not a booking* only on positive evidence (a look-alike domain, no
trace of a platform at all, mail about mail). A message that is not the platform's own but
carries a platform's address or booking links (a forward we could not unwrap) is a
``ParseError``: a booking may be inside, and a person must look.
"""

from email.message import Message

from bookings import NotABooking, ParseError
from parsers import boatsetter, getmyboat
from parsers.forward_words import ADDRESS
from parsers.forwarding import Original
from parsers.links import expand, urls_in
from parsers.mime import domain_of, header_sender, header_text
from parsers.source import Source
from parsers.wording import notice_of

SOURCES: tuple[Source, ...] = (boatsetter.SOURCE, getmyboat.SOURCE)
_NOTICE_HEADERS = ("Auto-Submitted", "X-Autoreply", "X-Autorespond", "Precedence")


def platform_of(address: str | None) -> Source | None:
    """The platform whose own domain (or a subdomain) the address is at; None for any other."""
    if address is None:
        return None
    domain = domain_of(address)
    return next((source for source in SOURCES if source.trusts(domain)), None)


def is_platform(address: str | None) -> bool:
    return platform_of(address) is not None


def notice_rule(msg: Message) -> str | None:
    """The rule that makes the message that reached us a bounce, an auto-reply or a mail
    provider's forwarding confirmation (see ``parsers.wording.notice_of``), or None."""
    present = {name.lower() for name in msg.keys()}  # noqa: SIM118 - Message is no dict
    headers = {
        name.lower(): header_text(msg, name).lower()
        for name in _NOTICE_HEADERS
        if name.lower() in present
    }
    return notice_of(
        header_sender(msg).address,
        header_text(msg, "Subject"),
        msg.get_content_type(),
        headers,
    )


def source_for(original: Original) -> Source:
    """The source whose domain sent the original.

    ``NotABooking`` for a look-alike domain or mail with no trace of a platform; ``ParseError``
    for mail that carries a platform's trace but whose original cannot be found.
    """
    trusted = platform_of(original.sender)
    if trusted is not None:
        return trusted
    if original.sender is not None:
        domain = domain_of(original.sender)
        for source in SOURCES:
            if source.imitated_by(domain):
                raise NotABooking(
                    f"sender domain {domain} imitates {source.domains[0]} but is not "
                    f"{source.name}'s",
                    rule="look-alike domain",
                )
    traced = platform_traced(original)
    if traced is not None:
        where = "a forward" if original.forwarded else "an email"
        raise ParseError(
            f"{traced.name} email: {where} that carries {traced.name}'s address or booking links, "
            "but its original message cannot be found (cannot read sender)",
            source=traced.name,
            missing=["sender"],
        )
    if original.sender is None:
        where = "the forwarded message" if original.forwarded else "the email"
        raise NotABooking(f"{where} names no single sender address", rule="no platform")
    domain = domain_of(original.sender)
    raise NotABooking(
        f"sender domain {domain} is not a booking source (personal or other mail)",
        rule="no platform",
    )


def platform_traced(original: Original) -> Source | None:
    """The platform whose address, or a link to one of whose bookings, the bodies carry."""
    for doc in original.content.wholes():
        for address in ADDRESS.findall(doc.text):
            if (found := platform_of(address)) is not None:
                return found
        for url in expand([*doc.links, *urls_in(doc.text)]):
            for source in SOURCES:
                if source.id_in_link(url):
                    return source
    return None

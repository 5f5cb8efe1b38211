"""Which platform an email is from, judged by the original sender's domain and nothing else.

A display name, a subject or a body can say anything; the domain of the original sender's address
must be the platform's own (or a subdomain of it). Whether the mail really came from there (SPF,
DKIM, the forwarding mailbox) is the worker's admission step, which reads the same envelope.
"""

from bookings import NotABooking
from parsers import boatsetter, getmyboat
from parsers.forwarding import Original
from parsers.mime import domain_of
from parsers.source import Source

SOURCES: tuple[Source, ...] = (boatsetter.SOURCE, getmyboat.SOURCE)


def platform_of(address: str | None) -> Source | None:
    """The platform whose own domain (or a subdomain) the address is at; None for any other."""
    if address is None:
        return None
    domain = domain_of(address)
    return next((source for source in SOURCES if source.trusts(domain)), None)


def is_platform(address: str | None) -> bool:
    return platform_of(address) is not None


def source_for(original: Original) -> Source:
    """The source whose domain sent the original; ``NotABooking`` when none did."""
    if original.sender is None:
        where = "the forwarded message" if original.forwarded else "the email"
        raise NotABooking(f"{where} names no single sender address")
    trusted = platform_of(original.sender)
    if trusted is not None:
        return trusted
    domain = domain_of(original.sender)
    for source in SOURCES:
        if source.imitated_by(domain):
            raise NotABooking(
                f"sender domain {domain} imitates {source.domains[0]} but is not {source.name}'s"
            )
    raise NotABooking(f"sender domain {domain} is not a booking source (personal or other mail)")

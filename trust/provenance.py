"""How far a booking email is proven the platform's: ``verified``, or forwarded and unverified.

* A forward as an attachment, at any depth (an inline forward carries the forwarded message's
  attachments along, and a mailbox rule passes them on): the booking is read from the attached
  original, so it is verified when that carries the platform's valid DKIM signature
  (``trust.original_dkim``), whatever proved the mail around it.
* Direct mail, or a mailbox rule's unchanged forward (``auto``): verified when SES proved the From
  domain (aligned DMARC or DKIM, ``trust.authresults``) and that domain is the platform's own.
* An inline forward (the original quoted in the body) cannot be proven: it is as good as the
  allowlisted mailbox that forwarded it, and says so.
"""

from collections.abc import Callable

from bookings import Provenance
from parsers import SOURCES
from trust.authresults import Alignment
from trust.origin import MailOrigin
from trust.original_dkim import KeyLookup, verify_original


def platform_domains(source: str) -> Callable[[str], bool]:
    """Whether a domain is the platform ``source``'s own (or a subdomain of it)."""
    found = next((s for s in SOURCES if s.name == source), None)
    return found.trusts if found is not None else lambda _domain: False


def provenance_of(
    origin: MailOrigin, alignment: Alignment | None, source: str, lookup: KeyLookup
) -> Provenance:
    """The provenance of a booking email read as ``source``'s (raises TransientError when DNS
    does not answer for the attached original's key)."""
    trusts = platform_domains(source)
    forwarder = origin.forwarded_by if origin.style is not None else None
    if origin.style in (None, "auto"):
        if alignment is not None and trusts(alignment.domain):
            return Provenance(verified=True, forwarded_by=forwarder, proof=alignment.proof)
        return Provenance(
            verified=False,
            forwarded_by=forwarder,
            proof="SES did not prove the platform's domain sent it",
        )
    if origin.attached_original is not None:
        check = verify_original(origin.attached_original, trusts, lookup)
        return Provenance(verified=check.verified, forwarded_by=forwarder, proof=check.reason)
    proof = (
        "the attached original could not be cut out exactly"
        if any(hop.style == "attachment" for hop in origin.hops)
        else "an inline forward carries no signature of the platform"
    )
    return Provenance(verified=False, forwarded_by=forwarder, proof=proof)

"""The platform's own DKIM signature on an original forwarded as an attachment.

A forward as an attachment (message/rfc822) carries the original byte for byte, and with it the
platform's DKIM signature: checked with ``dkimpy``, it proves the platform wrote that email, however
it reached us. The signature must be by the platform's domain, the original's From must be the
platform's too (alignment), and it must cover the whole body (a signature with ``l=`` lets anyone
append text below the signed part, so it proves nothing here).

A signature proves only the header instances it covers: dkimpy, like every verifier, takes the
bottom-most of each signed name, while a reader takes the top-most. So a header that RFC 5322
allows once (``SINGLETONS``) given twice, as dkimpy or the standard parser splits the header block,
leaves the original unverified: anyone may have put the top one there (``Subject: Booking
cancelled``, a ``Date`` in the future). The parsers refuse such an original too
(``parsers.forwarding.Original.repeated``).

The public key comes from DNS through an injectable ``KeyLookup``: tests answer with a key they
made; production asks DNS with dnspython. A lookup that times out is a transient fault (retried),
never a failed signature.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import Message

from bookings import TransientError
from parsers.mime import decode_headers, domain_of, header_sender

#: headers RFC 5322 (section 3.6) allows at most once in a message
SINGLETONS = ("From", "Date", "Subject", "To", "Cc", "Message-ID", "Reply-To", "Sender")

#: DNS name (``<selector>._domainkey.<domain>.``) → its TXT record, None when there is none
KeyLookup = Callable[[bytes], bytes | None]
DNS_TIMEOUT_SECONDS = 5.0
_QUIET = logging.getLogger("charterhand.dkim")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome for one original: verified by ``domain``, or the reason it was not."""

    verified: bool
    reason: str
    domain: str | None = None


def verify_original(
    original: bytes, trusts: Callable[[str], bool], lookup: KeyLookup
) -> SignatureCheck:
    """Whether a DKIM signature by a domain ``trusts`` accepts verifies on ``original``."""
    import dkim  # dkimpy and dnspython: 30 ms at start, for forwards as attachments only
    from dkim.util import InvalidTagValueList, parse_tag_value

    headers = decode_headers(original)
    try:
        checker = dkim.DKIM(original, logger=_QUIET)
    except Exception as exc:  # dkimpy's header split on a stranger's bytes (IndexError, too)
        return SignatureCheck(False, f"the attached original is malformed ({type(exc).__name__})")
    repeated = _repeated(headers, checker.headers)
    if repeated is not None:
        return SignatureCheck(False, repeated)
    sender = header_sender(headers).address
    if sender is None or not trusts(domain_of(sender)):
        return SignatureCheck(False, "the attached original's From is not the platform's")
    signatures = [value for name, value in checker.headers if name.lower() == b"dkim-signature"]
    if not signatures:
        return SignatureCheck(False, "the attached original has no DKIM signature")
    reason = "no DKIM signature of the platform's domain on the attached original"
    for index, value in enumerate(signatures):
        try:
            tags = parse_tag_value(value)
        except InvalidTagValueList:
            continue
        signer = tags.get(b"d", b"").decode("ascii", "replace").lower().rstrip(".")
        if not trusts(signer):
            continue
        if b"l" in tags:
            reason = f"the DKIM signature of {signer} covers only part of the body (l=)"
            continue
        try:
            valid = checker.verify(idx=index, dnsfunc=_dnsfunc(lookup))
        except TransientError:
            raise
        except Exception as exc:  # dkimpy on a stranger's bytes: whatever it raises proves nothing
            reason = f"the DKIM signature of {signer} does not verify ({type(exc).__name__})"
            continue
        if valid:
            return SignatureCheck(
                True, f"DKIM signature of {signer} on the attached original", signer
            )
        reason = f"the DKIM signature of {signer} does not verify"
    return SignatureCheck(False, reason)


def _repeated(parsed: Message, signed: Sequence[Sequence[bytes]]) -> str | None:
    """Why the original cannot be proven for a singleton header given more than once, as the
    standard parser (what the parsers read) or dkimpy (what it verifies) splits it; or None."""
    for name in SINGLETONS:
        lowered = name.lower().encode("ascii")
        count = max(
            len(parsed.get_all(name) or []),
            sum(1 for each in signed if each[0].lower() == lowered),
        )
        if count > 1:
            return (
                f"the attached original has {count} {name} headers: "
                "its DKIM signature proves only one"
            )
    return None


def _dnsfunc(lookup: KeyLookup) -> Callable[..., bytes | None]:
    def dnsfunc(name: bytes, timeout: float = DNS_TIMEOUT_SECONDS) -> bytes | None:
        return lookup(name)

    return dnsfunc


def dns_txt(name: bytes) -> bytes | None:
    """The TXT record at ``name`` from DNS; None when none exists; TransientError when DNS does
    not answer (retried later, rather than calling a good signature bad)."""
    import dns.exception
    import dns.resolver

    try:
        answer = dns.resolver.resolve(name.decode("ascii"), "TXT", lifetime=DNS_TIMEOUT_SECONDS)
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
        raise TransientError(f"DNS did not answer for a DKIM key ({type(exc).__name__})") from exc
    except (dns.exception.DNSException, UnicodeError):  # no such name, no TXT, a malformed name
        return None
    for record in answer:
        return b"".join(getattr(record, "strings", ()))
    return None

"""Admission: is this email from a source we trust? Decided before anything is published.

With SES's verdicts (its notification, or the headers SES adds on top of the raw email it stores:
``X-SES-Spam-Verdict``, ``X-SES-Virus-Verdict``, ``Authentication-Results: amazonses.com; ...``):

* spam or virus ``FAIL`` → ignored (the email stays in S3 for a person to look at);
* ``require_authenticated_sender`` (the default): the email's own ``From`` domain must be proven by
  *aligned* authentication, read from the topmost ``Authentication-Results`` SES wrote
  (``trust.authresults``): DMARC pass for that domain, or a DKIM signature by it. SES's bare SPF
  and DKIM verdicts are never enough: an attacker's own domain passes both. Where the stored email
  carries no such header, the DMARC PASS of SES's own notification (aligned by definition) stands
  in for it (``trust.authresults.from_notification_dmarc``); with neither, nothing proves the
  sender, so it is ignored: fail closed.

What the ``From`` domain is decides what this proves: for direct platform mail and a mailbox rule's
unchanged forward (``X-Forwarded-For``), the platform's domain; for a forward written by the owner
(inline, or the original attached), the forwarding mailbox's own domain, so nobody can pose as an
allowlisted forwarder. ``trust.provenance`` then says how far the booking itself is proven.

Always: the object must be in the inbound bucket (a notification cannot point us at any bucket),
and a forwarded email must come through allowlisted forwarding mailboxes (the owners'), every hop
of it, each named exactly (see :func:`check_hops`).
"""

from collections.abc import Callable, Sequence
from email.message import Message

from parsers import Hop
from parsers.mime import decode_headers
from trust.authresults import AuthenticationResults, alignment, ses_authentication_results
from worker.decode import EmailRef, Verdicts
from worker.outcomes import ReasonClass, Refusal

#: the object SES writes into the bucket when the S3 action is set up: not an email of ours
SES_SETUP_OBJECT = "AMAZON_SES_SETUP_NOTIFICATION"
_UNNAMEABLE = {"several": "several addresses", "undisclosed": "undisclosed recipients"}


def check_location(ref: EmailRef, inbound_bucket: str) -> Refusal | None:
    """A reason to ignore the email for where it is, or None. (SES's setup object is no mail;
    every other refusal here and below is ``UNTRUSTED``.)"""
    if ref.content is not None:
        return None
    if ref.bucket != inbound_bucket:
        return Refusal(f"object is in bucket {ref.bucket!r}, not the inbound bucket")
    if (ref.key or "").rsplit("/", 1)[-1] == SES_SETUP_OBJECT:
        return Refusal("SES setup notification", ReasonClass.NOT_MAIL)
    return None


def check_verdicts(verdicts: Verdicts, *, require_authenticated_sender: bool) -> Refusal | None:
    """A reason to ignore the email for SES's verdicts, or None."""
    if verdicts.virus == "FAIL":
        return Refusal("SES virus verdict FAIL")
    if verdicts.spam == "FAIL":
        return Refusal("SES spam verdict FAIL")
    if not require_authenticated_sender:
        return None
    if verdicts.dmarc == "FAIL":
        return Refusal("sender fails DMARC")
    return None


def check_sender(
    results: AuthenticationResults | None, from_address: str | None, *, required: bool
) -> Refusal | None:
    """A reason to ignore the email because SES did not prove its From domain, or None.

    The reason names the missing proof, never the address.
    """
    if not required:
        return None
    if results is None:
        return Refusal("no Authentication-Results from SES: the sender cannot be authenticated")
    if results.ambiguous:
        return Refusal(f"SES's Authentication-Results cannot be trusted ({results.ambiguous})")
    if from_address is None:
        return Refusal("the email names no single From address to authenticate")
    if alignment(results, from_address.rpartition("@")[2]) is None:
        dmarc, dkim = results.result_of("dmarc"), results.result_of("dkim")
        return Refusal(
            "From domain not authenticated (no aligned DMARC or DKIM pass; "
            f"dmarc={dmarc}, dkim={dkim})"
        )
    return None


def check_hops(
    hops: Sequence[Hop],
    allowlist: Sequence[str],
    *,
    is_platform: Callable[[str], bool] = lambda address: False,
) -> Refusal | None:
    """A reason to refuse a forwarded email for any of its hops, or None.

    Each hop between the platform's message and our inbox must name its mailbox exactly and that
    mailbox must be allowlisted (the platform itself may be a hop). Entries are addresses
    (``dana@sailjada.com``) or whole domains (``@sailjada.com``), any case. Reasons never name the
    mailbox (contact details stay out of logs), only the hop's place in the chain.
    """
    for number, hop in enumerate(hops, start=1):
        where = f"hop {number} of {len(hops)} ({hop.style})"
        if hop.address is None:
            why = _UNNAMEABLE.get(hop.problem or "", "no address")
            return Refusal(f"forwarded, and {where} names no single forwarder ({why})")
        if is_platform(hop.address):
            continue
        if not allowlist:
            return Refusal("forwarded, and forwarder_allowlist is empty")
        if not allowlisted(hop.address, allowlist):
            return Refusal(f"forwarded ({where}) by a mailbox that is not in forwarder_allowlist")
    return None


def allowlisted(address: str, allowlist: Sequence[str]) -> bool:
    """Whether ``address`` is an allowlist entry: an address, or its whole ``@domain``, any case."""
    allowed = {entry.strip().lower() for entry in allowlist}
    address = address.strip().lower()
    return address in allowed or "@" + address.rsplit("@", 1)[-1] in allowed


def stored_headers(raw: bytes) -> Message:
    """The stored email's headers, parsed once for every admission check (body never split)."""
    return decode_headers(raw)


def verdicts_from_headers(raw: bytes | Message) -> Verdicts | None:
    """SES's verdicts from the headers it puts on top of a stored email (raw, or its
    ``stored_headers``); None if it added none.

    Only the first (topmost) of each header counts: SES adds its own above whatever the sender
    wrote, so a forged ``X-SES-Spam-Verdict: PASS`` lower down is never read.
    """
    headers = raw if isinstance(raw, Message) else stored_headers(raw)
    return verdicts_of(headers, ses_authentication_results(headers))


def verdicts_of(headers: Message, results: AuthenticationResults | None) -> Verdicts | None:
    """:func:`verdicts_from_headers` for a caller that has already read SES's
    ``Authentication-Results`` from these headers (the worker reads it once per email)."""
    spam = headers.get("X-SES-Spam-Verdict")
    virus = headers.get("X-SES-Virus-Verdict")
    if spam is None and virus is None and results is None:
        return None

    def verdict(method: str) -> str | None:
        found = results.result_of(method) if results is not None else None
        return found.upper() if found else None

    return Verdicts(
        spam=str(spam).strip().upper() if spam else None,
        virus=str(virus).strip().upper() if virus else None,
        spf=verdict("spf"),
        dkim=verdict("dkim"),
        dmarc=verdict("dmarc"),
    )

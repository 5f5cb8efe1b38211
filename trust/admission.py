"""Admission: is this an email SES stored for us, from a sender SES proved? The one entry point
of sender trust, :func:`admit`, decides on where the email is and its header block alone, before
any body is decoded (:func:`check_location` alone first, before the object is even fetched).

Trusted only what SES stored:

* the object is in the inbound bucket, under the inbound prefix; when SES's notification names
  it, at ``<prefix><messageId>`` (SES's S3 action writes each email there); an SNS envelope
  came from the inbound topic. Inline content (an SNS action's) is stored nowhere: never
  trusted. An S3 event (no verdicts of its own) is enough: every verdict is read from the object;
* the stored email is topped by SES's own ``Authentication-Results`` (authserv-id
  ``amazonses.com``; SES adds its headers above whatever the sender wrote) and its
  ``X-SES-Spam-Verdict`` and ``X-SES-Virus-Verdict``: without them, nothing says SES received
  it, and it is refused (fail closed). Spam or virus ``FAIL`` is refused;
* ``require_authenticated_sender`` (the default): the ``From`` domain of the header block is
  proven by *aligned* authentication in that header (``trust.authresults``): DMARC pass for it,
  or a DKIM signature by it. SES's bare SPF and DKIM verdicts are never enough: an attacker's own
  domain passes both. What the ``From`` domain is decides what this proves: for direct platform
  mail and a mailbox rule's unchanged forward, the platform's; for a forward written by the
  owner, the forwarding mailbox's own, so nobody can pose as an allowlisted forwarder.

Then, with the body (so only for admitted mail): a forwarded email must come through
allowlisted forwarding mailboxes, every hop of it, each named exactly (:func:`check_hops`), and
``trust.provenance`` says how far the booking itself is proven.

Every refusal is an ignored email, never a dead letter: mail an outsider can send must not stop
intake. Reasons never name an address.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import Message
from typing import Protocol

from parsers import Hop
from parsers.mime import decode_headers, header_sender
from trust import setup_mail
from trust.authresults import (
    Alignment,
    AuthenticationResults,
    alignment,
    ses_authentication_results,
)
from trust.refusal import Refusal, RefusalClass

#: the object SES writes into the bucket when the S3 action is set up: not an email of ours
SES_SETUP_OBJECT = "AMAZON_SES_SETUP_NOTIFICATION"
#: the header block admission reads, at most: SES's own headers are on top, and a booking
#: email's whole header block is a few kilobytes
MAX_HEADER_BLOCK_BYTES = 1024 * 1024
_UNNAMEABLE = {"several": "several addresses", "undisclosed": "undisclosed recipients"}


@dataclass(frozen=True)
class Inbound:
    """Where SES stores the mail we trust, and the topic it announces it on: configured, never
    read from a message. ``topic_arn`` None refuses every SNS envelope (fail closed)."""

    bucket: str
    prefix: str = "raw/"
    topic_arn: str | None = None


class StoredAt(Protocol):
    """Where a message says an email is (``worker.decode.EmailRef`` is one)."""

    @property
    def bucket(self) -> str | None: ...

    @property
    def key(self) -> str | None: ...

    @property
    def ses_message_id(self) -> str | None:
        """SES's messageId, when SES's notification named it."""
        ...

    @property
    def sns_topic_arn(self) -> str | None:
        """The SNS envelope's ``TopicArn`` ("" when it had none); None: no envelope."""
        ...


@dataclass(frozen=True)
class Admitted:
    """An email SES stored for us, from a sender it proved (or with proof not required)."""

    #: the header block's From (None only when authentication is not required)
    from_address: str | None
    results: AuthenticationResults
    #: how SES proved the From domain sent it; None when it did not (not required)
    alignment: Alignment | None
    #: Google's forwarding confirmation, from Google's own sender as SES proved
    forwarding_setup: bool = False


def admit(
    header_block: bytes,
    stored_at: StoredAt,
    inbound: Inbound,
    *,
    require_authenticated_sender: bool = True,
) -> Admitted | Refusal:
    """Admitted with what proves it, or refused with the reason, from where the email is and
    its header block (``parsers.mime.header_block``); no body is read."""
    refused = check_location(stored_at, inbound)
    if refused:
        return refused
    headers = decode_headers(header_block[:MAX_HEADER_BLOCK_BYTES])
    results = ses_authentication_results(headers)
    if results is None:
        return _not_received_by_ses(headers)
    refused = check_verdicts(headers, results, require_authenticated_sender)
    if refused:
        return refused
    from_address = header_sender(headers).address
    refused = check_sender(results, from_address, required=require_authenticated_sender)
    if refused:
        return refused
    setup = from_address == setup_mail.SENDER
    if setup and not setup_mail.authenticated(headers, results):
        return Refusal(
            f"claims to be a {setup_mail.PROVIDER} forwarding confirmation, "
            f"but SES did not prove it came from {setup_mail.DOMAIN}"
        )
    domain = from_address.rpartition("@")[2] if from_address else None
    return Admitted(from_address, results, alignment(results, domain), forwarding_setup=setup)


def check_location(stored_at: StoredAt, inbound: Inbound) -> Refusal | None:
    """A reason to ignore an email for where it is (or how it was announced), or None. SES's
    set-up object is no mail (``NOT_MAIL``); every other refusal here is ``UNTRUSTED``."""
    topic = stored_at.sns_topic_arn
    if topic is not None and (inbound.topic_arn is None or topic != inbound.topic_arn):
        unset = "" if inbound.topic_arn else " (inbound_topic_arn is not set)"
        return Refusal(
            f"untrusted notification: an SNS envelope from a topic that is not the inbound "
            f"topic{unset}"
        )
    if stored_at.bucket is None or stored_at.key is None:
        return Refusal(
            "untrusted notification: the email is not stored in S3 (only what SES's S3 action "
            "stored is trusted; an SNS action's inline content never is)"
        )
    if stored_at.bucket != inbound.bucket:
        return Refusal(f"object is in bucket {stored_at.bucket!r}, not the inbound bucket")
    key = stored_at.key
    if not key.startswith(inbound.prefix) or key == inbound.prefix:
        return Refusal(f"object key is not under the inbound prefix {inbound.prefix!r}")
    if key.rsplit("/", 1)[-1] == SES_SETUP_OBJECT:
        return Refusal("SES setup notification", RefusalClass.NOT_MAIL)
    message_id = stored_at.ses_message_id
    if message_id is not None and key != inbound.prefix + message_id:
        return Refusal(
            "object key does not match SES's messageId (SES stores each email at "
            "<prefix><messageId>)"
        )
    return None


def _not_received_by_ses(headers: Message) -> Refusal:
    if headers.get("Authentication-Results") is None:
        return Refusal("no Authentication-Results from SES: the sender cannot be authenticated")
    return Refusal(
        "no Authentication-Results from SES on top of the stored email "
        "(the topmost is another server's)"
    )


def check_verdicts(
    headers: Message, results: AuthenticationResults, require_authenticated_sender: bool
) -> Refusal | None:
    """A reason to ignore the email for SES's verdicts on top of it, or None.

    Only the first (topmost) of each header counts: SES adds its own above whatever the sender
    wrote, so a forged ``X-SES-Spam-Verdict: PASS`` lower down is never read.
    """
    for name, header in (("virus", "X-SES-Virus-Verdict"), ("spam", "X-SES-Spam-Verdict")):
        verdict = headers.get(header)
        if verdict is None:
            return Refusal(f"SES {name} verdict missing from the stored email")
        if str(verdict).strip().upper() == "FAIL":
            return Refusal(f"SES {name} verdict FAIL")
    if not require_authenticated_sender or results.ambiguous:
        return None
    if (results.result_of("dmarc") or "").lower() == "fail":
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

"""Admission: is this email from a source we trust? Decided before anything is published.

With SES's verdicts (its notification, or the headers SES adds on top of the raw email it stores:
``X-SES-Spam-Verdict``, ``X-SES-Virus-Verdict``, ``Authentication-Results: amazonses.com; ...``):

* spam or virus ``FAIL`` → ignored (the email stays in S3 for a person to look at);
* ``require_authenticated_sender``: SPF or DKIM must ``PASS`` and DMARC must not ``FAIL`` for the
  sender the message claims (its From domain, as SES checks it).

Without any verdicts (an S3 event for an object SES did not annotate) admission rests on the two
checks that do not need SES: the forwarder allowlist below, and the parsers' rule that a booking
email's (original) sender is the platform's own domain.

Always: the object must be in the inbound bucket (a notification cannot point us at any bucket),
and a forwarded email must come through allowlisted forwarding mailboxes (the owners'), every hop
of it, each named exactly (see :func:`check_hops`).
"""

import re
from collections.abc import Callable, Sequence
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

from parsers import Hop
from worker.decode import EmailRef, Verdicts

#: the object SES writes into the bucket when the S3 action is set up: not an email of ours
SES_SETUP_OBJECT = "AMAZON_SES_SETUP_NOTIFICATION"
_UNNAMEABLE = {"several": "several addresses", "undisclosed": "undisclosed recipients"}
_RESULT = re.compile(r"\b(spf|dkim|dmarc)=([a-z]+)", re.IGNORECASE)


def check_location(ref: EmailRef, inbound_bucket: str) -> str | None:
    """A reason to ignore the email for where it is, or None."""
    if ref.content is not None:
        return None
    if ref.bucket != inbound_bucket:
        return f"object is in bucket {ref.bucket!r}, not the inbound bucket"
    if (ref.key or "").rsplit("/", 1)[-1] == SES_SETUP_OBJECT:
        return "SES setup notification"
    return None


def check_verdicts(verdicts: Verdicts, *, require_authenticated_sender: bool) -> str | None:
    """A reason to ignore the email for SES's verdicts, or None."""
    if verdicts.virus == "FAIL":
        return "SES virus verdict FAIL"
    if verdicts.spam == "FAIL":
        return "SES spam verdict FAIL"
    if not require_authenticated_sender:
        return None
    if verdicts.dmarc == "FAIL":
        return "sender fails DMARC"
    if "PASS" not in (verdicts.spf, verdicts.dkim):
        return f"sender not authenticated (spf={verdicts.spf}, dkim={verdicts.dkim})"
    return None


def check_hops(
    hops: Sequence[Hop],
    allowlist: Sequence[str],
    *,
    is_platform: Callable[[str], bool] = lambda address: False,
) -> str | None:
    """A reason to refuse a forwarded email for any of its hops, or None.

    Each hop between the platform's message and our inbox must name its mailbox exactly and that
    mailbox must be allowlisted (the platform itself may be a hop). Entries are addresses
    (``dana@sailjada.com``) or whole domains (``@sailjada.com``), any case. Reasons never name the
    mailbox (contact details stay out of logs), only the hop's place in the chain.
    """
    allowed = {entry.strip().lower() for entry in allowlist}
    for number, hop in enumerate(hops, start=1):
        where = f"hop {number} of {len(hops)} ({hop.style})"
        if hop.address is None:
            why = _UNNAMEABLE.get(hop.problem or "", "no address")
            return f"forwarded, and {where} names no single forwarder ({why})"
        if is_platform(hop.address):
            continue
        if not allowed:
            return "forwarded, and forwarder_allowlist is empty"
        address = hop.address.strip().lower()
        if address not in allowed and "@" + address.rsplit("@", 1)[-1] not in allowed:
            return f"forwarded ({where}) by a mailbox that is not in forwarder_allowlist"
    return None


def verdicts_from_headers(raw: bytes) -> Verdicts | None:
    """SES's verdicts from the headers it puts on top of a stored email; None if it added none.

    Only the first (topmost) of each header counts: SES adds its own above whatever the sender
    wrote, so a forged ``X-SES-Spam-Verdict: PASS`` lower down is never read.
    """
    headers: Message = BytesHeaderParser(policy=compat32).parsebytes(raw)
    spam = headers.get("X-SES-Spam-Verdict")
    virus = headers.get("X-SES-Virus-Verdict")
    results = _ses_authentication_results(headers)
    if spam is None and virus is None and results is None:
        return None
    found = {m.group(1).lower(): m.group(2).upper() for m in _RESULT.finditer(results or "")}
    return Verdicts(
        spam=str(spam).strip().upper() if spam else None,
        virus=str(virus).strip().upper() if virus else None,
        spf=found.get("spf"),
        dkim=found.get("dkim"),
        dmarc=found.get("dmarc"),
    )


def _ses_authentication_results(headers: Message) -> str | None:
    first = headers.get("Authentication-Results")
    if first is None:
        return None
    text = " ".join(str(first).split())
    return text if text.lower().startswith("amazonses.com") else None

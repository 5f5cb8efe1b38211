"""Who an email is really from and how it reached us: what sender trust reads and decides on."""

from dataclasses import dataclass

from parsers import Hop


@dataclass(frozen=True)
class MailOrigin:
    """Who an email is really from, and which mailboxes forwarded it to us.

    ``forwarded_by`` is the outermost forwarder (None: not forwarded, or not nameable); ``hops``
    every forwarding step from the inbox side inwards, each naming its mailbox exactly or saying
    why it cannot (``Hop.problem``). Admission checks every hop. What the worker keeps of
    ``parsers.Envelope`` (the parser's sender facts), plus the attached original's bytes.
    """

    original_sender: str | None
    forwarded_by: str | None
    #: the email's own From: the domain SES's Authentication-Results speak to
    from_address: str | None = None
    #: how it was forwarded: None (direct) | "auto" | "inline" | "attachment"
    style: str | None = None
    #: the attached original's exact bytes (``attachment`` style): its own DKIM signature may
    #: prove the platform wrote it
    attached_original: bytes | None = None
    hops: tuple[Hop, ...] = ()

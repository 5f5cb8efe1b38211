"""One SQS message → one outcome: decode, fetch, admit, parse, reduce and publish, per email.

A provider's forwarding confirmation (``trust.setup_mail``) is recognised after admission and
before parsing: its link and code go to the manager (``worker.confirmations``), and it ends done.

Nothing here touches SQS: the loop settles what this returns. Every exception ends up as an
outcome: ours by family (transient → retry, permanent → dead-letter). Anything else raised while
*reading* the email (a ``RecursionError`` from MIME nested 1,000 deep, a parser bug) is permanent:
the same bytes fail the same way, so it is dead-lettered on the first receive, named by its class.
Anything else after that is a transient "unexpected" error, retried and dead-lettered with its
reason once retries run out. No reason or log line carries an exception's message: it may quote
the email.
"""

import uuid
from collections.abc import Callable
from email.message import Message
from functools import partial
from typing import Any, TypeVar

import structlog

from bookings import (
    BookingEvent,
    CharterhandError,
    NotABooking,
    PermanentError,
    Waiting,
)
from bookings.errors import UnexpectedError
from parsers.registry import is_platform
from trust import setup_mail
from trust.authresults import (
    AuthenticationResults,
    alignment,
    from_notification_dmarc,
    ses_authentication_results,
)
from trust.original_dkim import KeyLookup, dns_txt
from trust.provenance import provenance_of
from worker.admission import (
    check_hops,
    check_location,
    check_sender,
    check_verdicts,
    stored_headers,
    verdicts_of,
)
from worker.confirmations import ForwardingConfirmations
from worker.decode import EmailRef, decode_body
from worker.fetching import RawEmails
from worker.orchestrate import Orchestrator
from worker.outcomes import Ending, Outcome, ReasonClass
from worker.policy import combine
from worker.queue import Received
from worker.reading import MailReader
from worker.tracebacks import where_it_failed

log = structlog.get_logger("charterhand.worker")

T = TypeVar("T")


class MessageHandler:
    """Works one message to its outcome. Safe to call from several threads at once."""

    def __init__(
        self,
        *,
        emails: RawEmails,
        reader: MailReader,
        orchestrator: Orchestrator,
        inbound_bucket: str,
        forwarder_allowlist: list[str],
        require_authenticated_sender: bool,
        require_verified_original: bool = False,
        key_lookup: KeyLookup = dns_txt,
        confirmations: ForwardingConfirmations | None = None,
    ) -> None:
        self.emails = emails
        self.reader = reader
        self.orchestrator = orchestrator
        self.inbound_bucket = inbound_bucket
        self.forwarder_allowlist = forwarder_allowlist
        self.require_authenticated_sender = require_authenticated_sender
        self.require_verified_original = require_verified_original
        #: DKIM key look-ups for attached originals (DNS; tests pass their own)
        self.key_lookup = key_lookup
        #: tells the manager about forwarding confirmations (None: they are dead-lettered)
        self.confirmations = confirmations

    def handle(self, message: Received) -> Outcome:
        """The message's outcome (before the retry limit is applied by the settler)."""
        try:
            decoded = decode_body(message.body)
        except CharterhandError as exc:
            return Outcome.of_error(exc)
        if decoded.ignored is not None:
            # the decoder ignores only messages that carry no received mail
            return Outcome(Ending.IGNORED, decoded.ignored, ReasonClass.NOT_MAIL)
        return combine(self._email_or_error(ref) for ref in decoded.emails)

    def _email_or_error(self, ref: EmailRef) -> Outcome:
        email_id = ref.ses_message_id
        try:
            return self._email(ref)
        except UnreadableEmail as exc:
            log.error("email unreadable", where=ref.where, traceback=where_it_failed(exc))
            return Outcome.of_error(exc, email_id=email_id)
        except CharterhandError as exc:
            return Outcome.of_error(exc, email_id=email_id)
        except Exception as exc:  # a bug of ours or a library's: retried, then dead-lettered
            log.error("unexpected error", where=ref.where, traceback=where_it_failed(exc))
            error = UnexpectedError(f"unexpected {type(exc).__name__} on {ref.where}", exc)
            return Outcome.of_error(error, email_id=email_id)

    def _email(self, ref: EmailRef) -> Outcome:
        refused = check_location(ref, self.inbound_bucket)
        if refused:
            return Outcome.ignored(refused, email_id=ref.ses_message_id)
        if ref.verdicts is not None:
            refused = check_verdicts(
                ref.verdicts, require_authenticated_sender=self.require_authenticated_sender
            )
            if refused:
                return Outcome.ignored(refused, email_id=ref.ses_message_id)
        read = self._read(ref)
        if isinstance(read, Outcome):
            return read
        event, email_id = read
        applied = self.orchestrator.apply(event, run_id=uuid.uuid4().hex, email_id=email_id)
        context: dict[str, Any] = {"booking_key": applied.booking_key, "email_id": email_id}
        if applied.failed:  # a permanent failure first: retrying will not fix it
            # a permanent failure first, then a real transient one, then one that only waits
            errors = sorted(
                applied.failed.values(), key=lambda e: (e.transient, isinstance(e, Waiting))
            )
            return Outcome.of_error(errors[0], **context)
        if applied.held:
            return Outcome(
                Ending.RETRY,
                "another worker is working on this booking",
                ReasonClass.LEASE,
                step=applied.held[0],
                error_class="LeaseHeld",
                contention=True,
                **context,
            )
        if applied.duplicate:
            reason = "duplicate of an email already applied"
            return Outcome(Ending.DONE, reason, ReasonClass.DUPLICATE, **context)
        ran = ", ".join(applied.ran) or "nothing (already published)"
        proof = "verified" if event.provenance and event.provenance.verified else "unverified"
        reason = f"{event.kind.value} ({proof}): ran {ran}" + (
            "" if applied.state_changed else "; state kept"
        )
        ran_any = ReasonClass.PUBLISHED if applied.ran else ReasonClass.CURRENT
        return Outcome(Ending.DONE, reason, ran_any, **context)

    def _forwarding_setup(
        self, raw: bytes, headers: Message, results: AuthenticationResults | None, email_id: str
    ) -> Outcome:
        """A provider's forwarding confirmation: its link and code go to the manager."""
        provider = setup_mail.PROVIDER
        if not setup_mail.authenticated(headers, results):
            reason = (
                f"claims to be a {provider} forwarding confirmation, "
                f"but SES did not prove it came from {setup_mail.DOMAIN}"
            )
            return Outcome(Ending.IGNORED, reason, ReasonClass.UNTRUSTED, email_id=email_id)
        confirmation = setup_mail.read(raw)
        if confirmation is None:  # Google's own, yet unreadable: loud, never silently dropped
            reason = f"{provider} forwarding confirmation with no confirmation link we can read"
            raise PermanentError(reason, step="confirmation")
        if self.confirmations is None:
            reason = f"{provider} forwarding confirmation, and no way to tell the manager"
            raise PermanentError(reason, step="confirmation")
        sent = self.confirmations.handle(confirmation, email_id)
        if sent is None:
            reason = f"{provider} forwarding confirmation already sent to the manager"
            # published, as when it was first sent (not DUPLICATE: that is a booking email's)
            return Outcome(Ending.DONE, reason, ReasonClass.PUBLISHED, email_id=email_id)
        log.info(
            "forwarding confirmation sent to the manager",
            provider=provider,
            email_id=email_id,
            ses_message_id=sent,
        )
        reason = f"{provider} forwarding confirmation: link and code sent to the manager"
        return Outcome(Ending.DONE, reason, ReasonClass.PUBLISHED, email_id=email_id)

    def _read(self, ref: EmailRef) -> "Outcome | tuple[BookingEvent, str]":
        """Fetch, admit and parse within the byte budget: the raw email and its decoded form are
        gone when this returns (the booking's steps run without them)."""
        with self.emails.held(ref) as raw:
            try:
                return self._admit_and_parse(ref, raw)
            finally:
                self.reader.forget()

    def _admit_and_parse(self, ref: EmailRef, raw: bytes) -> "Outcome | tuple[BookingEvent, str]":
        email_id = ref.ses_message_id or _reading(self.reader.identity, raw)
        headers = _reading(stored_headers, raw)
        results = ses_authentication_results(headers)
        verdicts = None if ref.verdicts is not None else verdicts_of(headers, results)
        if verdicts is not None:
            refused = check_verdicts(
                verdicts, require_authenticated_sender=self.require_authenticated_sender
            )
            if refused:
                return Outcome.ignored(refused, email_id=email_id)
        origin = _reading(self.reader.origin, raw)
        from_domain = (origin.from_address or "").rpartition("@")[2]
        if results is None and ref.verdicts is not None:  # SES's notification, when it came
            results = from_notification_dmarc(ref.verdicts.dmarc, from_domain)
        refused = check_sender(
            results, origin.from_address, required=self.require_authenticated_sender
        )
        if refused:
            return Outcome.ignored(refused, email_id=email_id)
        if setup_mail.claims_to_be_one(headers):
            return self._forwarding_setup(raw, headers, results, email_id)
        refused = check_hops(origin.hops, self.forwarder_allowlist, is_platform=is_platform)
        if refused:
            return Outcome.ignored(refused, email_id=email_id)
        try:
            event = _reading(partial(self.reader.parse, received_at=ref.received_at), raw)
        except NotABooking as exc:
            reason = f"not a booking: {exc.reason}"
            return Outcome(Ending.IGNORED, reason, ReasonClass.NOT_A_BOOKING, email_id=email_id)
        proven = provenance_of(
            origin, alignment(results, from_domain), event.source, self.key_lookup
        )
        if self.require_verified_original and not proven.verified:
            reason = f"unverified booking email ({proven.proof}): require_verified_original is set"
            return Outcome(
                Ending.IGNORED,
                reason,
                ReasonClass.UNTRUSTED,
                booking_key=event.key,
                email_id=email_id,
            )
        return event.model_copy(update={"provenance": proven}), email_id

    def close(self) -> None:
        """The worker is stopping: threads waiting to read an email give up (and retry later)."""
        self.emails.budget.close()


class UnreadableEmail(PermanentError):
    """Reading an email raised something no parser raises on purpose. Permanent: the same bytes
    fail the same way. ``error_class`` names the original exception; its message is left out."""

    def __init__(self, cause: BaseException) -> None:
        reason = f"unexpected {type(cause).__name__} while reading the email"
        super().__init__(reason, step="parse", cause=cause)


def _reading(read: Callable[[bytes], T], raw: bytes) -> T:
    """``read(raw)``; anything but ``NotABooking`` or our own errors becomes ``UnreadableEmail``."""
    try:
        return read(raw)
    except (NotABooking, CharterhandError):
        raise
    except Exception as exc:  # RecursionError, a parser's bug: see UnreadableEmail
        raise UnreadableEmail(exc) from exc

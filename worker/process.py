"""One SQS message → one outcome: decode, fetch, admit, parse, reduce and publish, per email.

This only orchestrates: where the email is (``worker.decode``) is checked by sender trust before
it is fetched (``trust.check_location``), then ``trust.admit`` decides on the stored email's
header block alone, before any body is decoded: mail that fails is ignored, whatever its body,
and never dead-lettered. Only admitted mail is read: its forwarding hops checked
(``trust.admission.check_hops``), its booking parsed, its provenance proven
(``trust.provenance``). Google's forwarding confirmation (admitted as such: Google's own sender,
proven) goes to the manager instead (``worker.confirmations``), and ends done. A guest's photo
arriving in the photos bucket (S3's event, never read as an email) is counted and told to the
manager at most once a day (``worker.photos``).

Nothing here touches SQS: the loop settles what this returns. Every exception ends up as an
outcome: ours by family (transient → retry, permanent → dead-letter; MIME nested too deep is a
``ParseError`` before the parser sees it). Anything else raised while *reading* the email (a
parser's bug) is permanent: the same bytes fail the same way, so it is dead-lettered on the
first receive, named by its class. Anything else after that is a transient "unexpected" error,
retried and dead-lettered with its reason once retries run out. No reason or log line carries an
exception's message: it may quote the email.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
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
from bookings.tasks import AUDIT
from parsers.mime import header_block
from parsers.registry import is_platform
from trust import Admitted, Inbound, Refusal, admit, check_location, setup_mail
from trust.admission import check_hops
from trust.original_dkim import KeyLookup, dns_txt
from trust.provenance import provenance_of
from worker.audit import AuditWork
from worker.confirmations import ForwardingConfirmations
from worker.crew import CrewWork
from worker.decode import EmailRef, PhotoRef, Task, decode_body
from worker.fetching import RawEmails
from worker.orchestrate import Orchestrator
from worker.outcomes import Ending, Outcome, ReasonClass
from worker.photos import PhotoNotices
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
        inbound: Inbound,
        forwarder_allowlist: list[str],
        require_authenticated_sender: bool,
        require_verified_original: bool = False,
        key_lookup: KeyLookup = dns_txt,
        confirmations: ForwardingConfirmations | None = None,
        crew: CrewWork | None = None,
        photos: PhotoNotices | None = None,
        audit: AuditWork | None = None,
    ) -> None:
        self.emails = emails
        self.reader = reader
        self.orchestrator = orchestrator
        #: where SES stores the mail we trust, and the topic it announces it on
        self.inbound = inbound
        self.forwarder_allowlist = forwarder_allowlist
        self.require_authenticated_sender = require_authenticated_sender
        self.require_verified_original = require_verified_original
        #: DKIM key look-ups for attached originals (DNS; tests pass their own)
        self.key_lookup = key_lookup
        #: tells the manager about forwarding confirmations (None: they are dead-lettered)
        self.confirmations = confirmations
        #: the worker's own crew tasks: answers to the manager, the hourly check (None: they
        #: are dead-lettered)
        self.crew = crew
        #: counts guests' photos and tells the manager (None: photo events are not decoded as
        #: such, and admission ignores them as mail SES did not store)
        self.photos = photos
        #: the hourly audit of the platforms' calendars (None: its task is dead-lettered)
        self.audit = audit

    def handle(self, message: Received) -> Outcome:
        """The message's outcome (before the retry limit is applied by the settler)."""
        photos_bucket = self.photos.bucket if self.photos is not None else None
        try:
            decoded = decode_body(message.body, photos_bucket=photos_bucket)
        except CharterhandError as exc:
            return Outcome.of_error(exc)
        if decoded.ignored is not None:
            # the decoder ignores only messages that carry no received mail
            return Outcome(Ending.IGNORED, decoded.ignored, ReasonClass.NOT_MAIL)
        if decoded.task is not None:
            return self._task(decoded.task)
        emails = [self._email_or_error(ref) for ref in decoded.emails]
        return combine([*emails, *(self._photo_or_error(photo) for photo in decoded.photos)])

    def _photo_or_error(self, photo: PhotoRef) -> Outcome:
        """A guest's photo's outcome (``worker.photos``); an error ends it as any other's."""
        assert self.photos is not None  # decoded as a photo only when there is a handler
        try:
            return self.photos.handle(photo)
        except CharterhandError as exc:
            return Outcome.of_error(exc)
        except Exception as exc:  # a bug of ours or a library's: retried, then dead-lettered
            log.error("unexpected error", where="a photo event", traceback=where_it_failed(exc))
            return Outcome.of_error(
                UnexpectedError(f"unexpected {type(exc).__name__} on a photo", exc)
            )

    def _task(self, task: Task) -> Outcome:
        """One of the worker's own tasks (a crew answer, the crew check) to its outcome."""
        context = {"booking_key": task.booking_key} if task.booking_key else {}
        try:
            if task.kind == AUDIT:
                if self.audit is None:
                    raise PermanentError("an audit task, and no audit configured", step="audit")
                return self.audit.handle(task)
            if self.crew is None:
                reason = f"a {task.kind} task, and no crew work configured to do it"
                raise PermanentError(reason, step="crew")
            return self.crew.handle(task)
        except CharterhandError as exc:
            return Outcome.of_error(exc, **context)
        except Exception as exc:  # a bug of ours or a library's: retried, then dead-lettered
            log.error("unexpected error", task=task.kind, traceback=where_it_failed(exc))
            error = UnexpectedError(f"unexpected {type(exc).__name__} in a {task.kind} task", exc)
            return Outcome.of_error(error, **context)

    def _email_or_error(self, ref: EmailRef) -> Outcome:
        """The email's outcome, marked ``admitted`` when it got past admission (the DLQ limit
        counts only those): however it ended, an error raised after admission included."""
        admission = Admission()
        outcome = self._outcome(ref, admission)
        return replace(outcome, admitted=True) if admission.passed else outcome

    def _outcome(self, ref: EmailRef, admission: "Admission") -> Outcome:
        email_id = ref.ses_message_id
        try:
            return self._email(ref, admission)
        except UnreadableEmail as exc:
            log.error("email unreadable", where=ref.where, traceback=where_it_failed(exc))
            return Outcome.of_error(exc, email_id=email_id)
        except CharterhandError as exc:
            return Outcome.of_error(exc, email_id=email_id)
        except Exception as exc:  # a bug of ours or a library's: retried, then dead-lettered
            log.error("unexpected error", where=ref.where, traceback=where_it_failed(exc))
            error = UnexpectedError(f"unexpected {type(exc).__name__} on {ref.where}", exc)
            return Outcome.of_error(error, email_id=email_id)

    def _email(self, ref: EmailRef, admission: "Admission") -> Outcome:
        refused = check_location(ref, self.inbound)  # before fetching what it names
        if refused:
            return Outcome.ignored(refused, email_id=ref.ses_message_id)
        read = self._read(ref, admission)
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

    def _forwarding_setup(self, raw: bytes, email_id: str) -> Outcome:
        """Google's forwarding confirmation (its sender proven): link and code to the manager."""
        provider = setup_mail.PROVIDER
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

    def _read(self, ref: EmailRef, admission: "Admission") -> "Outcome | tuple[BookingEvent, str]":
        """Fetch, admit and parse within the byte budget: the raw email and its decoded form are
        gone when this returns (the booking's steps run without them)."""
        with self.emails.held(ref) as raw:
            try:
                return self._admit_and_parse(ref, raw, admission)
            finally:
                self.reader.forget()

    def _admit_and_parse(
        self, ref: EmailRef, raw: bytes, admission: "Admission"
    ) -> "Outcome | tuple[BookingEvent, str]":
        email_id = ref.ses_message_id or _reading(self.reader.identity, raw)
        admitted = _reading(self._admit(ref), raw)
        if isinstance(admitted, Refusal):  # decided on the header block: no body was decoded
            return Outcome.ignored(admitted, email_id=email_id)
        if admitted.forwarding_setup:
            return self._forwarding_setup(raw, email_id)
        origin = _reading(self.reader.origin, raw)
        refused = check_hops(origin.hops, self.forwarder_allowlist, is_platform=is_platform)
        if refused:
            return Outcome.ignored(refused, email_id=email_id)
        admission.passed = True  # from here on, what becomes of it counts for the DLQ limit
        try:
            event = _reading(partial(self.reader.parse, received_at=ref.received_at), raw)
        except NotABooking as exc:
            reason = f"not a booking: {exc.reason}"
            return Outcome(Ending.IGNORED, reason, ReasonClass.NOT_A_BOOKING, email_id=email_id)
        proven = provenance_of(origin, admitted.alignment, event.source, self.key_lookup)
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

    def _admit(self, ref: EmailRef) -> Callable[[bytes], Admitted | Refusal]:
        """Sender trust's decision on the stored email's header block (and where it is)."""

        def decide(raw: bytes) -> Admitted | Refusal:
            return admit(
                header_block(raw),
                ref,
                self.inbound,
                require_authenticated_sender=self.require_authenticated_sender,
            )

        return decide

    def close(self) -> None:
        """The worker is stopping: threads waiting to read an email give up (and retry later)."""
        self.emails.budget.close()


@dataclass
class Admission:
    """Whether one email got past admission: set where it does, read when its outcome is made."""

    passed: bool = False


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

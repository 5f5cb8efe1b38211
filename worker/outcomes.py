"""Every message ends in exactly one outcome: how it ended (its :class:`Ending`), why (the
reason, safe to log), and the reason's class in a few fixed words (:class:`ReasonClass`).

Which outcome is final (a retry past its budget is a dead-letter) is :mod:`worker.policy`'s
decision; carrying it out on the queue is :mod:`worker.settling`'s. The reason class is the
``ReasonClass`` dimension of the worker's metrics and what the DLQ limit
(:class:`worker.policy.DlqLimit`) counts dead letters by: one classifier, here, for both.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bookings import CharterhandError, Waiting


class Ending(StrEnum):
    """How a message ended (``bookings.Kind`` is a booking email's kind: another thing)."""

    DONE = "done"
    IGNORED = "ignored"
    RETRY = "retry"
    DEAD_LETTER = "dead-letter"


class ReasonClass(StrEnum):
    """Why a message ended as it did, in a few fixed words (the ``ReasonClass`` dimension)."""

    PUBLISHED = "published"  # done: at least one step ran
    CURRENT = "current"  # done: every step was already in line with the state
    DUPLICATE = "duplicate"  # done: this email was already applied
    NOT_A_BOOKING = "not_a_booking"  # ignored: read, and positively not a booking
    UNTRUSTED = "untrusted"  # ignored: admission refused it (verdicts, forwarder, bucket)
    NOT_MAIL = "not_mail"  # ignored: no received mail in the message (test event, notices)
    UNREADABLE = "unreadable"  # the message body could not be read
    FETCH = "fetch"  # reading the raw email from S3 failed
    PARSE = "parse"  # a booking email we cannot read
    LEASE = "lease"  # waiting: another worker holds the booking, or SES has not reported a send
    STATE = "state"  # the state table kept changing or failed
    STEP = "step"  # a publisher step failed
    UNEXPECTED = "unexpected"  # a bug of ours or a library's
    OTHER = "other"  # none of the above: look at the log line's reason


@dataclass(frozen=True)
class Outcome:
    """What became of a message (or of one email in it), and why. Safe to log as is."""

    ending: Ending
    reason: str
    booking_key: str | None = None
    email_id: str | None = None
    step: str | None = None
    error_class: str | None = None
    #: a retry that only waits (another worker's lease, SES's report on a send: ``Waiting``),
    #: re-sent as a fresh message and spending no retry budget
    contention: bool = False

    @classmethod
    def of_error(cls, exc: CharterhandError, **context: Any) -> "Outcome":
        """Retry for a transient error, dead-letter for a permanent one."""
        return cls(
            ending=Ending.RETRY if exc.transient else Ending.DEAD_LETTER,
            reason=exc.reason,
            step=exc.step,
            error_class=type(exc).__name__,
            contention=isinstance(exc, Waiting),
            **context,
        )

    @property
    def reason_class(self) -> ReasonClass:
        return reason_class(self)


#: ignored reasons' openings (worker/admission.py, worker/decode.py): tests pin them to the code
_IGNORED = (
    ("not a booking", ReasonClass.NOT_A_BOOKING),
    ("SES virus verdict", ReasonClass.UNTRUSTED),
    ("SES spam verdict", ReasonClass.UNTRUSTED),
    ("sender ", ReasonClass.UNTRUSTED),
    ("no Authentication-Results", ReasonClass.UNTRUSTED),
    ("SES's Authentication-Results", ReasonClass.UNTRUSTED),
    ("the email names no single From", ReasonClass.UNTRUSTED),
    ("From domain not authenticated", ReasonClass.UNTRUSTED),
    ("unverified booking email", ReasonClass.UNTRUSTED),
    ("claims to be a", ReasonClass.UNTRUSTED),
    ("forwarded", ReasonClass.UNTRUSTED),
    ("object is in bucket", ReasonClass.UNTRUSTED),
    ("SES setup notification", ReasonClass.NOT_MAIL),
    ("SNS ", ReasonClass.NOT_MAIL),
    ("s3:TestEvent", ReasonClass.NOT_MAIL),
    ("no object created", ReasonClass.NOT_MAIL),
    ("EventBridge S3", ReasonClass.NOT_MAIL),
    ("SES ", ReasonClass.NOT_MAIL),
)

_LEASE_ERRORS = frozenset({"LeaseHeld", "BookingBusy"})


def reason_class(outcome: Outcome) -> ReasonClass:
    """The outcome's reason class: from its error class and step where it has them."""
    if outcome.ending is Ending.DONE:
        if outcome.reason.startswith("duplicate"):
            return ReasonClass.DUPLICATE
        if ": ran nothing" in outcome.reason:
            return ReasonClass.CURRENT
        return ReasonClass.PUBLISHED
    if outcome.ending is Ending.IGNORED:
        for opening, found in _IGNORED:
            if outcome.reason.startswith(opening):
                return found
        return ReasonClass.OTHER
    return _error_class(outcome)


def _error_class(outcome: Outcome) -> ReasonClass:
    if outcome.contention or outcome.error_class in _LEASE_ERRORS:
        return ReasonClass.LEASE
    if outcome.error_class == "UnreadableBody":
        return ReasonClass.UNREADABLE
    if outcome.error_class == "ParseError" or outcome.step == "parse":
        return ReasonClass.PARSE
    if outcome.step == "fetch":
        return ReasonClass.FETCH
    if outcome.step == "state":
        return ReasonClass.STATE
    # a retry that ran out keeps its cause's reason after this opening
    cause = outcome.reason.split(": ", 1)[-1] if "retries exhausted" in outcome.reason else ""
    if outcome.reason.startswith("unexpected") or cause.startswith("unexpected"):
        return ReasonClass.UNEXPECTED
    if outcome.step:
        return ReasonClass.STEP
    return ReasonClass.OTHER

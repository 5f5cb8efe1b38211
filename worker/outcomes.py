"""Every message ends in exactly one outcome: how it ended (its :class:`Ending`), why (the
reason, safe to log), and the reason's class in a few fixed words (:class:`ReasonClass`).

Which outcome is final (a retry past its budget is a dead-letter) is :mod:`worker.policy`'s
decision; carrying it out on the queue is :mod:`worker.settling`'s. The reason class is the
``ReasonClass`` dimension of the worker's metrics and what the DLQ limit
(:class:`worker.policy.DlqLimit`) counts dead letters by. The code that makes an outcome says its
class (a required field): a refusal carries its own (``trust.Refusal``, whose class is read here
by its value), an error's comes from its type and step (:func:`error_reason_class`). No class is
read back from a reason's text.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bookings import CharterhandError, ParseError, Waiting
from bookings.errors import UnexpectedError
from state.store import BookingBusy
from trust.refusal import Refusal
from worker.decode import UnreadableBody


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
    UNTRUSTED = "untrusted"  # ignored: admission refused it (where, verdicts, sender, forwarder)
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
    #: said by whoever makes the outcome; a retry past its budget keeps its cause's class
    reason_class: ReasonClass
    booking_key: str | None = None
    email_id: str | None = None
    step: str | None = None
    error_class: str | None = None
    #: a retry that only waits (another worker's lease, SES's report on a send: ``Waiting``),
    #: re-sent as a fresh message and spending no retry budget
    contention: bool = False
    #: the email passed admission (SES proved its sender, every hop allowlisted): only such
    #: outcomes reach the DLQ limit, so mail from outside can never stop intake
    admitted: bool = False

    @classmethod
    def of_error(cls, exc: CharterhandError, **context: Any) -> "Outcome":
        """Retry for a transient error, dead-letter for a permanent one; the class its type's."""
        return cls(
            ending=Ending.RETRY if exc.transient else Ending.DEAD_LETTER,
            reason=exc.reason,
            reason_class=error_reason_class(exc),
            step=exc.step,
            error_class=exc.error_class,
            contention=isinstance(exc, Waiting),
            **context,
        )

    @classmethod
    def ignored(cls, refusal: Refusal, **context: Any) -> "Outcome":
        """An email (or a message) we leave alone, for a refusal that knows its class."""
        return cls(Ending.IGNORED, str(refusal), ReasonClass(refusal.reason_class.value), **context)


#: steps that are the worker's own stages, not a publisher's (``CharterhandError.step``)
_STAGES = {"parse": ReasonClass.PARSE, "fetch": ReasonClass.FETCH, "state": ReasonClass.STATE}


def error_reason_class(exc: CharterhandError) -> ReasonClass:
    """An error's reason class, by its type, then by the stage or step it failed in."""
    if isinstance(exc, Waiting | BookingBusy):
        return ReasonClass.LEASE
    if isinstance(exc, UnreadableBody):
        return ReasonClass.UNREADABLE
    if isinstance(exc, ParseError):
        return ReasonClass.PARSE
    if exc.step in _STAGES:
        return _STAGES[exc.step]
    if isinstance(exc, UnexpectedError):
        return ReasonClass.UNEXPECTED
    if exc.step:
        return ReasonClass.STEP
    return ReasonClass.OTHER

"""The two error families every charterhand exception belongs to, as arroyo and dramatiq do.

A transient error is worth retrying later (throttling, timeouts, 5xx, a held lease); a permanent
one is not (an unreadable body, a missing object, credentials rejected) and goes to the DLQ at once.
"""

from collections.abc import Sequence


class CharterhandError(Exception):
    """Base of every error we raise. ``reason`` is short, specific and safe to log."""

    transient: bool = False

    def __init__(
        self, reason: str, *, step: str | None = None, cause: BaseException | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.step = step
        #: the exception this one wraps (a bug's), which ``error_class`` names instead
        self.cause_class = type(cause).__name__ if cause is not None else None

    @property
    def error_class(self) -> str:
        """The class name an outcome and a dead letter report (a wrapper names what it wraps)."""
        return self.cause_class or type(self).__name__


class TransientError(CharterhandError):
    """Try again later: the same input may well succeed."""

    transient = True


class Waiting(TransientError):
    """Not a failure: the work waits for something bound to happen (another worker's lease to
    end, SES's report on a send whose answer was lost). Retried like any transient error, but
    without spending the retry budget that dead-letters real failures."""


class UnexpectedError(TransientError):
    """Something no code of ours raised on purpose (a bug of ours or a library's, on a booking's
    way through): retried, then dead-lettered. ``error_class`` names the original exception; its
    message stays out of the reason unless the caller puts it there."""

    def __init__(self, reason: str, cause: BaseException, *, step: str | None = None) -> None:
        super().__init__(reason, step=step, cause=cause)


class PermanentError(CharterhandError):
    """Retrying the same input will fail the same way; a person has to look."""


class ParseError(PermanentError):
    """A booking email we cannot read: names the source, kind and the fields we could not find.

    This is how a changed template gets noticed instead of silently dropped.
    """

    def __init__(
        self,
        reason: str,
        *,
        source: str | None = None,
        kind: str | None = None,
        missing: Sequence[str] = (),
    ) -> None:
        super().__init__(reason, step="parse")
        self.source = source
        self.kind = kind
        self.missing = list(missing)


class NotInFleet(PermanentError):
    """The fleet configuration does not know a boat or a crew member an email or a step names.

    Permanent: the same booking fails the same way until someone edits the fleet. The reason
    names only the boat or the crew id (configuration, never the renter)."""


class UnknownBoat(NotInFleet):
    """No boat of the fleet is called ``boat``."""

    def __init__(self, boat: str, *, step: str | None = None) -> None:
        super().__init__(f"boat {boat!r} is not in the fleet", step=step)
        self.boat = boat


class UnknownCrew(NotInFleet):
    """No person of the fleet has the id ``crew_id``."""

    def __init__(self, crew_id: str, *, step: str | None = None) -> None:
        super().__init__(f"crew member {crew_id!r} is not in the fleet", step=step)
        self.crew_id = crew_id


class NotABooking(Exception):
    """The email is not a booking (newsletter, chat, payout, personal, untrusted sender).

    Not an error family member on purpose: it ends as *ignored*, never retried or dead-lettered.
    Raised only on positive evidence that the email is something else; ``rule`` names the
    evidence ("chat message notification", "bulk mail", "no platform", ...).
    """

    def __init__(self, reason: str, *, rule: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.rule = rule

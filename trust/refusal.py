"""A reason to leave an email alone, and which kind of reason it is.

Trust says *why* it refuses; the worker decides what that means for the message (ignored, with
this class as its ``ReasonClass``: ``worker.outcomes`` reads the class by its value).
"""

from enum import StrEnum


class RefusalClass(StrEnum):
    """The kinds of refusal, named as the worker's ``ReasonClass`` values of the same meaning."""

    UNTRUSTED = "untrusted"  # not proven: where it came from, who sent it, who forwarded it
    NOT_MAIL = "not_mail"  # nothing received: SES's own set-up object


class Refusal(str):
    """A reason to ignore an email (a ``str``: safe to log, compared as text) that carries its
    class; most are ``UNTRUSTED``. Reasons never name an address."""

    reason_class: RefusalClass

    def __new__(cls, reason: str, reason_class: RefusalClass = RefusalClass.UNTRUSTED) -> "Refusal":
        refusal = super().__new__(cls, reason)
        refusal.reason_class = reason_class
        return refusal

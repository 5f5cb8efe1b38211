"""The reason classifier the worker used until reason classes were carried (commit 3ce0ab3's
``worker.outcomes.reason_class``), kept here, frozen, as the reference: it read a class from an
outcome's ending, error class, step and the opening words of its reason.

The worker now says each outcome's class where it makes the outcome. The metrics' ``ReasonClass``
dimension values must not change with that, so tests check that the carried class agrees with
this classifier for every real reason they produce (tests/unit/test_reason_classes.py, and every
settled message of the integration tests' ``make_worker`` workers).
"""

from worker.outcomes import Ending, Outcome, ReasonClass

#: ignored reasons' openings (trust/admission.py, worker/decode.py): tests pin them to the code
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
    # reasons new with issue 18 (where the email is stored, how it was announced), as carried
    ("object key", ReasonClass.UNTRUSTED),
    ("untrusted notification", ReasonClass.UNTRUSTED),
    ("SES setup notification", ReasonClass.NOT_MAIL),
    ("SNS ", ReasonClass.NOT_MAIL),
    ("s3:TestEvent", ReasonClass.NOT_MAIL),
    ("no object created", ReasonClass.NOT_MAIL),
    ("EventBridge S3", ReasonClass.NOT_MAIL),
    ("SES ", ReasonClass.NOT_MAIL),
    # reasons new with issue 19 (guests' photos arriving in the photos bucket), as carried
    ("an object in the photos bucket", ReasonClass.NOT_MAIL),
    ("a photo for a booking", ReasonClass.NOT_MAIL),
)

_LEASE_ERRORS = frozenset({"LeaseHeld", "BookingBusy"})


def text_reason_class(outcome: Outcome) -> ReasonClass:
    """The class the old classifier read from ``outcome`` (its text, error class and step)."""
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

"""A step's state in the booking's ``steps`` map: a ``StrEnum``, so the table keeps its strings."""

from enum import StrEnum


class StepState(StrEnum):
    """Where one step of one booking stands."""

    #: the step's last attempted input is what it published
    PUBLISHED = "published"
    #: the step's last attempt failed; what it published before (if anything) stays
    FAILED = "failed"
    #: never stored: how ``status`` shows a step that has not run yet
    PENDING = "pending"

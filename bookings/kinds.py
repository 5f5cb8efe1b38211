"""What a booking email says happened."""

from enum import StrEnum


class Kind(StrEnum):
    """The kinds of booking event, in the order that breaks ties between equally new emails."""

    REQUEST = "request"
    CONFIRMED = "confirmed"
    MODIFIED = "modified"
    CANCELLED = "cancelled"

    @property
    def rank(self) -> int:
        """Tie-break rank: request < confirmed < modified < cancelled (DESIGN.md, Convergence)."""
        return list(Kind).index(self)

    @property
    def is_live(self) -> bool:
        """A live booking is one that will (or may) sail."""
        return self is not Kind.CANCELLED

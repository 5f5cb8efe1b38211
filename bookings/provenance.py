"""How a booking email was proven to come from the platform: what the manager is shown.

``verified``: SES proved the platform's own domain sent it (DMARC pass, or a DKIM signature by the
platform), or the original attached to a forward carries the platform's valid DKIM signature.
Anything else came through an allowlisted forwarding mailbox on that mailbox's word alone:
``forwarded by <mailbox>, unverified``.
"""

from pydantic import BaseModel, ConfigDict, Field


class Provenance(BaseModel):
    """Whether the booking email is proven the platform's, and how; or who vouched for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verified: bool
    #: the owner's mailbox that forwarded the email, None when it came straight to us
    forwarded_by: str | None = None
    #: what proved it (``DMARC pass for boatsetter.com``), or why nothing did
    proof: str | None = Field(default=None, max_length=300)

    @property
    def label(self) -> str:
        """``verified``, ``forwarded by <mailbox>, unverified`` or ``unverified``."""
        if self.verified:
            return "verified"
        if self.forwarded_by:
            return f"forwarded by {self.forwarded_by}, unverified"
        return "unverified"

    @property
    def text(self) -> str:
        """The label with its proof: ``verified (DMARC pass for boatsetter.com)``."""
        return f"{self.label} ({self.proof})" if self.proof else self.label

"""Sender trust: is an email from a source we trust, and how far is its booking proven?

Decided on what SES stored (its ``Authentication-Results`` on top of the raw email) and where it
stored it, on the header block alone, before any body is read as a booking: :func:`admit` is the
one entry point. Imports no AWS client: the worker fetches, this decides.
"""

from trust.admission import Admitted, Inbound, StoredAt, admit, check_location
from trust.refusal import Refusal, RefusalClass

__all__ = ["Admitted", "Inbound", "Refusal", "RefusalClass", "StoredAt", "admit", "check_location"]

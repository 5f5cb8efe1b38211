"""The worker's logs: the masked JSON lines of :mod:`aws.logs`, which the links API shares.

The implementation lives in ``aws`` (below ``api``, which may not import ``app``), so both
processes log through one processor chain; this name stays for the worker's imports.
"""

from aws.logs import configure_logging, mask, mask_contact_details

__all__ = ["configure_logging", "mask", "mask_contact_details"]

"""What charterhand knows about AWS itself, shared by the worker, the publishers and the API.

Its own top-level package (DESIGN.md, "Where the layout is going": AWS error classification gets
one home, ``aws/``) so that ``publishers`` may use it without importing ``worker``. It imports
only ``bookings`` (for the two error families) and botocore.
"""

"""The audit: what the platforms' calendars and our own downstream systems say, against the state.

Email can be lost before it reaches us (spam, a mail rule, never forwarded) and a published record
can be edited or deleted by hand afterwards. The audit looks for both on a schedule (the
``audit`` task, :mod:`bookings.tasks`) and on demand (``charterhand audit``), and says what it
found as :class:`audit.findings.Finding`. The platform feeds are evidence for a person, never a
source of booking data: the audit changes no booking by itself.
"""

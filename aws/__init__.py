"""What charterhand knows about AWS itself, shared by the worker, the publishers, the state
table, the operator tools and the links API: the one client factory (:mod:`aws.clients`), the
one error classifier (:mod:`aws.errors`), and the masked JSON log lines every process writes to
CloudWatch (:mod:`aws.logs`).

Its own layer, just above ``bookings`` (docs/layout.md), so that every package above may use it
without importing ``worker``. It imports only ``bookings`` (for the two error families and the log
mask), boto3, botocore and structlog.
"""

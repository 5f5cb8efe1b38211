"""What charterhand knows about AWS itself, shared by the worker, the publishers, the state
table, the operator tools and the links API: the one client factory (:mod:`aws.clients`) and the
one error classifier (:mod:`aws.errors`).

Its own layer, just above ``bookings`` (docs/layout.md), so that every package above may use it
without importing ``worker``. It imports only ``bookings`` (for the two error families), boto3
and botocore.
"""

"""The state table's key layout: the one module that builds, or reads back, an item's key.

One table, keyed ``pk`` (partition) and ``sk`` (sort), with the TTL attribute ``expires_at``
(docs/contracts.md). Every kind of item it holds, and the module in ``state/`` that owns it:

===================  ============================  ============================  ==================
item                 pk                            sk                            owner (``state.``)
===================  ============================  ============================  ==================
booking state [#]_   ``booking#<booking key>``     ``state``                     store
crew answer          ``booking#<booking key>``     ``answer#<crew id>``          links
photo quota, 1 hour  ``booking#<booking key>``     ``photos#<YYYYMMDDHH>``       links
crew link token      ``token#<token id>``          ``token``                     crew_tokens
email delivery       ``delivery#<idempotency>``    ``delivery``                  deliveries
SES event on a send  ``sesmail#<send tag>``        ``<SES message id>#<event>``  ses_events
forwarding confirm.  ``forwarding#<email id>``     ``confirmation``              confirmations
DLQ limit            ``intake#dlq-limit``          ``intake``                    intake
===================  ============================  ============================  ==================

.. [#] the booking, its version, lease and fence, its steps, and the emails it applied once.

The emails a booking applied once are a set in its state item, not items of their own. Keys
are built here and nowhere else (tests/unit/test_state_keys.py fails on a prefix written elsewhere),
so a new item kind, or a changed prefix, is one edit that every reader and writer follows.
"""

import hashlib
from datetime import datetime

#: the partition and sort key attributes, and the TTL attribute DynamoDB expires items by
PK = "pk"
SK = "sk"
TTL = "expires_at"

BOOKING = "booking#"
STATE = "state"
ANSWER = "answer#"
PHOTOS = "photos#"
TOKEN = "token#"  # noqa: S105 - a key prefix, not a secret
TOKEN_SK = "token"  # noqa: S105 - a sort key, not a secret
DELIVERY = "delivery#"
DELIVERY_SK = "delivery"
SES_EVENT = "sesmail#"
FORWARDING = "forwarding#"
CONFIRMATION_SK = "confirmation"
INTAKE = "intake#"
INTAKE_SK = "intake"
#: the one DLQ limit every worker shares
DLQ_LIMIT = "dlq-limit"

Key = dict[str, dict[str, str]]


def _key(pk: str, sk: str) -> Key:
    return {PK: {"S": pk}, SK: {"S": sk}}


def booking_pk(booking_key: str) -> str:
    """The partition every item about one booking lives in."""
    return BOOKING + booking_key


def booking_key_of(pk: str) -> str:
    """The booking key a ``booking#`` partition key names."""
    return pk.removeprefix(BOOKING)


def state_key(booking_key: str) -> Key:
    """The booking's one state item (booking, version, lease, fence, steps, applied emails)."""
    return _key(booking_pk(booking_key), STATE)


def answer_key(booking_key: str, crew_id: str) -> Key:
    """A crew member's latest answer about a booking."""
    return _key(booking_pk(booking_key), ANSWER + crew_id)


def crew_id_of(sk: str) -> str:
    """The crew id an ``answer#`` sort key names."""
    return sk.removeprefix(ANSWER)


def photo_quota_key(booking_key: str, window: datetime) -> Key:
    """The upload counter of one booking for the clock hour starting at ``window``."""
    return _key(booking_pk(booking_key), f"{PHOTOS}{window:%Y%m%d%H}")


def token_key(token_id: str) -> Key:
    """A crew link token, by its id."""
    return _key(TOKEN + token_id, TOKEN_SK)


def delivery_key(idempotency_key: str) -> Key:
    """One email's delivery record, by the idempotency key it is sent under."""
    return _key(DELIVERY + idempotency_key, DELIVERY_SK)


def delivery_tag(idempotency_key: str) -> str:
    """The SES message tag value a send carries: hex, as SES allows in tags, and no address in
    it. SES's events come back with it, and are kept under it (:func:`ses_events_pk`)."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()


def ses_events_pk(tag: str) -> str:
    """The partition holding every SES event about the send tagged ``tag``."""
    return SES_EVENT + tag


def ses_event_key(tag: str, message_id: str, event_type: str) -> Key:
    """One SES event (a repeat of the same event overwrites itself)."""
    return _key(ses_events_pk(tag), f"{message_id}#{event_type}")


def confirmation_key(email_id: str) -> Key:
    """A forwarding confirmation, by the id of the email that carried it."""
    return _key(FORWARDING + email_id, CONFIRMATION_SK)


def email_id_of(pk: str) -> str:
    """The email id a ``forwarding#`` partition key names."""
    return pk.removeprefix(FORWARDING)


def intake_key(name: str = DLQ_LIMIT) -> Key:
    """The record that says whether the workers take messages (the shared DLQ limit)."""
    return _key(INTAKE + name, INTAKE_SK)

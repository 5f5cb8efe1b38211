"""The state table's key layout: the one module that builds, or reads back, an item's key.

One table, keyed ``pk`` (partition) and ``sk`` (sort), with the TTL attribute ``expires_at``
(docs/contracts.md). Every kind of item it holds, and the module in ``state/`` that owns it:

===================  ============================  ============================  ==================
item                 pk                            sk                            owner (``state.``)
===================  ============================  ============================  ==================
booking state [#]_   ``booking#<booking key>``     ``state``                     store
crew answer          ``booking#<booking key>``     ``answer#<crew id>``          links
photo quota, 1 hour  ``booking#<booking key>``     ``photos#<YYYYMMDDHH>``       links
photos arrived, day  ``booking#<booking key>``     ``arrived#<YYYY-MM-DD>``      photos
crew link token      ``token#<token id>``          ``token``                     crew_tokens
crew links revoked   ``booking#<booking key>``     ``revoked#<crew id>``         crew_tokens
email delivery       ``delivery#<lane>``           ``<what it sends>``           deliveries
SES event on a send  ``sesmail#<send tag>``        ``<SES message id>#<event>``  ses_events
forwarding confirm.  ``forwarding#<email id>``     ``confirmation``              confirmations
DLQ limit            ``intake#dlq-limit``          ``intake``                    intake
platform feed read   ``audit#<boat>:<platform>``   ``feed``                      audit
feed UID matched     ``audit#<boat>:<platform>``   ``uid#<digest of the UID>``   audit
audit finding open   ``audit#findings``            ``<the finding's key>``       audit
===================  ============================  ============================  ==================

.. [#] the booking, its version, lease and fence, its steps, and the emails it applied once;
   while it will sail (confirmed or modified), also its boat and start (``charter_boat``,
   ``charter_start``): the keys of the sparse index :data:`UPCOMING_INDEX`, which
   :mod:`state.upcoming` reads for the crew check (a cancelled booking or a request leaves it).

An email is keyed by what it sends (:class:`SendKey`): its *lane* names the booking (or the
email) and the recipient (``crew-email:<booking key>:<crew id>``, ``summary:<booking key>:manager``,
``forwarding-confirmation:<email id>:manager``); *what* names the message in that lane: ``new``
(once per recipient and booking), or a kind with a digest of what makes it distinct (the message
it follows and its content, :func:`send_key`). All of one recipient's sends share a partition, so
one query finds a pending send that blocks the next (:mod:`publishers.deliveries`).

The emails a booking applied once are a set in its state item, not items of their own. Keys
are built here and nowhere else (tests/unit/test_state_keys.py fails on a prefix written elsewhere),
so a new item kind, or a changed prefix, is one edit that every reader and writer follows.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

#: the partition and sort key attributes, and the TTL attribute DynamoDB expires items by
PK = "pk"
SK = "sk"
TTL = "expires_at"

BOOKING = "booking#"
STATE = "state"
ANSWER = "answer#"
PHOTOS = "photos#"
ARRIVED = "arrived#"
TOKEN = "token#"  # noqa: S105 - a key prefix, not a secret
TOKEN_SK = "token"  # noqa: S105 - a sort key, not a secret
REVOKED = "revoked#"
DELIVERY = "delivery#"
SES_EVENT = "sesmail#"
FORWARDING = "forwarding#"
CONFIRMATION_SK = "confirmation"
INTAKE = "intake#"
INTAKE_SK = "intake"
AUDIT = "audit#"
FEED_SK = "feed"
UID = "uid#"
#: the one partition of the audit's open findings
FINDINGS = "findings"
#: the one DLQ limit every worker shares
DLQ_LIMIT = "dlq-limit"
#: the sparse global secondary index of bookings that will sail, by boat and start (UTC ISO
#: 8601, so it sorts by time): only state items of confirmed or modified bookings carry its keys
UPCOMING_INDEX = "upcoming"
UPCOMING_BOAT = "charter_boat"
UPCOMING_START = "charter_start"

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


def photo_arrivals_key(booking_key: str, day: str) -> Key:
    """The guests' photos that arrived for one booking on one day (``YYYY-MM-DD``, boat's zone)."""
    return _key(booking_pk(booking_key), ARRIVED + day)


def token_key(token_id: str) -> Key:
    """A crew link token, by its id."""
    return _key(TOKEN + token_id, TOKEN_SK)


def revoked_key(booking_key: str, crew_id: str) -> Key:
    """When a crew member's links for a booking were last revoked (they left its crew)."""
    return _key(booking_pk(booking_key), REVOKED + crew_id)


def step_idempotency_key(booking_key: str, step: str, input_hash: str) -> str:
    """``<booking key>:<step>:<input hash>``: what one step publishes one input under (sent as
    ``Idempotency-Key`` to the records APIs; a repeat creates nothing)."""
    return f"{booking_key}:{step}:{input_hash}"


def repair_idempotency_key(booking_key: str, step: str, incident: str, input_hash: str) -> str:
    """``<booking key>:<step>:repair-<incident>:<input hash>``: what the audit re-publishes an
    unchanged input under after a record was deleted or edited by hand. The incident (which
    record went missing, or a digest of the edited record) sits before the input hash, so the
    records APIs' per-step keys (the key less its hash: ``publishers.transport.records``) are
    the incident's own: a repair is not a replay of the first publish, and a repeat of the same
    repair makes nothing twice."""
    return f"{booking_key}:{step}:repair-{incident}:{input_hash}"


#: the one message in a lane that never goes twice: a recipient's first email about a booking
FIRST = "new"
#: the kind of a crew email that takes a member off the crew (it ends a round of ``new``)
REMOVAL = "removed"


@dataclass(frozen=True)
class SendKey:
    """What one email sends: to whom about what (``lane``), and which message (``what``)."""

    lane: str
    what: str

    @property
    def name(self) -> str:
        """The whole key as one string (the webhook's ``Idempotency-Key``)."""
        return f"{self.lane}:{self.what}"

    @property
    def tag(self) -> str:
        """The SES message tag the send carries (:func:`delivery_tag`)."""
        return delivery_tag(self.name)


def crew_email_lane(booking_key: str, crew_id: str) -> str:
    """Every email to one crew member about one booking."""
    return f"crew-email:{booking_key}:{crew_id}"


def summary_lane(booking_key: str) -> str:
    """Every summary to the booking manager about one booking."""
    return f"summary:{booking_key}:manager"


def crew_answers_lane(booking_key: str) -> str:
    """Every email to the booking manager about the crew's answers on one booking (a decline,
    a change of mind, who is still silent before the charter)."""
    return f"crew-answers:{booking_key}:manager"


def photos_lane(booking_key: str) -> str:
    """Every "new photos" email to the booking manager about one booking."""
    return f"photos:{booking_key}:manager"


def photos_send(booking_key: str, day: str) -> SendKey:
    """The manager's one "new photos" email about one booking on one day: at most one a day."""
    return SendKey(photos_lane(booking_key), f"arrived:{day}")


def confirmation_send(email_id: str) -> SendKey:
    """The manager's one email about one forwarding confirmation mail."""
    return SendKey(f"forwarding-confirmation:{email_id}:manager", "link")


def send_key(lane: str, kind: str, *distinct: str) -> SendKey:
    """The message ``kind`` in ``lane``, told apart from the lane's other messages of that kind
    by ``distinct`` (the message it follows, a digest of its content): a 16-hex digest of
    them, so the key names no address and stays short."""
    if not distinct:
        return SendKey(lane, kind)
    digest = hashlib.sha256("\x1f".join(distinct).encode()).hexdigest()[:16]
    return SendKey(lane, f"{kind}:{digest}")


def first_send(lane: str, earlier: Iterable[str]) -> SendKey:
    """The recipient's ``new`` message: once per booking, and once more after each removal
    (``earlier``: the ``what`` of every send in the lane). The count of removals is the same
    on every retry of it, so the retry finds the same key."""
    rounds = sum(1 for what in earlier if what.partition(":")[0] == REMOVAL)
    return SendKey(lane, FIRST) if rounds == 0 else SendKey(lane, f"{FIRST}:{rounds}")


def delivery_pk(lane: str) -> str:
    """The partition holding every send in one lane."""
    return DELIVERY + lane


def delivery_key(key: SendKey) -> Key:
    """One email's delivery record."""
    return _key(delivery_pk(key.lane), key.what)


def delivery_tag(name: str) -> str:
    """The SES message tag value a send carries: hex, as SES allows in tags, and no address in
    it. SES's events come back with it, and are kept under it (:func:`ses_events_pk`)."""
    return hashlib.sha256(name.encode()).hexdigest()


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


def feed_pk(boat: str, platform: str) -> str:
    """The partition of one boat's calendar feed on one platform."""
    return f"{AUDIT}{boat}:{platform}"


def feed_key(boat: str, platform: str) -> Key:
    """What the audit last read of one feed: its validators (ETag, Last-Modified) and spans."""
    return _key(feed_pk(boat, platform), FEED_SK)


def feed_uid_key(boat: str, platform: str, uid: str) -> Key:
    """A feed event's UID, recorded once it matched a booking (a digest: UIDs are any text)."""
    digest = hashlib.sha256(uid.encode()).hexdigest()[:32]
    return _key(feed_pk(boat, platform), UID + digest)


def findings_pk() -> str:
    """The partition holding every open audit finding (``charterhand status`` reads it)."""
    return AUDIT + FINDINGS


def finding_key(finding_key: str) -> Key:
    """One open finding, by :attr:`audit.findings.Finding.key`."""
    return _key(findings_pk(), finding_key)


def audit_lane(boat: str) -> str:
    """Every audit email to the booking manager about one boat (each finding once)."""
    return f"audit:{boat}:manager"

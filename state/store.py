"""The state table: each booking's state, lease, step records and applied emails, in one item.

Layout (:mod:`state.keys`, docs/contracts.md): the booking's ``state`` item holds the booking, its
``version``, its lease (owner, expiry, ``fence``), a ``steps`` map (one record per step) and
``emails``. One item, so every write that could race is a single conditional write (no transactions:
they conflict with each other on a busy booking, in DynamoDB as in moto; the crew email step's
transactions, its marks and tokens and its sends' records, never touch this item:
docs/contracts.md), and a worker's writes for one email are few:

* taking the lease is one conditional write, carrying the new state when the email changes it,
  over the version it was computed from: two workers never work one booking at once, and neither
  loses an email. A booking's first write is a put that fails, for a booking already there, with
  the stored item in its answer: that answer is the read, so a new booking costs no read at all;
* each lease taken bumps the ``fence``; step results are written only while the fence is still
  the one their lease got, so a worker that lost its lease can never overwrite its successor.
  A run's results go in one write, the one that also gives the lease back (a long run also
  writes those back so far in the write that renews its lease);
* ``emails`` keeps the ids of the emails fully applied: a duplicate delivery is recognised there
  and settles without touching anything;
* a booking that will sail carries its boat and start (:func:`upcoming_attributes`), written in
  the same write as its state: the keys of the sparse index the crew check reads
  (:mod:`state.upcoming`), so the index never disagrees with the state it was written with.
"""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from aws import clients
from aws.errors import classify, error_code
from bookings import Booking, Kind, TransientError
from state import keys
from state.steps import StepState
from state.writes import CONDITION_FAILED, create

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Item = dict[str, Any]


class StateConflict(TransientError):
    """The booking's state changed between our read and our write: re-reduce over ``current``
    (the item as the failed write found it, when DynamoDB returned it) or read again."""

    def __init__(
        self, reason: str, *, step: str | None = None, current: "BookingRecord | None" = None
    ) -> None:
        super().__init__(reason, step=step)
        self.current = current


class BookingBusy(TransientError):
    """Another worker holds the booking's lease: try again later."""


class LeaseLost(TransientError):
    """Our lease expired and another worker took the booking over; its results are theirs."""


@dataclass(frozen=True)
class StepRecord:
    """What the table knows about one step of one booking."""

    step: str
    published_hash: str | None = None
    external_ids: Mapping[str, str] = field(default_factory=dict)
    published: Booking | None = None
    status: StepState | None = None
    last_error: str | None = None
    #: the input last attempted (published or not)
    input_hash: str | None = None
    #: the audit's last repair of this publish (``<when> <incident>``): the same input
    #: published again after its record was deleted or edited by hand; a new publish clears it
    last_repair: str | None = None

    def published_as(
        self, input_hash: str, booking: Booking, external_ids: Mapping[str, str]
    ) -> "StepRecord":
        """This step after publishing ``booking`` (input ``input_hash``) as ``external_ids``."""
        return StepRecord(
            step=self.step,
            published_hash=input_hash,
            external_ids=dict(external_ids),
            published=booking,
            status=StepState.PUBLISHED,
            input_hash=input_hash,
        )

    def repaired_as(self, external_ids: Mapping[str, str], note: str) -> "StepRecord":
        """This step after the audit published its unchanged input again (``note``: when, and
        the incident): the same input and booking, the ids the system gave back this time."""
        return replace(self, external_ids=dict(external_ids), last_repair=note[:1000])

    def failed_on(self, input_hash: str, reason: str) -> "StepRecord":
        """This step after failing on ``input_hash``: what it published before stays."""
        return replace(
            self, status=StepState.FAILED, last_error=reason[:1000], input_hash=input_hash
        )


@dataclass(frozen=True)
class BookingRecord:
    """A booking's stored state (``None`` before its first email), its lease and step records."""

    key: str
    booking: Booking | None = None
    version: int = 0
    steps: Mapping[str, StepRecord] = field(default_factory=dict)
    lease_owner: str | None = None
    lease_expires: float | None = None
    #: ids (SES messageId or raw hash) of the emails whose every step was published
    emails: frozenset[str] = frozenset()
    #: bumped by every lease taken: unchanged since a read means no step changed since that read
    fence: int = 0

    def step(self, name: str) -> StepRecord:
        return self.steps.get(name) or StepRecord(step=name)


class StateStore:
    """The DynamoDB state table. Builds its own client only when none is given."""

    def __init__(
        self,
        table_name: str,
        client: "DynamoDBClient | None" = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table_name = table_name
        self.client = client or clients.client("dynamodb")
        self.clock = clock

    # --- booking state and steps ---------------------------------------------------------------

    def load(self, key: str) -> BookingRecord:
        """The booking's state, lease and step records, in one strongly consistent read."""
        try:
            item = self.client.get_item(
                TableName=self.table_name, Key=keys.state_key(key), ConsistentRead=True
            ).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, "reading booking state") from exc
        return booking_record(key, item)

    def acquire(
        self,
        key: str,
        *,
        state: Booking | None,
        expected_version: int,
        expected_fence: int = 0,
        owner: str,
        lease_seconds: float,
    ) -> int:
        """Take the booking's lease, writing ``state`` too when not None, in one conditional write.

        Returns the lease's fence (what step results are written with). Raises
        :class:`StateConflict` when the state moved since ``expected_version``, or another lease
        came and went since ``expected_fence`` (its steps may have changed: read again),
        :class:`BookingBusy` when another worker's lease has not expired. Either carries the
        item as the write found it (``current``), so the caller need not read it again.

        Two write paths, because only a booking's first lease has no item to update: it creates
        the item (:meth:`_first_lease`, a put that fails for an item already there and returns
        it, so a new booking costs no read); every later lease updates the item over the
        version and fence it was computed from (:meth:`_next_lease`).
        """
        now = self.clock()
        lease = Lease(owner, now, now + lease_seconds)
        if expected_version == 0:
            if state is None:
                raise ValueError("a booking's first lease comes with its first state")
            return self._first_lease(key, state, lease)
        return self._next_lease(key, state, lease, expected_version, expected_fence)

    def renew(self, key: str, *, owner: str, lease_seconds: float) -> None:
        """Push our lease's expiry out while slow steps are still running."""
        self._state_update(
            key,
            owner,
            "SET lease_expires = :exp",
            {":exp": {"N": f"{self.clock() + lease_seconds:.3f}"}},
        )

    def release(self, key: str, *, owner: str, email_id: str | None = None) -> None:
        """Give the booking's lease back; with ``email_id``, remember that email as applied."""
        if email_id is None:
            self._state_update(key, owner, "REMOVE lease_owner, lease_expires", {})
        else:
            self._state_update(
                key,
                owner,
                "REMOVE lease_owner, lease_expires ADD emails :email",
                {":email": {"SS": [email_id]}},
            )

    def record(
        self,
        key: str,
        steps: Mapping[str, StepRecord],
        *,
        fence: int,
        release: bool = False,
        email_id: str | None = None,
        renew_seconds: float | None = None,
    ) -> None:
        """Store step records in one write while our lease's ``fence`` is still the booking's;
        with ``release``, give the lease back in the same write (and, with ``email_id``,
        remember that email as applied); with ``renew_seconds``, push the lease's expiry out
        instead (a long run's results and its renewal in one write). Raises :class:`LeaseLost`
        once a later lease was taken.
        """
        if release and renew_seconds is not None:
            raise ValueError("a write gives the lease back or renews it, not both")
        names: dict[str, str] = {}
        now = self.clock()
        values: dict[str, Any] = {":f": {"N": str(fence)}, ":iso": {"S": iso(now)}}
        sets = ["updated_at = :iso"]
        if renew_seconds is not None:
            sets.append("lease_expires = :exp")
            values[":exp"] = {"N": f"{now + renew_seconds:.3f}"}
        dumped: dict[int, str] = {}  # one booking's JSON once, however many steps showed it
        for i, (name, record) in enumerate(steps.items()):
            names[f"#s{i}"] = name
            values[f":s{i}"] = step_item(record, dumped)
            sets.append(f"steps.#s{i} = :s{i}")
        expression = "SET " + ", ".join(sets)
        if release:
            expression += " REMOVE lease_owner, lease_expires"
            if email_id is not None:
                expression += " ADD emails :email"
                values[":email"] = {"SS": [email_id]}
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": keys.state_key(key),
            "UpdateExpression": expression,
            "ConditionExpression": "fence = :f",
            "ExpressionAttributeValues": values,
        }
        if names:
            request["ExpressionAttributeNames"] = names
        doing = f"recording {', '.join(steps) or 'the end of the work'}"
        try:
            self.client.update_item(**request)
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                raise LeaseLost(f"{key} was taken over by a later lease", step="state") from exc
            raise classify(exc, doing, step="state") from exc
        except BotoCoreError as exc:
            raise classify(exc, doing, step="state") from exc

    def updated(self) -> list[tuple[str, str]]:
        """Every booking's ``(updated_at, key)``, for operators (``status``), in no order.

        A Scan filtered to state items: a small fleet holds hundreds of bookings, not millions;
        a fleet that outgrows this wants a GSI on ``updated_at``. Errors come as boto3 raised
        them: the operator's tool explains them.
        """
        found: list[tuple[str, str]] = []
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "FilterExpression": f"{keys.SK} = :state",
            "ProjectionExpression": f"{keys.PK}, updated_at",
            "ExpressionAttributeValues": {":state": {"S": keys.STATE}},
        }
        while True:
            page = self.client.scan(**request)
            for item in page.get("Items", []):
                key = keys.booking_key_of(item[keys.PK]["S"])
                found.append((item.get("updated_at", {}).get("S", ""), key))
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # --- internals -----------------------------------------------------------------------------

    def _first_lease(self, key: str, state: Booking, lease: "Lease") -> int:
        """Create the booking's item with its first state, leased: fence 1, no steps yet."""
        item = {
            **self._state_attributes(state, 1),
            **lease.attributes(),
            "fence": {"N": "1"},
            "steps": {"M": {}},
        }
        try:
            refused = create(self.client, self.table_name, item)
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, "writing booking state", step="state") from exc
        if refused is not None:
            current = self._found(key, refused)
            raise StateConflict(
                f"{key} was created meanwhile", step="state", current=current
            ) from refused
        return 1

    def _next_lease(
        self,
        key: str,
        state: Booking | None,
        lease: "Lease",
        expected_version: int,
        expected_fence: int,
    ) -> int:
        """Lease the booking's existing item (and store ``state``, when given) over the version
        and fence it was read at; a lease held by another worker refuses it until it expires."""
        new_state = None if state is None else self._state_attributes(state, expected_version + 1)
        try:
            response = self.client.update_item(
                TableName=self.table_name,
                Key=keys.state_key(key),
                ReturnValues="UPDATED_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **lease_update(lease, new_state, expected_version, expected_fence),
            )
        except ClientError as exc:
            if error_code(exc) != CONDITION_FAILED:
                raise classify(exc, "taking the booking lease", step="state") from exc
            raise self._refused(key, exc, expected_version, expected_fence) from exc
        except BotoCoreError as exc:
            raise classify(exc, "taking the booking lease", step="state") from exc
        return int(response["Attributes"]["fence"]["N"])

    def _refused(
        self, key: str, exc: ClientError, expected_version: int, expected_fence: int
    ) -> TransientError:
        """Why a lease update's condition failed: the item moved on (:class:`StateConflict`,
        with the item as found), or it is as read and another worker holds the lease."""
        current = self._found(key, exc)
        if current is None or (current.version, current.fence) != (
            expected_version,
            expected_fence,
        ):
            return StateConflict(f"state of {key} changed meanwhile", step="state", current=current)
        return BookingBusy(f"another worker is working on {key}", step="state")

    @staticmethod
    def _found(key: str, exc: ClientError) -> "BookingRecord | None":
        """The item a failed conditional write found, when DynamoDB sent it back."""
        item = exc.response.get("Item")
        return booking_record(key, item) if item else None  # type: ignore[arg-type]

    def _state_attributes(self, state: Booking, version: int) -> Item:
        return {
            **keys.state_key(state.key),
            "booking": {"S": state.model_dump_json()},
            "as_of": {"S": state.as_of.isoformat()},
            "version": {"N": str(version)},
            "updated_at": {"S": iso(self.clock())},
            **upcoming_attributes(state),
        }

    def _state_update(self, key: str, owner: str, expression: str, values: dict[str, Any]) -> None:
        try:
            self.client.update_item(
                TableName=self.table_name,
                Key=keys.state_key(key),
                UpdateExpression=expression,
                ConditionExpression="lease_owner = :me",
                ExpressionAttributeValues={**values, ":me": {"S": owner}},
            )
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                raise LeaseLost(f"lease on {key} was taken over", step="state") from exc
            raise classify(exc, "updating the booking lease", step="state") from exc
        except BotoCoreError as exc:
            raise classify(exc, "updating the booking lease", step="state") from exc


@dataclass(frozen=True)
class Lease:
    """A booking's lease as it is written: by whom, when, and until when. The only lease class:
    a worker running steps keeps its owner and the fence :meth:`StateStore.acquire` returned
    (``worker.orchestrate.Progress``)."""

    owner: str
    now: float
    expires: float

    def attributes(self) -> Item:
        return {"lease_owner": {"S": self.owner}, "lease_expires": {"N": f"{self.expires:.3f}"}}


def lease_update(
    lease: Lease, new_state: Item | None, expected_version: int, expected_fence: int
) -> dict[str, Any]:
    """The update that leases an existing booking item (and stores ``new_state``, the state
    item's attributes at the next version, when given): it bumps the fence, and holds only
    while the item is at ``expected_version`` and ``expected_fence`` (0: no lease was ever
    taken) and nobody else holds an unexpired lease."""
    sets = [
        "lease_owner = :owner",
        "lease_expires = :exp",
        "updated_at = :iso",
        "fence = if_not_exists(fence, :zero) + :one",
        "steps = if_not_exists(steps, :nosteps)",
    ]
    lease_values = lease.attributes()
    values: dict[str, Any] = {
        ":owner": lease_values["lease_owner"],
        ":exp": lease_values["lease_expires"],
        ":iso": {"S": iso(lease.now)},
        ":v": {"N": str(expected_version)},
        ":now": {"N": f"{lease.now:.3f}"},
        ":zero": {"N": "0"},
        ":one": {"N": "1"},
        ":nosteps": {"M": {}},
    }
    if expected_fence:
        values[":f"] = {"N": str(expected_fence)}
    removes = ""
    if new_state is not None:
        sets += ["booking = :b", "as_of = :as_of", "version = :next"]
        values.update(
            {
                ":b": new_state["booking"],
                ":as_of": new_state["as_of"],
                ":next": new_state["version"],
            }
        )
        if keys.UPCOMING_BOAT in new_state:
            sets += [f"{keys.UPCOMING_BOAT} = :boat", f"{keys.UPCOMING_START} = :start"]
            values[":boat"] = new_state[keys.UPCOMING_BOAT]
            values[":start"] = new_state[keys.UPCOMING_START]
        else:  # cancelled (or a request): out of the crew check's index
            removes = f" REMOVE {keys.UPCOMING_BOAT}, {keys.UPCOMING_START}"
    fence = "fence = :f" if expected_fence else "attribute_not_exists(fence)"
    return {
        "UpdateExpression": "SET " + ", ".join(sets) + removes,
        "ConditionExpression": f"version = :v AND {fence} AND (attribute_not_exists(lease_owner) "
        "OR lease_expires < :now OR lease_owner = :owner)",
        "ExpressionAttributeValues": values,
    }


def upcoming_attributes(state: Booking) -> Item:
    """The keys of the sparse index of bookings that will sail (:data:`state.keys.UPCOMING_INDEX`):
    the boat and the start in UTC, for a confirmed or modified booking; none for a request (not
    accepted yet: its crew were not asked) or a cancelled one."""
    if state.status not in (Kind.CONFIRMED, Kind.MODIFIED):
        return {}
    return {
        keys.UPCOMING_BOAT: {"S": state.boat},
        keys.UPCOMING_START: {"S": utc_iso(state.start)},
    }


def utc_iso(when: datetime) -> str:
    """An aware time as the index sorts it: UTC, ISO 8601 to the second."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def booking_record(key: str, item: Item | None) -> BookingRecord:
    """The ``state`` item as stored (None: no such booking yet) → :class:`BookingRecord`."""
    if not item:
        return BookingRecord(key)
    steps = {
        name: step_record(name, value["M"])
        for name, value in item.get("steps", {}).get("M", {}).items()
    }
    return BookingRecord(
        key=key,
        booking=Booking.model_validate_json(item["booking"]["S"]),
        version=int(item["version"]["N"]),
        steps=steps,
        lease_owner=item.get("lease_owner", {}).get("S"),
        lease_expires=float(item["lease_expires"]["N"]) if "lease_expires" in item else None,
        emails=frozenset(item.get("emails", {}).get("SS", [])),
        fence=int(item.get("fence", {}).get("N", "0")),
    )


def step_record(name: str, item: Item) -> StepRecord:
    """One entry of the ``steps`` map → :class:`StepRecord`."""
    published = item.get("published", {}).get("S")
    return StepRecord(
        step=name,
        published_hash=item.get("published_hash", {}).get("S"),
        external_ids={k: v["S"] for k, v in item.get("external_ids", {}).get("M", {}).items()},
        published=Booking.model_validate_json(published) if published else None,
        status=StepState(status) if (status := item.get("status", {}).get("S")) else None,
        last_error=item.get("last_error", {}).get("S"),
        input_hash=item.get("input_hash", {}).get("S"),
        last_repair=item.get("last_repair", {}).get("S"),
    )


def step_item(record: StepRecord, dumped: dict[int, str] | None = None) -> Item:
    """A :class:`StepRecord` → its entry in the ``steps`` map (``dumped`` memoises booking JSON)."""
    fields: Item = {
        "external_ids": {"M": {k: {"S": str(v)} for k, v in record.external_ids.items()}},
    }
    strings = {
        "input_hash": record.input_hash,
        "published_hash": record.published_hash,
        "status": record.status,
        "last_error": record.last_error,
        "last_repair": record.last_repair,
    }
    fields.update({name: {"S": value} for name, value in strings.items() if value is not None})
    if record.published is not None:
        memo = {} if dumped is None else dumped
        ident = id(record.published)
        if ident not in memo:
            memo[ident] = record.published.model_dump_json()
        fields["published"] = {"S": memo[ident]}
    return {"M": fields}


def iso(epoch: float) -> str:
    """ISO 8601 UTC, to the millisecond."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1000):03d}Z"

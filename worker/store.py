"""The state table: booking state, per-step records with leases, and the emails already seen.

Layout (docs/contracts.md): one partition per booking (``booking#<key>``) holding ``state`` and one
``step#<step>`` item per step, and one ``email#<id>`` item per settled email. Every write that
could race is conditional:

* the state carries a ``version``; it is written only over the version it was computed from, so
  two workers reducing different emails of one booking cannot lose either email;
* a step's lease is taken only while the step is still due (its ``published_hash`` differs from
  the new input's hash) and nobody else holds it (or their lease has expired: a dead worker);
* a step's result is recorded only by the lease's holder.

The state write and all the leases a booking needs go in one transaction: one request, and the
leases can never be granted for a state that lost the race.
"""

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from bookings import Booking, TransientError
from worker.aws_errors import classify, error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Item = dict[str, Any]

STATE_SK = "state"
STEP_PREFIX = "step#"
#: upper bound of step sort keys, so one Query reads ``state`` and every ``step#`` but no answers
STEPS_END = STEP_PREFIX + "\uffff"


class StateConflict(TransientError):
    """The booking's state changed between our read and our write: read again and re-reduce."""


class LeaseLost(TransientError):
    """Our lease expired and another worker took the step over; its result is theirs to record."""


@dataclass(frozen=True)
class StepRecord:
    """What the table knows about one step of one booking."""

    step: str
    published_hash: str | None = None
    external_ids: Mapping[str, str] = field(default_factory=dict)
    published: Booking | None = None
    status: str | None = None
    last_error: str | None = None
    lease_owner: str | None = None
    lease_expires: float | None = None


@dataclass(frozen=True)
class BookingRecord:
    """A booking's stored state (``None`` before its first email) and its step records."""

    key: str
    booking: Booking | None
    version: int
    steps: Mapping[str, StepRecord]

    def step(self, name: str) -> StepRecord:
        return self.steps.get(name) or StepRecord(step=name)


@dataclass(frozen=True)
class Leases:
    """The answer to a lease request, step by step."""

    #: ours now: run them
    acquired: frozenset[str] = frozenset()
    #: someone already published exactly this input: nothing to do (their record, for its ids)
    published: Mapping[str, StepRecord] = field(default_factory=dict)
    #: another worker holds an unexpired lease: try again later
    held: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SeenEmail:
    """An email already settled: its booking and outcome."""

    email_id: str
    booking_key: str | None
    outcome: str


class StateStore:
    """The DynamoDB state table. Builds its own client only when none is given."""

    def __init__(
        self,
        table_name: str,
        client: "DynamoDBClient | None" = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.table_name = table_name
        self.client = client or boto3.client("dynamodb")
        self.clock = clock
        self.sleep = sleep

    # --- booking state and steps ---------------------------------------------------------------

    def load(self, key: str) -> BookingRecord:
        """The booking's state and step records, in one strongly consistent Query."""
        items: list[Item] = []
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
            "ExpressionAttributeValues": {
                ":pk": {"S": booking_pk(key)},
                ":first": {"S": STATE_SK},
                ":last": {"S": STEPS_END},
            },
            "ConsistentRead": True,
        }
        while True:
            page = self._call("reading booking state", self.client.query, **request)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        booking, version, steps = None, 0, {}
        for item in items:
            sk = item["sk"]["S"]
            if sk == STATE_SK:
                booking = Booking.model_validate_json(item["booking"]["S"])
                version = int(item["version"]["N"])
            elif sk.startswith(STEP_PREFIX):
                record = step_record(item)
                steps[record.step] = record
        return BookingRecord(key=key, booking=booking, version=version, steps=steps)

    def commit(
        self,
        key: str,
        *,
        state: Booking | None,
        expected_version: int,
        due: Mapping[str, str],
        owner: str,
        lease_seconds: float,
    ) -> Leases:
        """Write ``state`` (when not None) and lease every ``due`` step (step → input hash).

        Raises :class:`StateConflict` when the state moved since ``expected_version``. Steps whose
        lease another worker holds, or which were published meanwhile, are left out and reported.
        """
        pending = dict(due)
        published: dict[str, StepRecord] = {}
        held: set[str] = set()
        for _attempt in range(len(due) + 3):
            items = self._lease_items(key, pending, owner, lease_seconds)
            if state is not None:
                items.insert(0, self._state_item(state, expected_version))
            if not items:
                break
            refused = self._transact(items)
            if refused is None:
                return Leases(frozenset(pending), published, frozenset(held))
            offset = 0 if state is None else 1
            if (
                state is not None
                and refused.get(0) is not None
                and refused[0] != "TransactionConflict"
            ):
                raise StateConflict(f"state of {key} changed meanwhile", step="state")
            steps = list(pending)
            for index, reason in refused.items():
                if index < offset or reason is None:
                    continue
                step = steps[index - offset]
                if isinstance(reason, dict):  # ALL_OLD of a failed lease condition
                    record = step_record(reason)
                    if record.published_hash == pending[step]:
                        published[step] = record
                    else:
                        held.add(step)
                    del pending[step]
            if not any(isinstance(r, dict) for r in refused.values()):
                self.sleep(0.05 * (_attempt + 1))  # a transaction conflict: let the other finish
        else:
            raise TransientError(f"could not lease the steps of {key}: too much contention")
        return Leases(frozenset(pending), published, frozenset(held))

    def record_published(
        self,
        key: str,
        step: str,
        *,
        owner: str,
        input_hash: str,
        booking: Booking,
        external_ids: Mapping[str, str],
    ) -> None:
        """Store a step's result and release its lease; only while the lease is still ours."""
        self._owned_update(
            key,
            step,
            owner,
            "SET published_hash = :h, input_hash = :h, published = :b, external_ids = :ids, "
            "#status = :published, updated_at = :now REMOVE lease_owner, lease_expires, last_error",
            {
                ":h": {"S": input_hash},
                ":b": {"S": booking.model_dump_json()},
                ":ids": {"M": {k: {"S": str(v)} for k, v in external_ids.items()}},
                ":published": {"S": "published"},
            },
        )

    def record_failed(self, key: str, step: str, *, owner: str, reason: str) -> None:
        """Mark a step failed with its reason and release the lease, so a retry can run it."""
        self._owned_update(
            key,
            step,
            owner,
            "SET #status = :failed, last_error = :reason, updated_at = :now "
            "REMOVE lease_owner, lease_expires",
            {":failed": {"S": "failed"}, ":reason": {"S": reason[:1000]}},
        )

    def release(self, key: str, steps: Iterable[str], *, owner: str) -> None:
        """Give back leases we took but will not use (an upstream step failed)."""
        for step in steps:
            self._owned_update(
                key, step, owner, "SET updated_at = :now REMOVE lease_owner, lease_expires", {}
            )

    def renew(self, key: str, step: str, *, owner: str, lease_seconds: float) -> None:
        """Push our lease's expiry out while a slow step is still running."""
        self._owned_update(
            key,
            step,
            owner,
            "SET lease_expires = :exp, updated_at = :now",
            {":exp": {"N": f"{self.clock() + lease_seconds:.3f}"}},
        )

    # --- emails seen ---------------------------------------------------------------------------

    def seen(self, email_id: str) -> SeenEmail | None:
        """The email's earlier outcome, when it was settled before (a duplicate delivery)."""
        response = self._call(
            "reading email dedup record",
            self.client.get_item,
            TableName=self.table_name,
            Key={"pk": {"S": email_pk(email_id)}, "sk": {"S": "email"}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        if item is None:
            return None
        booking = item.get("booking_key", {}).get("S")
        return SeenEmail(email_id=email_id, booking_key=booking, outcome=item["outcome"]["S"])

    def mark_seen(
        self, email_id: str, *, booking_key: str | None, outcome: str, keep_days: int
    ) -> None:
        """Remember a settled email for ``keep_days`` (DynamoDB's TTL forgets it after)."""
        now = self.clock()
        item: Item = {
            "pk": {"S": email_pk(email_id)},
            "sk": {"S": "email"},
            "outcome": {"S": outcome},
            "processed_at": {"S": iso(now)},
            "expires_at": {"N": str(int(now + keep_days * 86400))},
        }
        if booking_key is not None:
            item["booking_key"] = {"S": booking_key}
        self._call(
            "writing email dedup record", self.client.put_item, TableName=self.table_name, Item=item
        )

    # --- internals -----------------------------------------------------------------------------

    def _state_item(self, state: Booking, expected_version: int) -> Item:
        condition = "attribute_not_exists(pk)" if expected_version == 0 else "version = :v"
        put: dict[str, Any] = {
            "TableName": self.table_name,
            "Item": {
                "pk": {"S": booking_pk(state.key)},
                "sk": {"S": STATE_SK},
                "booking": {"S": state.model_dump_json()},
                "as_of": {"S": state.as_of.isoformat()},
                "version": {"N": str(expected_version + 1)},
                "updated_at": {"S": iso(self.clock())},
            },
            "ConditionExpression": condition,
        }
        if expected_version:
            put["ExpressionAttributeValues"] = {":v": {"N": str(expected_version)}}
        return {"Put": put}

    def _lease_items(
        self, key: str, due: Mapping[str, str], owner: str, lease_seconds: float
    ) -> list[Item]:
        now = self.clock()
        return [
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": {"pk": {"S": booking_pk(key)}, "sk": {"S": STEP_PREFIX + step}},
                    "UpdateExpression": "SET lease_owner = :owner, lease_expires = :exp, "
                    "input_hash = :h, #status = :pending, updated_at = :iso",
                    "ConditionExpression": "(attribute_not_exists(published_hash) OR "
                    "published_hash <> :h) AND (attribute_not_exists(lease_owner) OR "
                    "lease_expires < :now)",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {
                        ":owner": {"S": owner},
                        ":exp": {"N": f"{now + lease_seconds:.3f}"},
                        ":h": {"S": input_hash},
                        ":pending": {"S": "pending"},
                        ":iso": {"S": iso(now)},
                        ":now": {"N": f"{now:.3f}"},
                    },
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
            for step, input_hash in due.items()
        ]

    def _transact(self, items: list[Item]) -> dict[int, Item | str | None] | None:
        """None when written; else, per refused item, its old item (a failed condition) or code."""
        try:
            self.client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
        except ClientError as exc:
            if error_code(exc) != "TransactionCanceledException":
                raise classify(exc, "writing booking state and leases") from exc
            refused: dict[int, Item | str | None] = {}
            reasons: list[dict[str, Any]] = exc.response.get("CancellationReasons", [])  # type: ignore[assignment]
            for index, reason in enumerate(reasons):
                code = reason.get("Code")
                if code in (None, "None"):
                    continue
                if code == "ConditionalCheckFailed":
                    refused[index] = reason.get("Item") or str(code)
                else:
                    refused[index] = str(code)
            return refused
        except BotoCoreError as exc:
            raise classify(exc, "writing booking state and leases") from exc
        return None

    def _owned_update(
        self, key: str, step: str, owner: str, expression: str, values: dict[str, Any]
    ) -> None:
        names = {"#status": "status"} if "#status" in expression else {}
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": {"pk": {"S": booking_pk(key)}, "sk": {"S": STEP_PREFIX + step}},
            "UpdateExpression": expression,
            "ConditionExpression": "lease_owner = :me",
            "ExpressionAttributeValues": {
                **values,
                ":me": {"S": owner},
                ":now": {"S": iso(self.clock())},
            },
        }
        if names:
            request["ExpressionAttributeNames"] = names
        try:
            self.client.update_item(**request)
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise LeaseLost(f"lease on {step} of {key} was taken over", step=step) from exc
            raise classify(exc, f"recording {step}", step=step) from exc
        except BotoCoreError as exc:
            raise classify(exc, f"recording {step}", step=step) from exc

    def _call(self, doing: str, method: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return method(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, doing) from exc


def step_record(item: Item) -> StepRecord:
    """A step item as stored → :class:`StepRecord`."""
    published = item.get("published", {}).get("S")
    expires = item.get("lease_expires", {}).get("N")
    return StepRecord(
        step=item["sk"]["S"].removeprefix(STEP_PREFIX),
        published_hash=item.get("published_hash", {}).get("S"),
        external_ids={k: v["S"] for k, v in item.get("external_ids", {}).get("M", {}).items()},
        published=Booking.model_validate_json(published) if published else None,
        status=item.get("status", {}).get("S"),
        last_error=item.get("last_error", {}).get("S"),
        lease_owner=item.get("lease_owner", {}).get("S"),
        lease_expires=float(expires) if expires else None,
    )


def booking_pk(key: str) -> str:
    return f"booking#{key}"


def email_pk(email_id: str) -> str:
    return f"email#{email_id}"


def iso(epoch: float) -> str:
    """ISO 8601 UTC, to the millisecond."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1000):03d}Z"


def create_table(client: "DynamoDBClient", table_name: str) -> None:
    """The state table as terraform makes it (for tests, the bench and the demo)."""
    client.create_table(
        TableName=table_name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )

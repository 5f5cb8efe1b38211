"""The state table: booking state under a lease, per-step records, and the emails applied.

Layout (docs/contracts.md): one partition per booking (``booking#<key>``) holding ``state`` and one
``step#<step>`` item per step. Every write that could race is a conditional single-item write (no
transactions: they conflict with each other on a busy booking, in DynamoDB as in moto):

* the ``state`` item carries a ``version`` and the booking's lease (owner, expiry, ``fence``). One
  conditional write takes the lease and, when the email changes it, writes the new state over the
  version it was computed from: two workers never work one booking at once, and neither loses an
  email. A lease whose worker died expires and is taken over;
* each lease taken bumps the ``fence``; a step's result is written only with a fence at least the
  step item's own, so a worker that lost its lease can never overwrite what its successor wrote;
* the ``state`` item also keeps the ids of the emails fully applied (``emails``): a duplicate
  delivery is recognised there and settles without touching anything.
"""

import time
from collections.abc import Callable, Mapping
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
#: a step item may be written by the lease that wrote it last, or a later one
FENCE_CONDITION = "attribute_not_exists(fence) OR fence <= :f"


class StateConflict(TransientError):
    """The booking's state changed between our read and our write: read again and re-reduce."""


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
    status: str | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class BookingRecord:
    """A booking's stored state (``None`` before its first email), its lease and step records."""

    key: str
    booking: Booking | None
    version: int
    steps: Mapping[str, StepRecord]
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
        self.client = client or boto3.client("dynamodb")
        self.clock = clock

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
        owner: str | None = None
        expires: float | None = None
        emails: frozenset[str] = frozenset()
        fence = 0
        for item in items:
            sk = item["sk"]["S"]
            if sk == STATE_SK:
                booking = Booking.model_validate_json(item["booking"]["S"])
                version = int(item["version"]["N"])
                owner = item.get("lease_owner", {}).get("S")
                expires = float(item["lease_expires"]["N"]) if "lease_expires" in item else None
                emails = frozenset(item.get("emails", {}).get("SS", []))
                fence = int(item.get("fence", {}).get("N", "0"))
            elif sk.startswith(STEP_PREFIX):
                record = step_record(item)
                steps[record.step] = record
        return BookingRecord(key, booking, version, steps, owner, expires, emails, fence)

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
        :class:`BookingBusy` when another worker's lease has not expired.
        """
        now = self.clock()
        lease = {":owner": {"S": owner}, ":exp": {"N": f"{now + lease_seconds:.3f}"}}
        if expected_version == 0:
            if state is None:
                raise ValueError("a booking's first lease comes with its first state")
            item = {**self._state_attributes(state, 1), "lease_owner": lease[":owner"]}
            item["lease_expires"] = lease[":exp"]
            item["fence"] = {"N": "1"}
            try:
                self.client.put_item(
                    TableName=self.table_name,
                    Item=item,
                    ConditionExpression="attribute_not_exists(pk)",
                )
            except ClientError as exc:
                if error_code(exc) == "ConditionalCheckFailedException":
                    raise StateConflict(f"{key} was created meanwhile", step="state") from exc
                raise classify(exc, "writing booking state", step="state") from exc
            except BotoCoreError as exc:
                raise classify(exc, "writing booking state", step="state") from exc
            return 1
        sets = [
            "lease_owner = :owner",
            "lease_expires = :exp",
            "updated_at = :iso",
            "fence = if_not_exists(fence, :zero) + :one",
        ]
        values: dict[str, Any] = {
            **lease,
            ":iso": {"S": iso(now)},
            ":v": {"N": str(expected_version)},
            ":now": {"N": f"{now:.3f}"},
            ":zero": {"N": "0"},
            ":one": {"N": "1"},
        }
        if expected_fence:
            values[":f"] = {"N": str(expected_fence)}
        if state is not None:
            sets += ["booking = :b", "as_of = :as_of", "version = :next"]
            attributes = self._state_attributes(state, expected_version + 1)
            values.update(
                {
                    ":b": attributes["booking"],
                    ":as_of": attributes["as_of"],
                    ":next": attributes["version"],
                }
            )
        try:
            response = self.client.update_item(
                TableName=self.table_name,
                Key={"pk": {"S": booking_pk(key)}, "sk": {"S": STATE_SK}},
                UpdateExpression="SET " + ", ".join(sets),
                ReturnValues="UPDATED_NEW",
                ConditionExpression="version = :v AND "
                + ("fence = :f" if expected_fence else "attribute_not_exists(fence)")
                + " AND (attribute_not_exists(lease_owner) OR lease_expires < :now OR "
                "lease_owner = :owner)",
                ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise classify(exc, "taking the booking lease", step="state") from exc
            old: Item = exc.response.get("Item", {})  # type: ignore[assignment]
            moved = (
                old.get("version", {}).get("N") != str(expected_version)
                or int(old.get("fence", {}).get("N", "0")) != expected_fence
            )
            if moved:
                raise StateConflict(f"state of {key} changed meanwhile", step="state") from exc
            raise BookingBusy(f"another worker is working on {key}", step="state") from exc
        except BotoCoreError as exc:
            raise classify(exc, "taking the booking lease", step="state") from exc
        return int(response["Attributes"]["fence"]["N"])

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

    def record_published(
        self,
        key: str,
        step: str,
        *,
        fence: int,
        input_hash: str,
        booking: Booking,
        external_ids: Mapping[str, str],
    ) -> None:
        """Store a step's result, unless a later lease (a higher fence) already wrote this step."""
        item: Item = {
            "pk": {"S": booking_pk(key)},
            "sk": {"S": STEP_PREFIX + step},
            "input_hash": {"S": input_hash},
            "published_hash": {"S": input_hash},
            "published": {"S": booking.model_dump_json()},
            "external_ids": {"M": {k: {"S": str(v)} for k, v in external_ids.items()}},
            "status": {"S": "published"},
            "fence": {"N": str(fence)},
            "updated_at": {"S": iso(self.clock())},
        }
        self._fenced(
            key,
            step,
            self.client.put_item,
            TableName=self.table_name,
            Item=item,
            ConditionExpression=FENCE_CONDITION,
            ExpressionAttributeValues={":f": item["fence"]},
        )

    def record_failed(
        self, key: str, step: str, *, fence: int, input_hash: str, reason: str
    ) -> None:
        """Mark a step failed with its reason (what was published before stays as it was)."""
        self._fenced(
            key,
            step,
            self.client.update_item,
            TableName=self.table_name,
            Key={"pk": {"S": booking_pk(key)}, "sk": {"S": STEP_PREFIX + step}},
            UpdateExpression="SET #status = :failed, last_error = :reason, input_hash = :h, "
            "fence = :f, updated_at = :iso",
            ConditionExpression=FENCE_CONDITION,
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":failed": {"S": "failed"},
                ":reason": {"S": reason[:1000]},
                ":h": {"S": input_hash},
                ":f": {"N": str(fence)},
                ":iso": {"S": iso(self.clock())},
            },
        )

    # --- internals -----------------------------------------------------------------------------

    def _state_attributes(self, state: Booking, version: int) -> Item:
        return {
            "pk": {"S": booking_pk(state.key)},
            "sk": {"S": STATE_SK},
            "booking": {"S": state.model_dump_json()},
            "as_of": {"S": state.as_of.isoformat()},
            "version": {"N": str(version)},
            "updated_at": {"S": iso(self.clock())},
        }

    def _state_update(self, key: str, owner: str, expression: str, values: dict[str, Any]) -> None:
        try:
            self.client.update_item(
                TableName=self.table_name,
                Key={"pk": {"S": booking_pk(key)}, "sk": {"S": STATE_SK}},
                UpdateExpression=expression,
                ConditionExpression="lease_owner = :me",
                ExpressionAttributeValues={**values, ":me": {"S": owner}},
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise LeaseLost(f"lease on {key} was taken over", step="state") from exc
            raise classify(exc, "updating the booking lease", step="state") from exc
        except BotoCoreError as exc:
            raise classify(exc, "updating the booking lease", step="state") from exc

    def _fenced(self, key: str, step: str, method: Callable[..., Any], **request: Any) -> None:
        try:
            method(**request)
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise LeaseLost(
                    f"{step} of {key} was written under a later lease", step=step
                ) from exc
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
    return StepRecord(
        step=item["sk"]["S"].removeprefix(STEP_PREFIX),
        published_hash=item.get("published_hash", {}).get("S"),
        external_ids={k: v["S"] for k, v in item.get("external_ids", {}).get("M", {}).items()},
        published=Booking.model_validate_json(published) if published else None,
        status=item.get("status", {}).get("S"),
        last_error=item.get("last_error", {}).get("S"),
    )


def booking_pk(key: str) -> str:
    return f"booking#{key}"


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

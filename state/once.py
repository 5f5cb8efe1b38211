"""Once-records: "this was done once, and here is what it gave back", for whatever must not repeat.

Modelled on Powertools' idempotency record: one item per key, created *in progress* by a put that
only creates (``state.writes.create``), with the time it started, an expiry of that in-progress
hold, and the hash of what it is about (its payload); then *completed* with its result. A second
attempt finds the record: completed → the result, nothing done again; in progress and unexpired
→ someone is at it (or its answer was lost): wait; expired → take it over, over the start time it
had, so only one attempt ever does.

Records that begin together (a crew email step's first sends, with their members' tokens) are
created in one transaction of conditional creates (:meth:`OnceTable.begin_together`): all or
nothing, and a refused record brings back the record found, as :meth:`OnceTable.begin` does. Their
completions are written together too (:meth:`OnceTable.complete_together`), each only over a
record still in progress, so a result another attempt recorded is never replaced.

Sends (:mod:`state.deliveries`) and forwarding confirmations (:mod:`state.confirmations`) keep
one record each; a booking's steps keep theirs in the booking's own item (:mod:`state.store`: the
step's ``published_hash`` is its payload hash, :func:`payload_hash` here, and the booking's fenced
lease is its in-progress hold), because a step's result and the booking's state are written in one
conditional write.
"""

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import error_code
from bookings import CharterhandError
from state import keys
from state.writes import (
    CONDITION_FAILED,
    RefusedWrite,
    Retained,
    create,
    create_write,
    write_together,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

Item = dict[str, Any]


class Status(StrEnum):
    """Where a once-record stands."""

    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


def payload_hash(value: Any) -> str:
    """SHA-256 of the canonical JSON of ``value``: what a record (or a step's input) is about."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Begin:
    """One record to begin (:meth:`OnceTable.begin_together`): its key and what it is about."""

    key: keys.Key
    payload_hash: str | None = None
    payload: str | None = None


@dataclass(frozen=True)
class Completion:
    """One record to complete (:meth:`OnceTable.complete_together`) with its result."""

    key: keys.Key
    result: str


@dataclass(frozen=True)
class OnceRecord:
    """One record as read, with its age and whether its in-progress hold has expired."""

    #: the record's name within its partition (its sort key)
    what: str
    status: Status
    started_at: float
    #: seconds since it started (or was taken over), when it was read
    age: float
    #: the in-progress hold is over: another attempt may take it over
    expired: bool
    result: str | None = None
    payload_hash: str | None = None
    #: what the owner keeps of its payload (JSON text), to say later what it was
    payload: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def completed(self) -> bool:
        return self.status is Status.COMPLETED


class OnceTable(Retained):
    """Once-records in the state table. Every DynamoDB error is raised as ``failure`` makes it
    (each owner names its own system)."""

    def __init__(
        self,
        table_name: str,
        client: "DynamoDBClient | None" = None,
        *,
        failure: Callable[[BaseException], CharterhandError],
        hold_seconds: float,
        keep_days: int = 35,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(table_name, client, keep_days=keep_days, clock=clock)
        self.hold_seconds = hold_seconds
        self._failure = failure

    def get(self, key: keys.Key) -> OnceRecord | None:
        """The record under ``key``, strongly consistent, or None."""
        item = self._call(
            lambda: self._client.get_item(TableName=self.table_name, Key=key, ConsistentRead=True)
        ).get("Item")
        return self._record(item) if item else None

    def partition(self, pk: str) -> list[OnceRecord]:
        """Every record in one partition, strongly consistent, in sort-key order."""
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": f"{keys.PK} = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ConsistentRead": True,
        }
        found: list[OnceRecord] = []
        while True:
            page = self._call(lambda: self._client.query(**request))
            found += [self._record(item) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def begin(
        self,
        key: keys.Key,
        *,
        payload_hash: str | None = None,
        payload: str | None = None,
        extra: Item | None = None,
    ) -> OnceRecord | None:
        """Create the record in progress: None when this attempt created it, else the record
        found (completed, or in progress with its age and expiry)."""
        item = self._in_progress(self._clock(), Begin(key, payload_hash, payload), extra)
        refused = self._call(lambda: create(self._client, self.table_name, item))
        if refused is None:
            return None
        found: Any = refused.response.get("Item")  # ALL_OLD: the record as found
        return self._record(found) if found else self.get(key)

    def begin_together(
        self, begins: Sequence[Begin], creates: Sequence[tuple[str, Item]] = ()
    ) -> list[OnceRecord | None] | None:
        """Create every record in progress, and every item of ``creates`` (table, item), in one
        transaction of conditional creates: None when this attempt created them all. Else
        nothing was written, and each record's entry is the record found where it was to be
        created (its create was refused, as :meth:`begin`'s would be), or None (not refused:
        begin it again, alone or with others)."""
        now = self._clock()
        writes: list[TransactWriteItemTypeDef] = [
            create_write(self.table_name, self._in_progress(now, begin)) for begin in begins
        ]
        writes += [create_write(table, item) for table, item in creates]
        refusals = self._call(lambda: write_together(self._client, writes))
        if refusals is None:
            return None
        pairs = zip(begins, refusals[: len(begins)], strict=True)
        return [self._found(begin.key, refusal) for begin, refusal in pairs]

    def take_over(
        self,
        key: keys.Key,
        found: OnceRecord,
        *,
        payload_hash: str | None = None,
        payload: str | None = None,
    ) -> bool:
        """Restart an in-progress record whose hold expired, over the start it had: True for
        the one attempt that did, False when another attempt got there first (or it completed)."""
        now = self._clock()
        values: Item = {
            **{f":{name}": value for name, value in self._hold(now).items()},
            ":held": {"N": f"{found.started_at:.3f}"},
            ":in_progress": {"S": Status.IN_PROGRESS},
        }
        sets = ["started_at = :started_at", "in_progress_until = :in_progress_until"]
        for name, value in _payload(payload_hash, payload).items():
            values[f":{name}"] = value
            sets.append(f"{name} = :{name}")
        try:
            self._client.update_item(
                TableName=self.table_name,
                Key=key,
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression="#status = :in_progress AND started_at = :held",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                return False
            raise self._failure(exc) from exc
        except BotoCoreError as exc:
            raise self._failure(exc) from exc
        return True

    def complete(
        self,
        key: keys.Key,
        result: str,
        *,
        payload_hash: str | None = None,
        payload: str | None = None,
    ) -> None:
        """The record is done, with ``result``: nothing does it again (it may not have been
        begun: a channel with its own idempotency completes it straight away)."""
        update = self._completion(self._clock(), result, payload_hash, payload)
        self._call(lambda: self._client.update_item(TableName=self.table_name, Key=key, **update))

    def complete_together(self, completions: Sequence[Completion]) -> None:
        """Complete several records in one transaction, each only over a record still in
        progress: a record another attempt completed meanwhile keeps its result. When the
        transaction is refused, the records not completed by another attempt are completed one
        by one, as :meth:`complete` does."""
        if len(completions) < 2:
            for completion in completions:
                self.complete(completion.key, completion.result)
            return
        now = self._clock()
        writes: list[TransactWriteItemTypeDef] = []
        for completion in completions:
            update = self._completion(now, completion.result, None, None)
            update["ExpressionAttributeValues"][":in_progress"] = {"S": Status.IN_PROGRESS}
            update |= {
                "TableName": self.table_name,
                "Key": completion.key,
                "ConditionExpression": "#status = :in_progress",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
            writes.append(cast("TransactWriteItemTypeDef", {"Update": update}))
        refusals = self._call(lambda: write_together(self._client, writes))
        if refusals is None:
            return
        for completion, refusal in zip(completions, refusals, strict=False):
            found = refusal.found if refusal is not None else None
            if found is not None and self._record(found).completed:
                continue  # another attempt recorded it: its result stays
            self.complete(completion.key, completion.result)

    def abandon(self, key: keys.Key) -> None:
        """Drop an in-progress record (what it held surely did not happen); a completed record
        stays."""
        try:
            self._client.delete_item(
                TableName=self.table_name,
                Key=key,
                ConditionExpression="#status = :in_progress",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":in_progress": {"S": Status.IN_PROGRESS}},
            )
        except ClientError as exc:
            if error_code(exc) != CONDITION_FAILED:  # gone or completed: fine
                raise self._failure(exc) from exc
        except BotoCoreError as exc:
            raise self._failure(exc) from exc

    # --- internals -----------------------------------------------------------------------------

    def _in_progress(self, now: float, begin: Begin, extra: Item | None = None) -> Item:
        """The item :meth:`begin` creates."""
        return {
            **(extra or {}),
            **begin.key,
            **self._hold(now),
            "status": {"S": Status.IN_PROGRESS},
            **_payload(begin.payload_hash, begin.payload),
            **self._expires(now),
        }

    def _completion(
        self, now: float, result: str, payload_hash: str | None, payload: str | None
    ) -> Item:
        """The update that completes a record (its expression, names and values)."""
        values: Item = {
            ":completed": {"S": Status.COMPLETED},
            ":result": {"S": result},
            ":now": {"N": f"{now:.3f}"},
            ":ttl": self._expires(now)[keys.TTL],
        }
        sets = [
            "#status = :completed",
            "#result = :result",
            "completed_at = :now",
            "started_at = if_not_exists(started_at, :now)",
            f"{keys.TTL} = :ttl",
        ]
        for name, value in _payload(payload_hash, payload).items():
            values[f":{name}"] = value
            sets.append(f"{name} = :{name}")
        return {
            "UpdateExpression": "SET " + ", ".join(sets) + " REMOVE in_progress_until",
            "ExpressionAttributeNames": {"#status": "status", "#result": "result"},
            "ExpressionAttributeValues": values,
        }

    def _found(self, key: keys.Key, refusal: RefusedWrite | None) -> OnceRecord | None:
        """The record a refused create found (read when the refusal did not bring it back);
        None when the create was not refused for its own condition."""
        if refusal is None or not refusal.condition_failed:
            return None
        return self._record(refusal.found) if refusal.found else self.get(key)

    def _hold(self, now: float) -> Item:
        return {
            "started_at": {"N": f"{now:.3f}"},
            "in_progress_until": {"N": f"{now + self.hold_seconds:.3f}"},
        }

    def _record(self, item: Item) -> OnceRecord:
        return once_record(item, self._clock())

    def _call(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except (ClientError, BotoCoreError) as exc:
            raise self._failure(exc) from exc


def _payload(payload_hash: str | None, payload: str | None) -> Item:
    found: Item = {}
    if payload_hash is not None:
        found["payload_hash"] = {"S": payload_hash}
    if payload is not None:
        found["payload"] = {"S": payload}
    return found


def once_record(item: Item, now: float) -> OnceRecord:
    """A stored item → :class:`OnceRecord`. An item written before once-records (a forwarding
    confirmation with ``message_id`` and ``lease_expires``) reads as the same record."""
    result = _text(item, "result") or _text(item, "message_id")
    status = _text(item, "status") or (Status.COMPLETED if result else Status.IN_PROGRESS)
    started = _number(item, "started_at") or _number(item, "received") or now
    until = _number(item, "in_progress_until") or _number(item, "lease_expires") or 0.0
    return OnceRecord(
        what=item[keys.SK]["S"],
        status=Status(status),
        started_at=started,
        age=max(0.0, now - started),
        expired=until <= now,
        result=result,
        payload_hash=_text(item, "payload_hash"),
        payload=_text(item, "payload"),
        attributes=item,
    )


def _text(item: Item, name: str) -> str | None:
    value = item.get(name, {}).get("S")
    return str(value) if value is not None else None


def _number(item: Item, name: str) -> float | None:
    value = item.get(name, {}).get("N")
    return float(value) if value is not None else None

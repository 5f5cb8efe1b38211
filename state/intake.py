"""The DLQ limit's one record, shared by every worker: the current run of dead letters, and
whether intake is stopped (since when, for which reason class).

One item (:func:`state.keys.intake_key`), never expiring. Every write is conditional on the
``version`` it was computed from (or, for the first, on there being no item:
:func:`state.writes.create`), so workers counting dead letters at once never lose one; a write
that loses the race gets the item as it found it back, which is the next try's read. What the
counts mean (a run, a window, when it trips) is :class:`worker.policy.DlqLimit`'s: this module
stores and reads. ``charterhand intake resume`` clears the stop (:meth:`IntakeRecords.resume`).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import classify, error_code
from state import keys
from state.writes import CONDITION_FAILED, create, put_if

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Item = dict[str, Any]
DOING = "reading or writing the DLQ limit's record"


@dataclass(frozen=True)
class IntakeRecord:
    """The record as stored; ``version`` 0 is a record never written."""

    version: int = 0
    #: the reason class of the current run of dead letters, and their times (epoch seconds)
    streak_class: str | None = None
    streak_times: tuple[float, ...] = ()
    #: set while intake is stopped: the run's class, how many, within what window, and when
    stopped_class: str | None = None
    stopped_count: int = 0
    stopped_window: float = 0.0
    stopped_at: float | None = None
    #: when ``charterhand intake resume`` last cleared a stop
    resumed_at: float | None = None

    @property
    def stopped(self) -> bool:
        return self.stopped_at is not None

    def next(self, **changes: Any) -> "IntakeRecord":
        """The record after a change: the next version."""
        return replace(self, version=self.version + 1, **changes)


class IntakeRecords:
    """The DLQ limit's record in the state table. Safe to share between threads."""

    def __init__(
        self,
        table_name: str,
        dynamodb: "DynamoDBClient",
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table_name = table_name
        self.dynamodb = dynamodb
        self.clock = clock

    def load(self) -> IntakeRecord:
        """The record now (a strongly consistent read: one read unit)."""
        try:
            found = self.dynamodb.get_item(
                TableName=self.table_name, Key=keys.intake_key(), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, DOING) from exc
        return _record(found.get("Item"))

    def write(self, record: IntakeRecord, *, over: int) -> tuple[bool, IntakeRecord]:
        """Store ``record`` if the stored one is still version ``over``: (True, ``record``);
        else (False, the record as it is now)."""
        item = {**keys.intake_key(), **_item(record)}
        try:
            if over == 0:
                refused = create(self.dynamodb, self.table_name, item)
            else:
                refused = self._put_over(item, over)
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, DOING) from exc
        if refused is None:
            return True, record
        found: Any = refused.response.get("Item")
        return False, _record(found)

    def _put_over(self, item: Item, over: int) -> ClientError | None:
        values = {":over": {"N": str(over)}}
        return put_if(self.dynamodb, self.table_name, item, "version = :over", values)

    def end_streak(self) -> IntakeRecord:
        """A message was handled: the run of dead letters, if there is one, ends. One write,
        which changes nothing when there is no run (or intake is stopped); the record after."""
        try:
            answer = self.dynamodb.update_item(
                TableName=self.table_name,
                Key=keys.intake_key(),
                UpdateExpression="REMOVE streak_class, streak_times SET version = version + :one",
                ConditionExpression="attribute_exists(streak_class)",
                ExpressionAttributeValues={":one": {"N": "1"}},
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                found: Any = exc.response.get("Item")
                return _record(found)
            raise classify(exc, DOING) from exc
        except BotoCoreError as exc:
            raise classify(exc, DOING) from exc
        return _record(answer.get("Attributes"))

    def resume(self) -> tuple[IntakeRecord, IntakeRecord]:
        """Clear the stop and the run (``charterhand intake resume``): the record before and
        after. Every worker sees it at its next look and takes messages again."""
        now = self.clock()
        try:
            answer = self.dynamodb.update_item(
                TableName=self.table_name,
                Key=keys.intake_key(),
                UpdateExpression=(
                    "REMOVE streak_class, streak_times, stopped_class, stopped_count, "
                    "stopped_window, stopped_at "
                    "SET resumed_at = :now, version = if_not_exists(version, :zero) + :one"
                ),
                ExpressionAttributeValues={
                    ":now": {"N": f"{now:.3f}"},
                    ":zero": {"N": "0"},
                    ":one": {"N": "1"},
                },
                ReturnValues="ALL_OLD",
            )
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, DOING) from exc
        before = _record(answer.get("Attributes"))
        after = IntakeRecord(version=before.version + 1, resumed_at=round(now, 3))
        return before, after


def _item(record: IntakeRecord) -> Item:
    item: Item = {"version": {"N": str(record.version)}}
    if record.streak_class is not None:
        item["streak_class"] = {"S": record.streak_class}
        item["streak_times"] = {"L": [{"N": f"{t:.3f}"} for t in record.streak_times]}
    if record.stopped_at is not None:
        item["stopped_class"] = {"S": record.stopped_class or ""}
        item["stopped_count"] = {"N": str(record.stopped_count)}
        item["stopped_window"] = {"N": f"{record.stopped_window:g}"}
        item["stopped_at"] = {"N": f"{record.stopped_at:.3f}"}
    if record.resumed_at is not None:
        item["resumed_at"] = {"N": f"{record.resumed_at:.3f}"}
    return item


def _record(item: Item | None) -> IntakeRecord:
    """The record an item holds; an empty record for no item."""
    if not item:
        return IntakeRecord()

    def number(name: str) -> float | None:
        value = item.get(name, {}).get("N")
        return float(value) if value is not None else None

    return IntakeRecord(
        version=int(number("version") or 0),
        streak_class=item.get("streak_class", {}).get("S"),
        streak_times=tuple(float(t["N"]) for t in item.get("streak_times", {}).get("L", [])),
        stopped_class=item.get("stopped_class", {}).get("S"),
        stopped_count=int(number("stopped_count") or 0),
        stopped_window=number("stopped_window") or 0.0,
        stopped_at=number("stopped_at"),
        resumed_at=number("resumed_at"),
    )

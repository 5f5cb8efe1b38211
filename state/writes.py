"""The writes every owner of state-table items makes the same way.

``create`` is the put that only creates (the first lease, a delivery's sending mark, a
confirmation's claim); ``write_together`` is several conditional writes in one transaction (a
crew email step's marks and tokens: never the booking's own item, docs/contracts.md);
``Retained`` is an owner whose items expire ``keep_days`` after they are written (the table's TTL
attribute).
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from aws import clients
from aws.errors import error_code
from state import keys

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import PutItemInputTypeDef, TransactWriteItemTypeDef

CONDITION_FAILED = "ConditionalCheckFailedException"
#: a transaction's item whose condition did not hold (its cancellation reason's code)
ITEM_CONDITION_FAILED = "ConditionalCheckFailed"
TRANSACTION_CANCELED = "TransactionCanceledException"


def create(client: "DynamoDBClient", table_name: str, item: dict[str, Any]) -> ClientError | None:
    """Put ``item`` only where its key holds nothing yet: None when it was created; when an item
    was already there, the refusal (the item found in its ``response["Item"]``, when DynamoDB
    sent it back), returned so the caller can chain its own error to it. Any other error raises
    as boto3 raised it: each owner names its own system."""
    return put_if(client, table_name, item, f"attribute_not_exists({keys.PK})")


def put_if(
    client: "DynamoDBClient",
    table_name: str,
    item: dict[str, Any],
    condition: str,
    values: dict[str, Any] | None = None,
) -> ClientError | None:
    """Put ``item`` only where ``condition`` holds: None when it was written, else the refusal
    (the item found in its ``response["Item"]``), as :func:`create` returns it."""
    request: PutItemInputTypeDef = {
        "TableName": table_name,
        "Item": item,
        "ConditionExpression": condition,
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    if values:  # DynamoDB refuses an empty ExpressionAttributeValues
        request["ExpressionAttributeValues"] = values
    try:
        client.put_item(**request)
    except ClientError as exc:
        if error_code(exc) != CONDITION_FAILED:
            raise
        return exc
    return None


@dataclass(frozen=True)
class RefusedWrite:
    """Why one write of a cancelled transaction was refused: its cancellation reason's code
    (``ConditionalCheckFailed``, ``TransactionConflict``, ...) and, when its condition failed,
    the item as found (``ReturnValuesOnConditionCheckFailure`` ALL_OLD; None when none was)."""

    code: str
    found: dict[str, Any] | None = None

    @property
    def condition_failed(self) -> bool:
        return self.code == ITEM_CONDITION_FAILED


def create_write(table_name: str, item: dict[str, Any]) -> "TransactWriteItemTypeDef":
    """:func:`create` as one write of a transaction."""
    return {
        "Put": {
            "TableName": table_name,
            "Item": item,
            "ConditionExpression": f"attribute_not_exists({keys.PK})",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def write_together(
    client: "DynamoDBClient", writes: Sequence["TransactWriteItemTypeDef"]
) -> list[RefusedWrite | None] | None:
    """Every write in one ``TransactWriteItems``, all or nothing: None when all were written;
    when the transaction was cancelled (then nothing of it was written), each write's
    :class:`RefusedWrite`, None for those that were not refused. A cancellation that names no
    reasons refuses every write (the caller falls back to writing them one by one). botocore
    gives each call its own ``ClientRequestToken``, so its retry of a call whose answer was lost
    does not refuse what that call wrote. Any other error raises as boto3 raised it."""
    try:
        client.transact_write_items(TransactItems=list(writes))
    except ClientError as exc:
        if error_code(exc) != TRANSACTION_CANCELED:
            raise
        reasons: list[Any] = list(exc.response.get("CancellationReasons") or [])
        if len(reasons) != len(writes):
            return [RefusedWrite("unknown") for _ in writes]
        return [
            None
            if reason.get("Code", "None") == "None"
            else RefusedWrite(reason["Code"], reason.get("Item"))
            for reason in reasons
        ]
    return None


class Retained:
    """Owns items that expire ``keep_days`` after they are written."""

    def __init__(
        self,
        table_name: str,
        client: "DynamoDBClient | None" = None,
        *,
        keep_days: int = 35,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table_name = table_name
        self._client = client or clients.client("dynamodb")
        self._keep_seconds = keep_days * 86400
        self._clock = clock

    def _expires(self, now: float) -> dict[str, dict[str, str]]:
        """The TTL attribute of an item written at ``now``."""
        return {keys.TTL: {"N": str(int(now) + self._keep_seconds)}}

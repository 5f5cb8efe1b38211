"""A stand-in for DynamoDB transactions costing what they touch, in moto's server.

DynamoDB's ``TransactWriteItems`` costs twice the writes it names, whatever the table's size.
moto's rolls a cancelled transaction back by deep-copying, before it starts, the whole table once
per item it names: with the worker's one transaction per fresh crew email step, a bench of a
hundred bookings spent most of moto's time copying, and the worker waited on it. Here a
transaction snapshots only the items it names and, when moto cancels it, puts exactly those back:
the same all-or-nothing answer (tests/integration/test_local_dynamodb_atomic.py), at the cost of
the items. DynamoDB requests already run one at a time (:mod:`sandbox.atomic_dynamodb`), so
nothing runs between the write and its roll-back. See docs/local-stack.md.
"""

import copy
import threading
from typing import Any

from moto.dynamodb import models
from moto.dynamodb.exceptions import (
    MockValidationException,
    MultipleTransactionsException,
    TransactionCanceledException,
)
from moto.dynamodb.models.table import Table

#: what moto raises after a transaction wrote part of its items
_CANCELLED = (TransactionCanceledException, MultipleTransactionsException)
_inside = threading.local()


class _TablesNotCopiedInsideATransaction:
    """moto's ``copy`` module as its DynamoDB backend sees it: a table is not copied while a
    transaction runs here (its items are snapshotted instead); everything else is as ``copy``."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        if getattr(_inside, "transaction", False) and isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)


def roll_back_only_what_a_transaction_names() -> None:
    """Install the stand-in in this process's moto (idempotent)."""
    backend = models.DynamoDBBackend
    if getattr(backend.transact_write_items, "_charterhand", False):
        return
    moto_transaction = backend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        try:
            before = [_snapshot(self, entry) for entry in transact_items]
        except Exception:  # a request moto will refuse (no table, a bad key): moto answers it
            moto_transaction(self, transact_items)
            return
        _inside.transaction = True
        try:
            moto_transaction(self, transact_items)
        except (*_CANCELLED, MockValidationException):
            for table_name, key, item in reversed(before):
                if item is None:
                    if self.get_item(table_name, key) is not None:
                        self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, item)
            raise
        finally:
            _inside.transaction = False

    transact_write_items._charterhand = True  # type: ignore[attr-defined]
    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    setattr(models, "copy", _TablesNotCopiedInsideATransaction())  # noqa: B010 - moto's own name


def _snapshot(backend: Any, entry: dict[str, Any]) -> tuple[str, dict[str, Any], Any]:
    """(table, key, the item's attributes as stored, or None when absent) for one write."""
    _, op = next(iter(entry.items()))
    table_name = op["TableName"]
    if "Key" in op:
        key = op["Key"]
    else:
        table = backend.get_table(table_name)
        names = [table.hash_key_attr, table.range_key_attr]
        key = {name: op["Item"][name] for name in names if name is not None}
    found = backend.get_item(table_name, key)
    return table_name, key, copy.deepcopy(found.to_json()["Attributes"]) if found else None

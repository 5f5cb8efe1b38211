"""The local stack keeps DynamoDB's promise that a conditional write is atomic.

moto's server checks a condition and then writes, with other requests free to run in between:
two writers racing for the same conditional write both won it about once in 30 rounds here. The
concurrency tests (leases, duplicates on several workers) rest on that promise, so without it they
pass or fail by chance. docs/local-stack.md says how the local stack stands in for it.
"""

import threading
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from sandbox.table import create_table

ROUNDS = 300
WRITERS = 4


@pytest.fixture
def table(aws):
    name = "atomic-test"
    create_table(boto3.client("dynamodb"), name)
    return name


def race(clients: list[Any], table: str, key: dict[str, Any]) -> int:
    """Every client tries the same conditional update at once; how many succeeded."""
    start = threading.Barrier(len(clients))
    won: list[int] = []
    failed: list[BaseException] = []

    def write(client) -> None:
        start.wait()
        try:
            client.update_item(
                TableName=table,
                Key=key,
                UpdateExpression="SET #v = :next, #o = :me",
                ConditionExpression="#v = :seen",
                ExpressionAttributeNames={"#v": "version", "#o": "owner"},
                ExpressionAttributeValues={
                    ":seen": {"N": "0"},
                    ":next": {"N": "1"},
                    ":me": {"S": str(id(client))},
                },
            )
            won.append(1)
        except client.exceptions.ConditionalCheckFailedException:
            pass
        except Exception as exc:  # anything else is the test's own failure, not a lost race
            failed.append(exc)

    threads = [threading.Thread(target=write, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failed:
        raise failed[0]
    return len(won)


def test_exactly_one_of_four_racing_conditional_writes_wins_every_time(table):
    config = Config(retries={"max_attempts": 1})
    clients = [boto3.client("dynamodb", config=config) for _ in range(WRITERS)]
    setup = boto3.client("dynamodb")
    winners = []
    for round_ in range(ROUNDS):
        key = {"pk": {"S": f"booking#{round_}"}, "sk": {"S": "state"}}
        setup.put_item(TableName=table, Item={**key, "version": {"N": "0"}})
        winners.append(race(clients, table, key))
    assert [n for n in winners if n != 1] == []


# --- transactions: all or nothing, rolled back item by item (sandbox/moto_transactions.py) ---


def item(table: str, key: dict[str, Any]) -> dict[str, Any] | None:
    return (
        boto3.client("dynamodb").get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    )


def test_a_cancelled_transaction_leaves_every_item_it_named_as_it_was(table):
    dynamodb = boto3.client("dynamodb")
    created = {"pk": {"S": "t#new"}, "sk": {"S": "a"}}
    changed = {"pk": {"S": "t#old"}, "sk": {"S": "b"}}
    refused = {"pk": {"S": "t#taken"}, "sk": {"S": "c"}}
    dynamodb.put_item(TableName=table, Item={**changed, "n": {"N": "1"}, "keep": {"S": "me"}})
    dynamodb.put_item(TableName=table, Item={**refused, "n": {"N": "7"}})
    bystander = {"pk": {"S": "t#other"}, "sk": {"S": "d"}}
    dynamodb.put_item(TableName=table, Item={**bystander, "n": {"N": "3"}})
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException) as cancelled:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {**created, "n": {"N": "1"}}}},
                {
                    "Update": {
                        "TableName": table,
                        "Key": changed,
                        "UpdateExpression": "SET n = :two REMOVE keep",
                        "ExpressionAttributeValues": {":two": {"N": "2"}},
                    }
                },
                {
                    "Put": {
                        "TableName": table,
                        "Item": {**refused, "n": {"N": "8"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ]
        )
    reasons: list[dict[str, Any]] = cancelled.value.response["CancellationReasons"]  # type: ignore[assignment]
    assert [r["Code"] for r in reasons] == ["None", "None", "ConditionalCheckFailed"]
    assert reasons[2]["Item"]["n"] == {"N": "7"}
    assert item(table, created) is None
    assert item(table, changed) == {**changed, "n": {"N": "1"}, "keep": {"S": "me"}}
    assert item(table, refused) == {**refused, "n": {"N": "7"}}
    assert item(table, bystander) == {**bystander, "n": {"N": "3"}}


def test_a_transaction_that_goes_through_writes_every_item(table):
    dynamodb = boto3.client("dynamodb")
    first = {"pk": {"S": "t#1"}, "sk": {"S": "a"}}
    second = {"pk": {"S": "t#2"}, "sk": {"S": "a"}}
    dynamodb.put_item(TableName=table, Item={**second, "n": {"N": "1"}})
    dynamodb.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": table,
                    "Item": {**first, "n": {"N": "1"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": table,
                    "Key": second,
                    "UpdateExpression": "SET n = :two",
                    "ExpressionAttributeValues": {":two": {"N": "2"}},
                }
            },
        ]
    )
    assert item(table, first) == {**first, "n": {"N": "1"}}
    assert item(table, second) == {**second, "n": {"N": "2"}}


def test_a_transaction_naming_one_item_twice_is_refused_and_writes_nothing(table):
    dynamodb = boto3.client("dynamodb")
    key = {"pk": {"S": "t#twice"}, "sk": {"S": "a"}}
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {**key, "n": {"N": "1"}}}},
                {"Put": {"TableName": table, "Item": {**key, "n": {"N": "2"}}}},
            ]
        )
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert item(table, key) is None

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

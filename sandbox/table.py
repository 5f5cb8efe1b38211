"""The state table as ``infra/terraform/state.tf`` makes it, for the local stack, the demo, the
tests and the bench. Development only: the worker never creates its table (terraform does), so
this lives in ``sandbox/``, not in ``state/``. ``tests/infra/test_sandbox_table.py`` holds it to
terraform's definition."""

from typing import TYPE_CHECKING

from state import keys

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def create_table(client: "DynamoDBClient", table_name: str) -> None:
    """Create the state table: ``pk``/``sk`` strings, on demand, TTL on ``expires_at``, and the
    sparse index of bookings that will sail (``upcoming``: boat, start; keys only)."""
    client.create_table(
        TableName=table_name,
        KeySchema=[
            {"AttributeName": keys.PK, "KeyType": "HASH"},
            {"AttributeName": keys.SK, "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": keys.PK, "AttributeType": "S"},
            {"AttributeName": keys.SK, "AttributeType": "S"},
            {"AttributeName": keys.UPCOMING_BOAT, "AttributeType": "S"},
            {"AttributeName": keys.UPCOMING_START, "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": keys.UPCOMING_INDEX,
                "KeySchema": [
                    {"AttributeName": keys.UPCOMING_BOAT, "KeyType": "HASH"},
                    {"AttributeName": keys.UPCOMING_START, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": keys.TTL},
    )

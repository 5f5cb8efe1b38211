"""The sandbox's state table is terraform's: the tests, the demo and the bench run on a table made
by ``sandbox.table.create_table``, so a key, type, billing mode or TTL attribute that differs
from ``infra/terraform/state.tf`` would let them pass on a table production never has."""

import boto3

from sandbox.table import create_table
from tests.infra.module import Module


def test_the_sandbox_table_is_the_one_terraform_makes(aws, tf: Module):
    terraform = tf.resource("aws_dynamodb_table", "state")
    dynamodb = boto3.client("dynamodb")
    create_table(dynamodb, "sandbox-state")

    made = dynamodb.describe_table(TableName="sandbox-state")["Table"]
    keys = {k["KeyType"]: k["AttributeName"] for k in made["KeySchema"]}
    assert (keys["HASH"], keys["RANGE"]) == (terraform["hash_key"], terraform["range_key"])
    assert {(a["AttributeName"], a["AttributeType"]) for a in made["AttributeDefinitions"]} == {
        (a["name"], a["type"]) for a in terraform["attribute"]
    }
    assert made["BillingModeSummary"]["BillingMode"] == terraform["billing_mode"]
    indexes = {i["IndexName"] for i in made.get("GlobalSecondaryIndexes", [])}
    assert indexes == {i["name"] for i in terraform.get("global_secondary_index", [])}

    ttl = dynamodb.describe_time_to_live(TableName="sandbox-state")["TimeToLiveDescription"]
    (wanted,) = terraform["ttl"]
    assert wanted["enabled"] is True
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", wanted["attribute_name"])

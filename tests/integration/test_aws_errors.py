"""One AWS error classifier: the same answer from AWS is settled the same way by every caller.

AWS is played by a real HTTP server on 127.0.0.1 (pytest-httpserver) that answers every request
with one error, the way DynamoDB or SQS would; the callers are the real store, delivery log and
DLQ tool, each with a boto3 client pointed at it. Before there was one classifier, the state
table's reader called an unknown code transient and the delivery log, on the same table, permanent.
"""

import json
from typing import Literal

import boto3
import pytest
from botocore.config import Config

from bookings import PermanentError, TransientError
from ops.dlq import DeadLetterQueue
from state.deliveries import DynamoDeliveryLog
from state.store import StateStore

NO_RETRY = Config(retries={"total_max_attempts": 1}, region_name="us-east-1")


def answering(httpserver, service: Literal["dynamodb", "sqs"], error_type: str, status: int):
    """A ``service`` client whose every request gets ``error_type`` with ``status``."""
    body = json.dumps({"__type": error_type, "message": "no"})
    httpserver.expect_request("/").respond_with_data(
        body, status=status, content_type="application/x-amz-json-1.0"
    )
    return boto3.client(
        service,
        endpoint_url=httpserver.url_for("/"),
        config=NO_RETRY,
        aws_access_key_id="k",
        aws_secret_access_key="s",
    )


def dynamodb(httpserver, code: str, status: int):
    return answering(httpserver, "dynamodb", f"com.amazonaws.dynamodb.v20120810#{code}", status)


def sqs(httpserver, code: str, status: int):
    return answering(httpserver, "sqs", code, status)


def family_of(call) -> type:
    with pytest.raises((TransientError, PermanentError)) as caught:
        call()
    assert caught.value.__cause__ is not None  # every error chains its cause
    return TransientError if isinstance(caught.value, TransientError) else PermanentError


CASES = [
    # (code, HTTP status, the documented family)
    ("SomeCodeAwsAddsNextYear", 400, TransientError),  # unknown: the documented default
    ("ThrottlingException", 400, TransientError),
    ("ProvisionedThroughputExceededException", 400, TransientError),
    ("InternalServerError", 500, TransientError),
    ("ValidationException", 400, PermanentError),
    ("AccessDeniedException", 400, PermanentError),
    ("ResourceNotFoundException", 400, PermanentError),
]


@pytest.mark.parametrize(("code", "status", "expected"), CASES)
def test_the_state_table_is_classified_alike_by_the_store_and_the_delivery_log(
    httpserver, code, status, expected
):
    client = dynamodb(httpserver, code, status)
    store = StateStore("state", client)
    deliveries = DynamoDeliveryLog("state", client)

    assert family_of(lambda: store.load("boatsetter:xhqgmdh")) is expected
    assert family_of(lambda: deliveries.lane("summary:boatsetter:xhqgmdh:manager")) is expected


@pytest.mark.parametrize(("code", "status", "expected"), CASES)
def test_the_dlq_tool_classifies_sqs_as_the_worker_does(httpserver, code, status, expected):
    dlq = DeadLetterQueue(sqs(httpserver, code, status), dlq_url="http://q/dlq", queue_url="q")

    assert family_of(dlq.depth) is expected

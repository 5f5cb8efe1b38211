"""The benchmarks' moto keeps connections open, as AWS does; the tests' moto closes each one.

werkzeug's server (moto's own) answers every request with ``Connection: close``, so a client pays
a TCP connect and close per request that it does not pay against AWS: the benchmarks that measure
the worker's CPU per request serve the same app with keep-alive (``running_moto(keep_alive=True)``).
"""

import http.client
import threading
from urllib.parse import urlsplit

import boto3
import pytest

from sandbox.aws import running_moto
from sandbox.table import create_table
from state import keys

CREATE_ONLY = f"attribute_not_exists({keys.PK})"
LIST_QUEUES = "Action=ListQueues&Version=2012-11-05"
HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded",
    "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sqs/aws4_request, "
    "SignedHeaders=host, Signature=0",
}


def two_requests_on_one_connection(endpoint_url: str) -> list[str | None]:
    """Each answer's ``Connection`` header, asking twice over one socket."""
    where = urlsplit(endpoint_url)
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=10)
    sockets, answers = set(), []
    try:
        for _ in range(2):
            connection.request("POST", "/", body=LIST_QUEUES, headers=HEADERS)
            response = connection.getresponse()
            response.read()
            assert response.status == 200
            answers.append(response.getheader("Connection"))
            sockets.add(id(connection.sock))
    finally:
        connection.close()
    assert len(sockets) == 1, "the client had to reconnect: the server closed the connection"
    return answers


def test_the_benchmarks_moto_keeps_the_connection_open() -> None:
    with running_moto({}, keep_alive=True) as moto:
        answers = two_requests_on_one_connection(moto.endpoint_url)
    assert all(answer is None or answer.lower() != "close" for answer in answers)


def test_the_tests_moto_closes_every_connection(moto_server) -> None:
    where = urlsplit(moto_server.endpoint_url)
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=10)
    connection.request("POST", "/", body=LIST_QUEUES, headers=HEADERS)
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.getheader("Connection") == "close"


def test_keep_alive_moto_serves_a_long_poll_beside_other_calls_and_keeps_writes_atomic() -> None:
    """A ReceiveMessage waiting holds one of the server's threads; other calls still answer, and
    DynamoDB's conditional writes stay one at a time (the same app as the tests' moto)."""
    environ: dict[str, str] = {}
    with running_moto(environ, keep_alive=True) as moto:
        session = boto3.Session(
            region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        sqs = session.client("sqs", endpoint_url=moto.endpoint_url)
        queue = sqs.create_queue(QueueName="long-poll")["QueueUrl"]
        received: list[str] = []

        def poll() -> None:
            answer = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5)
            received.extend(m["Body"] for m in answer.get("Messages", []))

        waiting = threading.Thread(target=poll)
        waiting.start()
        dynamodb = session.client("dynamodb", endpoint_url=moto.endpoint_url)
        create_table(dynamodb, "keep-alive")
        key = {keys.PK: {"S": "a"}, keys.SK: {"S": "b"}}
        dynamodb.put_item(TableName="keep-alive", Item=key, ConditionExpression=CREATE_ONLY)
        with pytest.raises(dynamodb.exceptions.ConditionalCheckFailedException):
            dynamodb.put_item(TableName="keep-alive", Item=key, ConditionExpression=CREATE_ONLY)
        sqs.send_message(QueueUrl=queue, MessageBody="hello")
        waiting.join(timeout=10)
    assert received == ["hello"]
    assert environ == {}, "running_moto gives back the environment it was handed"

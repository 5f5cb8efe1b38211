"""The calendar's Lambda transport through boto3 and moto's Lambda Invoke API.

moto without Docker cannot run the dashboard function: it echoes the payload, or answers with
results queued at ``/moto-api/static/lambda-simple/response``. So what these tests can show
honestly is the wire: the proxy event we send, and how each answer is read.
"""

import json
import urllib.request
from typing import Any

import boto3
import pytest

from bookings import PermanentError
from publishers.calendar import CalendarConfig, CalendarPublisher, calendar_api
from publishers.transport.api import ApiRequest, LambdaProxyApi
from sandbox.aws import MotoServer
from tests.support.publishing import booking, context


@pytest.fixture
def lambda_moto(aws):
    aws.enable_lambda_without_docker()
    return aws


def queue_results(moto: MotoServer, *results: dict[str, Any]) -> None:
    body = json.dumps({"results": [json.dumps(r) for r in results]}).encode()
    request = urllib.request.Request(
        f"{moto.endpoint_url}/moto-api/static/lambda-simple/response", data=body, method="POST"
    )
    with urllib.request.urlopen(request, timeout=5):
        pass


def test_an_answer_that_is_not_a_proxy_response_is_permanent(lambda_moto):
    api = LambdaProxyApi("calendar", "jada-dashboard", client=boto3.client("lambda"))

    # moto echoes our event back, which has no statusCode: a function not speaking the contract
    with pytest.raises(PermanentError, match="calendar Lambda answered without a statusCode"):
        api.call(ApiRequest("POST", "/calendar", {"Idempotency-Key": "k"}, {"title": "T"}))


def test_a_create_is_read_from_the_functions_proxy_answer(lambda_moto):
    queue_results(
        lambda_moto,
        {"statusCode": 200, "body": json.dumps({"items": []})},
        {"statusCode": 201, "body": json.dumps({"id": "cal-from-lambda"})},
    )
    config = CalendarConfig(transport="lambda", function_name="jada-dashboard")
    publisher = CalendarPublisher(calendar_api(config, lambda_client=boto3.client("lambda")))

    ids = publisher.publish(context(publisher, booking()))

    assert ids == {"entry_id": "cal-from-lambda"}


def test_a_403_from_the_function_is_credentials_rejected(lambda_moto):
    queue_results(lambda_moto, {"statusCode": 403, "body": json.dumps({"message": "denied"})})
    config = CalendarConfig(transport="lambda", function_name="jada-dashboard")
    publisher = CalendarPublisher(calendar_api(config, lambda_client=boto3.client("lambda")))

    with pytest.raises(PermanentError, match="credentials rejected by calendar"):
        publisher.publish(context(publisher, booking()))

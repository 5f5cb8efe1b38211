"""The one AWS error classifier's table and its documented default."""

from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from aws.errors import classify, family, translate
from bookings import PermanentError, TransientError


def client_error(code: str, status: int = 400) -> ClientError:
    answer: Any = {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {}}
    answer["ResponseMetadata"]["HTTPStatusCode"] = status
    return ClientError(answer, "Op")


def test_an_unknown_code_is_transient_whatever_its_status():
    assert family(client_error("NeverSeenBefore", 400)) == "transient"
    assert family(client_error("NeverSeenBefore", 403)) == "transient"


def test_throttling_is_transient_even_when_aws_answers_400():
    assert family(client_error("ThrottlingException", 400)) == "transient"


def test_5xx_is_transient():
    assert family(client_error("", 503)) == "transient"


@pytest.mark.parametrize("code", ["AccessDenied", "NoSuchKey", "ValidationException"])
def test_denied_missing_and_invalid_are_permanent(code):
    assert family(client_error(code)) == "permanent"


def test_connection_failures_are_transient_and_missing_credentials_permanent():
    assert family(EndpointConnectionError(endpoint_url="http://x")) == "transient"
    assert family(ReadTimeoutError(endpoint_url="http://x")) == "transient"
    assert family(NoCredentialsError()) == "permanent"


def test_both_wordings_share_the_decision():
    for code in ("NeverSeenBefore", "AccessDenied", "SlowDown"):
        exc = client_error(code)
        assert type(classify(exc, "doing")) is type(translate(exc, "S3"))


def test_the_wordings_name_what_failed():
    assert isinstance(classify(client_error("SlowDown"), "reading x"), TransientError)
    assert classify(client_error("SlowDown"), "reading x").reason == "reading x: SlowDown"
    denied = translate(client_error("AccessDenied", 403), "S3 (site bucket)", step="guest_page")
    assert isinstance(denied, PermanentError)
    assert denied.reason.startswith("credentials rejected by S3 (site bucket)")
    assert denied.step == "guest_page"

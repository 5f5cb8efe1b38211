"""How each HTTP answer is classified, against a real server on 127.0.0.1 (pytest-httpserver)."""

from typing import Any

import pytest

from bookings import PermanentError, TransientError
from publishers.transport.api import ApiRequest, proxy_event, proxy_response
from publishers.transport.http import ApiResponse, HttpPolicy, JsonHttp, check

NO_RETRY = HttpPolicy(timeout=1, retries=0)


def answer(httpserver: Any, status: int, body: Any) -> ApiResponse:
    httpserver.expect_request("/thing").respond_with_json(body, status=status)
    response = JsonHttp(NO_RETRY).request(
        "calendar", "POST", httpserver.url_for("/thing"), headers={}, body={"a": 1}
    )
    return check("calendar", response, "create")


@pytest.mark.parametrize("status", [401, 403])
def test_401_and_403_are_credentials_rejected(httpserver, status):
    with pytest.raises(PermanentError, match=r"^credentials rejected by calendar"):
        answer(httpserver, status, {"message": "nope"})


def test_other_4xx_are_permanent_with_the_responses_message(httpserver):
    with pytest.raises(PermanentError, match="calendar create: HTTP 400: date must be YYYY-MM-DD"):
        answer(httpserver, 400, {"message": "date must be YYYY-MM-DD"})


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_429_and_5xx_are_transient(httpserver, status):
    with pytest.raises(TransientError, match=f"HTTP {status}"):
        answer(httpserver, status, {"error": "busy"})


def test_a_long_message_is_cut_short(httpserver):
    with pytest.raises(PermanentError) as caught:
        answer(httpserver, 422, {"message": "x" * 5000})
    assert len(caught.value.reason) < 300


def test_errors_chain_their_cause():
    http = JsonHttp(NO_RETRY)
    with pytest.raises(TransientError) as caught:
        http.request("scc", "GET", "http://127.0.0.1:9/events", headers={})
    assert caught.value.__cause__ is not None


def test_a_proxy_event_carries_method_path_headers_query_and_json_body():
    event = proxy_event(
        ApiRequest(
            "PUT",
            "/calendar/cal-1",
            headers={"Idempotency-Key": "k", "X-Booking-Id": "boatsetter:abcdefg"},
            body={"title": "T"},
            query={"booking_id": "boatsetter:abcdefg"},
        )
    )

    assert event["httpMethod"] == "PUT"
    assert event["path"] == "/calendar/cal-1"
    assert event["headers"] == {"Idempotency-Key": "k", "X-Booking-Id": "boatsetter:abcdefg"}
    assert event["queryStringParameters"] == {"booking_id": "boatsetter:abcdefg"}
    assert event["body"] == '{"title":"T"}'


def test_a_proxy_response_body_is_decoded():
    response = proxy_response("calendar", {"statusCode": 201, "body": '{"id": "cal-1"}'})
    assert (response.status, response.body) == (201, {"id": "cal-1"})

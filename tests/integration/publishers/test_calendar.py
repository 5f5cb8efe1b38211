"""The calendar publisher against the sandbox calendar over real HTTP (and its Lambda invoke)."""

import time
from collections.abc import Mapping
from typing import Any

import boto3
import pytest

from bookings import Kind, PermanentError, TransientError
from publishers.base import StepContext
from publishers.calendar import CalendarConfig, CalendarPublisher, calendar_api
from publishers.transport.http import JsonHttp
from sandbox.calendar import CalendarSandbox
from tests.integration.publishers.conftest import DASHBOARD_TOKEN
from tests.support.publishing import booking, context, lifecycle


def http_publisher(
    server: CalendarSandbox, http: JsonHttp, token: str = DASHBOARD_TOKEN
) -> CalendarPublisher:
    config = CalendarConfig(transport="http", base_url=server.base_url)
    return CalendarPublisher(calendar_api(config, token=lambda: token, http=http))


def creates(server: CalendarSandbox) -> list[dict[str, Any]]:
    return [r for r in server.requests if r["method"] == "POST" and r["status"] == 201]


def run_lifecycle(publisher: CalendarPublisher) -> Mapping[str, str]:
    new, modified, cancelled = lifecycle()
    ids = publisher.publish(context(publisher, new))
    ids = publisher.publish(context(publisher, modified, previous=new, ids=ids))
    return publisher.publish(context(publisher, cancelled, previous=modified, ids=ids))


def test_new_modified_cancelled_leaves_one_entry_updated_then_cancelled(calendar_server, http):
    ids = run_lifecycle(http_publisher(calendar_server, http))

    [entry] = calendar_server.records_for("boatsetter:xhqgmdh")
    assert ids == {"entry_id": entry["id"]}
    assert entry["operations"] == ["create", "update", "cancel"]
    assert entry["status"] == "cancelled"
    assert (entry["date"], entry["start_time"], entry["end_time"]) == (
        "2025-06-14",
        "11:00",
        "15:00",
    )
    assert entry["title"] == "JADA charter: Jane Doe (8)"
    assert "boatsetter:xhqgmdh" in entry["notes"]


def test_every_call_carries_idempotency_key_and_booking_id(calendar_server, http):
    run_lifecycle(http_publisher(calendar_server, http))

    assert calendar_server.requests, "no request reached the sandbox"
    for request in calendar_server.requests:
        assert request["booking_id"] == "boatsetter:xhqgmdh"
        assert request["idempotency_key"].startswith("boatsetter:xhqgmdh:calendar:")


def test_replaying_a_create_whose_ids_were_lost_creates_nothing(calendar_server, http):
    publisher = http_publisher(calendar_server, http)
    ctx = context(publisher, booking())
    first = publisher.publish(ctx)

    again = publisher.publish(ctx)  # the worker died before storing the ids

    assert again == first
    assert len(calendar_server.records) == 1
    assert len(creates(calendar_server)) == 1


def test_replaying_an_update_creates_nothing(calendar_server, http):
    publisher = http_publisher(calendar_server, http)
    ids = publisher.publish(context(publisher, booking()))
    ctx = context(publisher, booking(party_size=7), ids=ids)

    assert publisher.publish(ctx) == publisher.publish(ctx) == ids
    assert len(creates(calendar_server)) == 1
    replays = [r for r in calendar_server.requests if r.get("replayed")]
    assert [r["method"] for r in replays] == ["PUT"]


def test_an_entry_made_by_an_interrupted_attempt_is_found_and_updated(
    calendar_server, http, policy
):
    publisher = http_publisher(calendar_server, http)
    calendar_server.faults.hang(
        policy.timeout * 3, method="POST"
    )  # stored, but the answer comes too late
    with pytest.raises(TransientError):
        publisher.publish(context(publisher, booking()))

    _, modified, _ = lifecycle()  # a newer email arrives before the retry
    ids = _wait_then_publish(calendar_server, publisher, context(publisher, modified))

    [entry] = calendar_server.records_for("boatsetter:xhqgmdh")
    assert ids == {"entry_id": entry["id"]}
    assert entry["operations"] == ["create", "update"]


def _wait_then_publish(
    server: CalendarSandbox, publisher: CalendarPublisher, ctx: StepContext
) -> Mapping[str, str]:
    deadline = time.monotonic() + 5
    while not server.records and time.monotonic() < deadline:
        time.sleep(0.05)  # the hung request is processed once its hang ends
    return publisher.publish(ctx)


def test_wrong_token_is_permanent_and_names_the_calendar(calendar_server, http):
    publisher = http_publisher(calendar_server, http, token="not-the-token")

    with pytest.raises(PermanentError, match="credentials rejected by calendar"):
        publisher.publish(context(publisher, booking()))
    assert calendar_server.records == {}


def test_a_503_then_200_is_retried_to_success_within_the_call(calendar_server, http):
    publisher = http_publisher(calendar_server, http)
    calendar_server.faults.fail(1, status=503)

    ids = publisher.publish(context(publisher, booking()))

    assert [r["status"] for r in calendar_server.requests] == [503, 200, 201]
    assert ids == {"entry_id": next(iter(calendar_server.records))}


def test_503s_beyond_the_call_budget_are_transient_and_the_redelivery_succeeds(
    calendar_server, http, policy
):
    publisher = http_publisher(calendar_server, http)
    ctx = context(publisher, booking())
    calendar_server.faults.fail(policy.retries + 1, status=503)

    with pytest.raises(TransientError, match=r"calendar look-up: HTTP 503"):
        publisher.publish(ctx)
    ids = publisher.publish(ctx)  # the worker's next delivery

    assert list(calendar_server.records) == [ids["entry_id"]]


def test_a_hang_is_cut_by_the_timeout(calendar_server, http, policy):
    publisher = http_publisher(calendar_server, http)
    calendar_server.faults.hang(30)
    started = time.monotonic()

    with pytest.raises(TransientError, match=r"calendar GET: no answer within 0\.5 s"):
        publisher.publish(context(publisher, booking()))
    assert time.monotonic() - started < 3


def test_an_unreachable_calendar_is_transient(http):
    config = CalendarConfig(transport="http", base_url="http://127.0.0.1:9")  # discard port
    publisher = CalendarPublisher(calendar_api(config, token=lambda: "t", http=http))

    with pytest.raises(TransientError, match="calendar GET: could not connect"):
        publisher.publish(context(publisher, booking()))


def test_cancelling_a_booking_never_published_changes_nothing(calendar_server, http):
    publisher = http_publisher(calendar_server, http)

    assert publisher.publish(context(publisher, booking(Kind.CANCELLED))) == {}
    assert [r["method"] for r in calendar_server.requests] == ["GET"]


def test_an_entry_cancelled_by_hand_is_made_anew_for_a_live_booking(calendar_server, http):
    publisher = http_publisher(calendar_server, http)
    ids = publisher.publish(context(publisher, booking()))
    calendar_server._cancel(ids["entry_id"])  # someone cancelled it on the dashboard

    new_ids = publisher.publish(context(publisher, booking(party_size=7), ids=ids))

    assert new_ids != ids
    assert calendar_server.records[new_ids["entry_id"]]["status"] == "active"


def test_a_request_is_shown_as_a_request(calendar_server, http):
    publisher = http_publisher(calendar_server, http)

    ids = publisher.publish(context(publisher, booking(Kind.REQUEST)))

    assert calendar_server.records[ids["entry_id"]]["title"].startswith("Request – JADA")


def lambda_publisher(
    server: CalendarSandbox, function_name: str | None = None
) -> CalendarPublisher:
    client = boto3.client(
        "lambda",
        endpoint_url=server.base_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    config = CalendarConfig(transport="lambda", function_name=function_name or server.function_name)
    return CalendarPublisher(calendar_api(config, lambda_client=client))


def test_lambda_transport_new_modified_cancelled_leaves_one_entry(calendar_server):
    ids = run_lifecycle(lambda_publisher(calendar_server))

    [entry] = calendar_server.records_for("boatsetter:xhqgmdh")
    assert ids == {"entry_id": entry["id"]}
    assert entry["operations"] == ["create", "update", "cancel"]


def test_lambda_transport_for_a_missing_function_is_permanent(calendar_server):
    publisher = lambda_publisher(calendar_server, function_name="no-such-function")

    with pytest.raises(PermanentError, match="ResourceNotFoundException"):
        publisher.publish(context(publisher, booking()))


def test_a_configuration_without_its_transport_target_fails_at_start_up():
    with pytest.raises(ValueError, match="calendar_function_name"):
        CalendarConfig(transport="lambda")


def test_an_error_answer_that_echoes_the_booking_is_cut_and_masked(httpserver, http):
    """A calendar that answers 400 quoting what it was sent: the error names the calendar, the
    status and what the calendar said, never the renter, their address or their phone."""
    echo = (
        "title 'JADA charter: Jane Doe (6)' clashes with Jane Doe's other charter; "
        "ask jane.doe@example.com or call +1 (619) 555-0134 " + "x" * 500
    )
    httpserver.expect_request("/calendar").respond_with_json({"message": echo}, status=400)
    config = CalendarConfig(transport="http", base_url=httpserver.url_for("").rstrip("/"))
    publisher = CalendarPublisher(calendar_api(config, token=lambda: DASHBOARD_TOKEN, http=http))
    with pytest.raises(PermanentError) as caught:
        publisher.publish(context(publisher, booking()))
    reason = caught.value.reason
    assert reason.startswith("calendar look-up: HTTP 400: title")
    assert "clashes with" in reason
    for value in ("Jane", "Doe", "jane.doe@example.com", "555-0134"):
        assert value not in reason
    assert len(reason) < 300

"""The sandbox servers themselves, driven over HTTP the way a test, the demo or a person does."""

import json
from typing import Any

import pytest
import urllib3

from sandbox.calendar import CalendarSandbox
from tests.integration.publishers.conftest import DASHBOARD_TOKEN, SCC_KEY

ENTRY = {"title": "JADA", "date": "2025-06-14", "start_time": "10:00", "end_time": "13:00"}


@pytest.fixture
def pool():
    manager = urllib3.PoolManager(timeout=2, retries=False)
    yield manager
    manager.clear()


def call(
    pool: urllib3.PoolManager, method: str, url: str, body: Any = None, **headers: str
) -> tuple[int, Any, urllib3.BaseHTTPResponse]:
    data = None if body is None else json.dumps(body).encode()
    response = pool.request(method, url, body=data, headers=headers)
    return response.status, (json.loads(response.data) if response.data else None), response


def calendar_post(
    pool: urllib3.PoolManager,
    server: CalendarSandbox,
    body: Any,
    key: str | None = "k1",
    **headers: str,
) -> tuple[int, Any, urllib3.BaseHTTPResponse]:
    return call(
        pool,
        "POST",
        f"{server.base_url}/calendar",
        body,
        **{"X-Dashboard-Token": DASHBOARD_TOKEN, "X-Booking-Id": "boatsetter:abcdefg"},
        **({"Idempotency-Key": key} if key else {}),
        **headers,
    )


def test_calendar_requires_the_token(calendar_server, pool):
    status, body, _ = call(pool, "GET", f"{calendar_server.base_url}/calendar")
    assert (status, body["message"]) == (401, "X-Dashboard-Token header is required")


def test_calendar_lists_what_it_holds_by_booking_id(calendar_server, pool):
    calendar_post(pool, calendar_server, ENTRY)

    status, body, _ = call(
        pool,
        "GET",
        f"{calendar_server.base_url}/calendar?booking_id=boatsetter%3Aabcdefg",
        **{"X-Dashboard-Token": DASHBOARD_TOKEN},
    )

    assert status == 200
    assert [item["title"] for item in body["items"]] == ["JADA"]


def test_the_same_idempotency_key_replays_the_answer(calendar_server, pool):
    first = calendar_post(pool, calendar_server, ENTRY)
    second = calendar_post(pool, calendar_server, ENTRY)

    assert second[1] == first[1]
    assert second[2].headers["Idempotent-Replayed"] == "true"
    assert len(calendar_server.records) == 1


def test_the_same_idempotency_key_with_another_request_is_refused(calendar_server, pool):
    calendar_post(pool, calendar_server, ENTRY)
    status, body, _ = calendar_post(pool, calendar_server, {**ENTRY, "title": "Other"})

    assert (status, body["message"]) == (422, "Idempotency-Key reused with a different request")


def test_a_malformed_entry_is_refused_with_the_field_named(calendar_server, pool):
    status, body, _ = calendar_post(pool, calendar_server, {**ENTRY, "date": "14/06/2025"})

    assert (status, body["message"]) == (400, "date must be YYYY-MM-DD")


def test_faults_are_injected_over_http_and_consumed_in_order(calendar_server, pool):
    call(pool, "POST", f"{calendar_server.base_url}/_sandbox/faults", {"status": 503, "count": 2})

    statuses = [calendar_post(pool, calendar_server, ENTRY, key=None)[0] for _ in range(3)]

    assert statuses == [503, 503, 201]


def test_state_lists_records_and_requests_without_credentials(calendar_server, pool):
    calendar_post(pool, calendar_server, ENTRY)

    status, body, _ = call(pool, "GET", f"{calendar_server.base_url}/_sandbox/state")

    assert status == 200
    assert [r["title"] for r in body["records"]] == ["JADA"]
    assert [(r["method"], r["status"]) for r in body["requests"]] == [("POST", 201)]


def test_scc_accepts_the_key_whose_bcrypt_hash_it_holds(scc_server, pool):
    event = {**ENTRY, "event_name": "JADA", "crew": ["scc-sam"]}
    del event["title"]
    headers = {"Authorization": f"Bearer {SCC_KEY}", "X-Booking-Id": "boatsetter:abcdefg"}

    status, body, _ = call(pool, "POST", f"{scc_server.base_url}/events", event, **headers)

    assert (status, body["crew"]) == (201, ["scc-sam"])


def test_scc_refuses_another_key(scc_server, pool):
    status, body, _ = call(
        pool, "GET", f"{scc_server.base_url}/events", Authorization="Bearer nope"
    )
    assert (status, body["message"]) == (403, "service key rejected")


def test_a_cancelled_record_cannot_be_updated(scc_server, pool):
    auth = {"Authorization": f"Bearer {SCC_KEY}"}
    event = {
        "event_name": "JADA",
        "date": "2025-06-14",
        "start_time": "10:00",
        "end_time": "13:00",
        "crew": [],
    }
    _, created, _ = call(
        pool,
        "POST",
        f"{scc_server.base_url}/events",
        event,
        **auth,
        **{"X-Booking-Id": "boatsetter:abcdefg"},
    )
    url = f"{scc_server.base_url}/events/{created['id']}"
    call(pool, "DELETE", url, **auth)

    status, _, _ = call(pool, "PATCH", url, {"crew": ["x"]}, **auth)

    assert status == 410

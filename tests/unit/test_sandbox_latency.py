"""The sandbox systems can answer as slowly as real ones across a network (bench/latency.py)."""

from sandbox.calendar import CalendarSandbox

HEADERS = {"x-dashboard-token": "t"}


def test_every_api_request_waits_a_time_within_the_latency_range():
    calendar = CalendarSandbox("t")
    waits: list[float] = []
    calendar._wait = waits.append
    calendar.latency = (0.15, 0.4)
    for _ in range(20):
        status, _, _ = calendar.handle("GET", "/calendar", HEADERS, b"")
        assert status == 200
    assert len(waits) == 20
    assert all(0.15 <= w <= 0.4 for w in waits)
    assert len(set(waits)) > 1  # drawn per request, not one fixed delay


def test_no_latency_by_default():
    calendar = CalendarSandbox("t")
    waits: list[float] = []
    calendar._wait = waits.append
    calendar.handle("GET", "/calendar", HEADERS, b"")
    assert waits == []

"""The worker's orchestrator with the real calendar and SCC publishers, sandbox systems and state
in moto: who retries what, end to end.

A blip (one 503) is absorbed inside the call; a longer outage fails the step transiently, the
worker's next delivery publishes it, and the calendar still holds exactly one entry.
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bookings import Kind, TransientError, default_fleet
from publishers.base import Publisher
from publishers.calendar import CalendarConfig, CalendarPublisher, calendar_api
from publishers.scc import SccPublisher, scc_api
from publishers.transport.http import HttpPolicy, JsonHttp
from sandbox.downstream import Downstream, running_downstream
from state.store import StateStore
from tests.support.mail import event
from worker.orchestrate import Orchestrator

RETRIES = 2


@pytest.fixture
def systems() -> Iterator[Downstream]:
    with running_downstream(bcrypt_rounds=4) as running:
        yield running


@pytest.fixture
def publishing(store: StateStore, systems: Downstream) -> Iterator[Orchestrator]:
    http = JsonHttp(HttpPolicy(timeout=1, retries=RETRIES, backoff_factor=0.01))
    calendar = CalendarConfig(base_url=systems.calendar.base_url)
    publishers: list[Publisher] = [
        CalendarPublisher(calendar_api(calendar, token=lambda: systems.dashboard_token, http=http)),
        SccPublisher(
            scc_api(systems.scc.base_url, lambda: systems.scc_service_key, http), default_fleet()
        ),
    ]
    with ThreadPoolExecutor(4) as pool:
        yield Orchestrator(store, publishers, pool, owner="test", lease_seconds=30)
    http.close()


def test_one_503_is_absorbed_inside_the_call(publishing, systems):
    systems.calendar.faults.fail(1, status=503, method="POST")

    applied = publishing.apply(event(), run_id="r1")

    assert applied.complete
    assert [r["status"] for r in systems.calendar.requests] == [200, 503, 201]


def test_an_outage_fails_the_step_and_the_next_delivery_publishes_it(publishing, systems):
    systems.calendar.faults.fail(RETRIES + 1, status=503, method="POST")

    first = publishing.apply(event(), run_id="r1")
    second = publishing.apply(event(), run_id="r2")  # the message comes back after its backoff

    assert isinstance(first.failed["calendar"], TransientError)
    assert "scc" in first.ran
    assert second.ran == ("calendar",)
    assert len(systems.calendar.records) == 1


def test_modified_then_cancelled_through_the_worker_updates_then_cancels(publishing, systems):
    publishing.apply(event(), run_id="r1")
    publishing.apply(event(Kind.MODIFIED, hours=4, as_of_minutes=5), run_id="r2")
    publishing.apply(event(Kind.CANCELLED, hours=4, as_of_minutes=9), run_id="r3")

    for system in (systems.calendar, systems.scc):
        [record] = system.records.values()
        assert record["operations"] == ["create", "update", "cancel"]

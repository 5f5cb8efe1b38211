"""The ShipCaptainCrew publisher against the sandbox SCC (bcrypt-checked bearer key)."""

import pytest

from bookings import Kind, PermanentError, TransientError, default_fleet
from publishers.base import StepContext
from publishers.scc import SccPublisher, scc_api
from publishers.transport.http import JsonHttp
from sandbox.scc import SccSandbox
from tests.integration.publishers.conftest import SCC_KEY
from tests.support.publishing import booking, context, lifecycle


def scc_publisher(server: SccSandbox, http: JsonHttp, key: str = SCC_KEY) -> SccPublisher:
    return SccPublisher(scc_api(server.base_url, lambda: key, http), default_fleet())


def test_new_modified_cancelled_leaves_one_event_updated_then_cancelled(scc_server, http):
    publisher = scc_publisher(scc_server, http)
    new, modified, cancelled = lifecycle()

    ids = publisher.publish(context(publisher, new))
    ids = publisher.publish(context(publisher, modified, previous=new, ids=ids))
    ids = publisher.publish(context(publisher, cancelled, previous=modified, ids=ids))

    [event] = scc_server.records_for("boatsetter:xhqgmdh")
    assert ids == {"event_id": event["id"]}
    assert event["operations"] == ["create", "update", "cancel"]
    assert event["status"] == "cancelled"
    assert (event["start_time"], event["end_time"]) == ("11:00", "15:00")


def test_the_event_invites_the_rosters_crew_by_scc_id(scc_server, http):
    publisher = scc_publisher(scc_server, http)

    ids = publisher.publish(context(publisher, booking()))

    event = scc_server.records[ids["event_id"]]
    assert event["crew"] == ["scc-sam", "scc-alex"]
    assert event["event_name"] == "JADA charter Sat Jun 14"
    assert "Party of 6, renter Jane Doe" in event["notes"]


def test_updates_are_patches(scc_server, http):
    publisher = scc_publisher(scc_server, http)
    ids = publisher.publish(context(publisher, booking()))

    publisher.publish(context(publisher, booking(party_size=9), ids=ids))

    # every sync looks the booking's records up first (reconciling), then creates or patches
    assert [r["method"] for r in scc_server.requests] == ["GET", "POST", "GET", "PATCH"]


def test_replaying_a_step_creates_nothing(scc_server, http):
    publisher = scc_publisher(scc_server, http)
    ctx = context(publisher, booking())

    assert publisher.publish(ctx) == publisher.publish(ctx)
    assert len(scc_server.records) == 1
    assert [r["method"] for r in scc_server.requests if r["method"] == "POST"] == ["POST"]


def test_a_request_is_not_sent_to_scc(scc_server, http):
    publisher = scc_publisher(scc_server, http)

    assert publisher.publish(context(publisher, booking(Kind.REQUEST))) == {}
    assert scc_server.requests == []


def test_a_wrong_service_key_is_permanent_and_names_scc(scc_server, http):
    publisher = scc_publisher(scc_server, http, key="wrong-key")

    with pytest.raises(PermanentError, match="credentials rejected by scc"):
        publisher.publish(context(publisher, booking()))
    assert scc_server.records == {}


def test_a_503_then_200_is_retried_to_success(scc_server, http):
    publisher = scc_publisher(scc_server, http)
    scc_server.faults.fail(1, status=503, method="POST")

    ids = publisher.publish(context(publisher, booking()))

    assert [r["status"] for r in scc_server.requests] == [200, 503, 201]
    assert list(scc_server.records) == [ids["event_id"]]


def test_a_429_that_persists_is_transient(scc_server, http, policy):
    publisher = scc_publisher(scc_server, http)
    scc_server.faults.fail(policy.retries + 1, status=429, retry_after=0)

    with pytest.raises(TransientError, match="scc look-up: HTTP 429"):
        publisher.publish(context(publisher, booking()))


def test_a_hang_is_cut_by_the_timeout(scc_server, http):
    publisher = scc_publisher(scc_server, http)
    scc_server.faults.hang(30)

    with pytest.raises(TransientError, match=r"scc GET: no answer within 0\.5 s"):
        publisher.publish(context(publisher, booking()))


def test_a_boat_missing_from_the_fleet_is_permanent(scc_server, http):
    publisher = scc_publisher(scc_server, http)
    ctx = StepContext(
        booking=booking(boat="WANDA"),
        previous=None,
        external_ids={},
        idempotency_key="boatsetter:xhqgmdh:scc:0",
    )

    with pytest.raises(PermanentError, match="boat 'WANDA'"):
        publisher.publish(ctx)
    assert scc_server.requests == []

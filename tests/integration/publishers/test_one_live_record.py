"""One live record per booking in the calendar and SCC (issue 11, point 5), against the sandbox
servers over real HTTP, with the sandbox answering late: a create the worker gave up on that the
system still completes, and a newer email's sync meanwhile."""

import json
import time
import urllib.request
from typing import Any

import pytest

from bookings import Kind, TransientError, default_fleet
from publishers.calendar import CalendarConfig, CalendarPublisher, calendar_api
from publishers.scc import SccPublisher, scc_api
from tests.integration.publishers.conftest import DASHBOARD_TOKEN, SCC_KEY
from tests.support.publishing import booking, context, lifecycle

KEY = "boatsetter:xhqgmdh"


@pytest.fixture(params=["calendar", "scc"])
def system(request, http):
    """(sandbox server, publisher, the record field that shows the booking's times)."""
    publisher: CalendarPublisher | SccPublisher
    if request.param == "calendar":
        server = request.getfixturevalue("calendar_server")
        config = CalendarConfig(transport="http", base_url=server.base_url)
        publisher = CalendarPublisher(
            calendar_api(config, token=lambda: DASHBOARD_TOKEN, http=http)
        )
        headers = {"X-Dashboard-Token": DASHBOARD_TOKEN}
    else:
        server = request.getfixturevalue("scc_server")
        publisher = SccPublisher(scc_api(server.base_url, lambda: SCC_KEY, http), default_fleet())
        headers = {"Authorization": f"Bearer {SCC_KEY}"}
    return server, publisher, headers


def live(server: Any) -> list[dict[str, Any]]:
    return [r for r in server.records_for(KEY) if r["status"] != "cancelled"]


def wait_for(condition, what: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_create_given_up_on_and_completed_late_leaves_one_live_record(system):
    server, publisher, _ = system
    new, modified, _ = lifecycle()
    server.faults.hang(1.5, method="POST")  # longer than the client's 0.5 s timeout

    with pytest.raises(TransientError):  # the worker gives up on the create
        publisher.publish(context(publisher, new))
    ids = publisher.publish(context(publisher, modified, previous=new))  # a newer email's sync
    wait_for(
        lambda: len([r for r in server.requests if r["method"] == "POST"]) == 2, "the late one"
    )

    [record] = live(server)
    assert ids == {publisher._records.collection.id_key: record["id"]}
    assert (record["start_time"], record["end_time"]) == ("11:00", "15:00")  # the newest state


def test_a_late_create_that_lands_first_is_updated_not_doubled(system):
    server, publisher, _ = system
    new, modified, _ = lifecycle()
    server.faults.hang(1.0, method="POST")

    with pytest.raises(TransientError):
        publisher.publish(context(publisher, new))
    wait_for(lambda: server.records_for(KEY), "the late create to land")
    publisher.publish(context(publisher, modified, previous=new))

    [record] = live(server)
    assert (record["start_time"], record["end_time"]) == ("11:00", "15:00")


def test_a_sync_cancels_extra_live_records_and_updates_the_survivor(system):
    server, publisher, headers = system
    new, modified, cancelled = lifecycle()
    ids = publisher.publish(context(publisher, new))
    # a second live record for the booking, as an older release (or a person) made it
    collection = publisher._records.collection
    extra = {k: v for k, v in publisher.input_of(new).items() if k != "status"}
    request = urllib.request.Request(
        server.base_url + collection.path,
        data=json.dumps(extra).encode(),
        method="POST",
        headers={**headers, "Content-Type": "application/json", "X-Booking-Id": KEY},
    )
    urllib.request.urlopen(request).read()
    assert len(live(server)) == 2

    publisher.publish(context(publisher, modified, previous=new, ids=ids))

    [record] = live(server)
    assert ids == {collection.id_key: record["id"]}  # the one whose id the worker stored
    assert (record["start_time"], record["end_time"]) == ("11:00", "15:00")

    publisher.publish(context(publisher, cancelled, previous=modified, ids=ids))
    assert live(server) == []
    assert {r["status"] for r in server.records_for(KEY)} == {"cancelled"}


def test_a_booking_live_again_after_a_hand_cancel_gets_one_new_record(system):
    server, publisher, _ = system
    ids = publisher.publish(context(publisher, booking()))
    publisher.publish(context(publisher, booking(Kind.CANCELLED), ids=ids))

    again = publisher.publish(context(publisher, booking(Kind.MODIFIED, party_size=7), ids=ids))

    assert [r["id"] for r in live(server)] == list(again.values())
    assert again != ids
    assert len(server.records_for(KEY)) == 2

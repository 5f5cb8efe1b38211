"""The audit reads our own published records back (issue 23, point 2): real sandbox calendar and
SCC servers on 127.0.0.1, the site bucket and the state table on moto's server, the worker's own
orchestrator publishing first, and an injected clock.

A record deleted or edited by hand is published again once (a second run finds nothing); with
repair off it is reported; a system without reads is "not auditable" once; a read that fails
transiently is no finding.
"""

import json
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import boto3
import pytest

from audit.downstream import DownstreamReport, check_downstream
from audit.findings import FindingKind
from bookings import default_fleet
from publishers.base import Publisher
from publishers.calendar import CalendarConfig, CalendarPublisher, calendar_api
from publishers.crew_page import CrewPagePublisher
from publishers.guest_page import GuestPagePublisher
from publishers.scc import SccPublisher, scc_api
from publishers.transport.http import HttpPolicy, JsonHttp
from publishers.transport.site import SiteBucket
from sandbox.downstream import Downstream, running_downstream
from state.store import StateStore
from state.upcoming import UpcomingBookings
from tests.support.mail import event
from worker.orchestrate import Orchestrator

#: a month before the sample charter (Sun 30 May 2027)
NOW = datetime(2027, 5, 1, 12, tzinfo=UTC)
RETRIES = 2
SIGNING_KEY = b"link-signing-key-for-audit-tests"


@dataclass
class World:
    """The systems, the publishers and the worker that published to them."""

    systems: Downstream
    publishers: list[Publisher]
    worker: Orchestrator
    store: StateStore
    upcoming: UpcomingBookings
    s3: object
    bucket: str

    def audit(self, *, repair: bool = True) -> DownstreamReport:
        return check_downstream(
            self.store,
            self.upcoming,
            self.publishers,
            ["JADA"],
            clock=lambda: NOW,
            repair=repair,
        )

    def step_ids(self, key: str, step: str) -> dict[str, str]:
        return dict(self.store.load(key).step(step).external_ids)


@pytest.fixture
def world(stack, store) -> Iterator[World]:
    s3 = boto3.client("s3")
    http = JsonHttp(HttpPolicy(timeout=1, retries=RETRIES, backoff_factor=0.01))
    site = SiteBucket(s3=s3, bucket=stack.site_bucket, base_url="http://127.0.0.1:8000")
    fleet = default_fleet()
    with running_downstream(bcrypt_rounds=4) as systems, ThreadPoolExecutor(4) as pool:
        calendar = CalendarConfig(base_url=systems.calendar.base_url)
        publishers: list[Publisher] = [
            CalendarPublisher(
                calendar_api(calendar, token=lambda: systems.dashboard_token, http=http)
            ),
            SccPublisher(
                scc_api(systems.scc.base_url, lambda: systems.scc_service_key, http), fleet
            ),
            GuestPagePublisher(
                site=site,
                fleet=fleet,
                signing_key=SIGNING_KEY,
                links_api_base_url="http://127.0.0.1:8001",
                photos_upload_origin="http://127.0.0.1:8004",
            ),
            CrewPagePublisher(
                site=site,
                fleet=fleet,
                signing_key=SIGNING_KEY,
                links_api_base_url="http://127.0.0.1:8001",
            ),
        ]
        worker = Orchestrator(store, publishers, pool, owner="test", lease_seconds=30)
        upcoming = UpcomingBookings(stack.table_name, boto3.client("dynamodb"))
        yield World(systems, publishers, worker, store, upcoming, s3, stack.site_bucket)
    http.close()


def published(world: World, booking_id: str = "xhqgmdh", day: int = 0) -> str:
    applied = world.worker.apply(event(booking_id=booking_id, day=day), run_id=booking_id)
    assert applied.complete
    return applied.booking_key


def creates(system) -> int:
    return sum(1 for r in system.requests if r["method"] == "POST" and r.get("status") == 201)


def test_a_booking_that_matches_yields_no_finding(world):
    published(world)

    report = world.audit()

    assert report.findings == []
    assert report.unread == []
    assert (report.bookings, report.records) == (1, 4)


def test_a_calendar_entry_deleted_by_hand_is_created_again_once_and_a_second_run_finds_nothing(
    world,
):
    key = published(world)
    [old] = world.step_ids(key, "calendar").values()
    world.systems.calendar.delete_by_hand(old)

    first = world.audit()
    second = world.audit()

    [finding] = first.findings
    assert (finding.kind, finding.source, finding.booking_key) == (
        FindingKind.REPAIRED,
        "calendar",
        key,
    )
    assert "calendar entry" in finding.sentence
    assert second.findings == []
    [entry] = world.systems.calendar.records.values()
    assert entry["status"] == "active"
    assert world.step_ids(key, "calendar") == {"entry_id": entry["id"]} != {"entry_id": old}
    assert creates(world.systems.calendar) == 2  # the first publish and the one repair
    assert world.store.load(key).step("calendar").last_repair
    # the worker's own rule is untouched: the same email again publishes nothing
    assert world.worker.apply(event(), run_id="again").ran == ()


def test_an_entry_cancelled_by_hand_is_created_again(world):
    key = published(world)
    [old] = world.step_ids(key, "calendar").values()
    world.systems.calendar._cancel(old)  # a person cancelling it in the dashboard

    [finding] = world.audit().findings

    assert finding.kind is FindingKind.REPAIRED
    live = [r for r in world.systems.calendar.records.values() if r["status"] == "active"]
    assert [r["id"] for r in live] == [world.step_ids(key, "calendar")["entry_id"]]


def test_an_scc_event_edited_by_hand_is_repaired(world):
    key = published(world)
    [event_id] = world.step_ids(key, "scc").values()
    before = dict(world.systems.scc.records[event_id])
    world.systems.scc.edit_by_hand(event_id, event_name="Party boat", start_time="09:00")

    first = world.audit()
    second = world.audit()

    [finding] = first.findings
    assert (finding.kind, finding.source) == (FindingKind.REPAIRED, "scc")
    assert "event_name, start_time" in finding.sentence
    after = world.systems.scc.records[event_id]
    assert (after["event_name"], after["start_time"]) == (before["event_name"], "10:00")
    assert second.findings == []


def test_with_repair_off_an_edited_event_is_reported_and_left_as_it_is(world):
    key = published(world)
    [event_id] = world.step_ids(key, "scc").values()
    world.systems.scc.edit_by_hand(event_id, crew=["someone-else"])

    report = world.audit(repair=False)

    [finding] = report.findings
    assert (finding.kind, finding.source, finding.booking_key) == (
        FindingKind.DOWNSTREAM_EDITED,
        "scc",
        key,
    )
    assert "(crew)" in finding.sentence
    assert world.systems.scc.records[event_id]["crew"] == ["someone-else"]
    assert not any(r["method"] == "PATCH" for r in world.systems.scc.requests[1:])


def test_with_repair_off_a_deleted_entry_is_reported_missing(world):
    key = published(world)
    [old] = world.step_ids(key, "calendar").values()
    world.systems.calendar.delete_by_hand(old)

    [finding] = world.audit(repair=False).findings

    assert finding.kind is FindingKind.DOWNSTREAM_MISSING
    assert world.systems.calendar.records == {}


def test_a_page_deleted_from_the_site_bucket_is_published_again(world):
    key = published(world)
    page = world.step_ids(key, "guest_page")["key"]
    body = world.s3.get_object(Bucket=world.bucket, Key=page)["Body"].read()
    world.s3.delete_object(Bucket=world.bucket, Key=page)

    first = world.audit()
    second = world.audit()

    [finding] = first.findings
    assert (finding.kind, finding.source) == (FindingKind.REPAIRED, "guest_page")
    assert world.s3.get_object(Bucket=world.bucket, Key=page)["Body"].read() == body
    assert second.findings == []


def test_a_crew_page_overwritten_by_hand_is_published_again(world):
    key = published(world)
    page = world.step_ids(key, "crew_page")["key"]
    body = world.s3.get_object(Bucket=world.bucket, Key=page)["Body"].read()
    world.s3.put_object(
        Bucket=world.bucket, Key=page, Body=b"<p>hi</p>", ContentType="text/html; charset=utf-8"
    )

    [finding] = world.audit().findings

    assert (finding.kind, finding.source) == (FindingKind.REPAIRED, "crew_page")
    assert world.s3.get_object(Bucket=world.bucket, Key=page)["Body"].read() == body


def test_a_system_without_reads_is_not_auditable_said_once(world):
    published(world, "xhqgmdh")
    published(world, "abcdefg", day=1)
    world.systems.calendar.reads = False

    report = world.audit()

    [finding] = report.findings
    assert (finding.kind, finding.source, finding.booking_key) == (
        FindingKind.NOT_AUDITABLE,
        "calendar",
        None,
    )
    gets = [r for r in world.systems.calendar.requests if r["method"] == "GET"]
    assert [r["status"] for r in gets[-1:]] == [405]
    assert report.bookings == 2
    assert report.records == 2 * 4 - 1  # the calendar is asked once, not per booking


def test_a_read_that_fails_transiently_is_not_missing_and_the_next_run_repairs(world):
    key = published(world)
    [old] = world.step_ids(key, "calendar").values()
    world.systems.calendar.delete_by_hand(old)
    world.systems.calendar.faults.fail(RETRIES + 1, status=503, method="GET")

    first = world.audit()
    second = world.audit()

    assert first.findings == []
    [unread] = first.unread
    assert (unread.booking_key, unread.step, unread.transient) == (key, "calendar", True)
    assert [f.kind for f in second.findings] == [FindingKind.REPAIRED]
    assert second.unread == []


def test_a_booking_a_worker_holds_is_left_to_it(world, store):
    key = published(world)
    [old] = world.step_ids(key, "calendar").values()
    world.systems.calendar.delete_by_hand(old)
    record = store.load(key)
    store.acquire(
        key,
        state=None,
        expected_version=record.version,
        expected_fence=record.fence,
        owner="a-worker",
        lease_seconds=60,
    )

    report = world.audit()

    assert (report.findings, report.bookings) == ([], 0)
    assert world.systems.calendar.records == {}


def test_bookings_beyond_the_horizon_are_not_read(world):
    key = published(world, day=20)  # 19 Jun 2027: within 60 days of NOW
    far = published(world, "zzzzzzz", day=40)  # 9 Jul 2027: beyond
    for k in (key, far):
        [record_id] = world.step_ids(k, "calendar").values()
        world.systems.calendar.delete_by_hand(record_id)

    report = world.audit(repair=False)

    assert [f.booking_key for f in report.findings] == [key]


def test_an_event_edited_by_hand_twice_is_repaired_each_time(world):
    key = published(world)
    [event_id] = world.step_ids(key, "scc").values()

    runs = []
    for _ in range(2):
        world.systems.scc.edit_by_hand(event_id, event_name="Party boat")
        runs.append([f.kind for f in world.audit().findings])

    assert runs == [[FindingKind.REPAIRED], [FindingKind.REPAIRED]]
    assert world.systems.scc.records[event_id]["event_name"] != "Party boat"
    assert world.audit().findings == []


def test_a_person_can_delete_and_edit_by_hand_over_http(world):
    key = published(world)
    [entry_id] = world.step_ids(key, "calendar").values()
    [event_id] = world.step_ids(key, "scc").values()
    base_cal, base_scc = world.systems.calendar.base_url, world.systems.scc.base_url

    for request in (
        urllib.request.Request(f"{base_cal}/_sandbox/records/{entry_id}", method="DELETE"),
        urllib.request.Request(
            f"{base_scc}/_sandbox/records/{event_id}",
            data=json.dumps({"notes": "moved to 11"}).encode(),
            method="PATCH",
        ),
    ):
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.status == 200

    report = world.audit(repair=False)

    assert sorted((f.source, f.kind) for f in report.findings) == [
        ("calendar", FindingKind.DOWNSTREAM_MISSING),
        ("scc", FindingKind.DOWNSTREAM_EDITED),
    ]

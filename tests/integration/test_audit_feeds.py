"""The audit's platform feeds (issue 23, point 1): a real HTTP server on 127.0.0.1 serves iCal
exports; the bookings are in the state table on moto's server; the manager's mail goes through
moto's SES; the clock is injected.

Shown here: all-day and timed events, UTC, zoned and floating times; recurring and hand-made
owner blocks that are not bookings; a feed that fails (5xx, a timeout, not iCal) or is huge; each
finding told to the manager exactly once across runs, none for a booking that matches; a booking
gone from the feed; a 304 that reuses the last read; ``status`` listing what is open.
"""

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import boto3
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from app.compose import Clients, audit_parts, build_worker
from app.metrics import Metrics
from audit.feeds import FeedFetcher, FeedPolicy
from audit.findings import Finding, FindingKind
from audit.run import AuditParts, run_audit
from bookings import Booking
from bookings.tasks import audit_body
from ops.status import open_findings
from sandbox.stack import SENDING_DOMAIN, LocalStack
from state.store import StateStore
from tests.support.bookings_factory import booking
from tests.support.cli import charterhand
from tests.support.clock import DateClock as Clock
from tests.support.leases import take_lease
from tests.support.pipeline import settle_all
from tests.support.publishing import sent_mail
from worker.outcomes import Ending, Outcome

NOW = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)
#: the booking factory's charter: JADA, Boatsetter, 2031-06-14 10:00-13:00 PDT (17:00-20:00 UTC)
MATCHING = """BEGIN:VEVENT
UID:bs-match@boatsetter
DTSTART:20310614T170000Z
DTEND:20310614T200000Z
SUMMARY:Booked
END:VEVENT"""
ALL_DAY = """BEGIN:VEVENT
UID:bs-allday@boatsetter
DTSTART;VALUE=DATE:20310620
DTEND;VALUE=DATE:20310621
SUMMARY:Reserved
END:VEVENT"""
ZONED = """BEGIN:VEVENT
UID:bs-zoned@boatsetter
DTSTART;TZID=America/New_York:20310622T130000
DTEND;TZID=America/New_York:20310622T170000
SUMMARY:Booked
END:VEVENT"""
FLOATING = """BEGIN:VEVENT
UID:bs-floating@boatsetter
DTSTART:20310624T090000
DTEND:20310624T120000
END:VEVENT"""
BLOCKS = """BEGIN:VEVENT
UID:owner-weekly@boatsetter
DTSTART:20310602T080000
DTEND:20310602T180000
RRULE:FREQ=WEEKLY;BYDAY=MO
SUMMARY:Owner's day
END:VEVENT
BEGIN:VEVENT
UID:owner-unavailable@boatsetter
DTSTART;VALUE=DATE:20310626
SUMMARY:Unavailable
END:VEVENT
BEGIN:VEVENT
UID:pending@boatsetter
DTSTART:20310627T170000Z
DTEND:20310627T200000Z
STATUS:TENTATIVE
SUMMARY:Request
END:VEVENT
BEGIN:VEVENT
UID:past@boatsetter
DTSTART:20310501T170000Z
DTEND:20310501T200000Z
SUMMARY:Booked
END:VEVENT"""


def ical(*events: str) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//feed//EN", *events, "END:VCALENDAR"]
    return ("\r\n".join("\r\n".join(lines).splitlines()) + "\r\n").encode()


class Feed:
    """One platform export, served with an ETag; answers 304 to a matching If-None-Match."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.status = 200
        self.delay = 0.0
        #: set at the end of the test: a slow answer stops waiting (the server is single-threaded)
        self.released = threading.Event()
        self.requests: list[dict[str, str]] = []

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'

    def __call__(self, request: Request) -> Response:
        self.requests.append(dict(request.headers))
        if self.delay:
            self.released.wait(self.delay)
        if self.status != 200:
            return Response("upstream broke", status=self.status)
        if request.headers.get("If-None-Match") == self.etag:
            return Response(status=304, headers={"ETag": self.etag})
        return Response(self.body, content_type="text/calendar", headers={"ETag": self.etag})


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def feed(httpserver: HTTPServer) -> Iterator[Feed]:
    served = Feed(ical(MATCHING, ALL_DAY, ZONED, FLOATING, BLOCKS))
    httpserver.expect_request("/jada/boatsetter.ics").respond_with_handler(served)
    yield served
    served.released.set()


@pytest.fixture
def audit_on(aws, stack: LocalStack, httpserver: HTTPServer) -> Callable[..., AuditParts]:
    """The audit's parts as the composition root builds them, on the given clock."""
    boto3.client("sesv2").create_email_identity(EmailIdentity=SENDING_DOMAIN)

    def build(clock: Clock, urls: dict[str, dict[str, str]] | None = None, **policy) -> AuditParts:
        urls = urls or {"JADA": {"boatsetter": httpserver.url_for("/jada/boatsetter.ics")}}
        settings = stack.settings(audit_feed_urls=json.dumps(urls))
        clients = Clients(
            sqs=boto3.client("sqs"),
            s3=boto3.client("s3"),
            dynamodb=boto3.client("dynamodb"),
            secretsmanager=boto3.client("secretsmanager"),
        )
        fetcher = FeedFetcher(FeedPolicy(**{"timeout": 2.0, **policy}))
        # no publishers: the read-back of our own records has nothing to read here
        return audit_parts(settings, clients, clock, fetcher=fetcher, publishers=[])

    return build


def store(stack: LocalStack, b: Booking) -> None:
    """Store the booking as the worker does (its email was read)."""
    states = StateStore(stack.table_name, boto3.client("dynamodb"))
    take_lease(states, b.key, state=b, owner="test", seconds=30)
    record = states.load(b.key)
    states.record(b.key, {}, fence=record.fence, release=True)


def audit_mail(aws) -> list[EmailMessage]:
    return [m for m in sent_mail(aws) if str(m["X-Charterhand-Kind"]).startswith("audit-")]


def plain(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def by_kind(findings: list[Finding]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in findings:
        found.setdefault(f.kind.value, []).append(f.sentence)
    return found


def test_booked_spans_without_an_email_are_found_and_blocks_and_the_match_are_not(
    aws, stack, feed, audit_on, clock
):
    store(stack, booking())  # the matching charter's email was read
    findings = run_audit(audit_on(clock), clock=clock)
    assert by_kind(findings) == {
        "missed-booking": [
            "JADA: booked on Boatsetter for Fri, Jun 20, 2031 (all day), but no booking email "
            "was read",
            "JADA: booked on Boatsetter for Sun, Jun 22, 2031, 10:00 AM – 2:00 PM PDT, but no "
            "booking email was read",  # 13:00-17:00 in New York
            "JADA: booked on Boatsetter for Tue, Jun 24, 2031, 9:00 AM – 12:00 PM PDT, but no "
            "booking email was read",  # floating: the boat's zone
        ]
    }
    spans = {(f.starts_at, f.ends_at) for f in findings}
    assert (datetime(2031, 6, 22, 17, tzinfo=UTC), datetime(2031, 6, 22, 21, tzinfo=UTC)) in spans
    assert (datetime(2031, 6, 20, 7, tzinfo=UTC), datetime(2031, 6, 21, 7, tzinfo=UTC)) in spans


def test_each_finding_is_told_once_across_runs_and_none_for_the_matching_booking(
    aws, stack, feed, audit_on, clock
):
    store(stack, booking())
    first = run_audit(audit_on(clock), clock=clock)
    assert len(first) == 3
    told = audit_mail(aws)
    assert len(told) == 3
    assert {str(m["To"]) for m in told} == {"manager@example.com"}
    assert not any("Jun 14" in plain(m) for m in told)  # matched

    clock.now += timedelta(hours=1)
    second = run_audit(audit_on(clock), clock=clock)
    assert {f.key for f in second} == {f.key for f in first}
    assert len(audit_mail(aws)) == 3  # nothing told twice
    assert feed.requests[-1].get("If-None-Match") == feed.etag  # a conditional GET: 304

    listed = open_findings(boto3.client("dynamodb"), stack.table_name)
    assert sorted(f.sentence for f in listed) == sorted(f.sentence for f in first)
    assert {f.since for f in listed} == {NOW.isoformat(timespec="seconds")}


def test_a_missed_booking_closes_once_its_email_is_read(aws, stack, feed, audit_on, clock):
    run_audit(audit_on(clock), clock=clock)
    assert len(open_findings(boto3.client("dynamodb"), stack.table_name)) == 4
    store(stack, booking())  # the email for the 14 June charter arrives
    clock.now += timedelta(hours=1)
    findings = run_audit(audit_on(clock), clock=clock)
    assert not any("Jun 14" in f.sentence for f in findings)
    assert len(open_findings(boto3.client("dynamodb"), stack.table_name)) == 3


def test_a_booking_gone_from_the_feed_is_told_once_and_changes_nothing(
    aws, stack, feed, audit_on, clock
):
    b = booking()
    store(stack, b)
    feed.body = ical(MATCHING)
    assert run_audit(audit_on(clock), clock=clock) == []  # seen, matched: its UID recorded
    feed.body = ical()  # cancelled on Boatsetter; we never got the email
    for _ in range(2):
        clock.now += timedelta(hours=1)
        [gone] = run_audit(audit_on(clock), clock=clock)
        assert gone.kind is FindingKind.GONE_FROM_PLATFORM
        assert gone.booking_key == b.key
        assert gone.sentence == (
            "JADA: Boatsetter booking xhqgmdh on Sat, Jun 14, 2031, 10:00 AM – 1:00 PM PDT is "
            "not on Boatsetter's calendar any more: cancelled or moved without an email we read"
        )
    assert len(audit_mail(aws)) == 1
    states = StateStore(stack.table_name, boto3.client("dynamodb"))
    assert states.load(b.key).booking == b  # the feed never changes a booking


def test_a_booking_never_seen_on_the_feed_is_not_gone(aws, stack, feed, audit_on, clock):
    store(stack, booking())
    feed.body = ical()  # e.g. a GetMyBoat listing kept "available" after a booking
    assert run_audit(audit_on(clock), clock=clock) == []


@pytest.mark.parametrize(
    ("breaks", "why"),
    [
        (lambda f: setattr(f, "status", 503), "it answered HTTP 503"),
        (lambda f: setattr(f, "delay", 1.5), "no answer within 0.5 s"),
        (lambda f: setattr(f, "body", b"<html>Sign in</html>"), "it is not an iCal calendar"),
    ],
    ids=["5xx", "timeout", "not-ical"],
)
def test_a_feed_that_fails_is_one_finding_told_after_the_grace(
    aws, stack, feed, audit_on, clock, breaks, why
):
    parts = audit_on(clock, timeout=0.5)
    first = run_audit(parts, clock=clock)  # read fine: three missed bookings
    breaks(feed)
    for hours in (1, 2, 4, 5):  # unreadable from 1 h on; told once 3 h later
        clock.now = NOW + timedelta(hours=hours)
        findings = run_audit(parts, clock=clock)
        unreadable = [f for f in findings if f.kind is FindingKind.FEED_UNREADABLE]
        assert [f.sentence for f in unreadable] == [
            f"JADA: Boatsetter's calendar could not be read: {why}"
        ]
        assert "127.0.0.1" not in unreadable[0].sentence  # the URL is a secret
        told = [m for m in audit_mail(aws) if "cannot read" in str(m["Subject"])]
        assert len(told) == (1 if hours >= 4 else 0)
    # the spans' findings stay open while the feed cannot be read
    listed = {f.sentence for f in open_findings(boto3.client("dynamodb"), stack.table_name)}
    assert {f.sentence for f in first} < listed


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_huge_feed_is_a_finding_not_a_crash(aws, stack, httpserver, audit_on, clock, chunked):
    huge = ical(*[FLOATING.replace("bs-floating", f"e{i}") for i in range(40_000)])
    assert len(huge) > 3_000_000
    if chunked:
        response = Response(huge[i : i + 65536] for i in range(0, len(huge), 65536))
    else:
        response = Response(huge, content_type="text/calendar")
    httpserver.expect_request("/jada/boatsetter.ics").respond_with_response(response)
    [finding] = run_audit(audit_on(clock, max_bytes=256 * 1024), clock=clock)
    assert finding.kind is FindingKind.FEED_UNREADABLE
    assert finding.sentence.endswith(f"it is larger than {256 * 1024} bytes")


def test_a_feed_for_a_boat_not_in_the_fleet_is_said_without_its_url_until_fixed(
    aws, stack, feed, audit_on, clock, httpserver
):
    urls = {"Nope": {"getmyboat": "https://secret.example/ical/abc"}}
    [finding] = run_audit(audit_on(clock, urls), clock=clock)
    assert finding.kind is FindingKind.FEED_UNREADABLE
    assert finding.sentence == "feed URLs are set for Nope, which is not in the fleet"
    [listed] = open_findings(boto3.client("dynamodb"), stack.table_name)
    assert "secret.example" not in listed.sentence
    assert len(audit_mail(aws)) == 1  # a configuration problem is told at once

    clock.now += timedelta(hours=1)  # the operator fixes the boat's name
    fixed = {"JADA": {"boatsetter": httpserver.url_for("/jada/boatsetter.ics")}}
    found = run_audit(audit_on(clock, fixed), clock=clock)
    listed_now = open_findings(boto3.client("dynamodb"), stack.table_name)
    assert {f.sentence for f in listed_now} == {f.sentence for f in found}
    assert FindingKind.FEED_UNREADABLE not in {f.kind for f in found}


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


# --- the task through the worker, and the command ---------------------------------------------


def test_the_audit_task_runs_through_the_worker_and_counts_its_findings(aws, stack, httpserver):
    """``{"charterhand":"audit"}`` on the bookings queue, as the schedule puts it: decoded,
    run, done with what it found, the manager told, the AuditFindings metric written per kind."""
    boto3.client("sesv2").create_email_identity(EmailIdentity=SENDING_DOMAIN)
    start = (datetime.now(UTC) + timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    b = booking(start=start, end=start + timedelta(hours=3), as_of=start - timedelta(days=20))
    store(stack, b)
    missed = start + timedelta(days=3)
    body = ical(_event("m", start, start + timedelta(hours=3)), _event("x", missed, missed))
    httpserver.expect_request("/jada/now.ics").respond_with_data(body, content_type="text/calendar")
    urls = {"JADA": {"boatsetter": httpserver.url_for("/jada/now.ics")}}
    settings = stack.settings(
        audit_feed_urls=json.dumps(urls), poll_wait_seconds=0, retry_base_seconds=0
    )
    lines: list[str] = []
    outcomes: list[Outcome] = []
    worker = build_worker(
        settings,
        Clients.from_environment(),
        publishers=[],
        metrics=Metrics("Test", write=lines.append),
        on_outcome=lambda message, outcome: outcomes.append(outcome),
    )
    try:
        boto3.client("sqs").send_message(QueueUrl=stack.queue_url, MessageBody=audit_body())
        settle_all(worker)
    finally:
        worker.signal_shutdown()
        worker.stop()
    [outcome] = outcomes
    assert (outcome.ending, outcome.reason) == (Ending.DONE, "audit: 1 missed-booking")
    emitted = [json.loads(line) for line in lines if "AuditFindings" in line]
    assert {doc["Kind"]: doc["AuditFindings"] for doc in emitted} == {
        "missed-booking": 1,
        "gone-from-platform": 0,
        "feed-unreadable": 0,
    }
    [told] = audit_mail(aws)
    assert "but no booking email was read" in plain(told)


def _event(uid: str, start: datetime, end: datetime) -> str:
    stamp = "%Y%m%dT%H%M%SZ"
    return f"BEGIN:VEVENT\nUID:{uid}\nDTSTART:{start:{stamp}}\nDTEND:{end:{stamp}}\nEND:VEVENT"


def test_charterhand_audit_prints_the_findings_and_exits_5(aws, stack, feed, httpserver):
    urls = {"JADA": {"boatsetter": httpserver.url_for("/jada/boatsetter.ics")}}
    env = {
        **os.environ,
        **aws.env(),
        **stack.env(audit_feed_urls=json.dumps(urls)),
    }
    store(stack, booking())
    since = "2031-06-01T05:00"  # the boat's zone (PDT)
    result = charterhand("audit", "--since", since, "--json", env=env)
    assert result.returncode == 5, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert [f["kind"] for f in findings] == ["missed-booking"] * 3
    assert findings[0]["starts_at"] == "2031-06-20T07:00:00+00:00"
    assert "127.0.0.1" not in result.stdout + result.stderr  # the feed URL is a secret

    text = charterhand("audit", "--since", since, "--boat", "JADA", env=env)
    assert text.returncode == 5, text.stderr
    assert text.stdout.startswith("3 finding(s):")
    assert sent_mail(aws) == []  # the command tells nobody
    assert open_findings(boto3.client("dynamodb"), stack.table_name) == []  # nor opens any

    later = charterhand("audit", "--since", "2031-06-25", env=env)  # past every span
    assert (later.returncode, later.stdout.split(":")[0]) == (0, "nothing found")
    unknown = charterhand("audit", "--boat", "Nope", env=env)
    assert unknown.returncode == 2
    assert "not in the fleet" in unknown.stderr

"""The whole pipeline on one machine: what ``charterhand demo`` runs and ``tests/`` checks.

In one process: moto's server (SQS, S3, DynamoDB, SES), the sandbox calendar and SCC, the local
site server, the links API and the worker, built by the same composition root production uses
(``app.compose.build_worker``) and running its own loop (``Worker.run``) on a thread. Sample
emails go in the way SES delivers them (``sandbox.ingest``), one at a time so each outcome
belongs to one email; the worker's outcome hook tells the demo what became of each.
"""

import email
import email.policy
import io
import json
import queue
import re
import secrets
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import structlog
from pydantic import SecretStr

from api.app import LinksApi
from api.config import LinksApiConfig
from app.compose import Clients, audit_parts, build_worker, crew_work
from app.settings import Settings
from audit.run import run_audit
from aws import clients
from aws.logs import configure_logging
from bookings import Kind
from bookings.tasks import CREW_CHECK
from ops.dlq import DeadLetter, DeadLetterQueue
from ops.status import BookingStatus, booking_status
from sandbox import SAMPLE_EMAILS
from sandbox.aws import MotoServer, running_moto
from sandbox.downstream import Downstream, delete_entry_by_hand, running_downstream
from sandbox.ical_feed import FeedEvent, IcalFeeds
from sandbox.ingest import ingest
from sandbox.links_api import LinksApiServer
from sandbox.site import SiteServer
from sandbox.stack import LocalStack, allow_uploads_from, provision
from state.store import StateStore
from worker.decode import Task
from worker.loop import Worker
from worker.outcomes import Ending, Outcome
from worker.queue import Received

SAMPLES = SAMPLE_EMAILS

#: (file, what it shows) in the order they arrive
DEMO_EMAILS: tuple[tuple[str, str], ...] = (
    ("boatsetter-confirmed.eml", "a new booking"),
    ("boatsetter-confirmed-gmail-autoforward.eml", "a new booking, auto-forwarded by Gmail"),
    ("boatsetter-confirmed-gmail-manual-forward.eml", "a new booking, forwarded by hand"),
    ("getmyboat-confirmed.eml", "a GetMyBoat booking"),
    ("boatsetter-modified.eml", "the first booking, moved to the afternoon"),
    ("boatsetter-cancelled.eml", "the first booking, cancelled"),
    ("boatsetter-confirmed.eml", "the first email again: an old copy arriving late"),
    ("boatsetter-newsletter.eml", "a newsletter"),
    ("boatsetter-confirmed-unreadable-layout.eml", "a booking email in a layout we cannot read"),
)
#: the short second run, on a stack of its own with SCC turned off (``running_demo(scc=False)``)
SCC_OFF_EMAILS: tuple[tuple[str, str], ...] = (
    ("boatsetter-confirmed.eml", "a new booking, SCC off"),
    ("boatsetter-cancelled.eml", "the booking, cancelled"),
)
OWNER_MAILBOX = "dana@sailjada.com"
#: the live booking whose deckhand declines in the demo, from the link in their crew email
DECLINED = ("boatsetter:kpwzrta", "alex")
DECLINE_LINK = re.compile(r"https?://\S+/crew/[0-9a-f]{16}\.[A-Za-z0-9_-]{43}/decline")
#: the demo runs the crew check as at this long before that charter (inside the 48 h window)
CHECK_BEFORE = timedelta(hours=47)
SECRET = {"dashboard_token", "scc_service_key", "link_signing_key"}
#: the missed booking the demo's audit finds: on GetMyBoat, two days after the first charter,
#: 10:00 to 14:00 (its span is in the platform's export; its email never reached us)
MISSED_ON = "getmyboat"
MISSED_AFTER = timedelta(days=2)
MISSED_FOR = timedelta(hours=4)


@dataclass(frozen=True)
class EmailOutcome:
    """What became of one email."""

    file: str
    shows: str
    outcome: str
    booking: str | None
    reason: str


@dataclass(frozen=True)
class CrewStep:
    """One thing the crew (or the clock) did after the emails, and what the worker made of it."""

    what: str
    outcome: str
    reason: str


@dataclass
class DemoReport:
    """Everything the demo prints, as data (the test reads this, people read the table)."""

    endpoints: dict[str, str]
    outcomes: list[EmailOutcome] = field(default_factory=list)
    bookings: list[BookingStatus] = field(default_factory=list)
    calendar: list[dict[str, Any]] = field(default_factory=list)
    scc: list[dict[str, Any]] = field(default_factory=list)
    emails_sent: list[tuple[str, str, Path]] = field(default_factory=list)
    #: what the crew did after the emails, and what the worker made of it
    crew: list[CrewStep] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    #: the audit of the platforms' calendars (sandbox.ical_feed): each run, what it found
    audit: list[CrewStep] = field(default_factory=list)
    seconds: float = 0.0


class Outcomes:
    """The worker's outcome hook for the demo: every settled message's outcome, in order."""

    def __init__(self) -> None:
        self._settled: queue.Queue[Outcome] = queue.Queue()

    def __call__(self, message: Received, outcome: Outcome) -> None:
        self._settled.put(outcome)

    def next_final(self, seconds: float = 30.0) -> Outcome:
        """The next outcome that is not a retry (the message settled for good)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                outcome = self._settled.get(timeout=left)
            except queue.Empty:
                break
            if outcome.ending is not Ending.RETRY:
                return outcome
        raise TimeoutError("the worker did not settle the email in time")


@dataclass
class DemoStack:
    """The running parts, for ``--serve`` and for tests."""

    moto: MotoServer
    stack: LocalStack
    downstream: Downstream
    site: SiteServer
    links: LinksApiServer
    settings: Settings
    worker: Worker
    #: what the worker settled, as its outcome hook reports it
    outcomes: Outcomes
    log: io.StringIO
    #: what a shell needs to point ``charterhand dlq`` / ``status`` at this stack (no secrets)
    env: dict[str, str]


@contextmanager
def running_demo(*, scc: bool = True) -> Iterator[DemoStack]:
    """Start every part on 127.0.0.1, provision the resources, build the worker; stop after.

    ``scc=False``: an owner without ShipCaptainCrew (``scc_enabled = false``, no SCC URL and no
    key given to the worker); the SCC sandbox still runs, so it shows nothing reached it."""
    with ExitStack() as stack:
        moto = stack.enter_context(running_moto())
        # moto keeps its accounts per process, not per server: the next run starts empty
        stack.callback(moto.reset)
        resources = provision(max_receive_count=3, name="demo" if scc else "demo-scc-off")
        s3 = clients.client("s3")
        dynamodb = clients.client("dynamodb")
        downstream = stack.enter_context(running_downstream(bcrypt_rounds=4))
        site = stack.enter_context(SiteServer(s3=s3, bucket=resources.site_bucket).running())
        allow_uploads_from(s3, resources.photos_bucket, site.base_url)
        api = LinksApi.build(
            LinksApiConfig(
                table_name=resources.table_name,
                photos_bucket=resources.photos_bucket,
                site_base_url=site.base_url,
                answers_queue_url=resources.queue_url,
            ),
            dynamodb=dynamodb,
            s3=s3,
            sqs=clients.client("sqs"),
        )
        links = stack.enter_context(LinksApiServer(api).running())
        overrides: dict[str, Any] = {
            "site_base_url": site.base_url,
            "links_api_base_url": links.base_url,
            "calendar_base_url": downstream.calendar.base_url,
            "dashboard_token": downstream.dashboard_token,
            **(
                {
                    "scc_base_url": downstream.scc.base_url,
                    "scc_service_key": downstream.scc_service_key,
                }
                if scc
                else {"scc_enabled": False, "scc_base_url": None}
            ),
            "link_signing_key": secrets.token_urlsafe(32),
            "forwarder_allowlist": [OWNER_MAILBOX],
            "poll_wait_seconds": 1,
            "retry_base_seconds": 1,
            "max_receive_count": 3,
        }
        settings = resources.settings(**overrides)
        public = {k: v for k, v in overrides.items() if k not in SECRET and v is not None}
        env = {**moto.env(), **resources.env(**public)}
        log = io.StringIO()
        configure_logging("INFO", stream=log)
        stack.callback(structlog.reset_defaults)
        outcomes = Outcomes()
        worker = build_worker(settings, owner="demo", on_outcome=outcomes)
        loop = threading.Thread(target=worker.run, name="demo-worker", daemon=True)
        loop.start()
        stack.callback(loop.join, 30)
        stack.callback(worker.stop)
        yield DemoStack(
            moto, resources, downstream, site, links, settings, worker, outcomes, log, env
        )


def run(
    demo: DemoStack, out_dir: Path, emails: tuple[tuple[str, str], ...] = DEMO_EMAILS
) -> DemoReport:
    """Feed the emails in, settle each, and collect what every system now holds."""
    began = time.monotonic()
    report = DemoReport(
        endpoints={
            "AWS (moto's server)": demo.moto.endpoint_url,
            "calendar sandbox": demo.downstream.calendar.base_url + "/calendar",
            "ShipCaptainCrew sandbox": demo.downstream.scc.base_url + "/events",
            "site (guest and crew pages)": demo.site.base_url,
            "links API": demo.links.base_url,
        }
    )
    s3, sqs = clients.client("s3"), clients.client("sqs")
    for file, shows in emails:
        ingest(
            (SAMPLES / file).read_bytes(),
            s3=s3,
            sqs=sqs,
            bucket=demo.stack.inbound_bucket,
            prefix=demo.settings.inbound_prefix,
            topic_arn=demo.settings.inbound_topic_arn,
            queue_url=demo.stack.queue_url,
        )
        settled = demo.outcomes.next_final()
        report.outcomes.append(
            EmailOutcome(
                file=file,
                shows=shows,
                outcome=settled.ending.value,
                booking=settled.booking_key,
                reason=settled.reason,
            )
        )
    if any(o.booking == DECLINED[0] for o in report.outcomes):  # not in the SCC-off run
        report.crew = _crew_answers(demo)
        report.audit = _audit(demo, report.outcomes)
    report.bookings = _bookings(demo, report.outcomes)
    report.calendar = demo.downstream.calendar.state()["records"]
    report.scc = demo.downstream.scc.state()["records"]
    report.emails_sent = _write_sent_mail(demo.moto, out_dir / "emails")
    report.dead_letters = DeadLetterQueue(
        sqs, dlq_url=demo.stack.dlq_url, queue_url=demo.stack.queue_url
    ).browse()
    (out_dir / "worker.log").write_text(demo.log.getvalue())
    report.seconds = time.monotonic() - began
    return report


def _crew_answers(demo: DemoStack) -> list[CrewStep]:
    """A deckhand declines from the link in their crew email (the worker tells the manager at
    once); then the crew check runs as at 47 h before that charter (the captain, silent, is
    reminded; the manager gets the list of who is silent)."""
    booking_key, member = DECLINED
    link = _decline_link(demo.moto, booking_key, member)
    own_page = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}  # the page's button
    request = urllib.request.Request(link, data=b"", method="POST", headers=own_page)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - the loopback links API
        pass
    told = demo.outcomes.next_final()
    steps = [CrewStep(f"{member} declined {booking_key}", told.ending.value, told.reason)]
    dynamodb = clients.client("dynamodb")
    booking = StateStore(demo.settings.table_name, dynamodb).load(booking_key).booking
    if booking is None:
        raise RuntimeError(f"the demo's {booking_key} was not stored")
    at = booking.start - CHECK_BEFORE
    work = crew_work(
        demo.settings,
        Clients.from_environment(),
        StateStore(demo.settings.table_name, dynamodb),
        clock=lambda: at,
    )
    checked = work.handle(Task(CREW_CHECK))
    when = f"{at.astimezone(booking.start.tzinfo):%a %d %b %H:%M}, 47 h before {booking_key}"
    steps.append(CrewStep(f"crew check as at {when}", checked.ending.value, checked.reason))
    return steps


def _audit(demo: DemoStack, outcomes: list[EmailOutcome]) -> list[CrewStep]:
    """The platforms' iCal exports (sandbox.ical_feed) carry every live booking, an owner's
    weekly block, and one charter whose email never came: the audit finds that one, tells the
    manager once, and finds it again an hour later without telling twice. Between the first two
    runs a calendar entry is deleted by hand: the second run publishes it again and says so once;
    the third finds only the missed booking."""
    store = StateStore(demo.settings.table_name, clients.client("dynamodb"))
    keys = dict.fromkeys(o.booking for o in outcomes if o.booking)
    live = [
        b
        for b in (store.load(key).booking for key in keys if key)
        if b is not None and b.status in (Kind.CONFIRMED, Kind.MODIFIED)
    ]
    if not live:
        return []
    boat = live[0].boat
    feeds = IcalFeeds()
    with feeds.running():
        urls: dict[str, dict[str, str]] = {boat: {}}
        for platform in ("boatsetter", "getmyboat"):
            events = [
                FeedEvent(f"{b.booking_id}@{platform}.example", b.start, b.end)
                for b in live
                if b.boat == boat and b.source == platform
            ]
            first = min(live, key=lambda b: b.start).end
            day = (first + MISSED_AFTER).date()
            events.append(  # the owner's own time: a weekly block, not a booking
                FeedEvent("owner@example", day, day + timedelta(days=1), "Owner's day", True)
            )
            if platform == MISSED_ON:  # a charter booked there whose email never came
                start = (first + MISSED_AFTER).replace(hour=10, minute=0, second=0)
                events.append(FeedEvent("r-90210@getmyboat.example", start, start + MISSED_FOR))
            urls[boat][platform] = feeds.put(boat, platform, events)
        settings = demo.settings.model_copy(update={"audit_feed_urls": SecretStr(json.dumps(urls))})
        at = min(b.start for b in live) - timedelta(days=1)
        steps = []
        for hours in (0, 1, 2):
            now = at + timedelta(hours=hours)
            clock = _fixed(now)
            after = ""
            if hours == 1:  # someone deletes a calendar entry by hand: the next run repairs it
                delete_entry_by_hand(demo.downstream, live[0].key)
                after = f", after {live[0].key}'s calendar entry was deleted by hand"
            findings = run_audit(
                audit_parts(settings, Clients.from_environment(), clock), clock=clock
            )
            told = _audit_mail(demo.moto)
            said = "; ".join(f.sentence for f in findings) or "nothing found"
            steps.append(
                CrewStep(
                    f"audit as at {now.astimezone(live[0].start.tzinfo):%a %d %b %H:%M}{after}",
                    f"{len(findings)} finding(s), {told} email(s) to the manager so far",
                    said,
                )
            )
    return steps


def _fixed(at: datetime) -> Callable[[], datetime]:
    return lambda: at


def _audit_mail(moto: MotoServer) -> int:
    """How many audit emails SES (moto) sent."""
    with urllib.request.urlopen(  # noqa: S310 - moto's loopback URL
        f"{moto.endpoint_url}/moto-api/data.json", timeout=10
    ) as answer:
        data = json.load(answer)
    return sum(
        1
        for m in data.get("ses", {}).get("RawMessage", [])
        if "X-Charterhand-Kind: audit-" in m["raw_data"]
    )


def _decline_link(moto: MotoServer, booking_key: str, member: str) -> str:
    """The Decline link in the member's crew email about the booking, as SES (moto) sent it."""
    with urllib.request.urlopen(  # noqa: S310 - moto's loopback URL
        f"{moto.endpoint_url}/moto-api/data.json", timeout=10
    ) as answer:
        data = json.load(answer)
    for message in data.get("ses", {}).get("RawMessage", []):
        parsed = email.message_from_string(message["raw_data"], policy=email.policy.default)
        if parsed.get("X-Charterhand-Booking") != booking_key or f"{member}@" not in str(
            parsed.get("To", "")
        ):
            continue
        for part in parsed.walk():
            if part.get_content_type() != "text/plain":
                continue
            found = DECLINE_LINK.search(part.get_content())
            if found:
                return found.group(0)
    raise RuntimeError(f"no crew email with a decline link to {member} about {booking_key}")


def _bookings(demo: DemoStack, outcomes: list[EmailOutcome]) -> list[BookingStatus]:
    """Each booking the emails named, in order, as ``charterhand status`` sees it."""
    client = clients.client("dynamodb")
    keys = dict.fromkeys(o.booking for o in outcomes if o.booking)
    found = (booking_status(client, demo.settings.table_name, key) for key in keys if key)
    return [status for status in found if status is not None]


def _write_sent_mail(moto: MotoServer, folder: Path) -> list[tuple[str, str, Path]]:
    """Every email SES (moto) sent, written as ``.eml``; (to, subject, path) each."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.eml"):
        old.unlink()
    with urllib.request.urlopen(  # noqa: S310 - moto's loopback URL
        f"{moto.endpoint_url}/moto-api/data.json", timeout=10
    ) as answer:
        data = json.load(answer)
    sent = []
    for number, message in enumerate(data.get("ses", {}).get("RawMessage", []), start=1):
        raw = message["raw_data"]
        parsed = email.message_from_string(raw, policy=email.policy.default)
        to, subject = str(parsed.get("To", "")), str(parsed.get("Subject", ""))
        slug = re.sub(r"[^a-z0-9]+", "-", subject.lower()).strip("-")[:50]
        path = folder / f"{number:02d}-{slug}.eml"
        path.write_text(raw)
        sent.append((to, subject, path))
    return sent

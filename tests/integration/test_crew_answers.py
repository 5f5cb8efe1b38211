"""Crew answers reach the manager (issue 19, point 1): a decline recorded by the links API is told
to the manager at once, by the worker, exactly once; the hourly crew check reminds each silent
member once and tells the manager who is still silent.

Everything is real: the links API's handler (payload-v2 events), the bookings queue, the state
table and its index, the worker built by the composition root, on moto's server. SES is moto's,
behind ``sandbox.ses.SesStandIn`` where a send's answer must be lost after SES accepted it.
"""

import io
import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import structlog

from api.app import LinksApi
from api.config import LinksApiConfig
from app.compose import Clients, build_worker
from aws.logs import configure_logging
from bookings import Booking, Kind, default_fleet
from bookings.tasks import crew_answer_body, crew_check_body
from publishers.crew_answers import CrewAnswerMail, CrewAnswerSettings
from publishers.transport.mail import Mailer
from sandbox.links_api import payload_v2_event
from sandbox.ses import SesStandIn, serving
from sandbox.stack import SENDING_DOMAIN, LocalStack
from state.crew_tokens import CrewTokens
from state.deliveries import DynamoDeliveryLog
from state.links import LinksState
from state.ses_events import SesEventLog
from state.store import StateStore
from state.upcoming import UpcomingBookings
from tests.support.bookings_factory import booking
from tests.support.clock import DateClock as Clock
from tests.support.leases import take_lease
from tests.support.pipeline import queue_size, settle_all
from tests.support.publishing import MemoryLinkIssuer, parts, sent_mail
from worker.crew import CrewWork
from worker.decode import Task
from worker.outcomes import Ending, Outcome, ReasonClass
from worker.ses_events import SesEventConsumer

SITE = "http://127.0.0.1:8123"
MANAGER = "manager@example.com"
FROM_OUR_PAGE = {"origin": "null", "sec-fetch-site": "same-origin"}
CREW_PAGE = "https://site.example/crew/0123456789abcdef0123456789abcdef.html"


def soon(days: float = 10) -> Booking:
    """A confirmed JADA charter starting ``days`` from now (the worker's clock is the real one)."""
    start = (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)
    return booking(start=start, end=start + timedelta(hours=3), as_of=start - timedelta(days=20))


def store(stack: LocalStack, b: Booking, crew_page: str | None = None) -> None:
    """Store the booking as the worker does (its crew page step's url too, when given)."""
    states = StateStore(stack.table_name, boto3.client("dynamodb"))
    take_lease(states, b.key, state=b, owner="test", seconds=30)
    record = states.load(b.key)
    steps = {}
    if crew_page:
        steps["crew_page"] = record.step("crew_page").published_as("h", b, {"url": crew_page})
    states.record(b.key, steps, fence=record.fence, release=True)


class Api:
    """The links API's handler with a queue (or none), as the Lambda runs it."""

    def __init__(self, stack: LocalStack, queue_url: str | None, clock: Callable[[], datetime]):
        config = LinksApiConfig(
            table_name=stack.table_name,
            photos_bucket=stack.photos_bucket,
            site_base_url=SITE,
            answers_queue_url=queue_url,
        )
        self.api = LinksApi.build(config, dynamodb=boto3.client("dynamodb"))
        self.api.clock = clock
        self.tokens = CrewTokens(table_name=stack.table_name, dynamodb=boto3.client("dynamodb"))

    def answer(self, b: Booking, crew_id: str, verb: str) -> int:
        """The member presses the button on the page their own link opened."""
        token = self.tokens.issue(b.key, crew_id, b.end + timedelta(days=1))
        event = payload_v2_event(
            "POST", f"/crew/{token}/{verb}", list(FROM_OUR_PAGE.items()), b"", "192.0.2.1"
        )
        return int(self.api.handle(event)["statusCode"])


def manager_mail(kind: str, mail: list[Any]) -> list[Any]:
    return [m for m in mail if m["To"] == MANAGER and m["X-Charterhand-Kind"] == kind]


# --- a decline reaches the manager, once -------------------------------------------------------


@pytest.fixture
def events_queue(aws) -> str:
    return boto3.client("sqs").create_queue(QueueName="ses-events")["QueueUrl"]


@pytest.fixture
def ses(aws, stack, events_queue, monkeypatch) -> Iterator[SesStandIn]:
    stand_in = SesStandIn(aws.endpoint_url, sqs=boto3.client("sqs"), events_queue_url=events_queue)
    with serving(stand_in):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SESV2", stand_in.base_url)
        yield stand_in


@pytest.fixture
def worker(stack, events_queue) -> Iterator[Any]:
    """The worker as the composition root builds it (no publishers: no booking email here)."""
    settings = stack.settings(
        poll_wait_seconds=0, retry_base_seconds=0, max_receive_count=3, worker_threads=2
    )
    built = build_worker(settings, Clients.from_environment(), publishers=[])
    yield built
    built.signal_shutdown()
    built.stop()


def test_a_decline_reaches_the_manager_once_under_a_duplicate_and_a_lost_answer(
    aws, stack, ses, worker, events_queue
):
    b = soon()
    store(stack, b)
    api = Api(stack, stack.queue_url, clock=lambda: datetime.now(UTC))
    assert api.answer(b, "sam", "confirm") == 200
    settle_all(worker)  # a confirmation is gathered, and told to nobody
    assert ses.accepted == []

    assert api.answer(b, "alex", "decline") == 200
    assert api.answer(b, "alex", "decline") == 200  # pressed twice: one answer, one message
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=stack.queue_url, MessageBody=crew_answer_body(b.key))  # duplicate
    assert queue_size(sqs, stack.queue_url) == 2
    ses.lose_next(1)  # SES takes the email; the worker never hears back (killed, timed out)

    worker._run_once(wait_seconds=0)
    worker.wait_idle(10)
    assert len(ses.accepted) == 1
    SesEventConsumer(sqs, events_queue, SesEventLog(stack.table_name)).poll_once(wait_seconds=0)
    settle_all(worker)  # the retries: SES's report settles the lost answer; nothing is re-sent

    [told] = [a for a in ses.accepted if MANAGER in a.to]
    assert told.kind == "crew-declined"
    assert queue_size(sqs, stack.queue_url) == 0
    assert queue_size(sqs, stack.dlq_url) == 0
    [mail] = manager_mail("crew-declined", sent_mail(aws))
    assert mail["Subject"].startswith("Alex Chen can't make the JADA charter ")
    text = parts(mail)["text/plain"]
    assert "Alex Chen (crew) declined the JADA charter on " in text
    assert "Confirmed so far: Sam Rivera." in text
    assert "Sam Rivera (captain), confirmed: sam@example.com · +1 619 555 0101" in text
    assert "Alex Chen: alex@example.com · +1 619 555 0102" in text


def test_a_decline_whose_announcement_was_lost_is_told_by_the_crew_check_once(
    aws, stack, worker, caplog_lines
):
    b = soon(days=20)  # well before the reminders' window: only the decline is due
    store(stack, b)
    missing_queue = stack.queue_url.rsplit("/", 1)[0] + "/no-such-queue"
    api = Api(stack, missing_queue, clock=lambda: datetime.now(UTC))

    assert api.answer(b, "alex", "decline") == 200  # recorded; the announcement failed

    assert any(line["event"] == "crew_answer_not_announced" for line in caplog_lines())
    sqs = boto3.client("sqs")
    assert queue_size(sqs, stack.queue_url) == 0
    for _ in range(2):  # the hourly check, twice
        sqs.send_message(QueueUrl=stack.queue_url, MessageBody=crew_check_body())
        settle_all(worker)

    assert len(manager_mail("crew-declined", sent_mail(aws))) == 1
    assert [m for m in sent_mail(aws) if m["X-Charterhand-Kind"] == "reminder"] == []


@pytest.fixture
def caplog_lines():
    """The JSON log lines written so far (the API's and the worker's), parsed."""
    out = io.StringIO()
    configure_logging("INFO", stream=out)
    yield lambda: [json.loads(line) for line in out.getvalue().splitlines()]
    structlog.reset_defaults()


# --- the reminder check, on an injected clock ---------------------------------------------------


@pytest.fixture
def check_on(aws, stack) -> Callable[[Clock], CrewWork]:
    """The crew work as the worker wires it, on the given clock (moto's SES sends)."""
    boto3.client("sesv2").create_email_identity(EmailIdentity=SENDING_DOMAIN)
    dynamodb = boto3.client("dynamodb")
    fleet = default_fleet()

    def build(clock: Clock) -> CrewWork:
        mail = CrewAnswerMail(
            fleet,
            CrewAnswerSettings(
                from_address=f"charterhand@{SENDING_DOMAIN}",
                manager_address=MANAGER,
                links_api_base_url="https://links.example",
            ),
            MemoryLinkIssuer(),
            Mailer(),
            DynamoDeliveryLog(stack.table_name, dynamodb),
        )
        return CrewWork(
            fleet=fleet,
            store=StateStore(stack.table_name, dynamodb),
            answers=LinksState(table_name=stack.table_name, dynamodb=dynamodb),
            upcoming=UpcomingBookings(stack.table_name, dynamodb),
            mail=mail,
            remind_before=timedelta(hours=48),
            clock=clock,
        )

    return build


CHECK = Task("crew-check")


def reminders(aws: Any) -> list[str]:
    return [str(m["To"]) for m in sent_mail(aws) if m["X-Charterhand-Kind"] == "reminder"]


def test_each_silent_member_gets_exactly_one_reminder_and_the_manager_one_silent_list(
    aws, stack, check_on
):
    b = booking()  # Sat 14 Jun 2031, 10:00 PDT: Sam (captain) and Alex (crew)
    store(stack, b, crew_page=CREW_PAGE)
    clock = Clock(b.start - timedelta(hours=72))
    Api(stack, None, clock).answer(b, "sam", "confirm")
    work = check_on(clock)

    early = work.handle(CHECK)  # 72 h before: nothing is due yet
    assert (early.ending, early.reason_class) == (Ending.DONE, ReasonClass.CURRENT)
    assert reminders(aws) == []

    clock.now = b.start - timedelta(hours=47, minutes=30)  # the first check inside 48 h
    outcomes = both_at_once(lambda: work.handle(CHECK))
    assert {o.ending for o in outcomes} <= {Ending.DONE, Ending.RETRY}
    for hours in (47, 46, 24, 1):  # every later check (and the retry of the busy one)
        clock.now = b.start - timedelta(hours=hours)
        assert work.handle(CHECK).ending is Ending.DONE

    assert reminders(aws) == ["Alex Chen <alex@example.com>"]  # Sam confirmed: no reminder
    [silent] = manager_mail("crew-silent", sent_mail(aws))
    assert silent["Subject"] == "No answer yet from Alex Chen: JADA charter Sat, Jun 14, 10:00 AM"
    text = parts(silent)["text/plain"]
    assert "Sam Rivera (captain), confirmed: sam@example.com" in text
    assert "Alex Chen (crew), no answer yet: alex@example.com · +1 619 555 0102" in text
    [reminder] = [m for m in sent_mail(aws) if m["X-Charterhand-Kind"] == "reminder"]
    body = parts(reminder)["text/plain"]
    assert "Confirm: https://links.example/crew/" in body
    assert f"Crew sheet: {CREW_PAGE}#t=" in body


def test_with_nobody_answered_each_member_is_reminded_once(aws, stack, check_on):
    b = booking()
    store(stack, b)
    clock = Clock(b.start - timedelta(hours=40))
    work = check_on(clock)

    for hours in (40, 39, 2):
        clock.now = b.start - timedelta(hours=hours)
        assert work.handle(CHECK).ending is Ending.DONE

    assert sorted(reminders(aws)) == [
        "Alex Chen <alex@example.com>",
        "Sam Rivera <sam@example.com>",
    ]
    [silent] = manager_mail("crew-silent", sent_mail(aws))
    assert "Sam Rivera and Alex Chen" in silent["Subject"]


def test_a_cancelled_charter_or_one_already_sailed_gets_no_reminder(aws, stack, check_on):
    cancelled = booking(kind=Kind.CANCELLED)
    store(stack, booking())
    store(stack, cancelled)  # the cancellation takes the booking out of the index
    sailed = booking(booking_id="abcdefg")
    store(stack, sailed)
    work = check_on(Clock(sailed.start + timedelta(minutes=5)))

    outcome = work.handle(CHECK)

    assert (outcome.ending, outcome.reason_class) == (Ending.DONE, ReasonClass.CURRENT)
    assert reminders(aws) == []


def both_at_once(call: Callable[[], Outcome]) -> list[Outcome]:
    """Two deliveries of the same check, worked at the same time."""
    results: list[Outcome] = []
    threads = [threading.Thread(target=lambda: results.append(call())) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results

"""Emails sent once, as far as SES allows (issue 11, point 7; issue 18, point 5).

SES is moto's, behind ``sandbox.ses.SesStandIn``, which loses answers after SES accepted the
email and publishes SES-shaped Send/Delivery events to an SQS queue in SES's place (moto emits
none). The publishers, delivery log, event consumer and state table are the real ones.
"""

import boto3
import pytest

from bookings import MarginPolicy, TransientError, Waiting, default_fleet
from publishers.crew_email import CrewEmailPublisher, CrewEmailSettings
from publishers.summary import SummaryPublisher, SummarySettings
from publishers.transport.mail import Mailer
from sandbox.ses import SesStandIn, serving
from sandbox.stack import SENDING_DOMAIN
from sandbox.table import create_table
from state.deliveries import DynamoDeliveryLog
from state.ses_events import SesEventLog
from tests.support.clock import FakeClock
from tests.support.deliveries import MemoryDeliveryLog
from tests.support.publishing import (
    MemoryLinkIssuer,
    booking,
    context,
    lifecycle,
    parts,
    sent_mail,
)
from worker.ses_events import SesEventConsumer

TABLE = "charterhand-state"
SETTINGS = SummarySettings(
    from_address=f"charterhand@{SENDING_DOMAIN}", manager_address="manager@example.com"
)


@pytest.fixture
def events_queue(aws):
    create_table(boto3.client("dynamodb"), TABLE)
    boto3.client("sesv2").create_email_identity(EmailIdentity=SENDING_DOMAIN)
    return boto3.client("sqs").create_queue(QueueName="ses-events")["QueueUrl"]


@pytest.fixture
def ses(aws, events_queue, monkeypatch):
    stand_in = SesStandIn(aws.endpoint_url, sqs=boto3.client("sqs"), events_queue_url=events_queue)
    with serving(stand_in):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SESV2", stand_in.base_url)
        yield stand_in


@pytest.fixture
def clock():
    return FakeClock(1_000_000.0)


@pytest.fixture
def deliveries(clock):
    return DynamoDeliveryLog(TABLE, boto3.client("dynamodb"), report_wait_seconds=600, clock=clock)


@pytest.fixture
def consumer(events_queue):
    return SesEventConsumer(boto3.client("sqs"), events_queue, SesEventLog(TABLE))


CREW_PAGE = {"crew_page": {"url": "https://site.example/crew/0123456789abcdef.html"}}


def crew(deliveries, members_at_once: int = 4) -> CrewEmailPublisher:
    """``members_at_once`` 1: members emailed one after another, so a fault injected on "the
    next send" lands on the first member in crew order (Sam)."""
    settings = CrewEmailSettings(
        from_address=f"crew@{SENDING_DOMAIN}",
        manager_address="manager@example.com",
        links_api_base_url="https://links.example",
    )
    return CrewEmailPublisher(
        default_fleet(),
        settings,
        MemoryLinkIssuer(),
        Mailer(),
        deliveries,
        members_at_once=members_at_once,
    )


def kinds_to(ses: SesStandIn, address: str) -> list[str]:
    """What SES accepted for one recipient, by kind, in order."""
    return [a.kind for a in ses.accepted if address in a.to]


def summary(deliveries) -> SummaryPublisher:
    # the mailer as the worker builds it (Mailer(None): its own SES client)
    return SummaryPublisher(default_fleet(), MarginPolicy(), SETTINGS, deliveries, mailer=Mailer())


def test_the_sdk_never_repeats_a_send_whose_answer_was_a_5xx(httpserver, monkeypatch, aws):
    httpserver.expect_request("/v2/email/outbound-emails", method="POST").respond_with_json(
        {"message": "internal"}, status=500, headers={"x-amzn-ErrorType": "InternalFailure"}
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL_SESV2", httpserver.url_for("/"))
    publisher = summary(MemoryDeliveryLog())

    with pytest.raises(TransientError):
        publisher.publish(context(publisher, booking()))

    assert len(httpserver.log) == 1  # botocore's default would have sent it 3 to 5 times


def test_a_lost_answer_is_settled_from_ses_events_and_not_sent_again(ses, deliveries, consumer):
    publisher = summary(deliveries)
    ctx = context(publisher, booking())
    ses.lose_next(1)  # SES accepts the summary; its answer is lost

    with pytest.raises(TransientError):
        publisher.publish(ctx)
    consumer.poll_once(wait_seconds=0)  # SES's Send and Delivery events reach the state table
    ids = publisher.publish(ctx)  # the worker's retry

    [accepted] = ses.accepted
    assert ids == {"message_id": accepted.message_id}
    assert accepted.tags["charterhand-send"]  # the send carried our tag into SES's events


def test_a_retry_waits_for_ses_report_without_sending(ses, deliveries, consumer, clock):
    publisher = summary(deliveries)
    ctx = context(publisher, booking())
    ses.lose_next(1)

    with pytest.raises(TransientError):
        publisher.publish(ctx)
    clock.now += 30  # the retry comes back before SES's events have been recorded
    with pytest.raises(Waiting):
        publisher.publish(ctx)
    consumer.poll_once(wait_seconds=0)
    publisher.publish(ctx)

    assert len(ses.accepted) == 1


def test_a_send_ses_never_took_is_sent_again_once_the_wait_is_over(ses, deliveries, clock):
    publisher = summary(deliveries)
    ctx = context(publisher, booking())
    ses.refuse_next(1)  # a 500 *before* SES took it: indistinguishable from a lost answer

    with pytest.raises(TransientError):
        publisher.publish(ctx)
    with pytest.raises(Waiting):
        publisher.publish(ctx)
    clock.now += 601  # no report from SES within the wait: it never took the email
    ids = publisher.publish(ctx)

    [accepted] = ses.accepted
    assert ids == {"message_id": accepted.message_id}
    assert publisher.publish(ctx) == ids  # and never again


def test_a_throttled_send_never_reached_ses_and_goes_again_at_once(ses, deliveries):
    publisher = summary(deliveries)
    ctx = context(publisher, booking())
    ses.refuse_next(1, status=429, code="TooManyRequestsException")

    with pytest.raises(TransientError):
        publisher.publish(ctx)
    ids = publisher.publish(ctx)  # no wait for SES's report: SES said no

    [accepted] = ses.accepted
    assert ids == {"message_id": accepted.message_id}


def test_a_change_while_a_new_crew_email_is_pending_never_sends_new_twice(
    aws, ses, deliveries, consumer, clock
):
    """Issue 18, point 5: the lost "new" blocks the member's lane until SES reports on it."""
    publisher = crew(deliveries, members_at_once=1)
    new, modified, _ = lifecycle()
    ses.lose_next(1)  # SES accepts Sam's "new"; its answer is lost

    with pytest.raises(TransientError):
        publisher.publish(context(publisher, new, upstream=CREW_PAGE))
    clock.now += 5  # the booking changes before SES's report reached the state table
    changed = context(publisher, modified, upstream=CREW_PAGE)
    with pytest.raises(Waiting):
        publisher.publish(changed)
    assert kinds_to(ses, "sam@example.com") == ["new"]
    consumer.poll_once(wait_seconds=0)  # SES's report settles the pending send
    ids = publisher.publish(changed)

    assert kinds_to(ses, "sam@example.com") == ["new", "changed"]
    assert kinds_to(ses, "alex@example.com") == ["new"]
    [sams_change] = [a for a in ses.accepted if "sam@" in a.to and a.kind == "changed"]
    assert ids["sam"] == sams_change.message_id
    [mail] = [m for m in sent_mail(aws) if "sam@" in m["To"] and "Changed" in m["Subject"]]
    assert "Party size: 6 → 8" in parts(mail)["text/plain"]  # what Sam's "new" said → now
    assert publisher.publish(changed) == ids  # and nothing more on a replay


def test_a_crew_email_pending_past_the_wait_is_superseded_not_doubled(ses, deliveries, clock):
    publisher = crew(deliveries, members_at_once=1)
    new, modified, _ = lifecycle()
    ses.refuse_next(1)  # a 500 before SES took Sam's "new": indistinguishable from a lost answer

    with pytest.raises(TransientError):
        publisher.publish(context(publisher, new, upstream=CREW_PAGE))
    clock.now += 601  # SES never reported on it: it never took it
    publisher.publish(context(publisher, modified, upstream=CREW_PAGE))

    assert kinds_to(ses, "sam@example.com") == ["new"]
    assert kinds_to(ses, "alex@example.com") == ["new"]


def test_two_different_changes_are_two_changed_emails(ses, deliveries):
    publisher = crew(deliveries)
    new, modified, _ = lifecycle()
    bigger = modified.model_copy(update={"party_size": 10})

    ids = publisher.publish(context(publisher, new, upstream=CREW_PAGE))
    ids = publisher.publish(context(publisher, modified, previous=new, ids=ids, upstream=CREW_PAGE))
    again = context(publisher, bigger, previous=modified, ids=ids, upstream=CREW_PAGE)
    ids = publisher.publish(again)

    assert kinds_to(ses, "sam@example.com") == ["new", "changed", "changed"]
    assert publisher.publish(again) == ids  # the worker died before storing the ids


def test_a_change_while_the_summary_is_pending_never_sends_new_twice(
    ses, deliveries, consumer, clock
):
    publisher = summary(deliveries)
    new, modified, _ = lifecycle()
    ses.lose_next(1)

    with pytest.raises(TransientError):
        publisher.publish(context(publisher, new))
    clock.now += 5
    with pytest.raises(Waiting):
        publisher.publish(context(publisher, modified))
    consumer.poll_once(wait_seconds=0)
    publisher.publish(context(publisher, modified))

    assert kinds_to(ses, "manager@example.com") == ["new", "changed"]


def test_a_members_pending_send_holds_only_their_own_emails(ses, deliveries, clock):
    publisher = crew(deliveries)
    ctx = context(publisher, booking(), upstream=CREW_PAGE)
    ses.lose_next(1)  # Sam's "new": SES took it, the answer was lost; Alex's was never tried

    with pytest.raises(TransientError):
        publisher.publish(ctx)
    clock.now += 5
    with pytest.raises(Waiting):
        publisher.publish(ctx)

    assert kinds_to(ses, "sam@example.com") == ["new"]
    assert kinds_to(ses, "alex@example.com") == ["new"]  # not held behind Sam's lane

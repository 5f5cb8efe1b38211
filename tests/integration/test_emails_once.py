"""Emails sent once, as far as SES allows (issue 11, point 7; issue 18, point 5).

SES is moto's, behind ``sandbox.ses.SesStandIn``, which loses answers after SES accepted the
email and publishes SES-shaped Send/Delivery events to an SQS queue in SES's place (moto emits
none). The publishers, delivery log, event consumer and state table are the real ones.
"""

import re
from collections import Counter
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

from bookings import CrewMember, MarginPolicy, TransientError, Waiting, default_fleet
from publishers.crew_email import CrewEmailPublisher, CrewEmailSettings, crew_view_hash
from publishers.summary import SummaryPublisher, SummarySettings
from publishers.transport.mail import Mailer
from sandbox.ses import SesStandIn, serving
from sandbox.stack import SENDING_DOMAIN
from sandbox.table import create_table
from state import keys
from state.crew_tokens import CrewTokens
from state.deliveries import DynamoDeliveryLog, Mark
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


@pytest.fixture(params=["memory tokens", "state table tokens"])
def issuer(request, events_queue):
    """The crew's tokens in memory (each member's mark its own write), or in the state table
    as the worker keeps them (a fresh crew's marks and tokens in one transaction)."""
    if request.param == "memory tokens":
        return MemoryLinkIssuer()
    return CrewTokens(table_name=TABLE, dynamodb=boto3.client("dynamodb"))


def crew(deliveries, members_at_once: int = 4, links=None) -> CrewEmailPublisher:
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
        links or MemoryLinkIssuer(),
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
    aws, ses, deliveries, consumer, clock, issuer
):
    """Issue 18, point 5: the lost "new" blocks the member's lane until SES reports on it."""
    publisher = crew(deliveries, members_at_once=1, links=issuer)
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


def test_a_crew_email_pending_past_the_wait_is_superseded_not_doubled(
    ses, deliveries, clock, issuer
):
    publisher = crew(deliveries, members_at_once=1, links=issuer)
    new, modified, _ = lifecycle()
    ses.refuse_next(1)  # a 500 before SES took Sam's "new": indistinguishable from a lost answer

    with pytest.raises(TransientError):
        publisher.publish(context(publisher, new, upstream=CREW_PAGE))
    clock.now += 601  # SES never reported on it: it never took it
    publisher.publish(context(publisher, modified, upstream=CREW_PAGE))

    assert kinds_to(ses, "sam@example.com") == ["new"]
    assert kinds_to(ses, "alex@example.com") == ["new"]


def test_two_different_changes_are_two_changed_emails(ses, deliveries, issuer):
    publisher = crew(deliveries, links=issuer)
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


def test_a_members_pending_send_holds_only_their_own_emails(ses, deliveries, clock, issuer):
    publisher = crew(deliveries, links=issuer)
    ctx = context(publisher, booking(), upstream=CREW_PAGE)
    ses.lose_next(1)  # Sam's "new": SES took it, the answer was lost; Alex's was never tried

    with pytest.raises(TransientError):
        publisher.publish(ctx)
    clock.now += 5
    with pytest.raises(Waiting):
        publisher.publish(ctx)

    assert kinds_to(ses, "sam@example.com") == ["new"]
    assert kinds_to(ses, "alex@example.com") == ["new"]  # not held behind Sam's lane


# --- a fresh crew's marks and tokens in one transaction, their records in another ------------


def counted_dynamodb() -> tuple[Any, list[str]]:
    """A DynamoDB client and the operations it sends, in order (retries included)."""
    client = boto3.client("dynamodb")
    sent: list[str] = []
    client.meta.events.register(
        "before-send.dynamodb", lambda event_name, **_: sent.append(event_name.rsplit(".", 1)[-1])
    )
    return client, sent


def crew_in_table(clock, members_at_once: int = 4, ses_client=None, fleet=None):
    """The crew email publisher as the worker builds it: tokens and delivery log in the state
    table, on one counted client."""
    client, requests = counted_dynamodb()
    deliveries = DynamoDeliveryLog(TABLE, client, report_wait_seconds=600, clock=clock)
    tokens = CrewTokens(table_name=TABLE, dynamodb=client)
    settings = CrewEmailSettings(
        from_address=f"crew@{SENDING_DOMAIN}",
        manager_address="manager@example.com",
        links_api_base_url="https://links.example",
    )
    publisher = CrewEmailPublisher(
        fleet or default_fleet(),
        settings,
        tokens,
        Mailer(ses_client),
        deliveries,
        members_at_once=members_at_once,
    )
    return publisher, deliveries, tokens, requests


def confirm_token(aws, address: str) -> str:
    [mail] = [m for m in sent_mail(aws) if address in m["To"]]
    [token] = re.findall(r"https://links\.example/crew/([^/]+)/confirm", parts(mail)["text/plain"])
    return str(token)


def test_a_fresh_crew_is_marked_with_its_tokens_in_one_request_and_recorded_in_one(aws, ses, clock):
    publisher, deliveries, _, requests = crew_in_table(clock)
    ctx = context(publisher, booking(), upstream=CREW_PAGE)
    before_the_charter = ctx.booking.start - timedelta(days=1)
    verifier = CrewTokens(
        table_name=TABLE, dynamodb=boto3.client("dynamodb"), clock=lambda: before_the_charter
    )

    ids = publisher.publish(ctx)

    assert requests == ["TransactWriteItems", "TransactWriteItems"]
    assert sorted(kinds_to(ses, "@example.com")) == ["new", "new"]
    for member, address in (("sam", "sam@example.com"), ("alex", "alex@example.com")):
        [accepted] = [a for a in ses.accepted if address in a.to]
        assert ids[member] == accepted.message_id
        lane = keys.crew_email_lane(ctx.booking.key, member)
        [record] = deliveries.lane(lane)
        assert (record.what, record.completed, record.result) == ("new", True, ids[member])
        assert record.payload_hash == crew_view_hash(ctx.booking)
        grant = verifier.verify(confirm_token(aws, address))  # stored in that transaction
        assert (grant.booking_key, grant.crew_id) == (ctx.booking.key, member)

    requests.clear()
    assert publisher.publish(ctx) == ids  # the worker died before storing the step's ids
    assert requests == ["TransactWriteItems"]  # refused: both marks found recorded, no read
    assert len(ses.accepted) == 2


def test_a_crash_between_the_marks_and_the_sends_sends_each_member_once(ses, clock):
    publisher, deliveries, tokens, _ = crew_in_table(clock)
    ctx = context(publisher, booking(), upstream=CREW_PAGE)
    shown, payload = crew_view_hash(ctx.booking), ctx.booking.model_dump_json()
    # what the crashed attempt wrote: both marks and both tokens, and then nothing
    crashed = [
        Mark(keys.first_send(keys.crew_email_lane(ctx.booking.key, m), []), shown, payload)
        for m in ("sam", "alex")
    ]
    drafts = [tokens.draft(ctx.booking.key, m, ctx.booking.end) for m in ("sam", "alex")]
    assert deliveries.mark_together(crashed, drafts) is None

    with pytest.raises(Waiting):  # marked, no answer: SES may have taken them
        publisher.publish(ctx)
    assert ses.accepted == []
    clock.now += 601  # SES never reported on them: it never took them
    ids = publisher.publish(ctx)

    assert sorted(kinds_to(ses, "@example.com")) == ["new", "new"]
    assert publisher.publish(ctx) == ids
    assert len(ses.accepted) == 2


def ses_dropping_the_second_send(ses: SesStandIn) -> Any:
    """An SES client whose second SendEmail never reaches SES (the network drops it)."""
    ses_client = boto3.client("sesv2", config=Config(retries={"total_max_attempts": 1}))
    sends = []

    def network_drops_the_second_send(**_: Any) -> None:
        sends.append(1)
        if len(sends) == 2:
            raise EndpointConnectionError(endpoint_url=ses.base_url)

    ses_client.meta.events.register("before-send.sesv2.SendEmail", network_drops_the_second_send)
    return ses_client


def test_a_members_refused_mark_falls_back_and_nobody_gets_two(aws, ses, clock):
    """Sam's email went, Alex's send never reached SES (its mark dropped); the retry's
    transaction is refused on Sam's mark: Sam is recalled from it, Alex marked and sent alone."""
    ses_client = ses_dropping_the_second_send(ses)
    publisher, _, _, requests = crew_in_table(clock, 1, ses_client)
    ctx = context(publisher, booking(), upstream=CREW_PAGE)

    with pytest.raises(TransientError, match="SES"):
        publisher.publish(ctx)
    assert kinds_to(ses, "sam@example.com") == ["new"]
    # Alex's mark was dropped (his send surely never reached SES); Sam's send recorded alone
    assert requests == ["TransactWriteItems", "DeleteItem", "UpdateItem"]
    requests.clear()
    ids = publisher.publish(ctx)

    # the refused transaction; then Alex alone: his mark, his token, his record
    assert requests == ["TransactWriteItems", "PutItem", "PutItem", "UpdateItem"]
    assert kinds_to(ses, "sam@example.com") == ["new"]
    assert kinds_to(ses, "alex@example.com") == ["new"]
    assert {ids[m] for m in ("sam", "alex")} == {a.message_id for a in ses.accepted}


def test_a_lost_answer_keeps_its_mark_while_the_others_record_goes(ses, consumer, clock):
    """One member at a time: Sam's email goes (its record held back), SES takes Alex's and its
    answer is lost. Sam's record is written, Alex's mark stays until SES reports on it."""
    ses_client = boto3.client("sesv2", config=Config(retries={"total_max_attempts": 1}))
    sends = []

    def the_second_answer_is_lost(**_):
        sends.append(1)
        if len(sends) == 2:
            ses.lose_next(1)

    ses_client.meta.events.register("before-send.sesv2.SendEmail", the_second_answer_is_lost)
    publisher, deliveries, _, _ = crew_in_table(clock, 1, ses_client)
    ctx = context(publisher, booking(), upstream=CREW_PAGE)

    with pytest.raises(TransientError):
        publisher.publish(ctx)
    sam = deliveries.lane(keys.crew_email_lane(ctx.booking.key, "sam"))
    alex = deliveries.lane(keys.crew_email_lane(ctx.booking.key, "alex"))
    assert [r.completed for r in sam + alex] == [True, False]
    consumer.poll_once(wait_seconds=0)  # SES's report on Alex's send reaches the state table
    ids = publisher.publish(ctx)

    assert kinds_to(ses, "sam@example.com") == ["new"]
    assert kinds_to(ses, "alex@example.com") == ["new"]
    assert {ids[m] for m in ("sam", "alex")} == {a.message_id for a in ses.accepted}


def test_a_member_never_started_after_anothers_failure_is_not_left_marked(ses, clock):
    """One member at a time: Sam's send fails for sure, so Alex's is never started; his mark
    from the transaction is dropped, and the retry sends to both at once (no wait)."""
    publisher, deliveries, _, _ = crew_in_table(clock, members_at_once=1)
    ctx = context(publisher, booking(), upstream=CREW_PAGE)
    ses.refuse_next(1, status=429, code="TooManyRequestsException")  # SES said no to Sam

    with pytest.raises(TransientError):
        publisher.publish(ctx)
    assert deliveries.lane(keys.crew_email_lane(ctx.booking.key, "alex")) == []
    publisher.publish(ctx)

    assert kinds_to(ses, "sam@example.com") == ["new"]
    assert kinds_to(ses, "alex@example.com") == ["new"]


def test_the_members_not_refused_are_marked_together_again(ses, clock):
    """Three members, one at a time: Sam's email goes, Alex's send never reaches SES, Kim's is
    never started. The retry's transaction is refused on Sam's mark alone: Alex and Kim are
    marked together in a second one, sent once each, recorded together."""
    fleet = default_fleet()
    [boat] = fleet.boats
    kim = CrewMember(id="kim", name="Kim Park", email="kim@example.com", role="crew")
    fleet = fleet.model_copy(
        update={
            "boats": [boat.model_copy(update={"crew": [*boat.crew, "kim"]})],
            "people": [*fleet.people, kim],
        }
    )
    ses_client = ses_dropping_the_second_send(ses)
    publisher, _, _, requests = crew_in_table(clock, 1, ses_client, fleet)
    ctx = context(publisher, booking(), upstream=CREW_PAGE)

    with pytest.raises(TransientError, match="SES"):
        publisher.publish(ctx)
    requests.clear()
    ids = publisher.publish(ctx)

    assert requests == ["TransactWriteItems"] * 3  # refused; Alex and Kim; their records
    for address in ("sam@example.com", "alex@example.com", "kim@example.com"):
        assert kinds_to(ses, address) == ["new"]
    assert set(ids.values()) == {a.message_id for a in ses.accepted}


def test_a_changed_or_cancelled_crews_records_are_written_together(ses, clock):
    """One send per member's lane ("changed", then "cancelled"): each member's lane read, mark
    (and token), send; the records of both sends in one request."""
    publisher, deliveries, _, requests = crew_in_table(clock)
    new, modified, cancelled = lifecycle()
    ids = publisher.publish(context(publisher, new, upstream=CREW_PAGE))

    for shown, state in ((new, modified), (modified, cancelled)):
        requests.clear()
        ctx = context(publisher, state, previous=shown, ids=ids, upstream=CREW_PAGE)
        ids = publisher.publish(ctx)
        marks_and_tokens = 2 * 2 if state is modified else 2  # a cancellation holds no link
        assert Counter(requests) == {
            "Query": 2,
            "PutItem": marks_and_tokens,
            "TransactWriteItems": 1,
        }
        for member in ("sam", "alex"):
            lane = deliveries.lane(keys.crew_email_lane(state.key, member))
            assert ids[member] in {r.result for r in lane if r.completed}
            assert all(r.completed for r in lane)
        assert publisher.publish(ctx) == ids  # a replay sends nothing

    for address in ("sam@example.com", "alex@example.com"):
        assert kinds_to(ses, address) == ["new", "changed", "cancelled"]

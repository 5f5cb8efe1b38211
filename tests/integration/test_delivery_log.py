"""The delivery log contract, run against the in-memory double (tests/support) and the DynamoDB
log (moto's server): the same cases, the same answers."""

import boto3
import pytest

from bookings import Waiting
from publishers.base import DeliveryLog
from publishers.deliveries import send_once
from sandbox.table import create_table
from state import keys
from state.deliveries import DynamoDeliveryLog, Mark
from state.ses_events import SesEvent, SesEventLog
from tests.support.clock import FakeClock
from tests.support.deliveries import MemoryDeliveryLog

LANE = keys.crew_email_lane("boatsetter:xhqgmdh", "sam")
NEW = keys.first_send(LANE, [])
CHANGED = keys.send_key(LANE, "changed", "ses-1", "h2")


@pytest.fixture
def clock():
    return FakeClock(1000.0)


@pytest.fixture(params=["memory", "dynamodb"])
def log(request, clock) -> DeliveryLog:
    if request.param == "memory":
        return MemoryDeliveryLog(report_wait_seconds=600, clock=clock)
    request.getfixturevalue("aws")
    create_table(boto3.client("dynamodb"), "charterhand-state")
    return DynamoDeliveryLog(
        "charterhand-state", boto3.client("dynamodb"), report_wait_seconds=600, clock=clock
    )


def report(log, key: keys.SendKey, message_id: str) -> None:
    """SES's event about the send tagged for ``key`` reaching the state table."""
    if isinstance(log, MemoryDeliveryLog):
        log.report(key, message_id)
        return
    SesEventLog("charterhand-state", boto3.client("dynamodb")).record(
        SesEvent("Send", message_id, key.tag)
    )


def test_nothing_is_in_a_lane_before_it_is_sent(log):
    assert log.lane(LANE) == []


def test_a_recorded_message_is_in_its_lane_only(log):
    log.record(NEW, "ses-1", payload_hash="h1", payload="{}")

    [record] = log.lane(LANE)
    assert (record.what, record.result, record.payload_hash, record.completed) == (
        "new",
        "ses-1",
        "h1",
        True,
    )
    assert log.lane(keys.crew_email_lane("boatsetter:xhqgmdh", "alex")) == []


def test_send_once_sends_the_first_time_only(log):
    sent = []

    def send(tag):
        sent.append(tag)
        return f"ses-{len(sent)}"

    first = send_once(log, NEW, send, payload_hash="h1", payload="{}")
    again = send_once(log, NEW, send, payload_hash="h2", payload="{}")

    assert (first.message_id, again.message_id, len(sent)) == ("ses-1", "ses-1", 1)
    assert sent == [NEW.tag]
    assert again.payload_hash == "h1"  # what the email sent showed, not what was asked now


def test_dynamodb_items_expire_and_stay_out_of_booking_partitions(aws):
    create_table(boto3.client("dynamodb"), "charterhand-state")
    client = boto3.client("dynamodb")
    DynamoDeliveryLog("charterhand-state", client, keep_days=35, clock=lambda: 1000.0).record(
        keys.send_key(keys.summary_lane("boatsetter:xhqgmdh"), "new"), "ses-9"
    )

    [item] = client.scan(TableName="charterhand-state")["Items"]
    assert item["pk"]["S"] == "delivery#summary:boatsetter:xhqgmdh:manager"
    assert item["sk"]["S"] == "new"
    assert item["expires_at"]["N"] == str(1000 + 35 * 86400)


def test_a_mark_is_made_once_and_then_reports_its_age(log, clock):
    assert log.mark(NEW, payload_hash="h1", payload="{}") is None
    clock.now += 30
    found = log.mark(NEW, payload_hash="h1", payload="{}")
    assert found is not None
    assert (found.completed, found.age, found.expired) == (False, 30, False)


def test_an_unmarked_key_can_be_marked_afresh(log):
    log.mark(NEW, payload_hash="h1", payload="{}")
    log.unmark(NEW)
    assert log.mark(NEW, payload_hash="h1", payload="{}") is None


def test_recording_replaces_the_mark_and_keeps_what_it_showed(log):
    log.mark(NEW, payload_hash="h1", payload='{"a": 1}')
    log.record(NEW, "ses-1")
    log.unmark(NEW)  # a sent record is never dropped as if it were a mark

    [record] = log.lane(LANE)
    assert (record.result, record.payload_hash, record.payload) == ("ses-1", "h1", '{"a": 1}')


def test_an_expired_mark_is_taken_over_once(log, clock):
    log.mark(NEW, payload_hash="h1", payload="{}")
    clock.now += 601
    [found] = log.lane(LANE)

    assert found.expired
    assert log.remark(NEW, found, payload_hash="h2", payload="{}")
    assert not log.remark(NEW, found, payload_hash="h2", payload="{}")  # someone else's now


def test_nothing_is_reported_before_ses_says_so(log):
    log.mark(NEW, payload_hash="h1", payload="{}")
    assert log.reported(NEW) is None
    report(log, NEW, "ses-7")
    assert log.reported(NEW) == "ses-7"


def test_a_pending_send_blocks_the_next_send_to_that_recipient_until_ses_reports(log, clock):
    sent = []

    def send(tag):
        sent.append(tag)
        return f"ses-{len(sent)}"

    log.mark(NEW, payload_hash="h1", payload="{}")  # sent, its answer lost
    clock.now += 5
    with pytest.raises(Waiting) as waiting:
        send_once(log, CHANGED, send, payload_hash="h2", payload="{}")
    # a mark cannot tell a send on its way from a lost answer: the reason does not claim either
    assert "an earlier send (new) went 5 s ago with no answer yet" in str(waiting.value)
    report(log, NEW, "ses-0")
    changed = send_once(log, CHANGED, send, payload_hash="h2", payload="{}")

    assert (changed.message_id, sent) == ("ses-1", [CHANGED.tag])
    assert {r.what: r.result for r in log.lane(LANE)} == {"new": "ses-0", CHANGED.what: "ses-1"}


def test_a_pending_send_stops_blocking_once_its_wait_is_over(log, clock):
    log.mark(NEW, payload_hash="h1", payload="{}")
    clock.now += 601  # SES never reported: it never took it

    changed = send_once(log, CHANGED, lambda tag: "ses-1", payload_hash="h2", payload="{}")

    assert changed.message_id == "ses-1"


def test_another_recipients_pending_send_blocks_nothing(log):
    log.mark(
        keys.first_send(keys.crew_email_lane("boatsetter:xhqgmdh", "alex"), []),
        payload_hash="h",
        payload="{}",
    )

    assert send_once(log, NEW, lambda tag: "ses-1").message_id == "ses-1"


def test_records_written_together_never_replace_one_another_attempt_wrote(aws):
    """The records of a step's sends are written in one request, each only over its own mark
    still in progress: a send another attempt recorded meanwhile keeps its message id."""
    create_table(boto3.client("dynamodb"), "charterhand-state")
    log = DynamoDeliveryLog("charterhand-state", boto3.client("dynamodb"), clock=lambda: 1000.0)
    alex = keys.first_send(keys.crew_email_lane("boatsetter:xhqgmdh", "alex"), [])
    marks = [Mark(NEW, "h1", "{}"), Mark(alex, "h1", "{}")]
    assert log.mark_together(marks) is None
    log.record(alex, "ses-theirs")  # another attempt settled it from SES's report

    log.record_together([(NEW, "ses-1"), (alex, "ses-2")])

    assert [(r.result, r.completed) for r in log.lane(LANE)] == [("ses-1", True)]
    [theirs] = log.lane(alex.lane)
    assert (theirs.result, theirs.payload_hash) == ("ses-theirs", "h1")


def test_marks_written_together_are_all_or_nothing(aws):
    create_table(boto3.client("dynamodb"), "charterhand-state")
    log = DynamoDeliveryLog("charterhand-state", boto3.client("dynamodb"), clock=lambda: 1000.0)
    alex = keys.first_send(keys.crew_email_lane("boatsetter:xhqgmdh", "alex"), [])
    log.record(NEW, "ses-1", payload_hash="h0", payload="{}")  # Sam's "new" went before

    found = log.mark_together([Mark(NEW, "h1", "{}"), Mark(alex, "h1", "{}")])

    assert found is not None
    assert list(found) == [NEW]  # Alex's mark was not refused: it is simply not written
    assert (found[NEW].result, found[NEW].payload_hash) == ("ses-1", "h0")
    assert log.lane(alex.lane) == []

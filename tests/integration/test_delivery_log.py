"""The delivery log contract, run against the in-memory log and the DynamoDB one (moto's server)."""

import boto3
import pytest

from publishers.base import DeliveryLog
from publishers.deliveries import MemoryDeliveryLog, send_once
from sandbox.table import create_table
from state.deliveries import DynamoDeliveryLog


@pytest.fixture(params=["memory", "dynamodb"])
def log(request) -> DeliveryLog:
    if request.param == "memory":
        return MemoryDeliveryLog()
    request.getfixturevalue("aws")
    create_table(boto3.client("dynamodb"), "charterhand-state")
    return DynamoDeliveryLog("charterhand-state", boto3.client("dynamodb"), clock=lambda: 1000.0)


def test_nothing_is_recalled_before_it_is_recorded(log):
    assert log.recall("boatsetter:xhqgmdh:crew_email:abc:sam") is None


def test_a_recorded_message_is_recalled_by_its_key(log):
    log.record("boatsetter:xhqgmdh:crew_email:abc:sam", "ses-1")

    assert log.recall("boatsetter:xhqgmdh:crew_email:abc:sam") == "ses-1"
    assert log.recall("boatsetter:xhqgmdh:crew_email:abc:alex") is None


def test_send_once_sends_the_first_time_only(log):
    sent = []

    def send(tag):
        sent.append(1)
        return f"ses-{len(sent)}"

    first = send_once(log, "k", send)
    again = send_once(log, "k", send)

    assert (first, again, len(sent)) == ("ses-1", "ses-1", 1)


def test_dynamodb_items_expire_and_stay_out_of_booking_partitions(aws):
    create_table(boto3.client("dynamodb"), "charterhand-state")
    client = boto3.client("dynamodb")
    DynamoDeliveryLog("charterhand-state", client, keep_days=35, clock=lambda: 1000.0).record(
        "boatsetter:xhqgmdh:summary:abc:manager", "ses-9"
    )

    [item] = client.scan(TableName="charterhand-state")["Items"]
    assert item["pk"]["S"] == "delivery#boatsetter:xhqgmdh:summary:abc:manager"
    assert item["expires_at"]["N"] == str(1000 + 35 * 86400)


def test_a_mark_is_made_once_and_then_reports_its_age(log):
    assert log.mark("k") is None
    age = log.mark("k")
    assert age is not None
    assert age >= 0


def test_an_unmarked_key_can_be_marked_afresh(log):
    log.mark("k")
    log.unmark("k")
    assert log.mark("k") is None


def test_recording_replaces_the_mark(log):
    log.mark("k")
    log.record("k", "ses-1")
    assert log.recall("k") == "ses-1"
    log.unmark("k")  # a sent record is never dropped as if it were a mark
    assert log.recall("k") == "ses-1"


def test_nothing_is_reported_before_ses_says_so(log):
    log.mark("k")
    assert log.reported("k") is None

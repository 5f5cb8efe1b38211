"""Guests' photos reach the manager through the real worker: S3 (moto) notifies the bookings queue
of each upload, the worker counts it for ``status`` and tells the manager at most once a day,
under duplicate deliveries and replays, with the gallery's link."""

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from ops.status import booking_status
from state.photos import PhotoArrivals
from tests.support.bookings_factory import booking
from tests.support.pages import store_booking
from tests.support.pipeline import settle_all
from tests.support.publishing import parts, sent_mail

GALLERY = "http://127.0.0.1:8001/photos/xhqgmdh-" + "0" * 32
KEY = "boatsetter:xhqgmdh"


@pytest.fixture
def work(make_worker) -> Callable[[], None]:
    return lambda: settle_all(make_worker())


@pytest.fixture
def notified(stack) -> Any:
    """The photos bucket notifies the bookings queue, as infra/terraform/site.tf sets it up; the
    S3 test event that setting it up sends is drained first."""
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=stack.queue_url, AttributeNames=["QueueArn"])
    s3.put_bucket_notification_configuration(
        Bucket=stack.photos_bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": arn["Attributes"]["QueueArn"],
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "photos/"}]}},
                }
            ]
        },
    )
    sqs.purge_queue(QueueUrl=stack.queue_url)
    return s3


def upload(s3: Any, stack: Any, name: str) -> None:
    s3.put_object(
        Bucket=stack.photos_bucket,
        Key=f"photos/{KEY}/{name}.jpg",
        Body=b"jpeg",
        ContentType="image/jpeg",
    )


def photo_mail(aws: Any) -> list[Any]:
    return [m for m in sent_mail(aws) if m["X-Charterhand-Kind"] == "photos"]


def event(stack: Any, name: str, at: str) -> str:
    """An S3 ObjectCreated notification as S3 sends it (URL-encoded key)."""
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "eventTime": at,
        "eventName": "ObjectCreated:Post",
        "s3": {
            "bucket": {"name": stack.photos_bucket},
            "object": {"key": f"photos/boatsetter%3Axhqgmdh/{name}.jpg", "size": 4},
        },
    }
    return json.dumps({"Records": [record]})


@pytest.fixture
def stored(stack) -> None:
    store_booking(
        boto3.client("dynamodb"),
        booking(),
        stack.table_name,
        crew_page={"key": "crew/" + "0" * 32 + ".html", "gallery_url": GALLERY},
    )


def test_the_days_photos_make_one_email_to_the_manager_with_the_gallery(
    aws, stack, notified, stored, work, log_lines
):
    upload(notified, stack, "a" * 32)
    upload(notified, stack, "b" * 32)
    work()

    [mail] = photo_mail(aws)
    assert mail["To"] == "manager@example.com"
    assert mail["Subject"].startswith("New guest photos: JADA Sat, Jun 14")
    assert f"The private gallery (crew and you): {GALLERY}" in parts(mail)["text/plain"]
    status = booking_status(boto3.client("dynamodb"), stack.table_name, KEY)
    assert status is not None
    assert status.photos == 2  # what `charterhand status` shows
    assert status.links["gallery"] == GALLERY
    settled = [line for line in log_lines() if line["event"] == "message settled"]
    # the two uploads may be worked at once: the second then waits for the first's send (a
    # retry that spends no budget) and ends done, counted, with nothing sent
    final = [line["outcome"] for line in settled if line["outcome"] != "retry"]
    assert final == ["done", "done"]
    retries = [line["reason"] for line in settled if line["outcome"] == "retry"]
    # (the first's send named by its key: in flight, or marked and not yet reported by SES)
    assert all(
        ("arrived:" in reason and "SES" in reason) or "is sending arrived:" in reason
        for reason in retries
    ), retries


def test_a_duplicate_delivery_neither_counts_twice_nor_mails_again(aws, stack, stored, work):
    sqs = boto3.client("sqs")
    body = event(stack, "a" * 32, "2031-06-14T21:00:00.000Z")
    for _ in range(2):
        sqs.send_message(QueueUrl=stack.queue_url, MessageBody=body)
    work()
    sqs.send_message(QueueUrl=stack.queue_url, MessageBody=body)  # replayed later
    work()

    assert len(photo_mail(aws)) == 1
    arrivals = PhotoArrivals(table_name=stack.table_name, dynamodb=boto3.client("dynamodb"))
    assert arrivals.count(KEY) == 1


def test_the_next_days_photos_tell_the_manager_again(aws, stack, stored, work):
    sqs = boto3.client("sqs")
    # 2 p.m. and 11 p.m. on June 14 in San Diego, then 9 a.m. June 15 (UTC in the events)
    for name, at in (
        ("a" * 32, "2031-06-14T21:00:00.000Z"),
        ("b" * 32, "2031-06-15T06:00:00.000Z"),
        ("c" * 32, "2031-06-15T16:00:00.000Z"),
    ):
        sqs.send_message(QueueUrl=stack.queue_url, MessageBody=event(stack, name, at))
        work()

    mails = photo_mail(aws)
    assert len(mails) == 2
    assert "1 so far on Sat, Jun 14" in parts(mails[0])["text/plain"]  # sent with the first
    assert "1 so far on Sun, Jun 15" in parts(mails[1])["text/plain"]
    arrivals = PhotoArrivals(table_name=stack.table_name, dynamodb=boto3.client("dynamodb"))
    assert arrivals.count(KEY) == 3


def test_an_object_that_is_not_a_guests_photo_is_ignored_with_its_reason(
    aws, stack, notified, stored, work, log_lines
):
    notified.put_object(Bucket=stack.photos_bucket, Key="photos/readme.txt", Body=b"x")
    work()
    [line] = [line for line in log_lines() if line["event"] == "message settled"]
    assert line["outcome"] == "ignored"
    assert line["reason"] == "an object in the photos bucket that is not a guest's photo"
    assert photo_mail(aws) == []

"""Emails built to hurt the worker: each ends as one clear dead letter on its first receive,
and no reason, attribute or log line quotes what the email (or a downstream system) said."""

import json
import threading
import time
from datetime import datetime
from typing import Any

import boto3
import pytest

from bookings import BookingEvent, default_fleet
from parsers.nesting import MAX_MIME_DEPTH
from tests.integration.test_worker_outcomes import dead_letters, drain, outcomes
from tests.support.emailkit import CONFIRMED_ROWS, message, nested_multipart, text_body
from tests.support.mail import EventMailReader, email_for, event
from tests.support.pipeline import queue_size, send_raw
from trust.origin import MailOrigin
from worker.budget import ByteBudget
from worker.decode import EmailRef
from worker.fetching import RawEmails, TooLarge
from worker.parsing import ParsersReader

RENTER = "Maya Thompson"


def test_mime_nested_3000_deep_from_a_forged_platform_sender_is_ignored_not_dead_lettered(
    stack, make_worker, sqs, log_lines
):
    """Authentication is decided on the header block before any body is decoded: an outsider's
    email (a platform's From, no DKIM or DMARC of the platform's) is ignored whatever its body,
    and never counts towards the DLQ limit."""
    send_raw(stack, nested_multipart(3000), verdicts={"dkim": "GRAY", "dmarc": "GRAY"})
    drain(make_worker(reader=ParsersReader(default_fleet())))
    [line] = outcomes(log_lines)
    assert line["outcome"] == "ignored"
    assert line["reason"].startswith("From domain not authenticated")
    assert dead_letters(sqs, stack) == []
    assert queue_size(sqs, stack.queue_url) == 0


def test_mime_nested_3000_deep_from_a_proven_sender_is_a_parse_error_naming_the_depth(
    stack, make_worker, sqs, log_lines
):
    """From a sender SES proved, the same email is dead-lettered on its first receive, refused
    before the standard library's parser sees it (which would take seconds, then recurse out)."""
    send_raw(stack, nested_multipart(3000))
    started = time.monotonic()
    drain(make_worker(reader=ParsersReader(default_fleet())))
    elapsed = time.monotonic() - started
    [letter] = dead_letters(sqs, stack)
    assert letter["charterhand.receive_count"] == "1"
    assert letter["charterhand.error_class"] == "ParseError"
    assert letter["charterhand.step"] == "parse"
    assert letter["charterhand.reason"] == (
        f"MIME nested more than {MAX_MIME_DEPTH} levels deep: refused before parsing"
    )
    assert [line["outcome"] for line in outcomes(log_lines)] == ["dead-letter"]
    assert elapsed < 5, elapsed


def test_22_outsiders_nested_3000_deep_do_not_stop_intake_for_the_bookings_behind_them(
    stack, make_worker, sqs, recorder, log_lines
):
    """Issue 18's scenario: 22 outsider emails (more than the DLQ limit's 20) queued before five
    good bookings. None is dead-lettered, so intake never stops, and all five are published."""
    for _ in range(22):
        send_raw(stack, nested_multipart(3000), verdicts={"dkim": "GRAY", "dmarc": "GRAY"})
    booking_ids = ["aaaaaaa", "bbbbbbb", "ccccccc", "ddddddd", "eeeeeee"]
    for booking_id in booking_ids:
        send_raw(stack, email_for(event(booking_id=booking_id)))
    worker = make_worker(worker_threads=4)
    drain(worker, seconds=60)
    ended = [line["outcome"] for line in outcomes(log_lines)]
    assert (ended.count("ignored"), ended.count("done")) == (22, 5)
    assert dead_letters(sqs, stack) == []
    published = {entry["booking"] for entry in recorder.completed("calendar")}
    assert published == {f"boatsetter:{booking_id}" for booking_id in booking_ids}


class QuotingReader(EventMailReader):
    """A parser with a bug whose exception message quotes the email (as ``int('Maya')`` would)."""

    def parse(self, raw: bytes, received_at: datetime | None = None) -> BookingEvent:
        raise ValueError(f"invalid literal for int() with base 10: {RENTER!r}")


def test_an_unexpected_parser_error_names_its_class_and_quotes_nothing(
    stack, make_worker, sqs, log_lines
):
    send_raw(stack, email_for(event()))
    drain(make_worker(reader=QuotingReader()))
    [letter] = dead_letters(sqs, stack)
    assert letter["charterhand.error_class"] == "ValueError"
    assert letter["charterhand.receive_count"] == "1"
    assert_quotes_nothing(letter, log_lines())


def assert_quotes_nothing(letter: dict[str, str], lines: list[dict[str, Any]]) -> None:
    """Neither the letter's attributes nor any log line quote the renter (the body is the SQS
    message itself, kept whole for replay)."""
    attributes = {name: value for name, value in letter.items() if name != "body"}
    text = json.dumps(attributes, ensure_ascii=False) + "\n".join(
        json.dumps(line, ensure_ascii=False) for line in lines
    )
    for value in (RENTER, "Maya", "Thompson", "maya@example.com"):
        assert value not in text


class BarrierReader(EventMailReader):
    """Reads the event from a test email, and notes how many emails are being read at once: two
    threads reading at the same time meet at the barrier; alone, a thread gives up waiting."""

    def __init__(self, ev: BookingEvent) -> None:
        self.event = ev
        self.together = threading.Barrier(2, timeout=5)
        self.met = False

    def origin(self, raw: bytes) -> MailOrigin:
        try:
            self.together.wait()
            self.met = True
        except threading.BrokenBarrierError:
            pass  # nobody else was reading: the barrier stays broken, nobody waits again
        sender = "no-reply@boatsetter.com"
        return MailOrigin(original_sender=sender, forwarded_by=None, from_address=sender)

    def parse(self, raw: bytes, received_at: datetime | None = None) -> BookingEvent:
        return self.event


def test_a_512_mib_worker_never_reads_two_40_mb_emails_at_once(stack, make_worker, recorder):
    """Four emails of 39 MB arrive together; four threads take them. The default task's budget
    (44 MiB) holds one at a time, so no two are read at once; all four are still done."""
    filler = b"\r\n" + b"x" * 76 * 530_000  # 39 MiB, well within SES's 40 MB
    for booking_id in ("aaaaaaa", "bbbbbbb", "ccccccc", "ddddddd"):
        send_raw(stack, email_for(event(booking_id=booking_id)) + filler)
    reader = BarrierReader(event())
    drain(make_worker(reader=reader, worker_threads=4, task_memory_mib=512), seconds=60)
    assert not reader.met
    assert len(recorder.completed("calendar")) == 1  # the same booking, four times
    assert queue_size(boto3.client("sqs"), stack.queue_url) == 0


def booking_email_with(label: str, value: str) -> bytes:
    """A Boatsetter confirmation whose ``label`` row says ``value``."""
    rows = [(k, v) for k, v in CONFIRMED_ROWS if k != label] + [(label, value)]
    return message(text=text_body(rows)).as_bytes()


@pytest.mark.parametrize(
    ("label", "value", "field"),
    [
        ("Boat", "Maya Thompson's Sea Breeze", "boat"),
        ("Booking total", "€840.75 from Maya Thompson", "gross"),
        ("Booking ID", "#maya-thompson", "booking_id"),
    ],
)
def test_an_unreadable_booking_email_is_dead_lettered_naming_fields_not_values(
    stack, make_worker, sqs, log_lines, label, value, field
):
    send_raw(stack, booking_email_with(label, value))
    drain(make_worker(reader=ParsersReader(default_fleet())))
    [letter] = dead_letters(sqs, stack)
    assert letter["charterhand.error_class"] == "ParseError"
    assert f"cannot read {field}" in letter["charterhand.reason"]
    assert_quotes_nothing(letter, log_lines())
    assert "840.75" not in letter["charterhand.reason"]


def test_a_dead_letter_reason_is_masked_as_the_log_line_is(stack, make_worker, sqs, log_lines):
    """An object key that carries an address (SES names objects by messageId; a forged
    notification can name anything) is masked in the DLQ attributes as it is in the logs."""
    send_raw(stack, email_for(event()), message_id="maya@example.com")
    boto3.client("s3").delete_object(Bucket=stack.inbound_bucket, Key="raw/maya@example.com")
    drain(make_worker())
    [letter] = dead_letters(sqs, stack)
    assert letter["charterhand.reason"].endswith("raw/<email>: NoSuchKey")
    assert_quotes_nothing(letter, log_lines())


def test_an_email_larger_than_the_whole_budget_is_refused_before_its_body_is_read(stack):
    """A worker whose budget is smaller than an email can never read it within its memory: the
    email is refused, as too large, from S3's ContentLength alone."""
    message_id = send_raw(stack, email_for(event()) + b"x" * 5000)
    emails = RawEmails(boto3.client("s3"), ByteBudget(4096))
    ref = EmailRef(bucket=stack.inbound_bucket, key=f"raw/{message_id}")
    with pytest.raises(TooLarge, match="more than this worker reads at once") as caught:
        emails.held(ref).__enter__()
    assert caught.value.step == "fetch"
    assert emails.budget.free == 4096

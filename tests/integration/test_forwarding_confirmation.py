"""Gmail's forwarding confirmation through the real worker: to the manager once, shown by status.

Issue 10, point 6: no reading raw objects in S3 to finish setting up forwarding.
"""

import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from bookings import default_fleet
from publishers.transport.mail import Mailer
from sandbox.stack import LocalStack
from state.confirmations import CLAIM_SECONDS, ConfirmationBusy, pending_confirmations
from tests.conftest import FIXTURES
from tests.support.cli import charterhand
from tests.support.deliveries import MemoryDeliveryLog
from tests.support.gmail import CODE, GERMAN, LINK, OWNER, confirmation_mail
from tests.support.pipeline import send_raw, settle_all
from tests.support.publishing import parts, sent_mail
from trust.setup_mail import Confirmation
from worker.confirmations import ForwardingConfirmations
from worker.parsing import ParsersReader

FORGED_RESULTS = {"dkim": "PASS", "dmarc": "GRAY"}  # DKIM by the forger's domain, see below


@pytest.fixture
def work(make_worker) -> Callable[..., None]:
    """Let one worker (real parsers, recording publishers) settle everything on the queue."""

    def run(**overrides: Any) -> None:
        overrides = {"forwarder_allowlist": [OWNER], **overrides}
        settle_all(make_worker(ParsersReader(default_fleet()), **overrides))

    return run


def settled(log_lines: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [line for line in log_lines() if line["event"] == "message settled"]


def manager_mail(aws: Any) -> list[Any]:
    return [m for m in sent_mail(aws) if m["X-Charterhand-Kind"] == "forwarding-confirmation"]


def test_the_confirmation_link_and_code_go_to_the_manager_and_it_is_logged(
    aws, stack, work, log_lines
):
    email_id = send_raw(stack, confirmation_mail())
    work()

    [line] = settled(log_lines)
    assert line["outcome"] == "done"
    assert line["reason"] == "Gmail forwarding confirmation: link and code sent to the manager"
    [sent] = [
        entry
        for entry in log_lines()
        if entry["event"] == "forwarding confirmation sent to the manager"
    ]
    assert sent["email_id"] == email_id
    assert CODE not in json.dumps(log_lines())  # the code and link stay out of the logs
    assert LINK not in json.dumps(log_lines())
    [mail] = manager_mail(aws)
    assert mail["To"] == "manager@example.com"
    assert mail["Subject"] == f"Confirm Gmail forwarding from {OWNER} (code {CODE})"
    text = parts(mail)["text/plain"]
    assert LINK in text
    assert "/mail/uf-" not in text  # never the link that cancels the request
    assert "This mailbox is in forwarder_allowlist" in text


def test_a_localized_confirmation_is_recognised_too(aws, stack, work):
    send_raw(stack, confirmation_mail(GERMAN))
    work()

    [mail] = manager_mail(aws)
    assert LINK in parts(mail)["text/plain"]


def test_the_same_confirmation_delivered_twice_is_sent_once(aws, stack, work, log_lines):
    send_raw(stack, confirmation_mail(), message_id="ses-confirm-1")
    send_raw(stack, confirmation_mail(), message_id="ses-confirm-1")
    work()

    reasons = sorted(line["reason"] for line in settled(log_lines) if line["outcome"] == "done")
    assert reasons == [
        "Gmail forwarding confirmation already sent to the manager",
        "Gmail forwarding confirmation: link and code sent to the manager",
    ]
    assert len(manager_mail(aws)) == 1


def test_a_mailbox_not_allowlisted_is_named_as_such_to_the_manager(aws, stack, work):
    send_raw(stack, confirmation_mail())
    work(forwarder_allowlist=["dana@sailjada.com"])

    [mail] = manager_mail(aws)
    assert "NOT in forwarder_allowlist" in parts(mail)["text/plain"]


@pytest.mark.parametrize("require_authenticated_sender", [True, False])
def test_a_confirmation_google_did_not_send_is_ignored(
    aws, stack, work, log_lines, require_authenticated_sender
):
    # Google's From, but the only DKIM pass is the forger's own domain, and no DMARC pass
    send_raw(stack, confirmation_mail(), verdicts=FORGED_RESULTS, dkim_domain="evil.example")
    work(require_authenticated_sender=require_authenticated_sender)

    [line] = settled(log_lines)
    assert line["outcome"] == "ignored"
    assert manager_mail(aws) == []
    assert (
        pending_confirmations(boto3.client("dynamodb"), stack.table_name, datetime.now(UTC)) == []
    )


def test_a_look_alike_sender_is_no_confirmation(aws, stack, work, log_lines):
    """Only Google's own forwarding sender can be one: a look-alike (its own domain proven) is
    read as any other email, and is not a booking."""
    send_raw(stack, confirmation_mail(sender="forwarding-noreply@google-mail.example"))
    work()

    [line] = settled(log_lines)
    assert line["outcome"] == "ignored"
    assert line["reason"].startswith("not a booking")
    assert manager_mail(aws) == []


def test_status_lists_a_confirmation_until_it_is_seven_days_old(aws, stack, work):
    send_raw(stack, confirmation_mail())
    work()
    dynamodb = boto3.client("dynamodb")
    now = datetime.now(UTC)

    [pending] = pending_confirmations(dynamodb, stack.table_name, now)
    assert (pending.mailbox, pending.code, pending.link) == (OWNER, CODE, LINK)
    assert pending_confirmations(dynamodb, stack.table_name, now + timedelta(days=6, hours=23))
    assert (
        pending_confirmations(dynamodb, stack.table_name, now + timedelta(days=7, minutes=1)) == []
    )

    result = charterhand("status", env={**os.environ, **aws.env(), **stack.env()})
    assert result.returncode == 0, result.stderr
    assert "forwarding confirmation(s) of the last 7 days:" in result.stdout
    assert f"- Gmail: {OWNER} asked to forward here" in result.stdout
    assert f"code {CODE}" in result.stdout
    assert LINK in result.stdout


def confirmations_at(stack: LocalStack, now: float) -> ForwardingConfirmations:
    return ForwardingConfirmations(
        table_name=stack.table_name,
        dynamodb=boto3.client("dynamodb"),
        mailer=Mailer(boto3.client("sesv2")),
        deliveries=MemoryDeliveryLog(),
        from_address="charterhand@example.com",
        manager_address="manager@example.com",
        forwarder_allowlist=[OWNER],
        clock=lambda: now,
    )


def test_a_claim_held_by_another_worker_is_busy_until_it_expires(aws, stack):
    confirmation = Confirmation("Gmail", OWNER, CODE, LINK)
    start = time.time()
    assert confirmations_at(stack, start)._claim(confirmation, "ses-x")  # then the worker died

    with pytest.raises(ConfirmationBusy):
        confirmations_at(stack, start + CLAIM_SECONDS - 1).handle(confirmation, "ses-x")
    assert confirmations_at(stack, start + CLAIM_SECONDS + 1).handle(confirmation, "ses-x")
    assert confirmations_at(stack, start + CLAIM_SECONDS + 2).handle(confirmation, "ses-x") is None
    assert len(manager_mail(aws)) == 1


def test_googles_own_confirmation_we_cannot_read_is_dead_lettered_not_dropped(
    aws, stack, work, log_lines
):
    send_raw(stack, confirmation_mail(("(#{hash}482913756) Gmail", "a layout with no link")))
    work(max_receive_count=1)

    [line] = settled(log_lines)
    assert line["outcome"] == "dead-letter"
    assert line["reason"] == "Gmail forwarding confirmation with no confirmation link we can read"
    assert manager_mail(aws) == []


def test_a_booking_whose_subject_looks_like_a_confirmation_is_still_read_as_a_booking(
    aws, stack, work, log_lines
):
    """Issue 18, point 8: only Google's own sender, proven by SES, with a confirmation's body, is
    a forwarding confirmation; a subject that merely carries "Gmail (#123456)" is not one."""
    raw = (FIXTURES / "emails" / "boatsetter-confirmed.eml").read_bytes()
    raw = raw.replace(
        b"Subject: Booking confirmed: Maya T. on Sun, May 30",
        b"Subject: Booking confirmed: Maya T. on Sun, May 30 (#123456) via Gmail",
    )
    send_raw(stack, raw)
    work()

    [line] = settled(log_lines)
    assert line["outcome"] == "done", line
    assert line["reason"].startswith("confirmed (verified): ran")
    assert manager_mail(aws) == []

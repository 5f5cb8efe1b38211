"""Aligned authentication and provenance through the real worker (issue 11, point 4).

Emails go in as SES stores them, each with the ``Authentication-Results`` header a test writes,
and are read by the real parsers; the DKIM keys of attached originals come from a key ring the
test publishes (no DNS).
"""

import time
from typing import Any

import boto3
import pytest

from bookings import Provenance, TransientError, default_fleet
from sandbox.ingest import ses_notification, sns_envelope
from sandbox.stack import LocalStack
from state.store import StateStore
from tests.conftest import FIXTURES
from tests.support.dkim import KeyRing, crlf, forward_as_attachment, sign
from tests.support.emailkit import (
    CONFIRMED_ROWS,
    confirmed,
    gmail_manual_forward,
    html_table,
    text_body,
)
from tests.support.pipeline import settle_all
from worker.parsing import ParsersReader

KEY = "boatsetter:xhqgmdh"
PLATFORM_ALIGNED = (
    "amazonses.com; spf=pass; dkim=pass header.i=@boatsetter.com; "
    "dmarc=pass header.from=boatsetter.com"
)
FORWARDER_ALIGNED = (
    "amazonses.com; spf=pass; dkim=pass header.i=@sailjada.com; dmarc=pass header.from=sailjada.com"
)
#: what an attacker's own domain earns: SPF and DKIM pass, for evil.example, aligned with nothing
ATTACKERS_OWN = (
    "amazonses.com; spf=pass (spfCheck: domain of evil.example designates 192.0.2.66 as permitted"
    " sender) client-ip=192.0.2.66; envelope-from=x@evil.example; helo=evil.example;"
    " dkim=pass header.i=@evil.example; dmarc=none header.from={domain}"
)


@pytest.fixture
def ring() -> KeyRing:
    return KeyRing()


@pytest.fixture
def run(stack: LocalStack, ring: KeyRing, make_worker, log_lines):
    """Send raw emails with the given Authentication-Results through one worker (the real
    parsers, the test's DKIM keys); the outcomes it logged."""

    def send_and_work(*emails: tuple[bytes, str], **overrides: Any) -> list[dict[str, Any]]:
        dmarc = overrides.pop("notification_dmarc", "PASS")
        worker = make_worker(ParsersReader(default_fleet()), key_lookup=ring.lookup, **overrides)
        for raw, results in emails:
            send_as_ses(stack, raw, results, dmarc=dmarc)
        settle_all(worker)
        return [line for line in log_lines() if line["event"] == "message settled"]

    return send_and_work


def send_as_ses(stack: LocalStack, raw: bytes, results: str, *, dmarc: str = "PASS") -> None:
    """Store ``raw`` as SES does, with ``results`` as its Authentication-Results, and notify
    with ``dmarc`` as the notification's DMARC verdict."""
    message_id = f"ses-{time.monotonic_ns()}"
    key = f"raw/{message_id}"
    stored = (
        "X-SES-Spam-Verdict: PASS\r\nX-SES-Virus-Verdict: PASS\r\n"
        f"Authentication-Results: {results}\r\n"
    ).encode() + raw
    boto3.client("s3").put_object(Bucket=stack.inbound_bucket, Key=key, Body=stored)
    verdicts = {**dict.fromkeys(("spam", "virus", "spf", "dkim"), "PASS"), "dmarc": dmarc}
    notification = ses_notification(
        raw, message_id=message_id, bucket=stack.inbound_bucket, key=key, verdicts=verdicts
    )
    boto3.client("sqs").send_message(
        QueueUrl=stack.queue_url, MessageBody=sns_envelope(notification)
    )


def stored_provenance(stack: LocalStack, key: str = KEY) -> Provenance | None:
    booking = StateStore(stack.table_name, boto3.client("dynamodb")).load(key).booking
    assert booking is not None, "no booking stored"
    return booking.provenance


def sample(name: str) -> bytes:
    return (FIXTURES / "emails" / name).read_bytes()


def manual_forward() -> bytes:
    return gmail_manual_forward(text_body(CONFIRMED_ROWS), html_table(CONFIRMED_ROWS)).as_bytes()


def signed_attachment_forward(ring: KeyRing, *, alter: bool = False) -> bytes:
    signed = sign(crlf(confirmed().as_bytes()), "boatsetter.com", ring.publish("boatsetter.com"))
    if alter:
        signed = signed.replace(
            b"Subject: Booking confirmed: Maya T.", b"Subject: Booking confirmed: Mal T."
        )
    return forward_as_attachment(signed)


# --- direct platform mail -------------------------------------------------------------------


def test_platform_mail_passing_only_an_attackers_own_spf_and_dkim_is_ignored(run, stack):
    [line] = run(
        (sample("boatsetter-confirmed.eml"), ATTACKERS_OWN.format(domain="boatsetter.com"))
    )
    assert line["outcome"] == "ignored"
    assert line["reason"].startswith("From domain not authenticated")
    assert StateStore(stack.table_name, boto3.client("dynamodb")).load(KEY).booking is None


def test_platform_mail_with_the_platforms_own_dkim_is_stored_verified(run, stack):
    results = (
        "amazonses.com; spf=fail; dkim=pass header.i=@boatsetter.com; "
        "dmarc=none header.from=boatsetter.com"
    )
    [line] = run((sample("boatsetter-confirmed.eml"), results))
    assert line["outcome"] == "done"
    assert line["reason"].startswith("confirmed (verified): ran")
    assert stored_provenance(stack) == Provenance(
        verified=True, proof="DKIM signature of boatsetter.com"
    )


def test_platform_mail_with_dmarc_pass_is_stored_verified(run, stack):
    run((sample("boatsetter-confirmed.eml"), PLATFORM_ALIGNED))
    provenance = stored_provenance(stack)
    assert provenance is not None
    assert provenance.text == "verified (DMARC pass for boatsetter.com)"


@pytest.mark.parametrize("notification_dmarc", ["PASS", "GRAY", "FAIL", "PROCESSING_FAILED"])
def test_mail_without_ses_authentication_results_on_top_is_ignored(run, stack, notification_dmarc):
    """No header of SES's on top of the stored email: nothing proves the From domain, whatever
    SES's notification says (issue 18: its DMARC PASS no longer stands in for the header; anyone
    who can send to the queue can write a notification)."""
    [line] = run(
        (
            sample("boatsetter-confirmed.eml"),
            "mx.other.example; dmarc=pass header.from=boatsetter.com",
        ),
        notification_dmarc=notification_dmarc,
    )
    assert line["outcome"] == "ignored"
    assert line["reason"] == (
        "no Authentication-Results from SES on top of the stored email "
        "(the topmost is another server's)"
    )
    assert StateStore(stack.table_name, boto3.client("dynamodb")).load(KEY).booking is None


# --- forwards ---------------------------------------------------------------------------------


def test_a_forward_posing_as_an_allowlisted_mailbox_is_ignored(run, stack):
    [line] = run((manual_forward(), ATTACKERS_OWN.format(domain="sailjada.com")))
    assert line["outcome"] == "ignored"
    assert line["reason"].startswith("From domain not authenticated")
    assert "dana" not in line["reason"]


def test_an_inline_forward_is_stored_as_forwarded_and_unverified(run, stack):
    [line] = run((manual_forward(), FORWARDER_ALIGNED))
    assert line["outcome"] == "done"
    assert line["reason"].startswith("confirmed (unverified): ran")
    provenance = stored_provenance(stack)
    assert provenance is not None
    assert provenance.label == "forwarded by dana@sailjada.com, unverified"


def test_an_auto_forward_keeping_the_platforms_signature_is_verified(run, stack):
    [line] = run((sample("boatsetter-confirmed-gmail-autoforward.eml"), PLATFORM_ALIGNED))
    assert line["outcome"] == "done"
    provenance = stored_provenance(stack, "boatsetter:kpwzrta")
    assert provenance is not None
    assert (provenance.verified, provenance.forwarded_by) == (True, "dana@sailjada.com")


def test_an_attached_original_signed_by_the_platform_is_verified(run, stack, ring):
    [line] = run((signed_attachment_forward(ring), FORWARDER_ALIGNED))
    assert line["outcome"] == "done"
    assert stored_provenance(stack) == Provenance(
        verified=True,
        forwarded_by="dana@sailjada.com",
        proof="DKIM signature of boatsetter.com on the attached original",
    )
    assert ring.asked == [b"s1._domainkey.boatsetter.com."]


def test_an_altered_attached_original_is_unverified(run, stack, ring):
    run((signed_attachment_forward(ring, alter=True), FORWARDER_ALIGNED))
    provenance = stored_provenance(stack)
    assert provenance is not None
    assert provenance.label == "forwarded by dana@sailjada.com, unverified"
    assert provenance.proof == "the DKIM signature of boatsetter.com does not verify"


def test_dns_not_answering_for_the_key_is_retried_not_called_unverified(run, stack, ring):
    def timeout(name: bytes) -> bytes | None:
        raise TransientError("DNS did not answer for a DKIM key (Timeout)")

    ring.lookup = timeout
    lines = run((signed_attachment_forward(ring), FORWARDER_ALIGNED), max_receive_count=1)
    assert lines[0]["outcome"] == "dead-letter"  # retries exhausted at once (limit 1)
    assert "DNS did not answer" in lines[0]["reason"]


# --- require_verified_original ------------------------------------------------------------------


def test_require_verified_original_refuses_an_unverified_forward(run, stack):
    [line] = run((manual_forward(), FORWARDER_ALIGNED), require_verified_original=True)
    assert line["outcome"] == "ignored"
    assert line["reason"] == (
        "unverified booking email (an inline forward carries no signature of the platform): "
        "require_verified_original is set"
    )
    assert StateStore(stack.table_name, boto3.client("dynamodb")).load(KEY).booking is None


def test_require_verified_original_admits_a_verified_one(run, stack, ring):
    [line] = run(
        (signed_attachment_forward(ring), FORWARDER_ALIGNED), require_verified_original=True
    )
    assert line["outcome"] == "done"

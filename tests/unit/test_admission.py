"""Sender trust's one entry point: where the email is, and its header block (issue 18)."""

import pytest

from parsers import Hop
from parsers.mime import header_block
from parsers.registry import is_platform
from sandbox.ingest import PASSING, with_ses_headers
from tests.support.emailkit import nested_multipart
from tests.support.gmail import confirmation_mail
from trust import Admitted, Inbound, Refusal, RefusalClass, admit, check_location
from trust.admission import check_hops
from worker.decode import EmailRef

TOPIC = "arn:aws:sns:us-east-1:000000000000:inbound"
INBOUND = Inbound("inbound", "raw/", TOPIC)
RAW = b"From: Boatsetter <no-reply@boatsetter.com>\r\nSubject: x\r\n\r\nbody\r\n"
STORED = EmailRef(bucket="inbound", key="raw/ses-1", ses_message_id="ses-1", sns_topic_arn=TOPIC)


def decided(stored: bytes, where: EmailRef = STORED, **options: bool) -> Admitted | Refusal:
    return admit(header_block(stored), where, INBOUND, **options)


def test_mail_ses_stored_and_proved_is_admitted_with_its_proof():
    found = decided(with_ses_headers(RAW, PASSING))
    assert isinstance(found, Admitted)
    assert found.from_address == "no-reply@boatsetter.com"
    assert found.alignment is not None
    assert found.alignment.proof == "DMARC pass for boatsetter.com"
    assert not found.forwarding_setup


@pytest.mark.parametrize(
    ("verdicts", "reason"),
    [
        ({"spam": "FAIL"}, "SES spam verdict FAIL"),
        ({"virus": "FAIL"}, "SES virus verdict FAIL"),
        ({"dmarc": "FAIL"}, "sender fails DMARC"),
    ],
)
def test_ses_verdicts_on_the_stored_email_refuse(verdicts, reason):
    assert decided(with_ses_headers(RAW, {**PASSING, **verdicts})) == reason


def test_spam_and_virus_verdicts_refuse_even_without_sender_authentication():
    stored = with_ses_headers(RAW, {**PASSING, "spam": "FAIL", "dmarc": "FAIL"})
    assert decided(stored, require_authenticated_sender=False) == "SES spam verdict FAIL"
    stored = with_ses_headers(RAW, {**PASSING, "dmarc": "FAIL"})
    assert isinstance(decided(stored, require_authenticated_sender=False), Admitted)


def test_a_stored_email_without_ses_verdicts_fails_closed():
    stored = with_ses_headers(RAW, PASSING).replace(b"X-SES-Virus-Verdict: PASS\r\n", b"")
    assert decided(stored) == "SES virus verdict missing from the stored email"


def test_a_stored_email_without_ses_authentication_results_fails_closed():
    for required in (True, False):
        reason = decided(RAW, require_authenticated_sender=required)
        assert reason == "no Authentication-Results from SES: the sender cannot be authenticated"


def test_a_stored_email_topped_by_another_servers_header_fails_closed():
    stored = b"Authentication-Results: mx.evil.example; dmarc=pass\r\n" + with_ses_headers(
        RAW, PASSING
    )
    assert decided(stored) == (
        "no Authentication-Results from SES on top of the stored email "
        "(the topmost is another server's)"
    )


def test_a_forged_verdict_below_ses_own_is_not_read():
    forged = b"X-SES-Spam-Verdict: PASS\r\n" + RAW
    assert decided(with_ses_headers(forged, {**PASSING, "spam": "FAIL"})) == "SES spam verdict FAIL"


def test_the_from_address_is_read_from_the_header_block():
    stored = with_ses_headers(RAW, PASSING).replace(
        b"\r\n\r\nbody", b"\r\n\r\nFrom: someone@evil.example\r\n\r\nbody"
    )
    found = decided(stored)
    assert isinstance(found, Admitted)
    assert found.from_address == "no-reply@boatsetter.com"


def test_admission_never_decodes_the_body():
    """An outsider's email nested 3,000 deep is refused on its headers, whatever its body."""
    stored = with_ses_headers(nested_multipart(3000), {**PASSING, "dkim": "GRAY", "dmarc": "GRAY"})
    reason = decided(stored)
    assert isinstance(reason, Refusal)
    assert reason.startswith("From domain not authenticated")


def test_googles_forwarding_sender_proven_is_admitted_as_set_up_mail():
    found = decided(with_ses_headers(confirmation_mail(), PASSING))
    assert isinstance(found, Admitted)
    assert found.forwarding_setup


def test_googles_forwarding_sender_unproven_is_refused_even_without_authentication():
    stored = with_ses_headers(
        confirmation_mail(), {**PASSING, "dmarc": "GRAY"}, dkim_domain="evil.example"
    )
    assert decided(stored, require_authenticated_sender=False) == (
        "claims to be a Gmail forwarding confirmation, but SES did not prove it came from "
        "google.com"
    )


# --- where the email is ------------------------------------------------------------------------


def test_an_ses_stored_email_announced_on_the_inbound_topic_is_where_it_should_be():
    assert check_location(STORED, INBOUND) is None
    assert check_location(EmailRef(bucket="inbound", key="raw/x"), INBOUND) is None  # S3 event


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        (
            EmailRef(bucket="other", key="raw/x"),
            "object is in bucket 'other', not the inbound bucket",
        ),
        (
            EmailRef(bucket="inbound", key="elsewhere/x"),
            "object key is not under the inbound prefix 'raw/'",
        ),
        (
            EmailRef(bucket="inbound", key="raw/"),
            "object key is not under the inbound prefix 'raw/'",
        ),
        (
            EmailRef(bucket="inbound", key="raw/ses-2", ses_message_id="ses-1"),
            "object key does not match SES's messageId (SES stores each email at "
            "<prefix><messageId>)",
        ),
        (
            EmailRef(ses_message_id="ses-1", sns_topic_arn=TOPIC),
            "untrusted notification: the email is not stored in S3 (only what SES's S3 action "
            "stored is trusted; an SNS action's inline content never is)",
        ),
        (
            EmailRef(bucket="inbound", key="raw/x", sns_topic_arn="arn:aws:sns:::other"),
            "untrusted notification: an SNS envelope from a topic that is not the inbound topic",
        ),
        (
            EmailRef(bucket="inbound", key="raw/x", sns_topic_arn=""),
            "untrusted notification: an SNS envelope from a topic that is not the inbound topic",
        ),
    ],
)
def test_a_location_ses_did_not_store_or_announce_is_refused(where, reason):
    refused = check_location(where, INBOUND)
    assert refused is not None
    assert refused == reason
    assert refused.reason_class is RefusalClass.UNTRUSTED


def test_without_a_configured_topic_every_sns_envelope_is_refused():
    unset = Inbound("inbound", "raw/", None)
    assert check_location(STORED, unset) == (
        "untrusted notification: an SNS envelope from a topic that is not the inbound topic "
        "(inbound_topic_arn is not set)"
    )
    assert check_location(EmailRef(bucket="inbound", key="raw/x"), unset) is None


def test_ses_setup_notification_object_is_not_mail():
    refused = check_location(
        EmailRef(bucket="inbound", key="raw/AMAZON_SES_SETUP_NOTIFICATION"), INBOUND
    )
    assert refused == "SES setup notification"
    assert refused.reason_class is RefusalClass.NOT_MAIL


def test_admit_checks_where_the_email_is_too():
    elsewhere = EmailRef(bucket="other", key="raw/x")
    assert decided(with_ses_headers(RAW, PASSING), elsewhere) == (
        "object is in bucket 'other', not the inbound bucket"
    )


# --- forwarding hops ---------------------------------------------------------------------------


def one_hop(address: str | None, allowlist: list[str]) -> str | None:
    """One hop forwarded by ``address`` (none when None)."""
    hops = (Hop(address, "inline"),) if address else ()
    return check_hops(hops, allowlist, is_platform=is_platform)


def test_allowlisted_forwarder_is_admitted_in_any_case():
    assert one_hop("Dana@SailJada.com", ["dana@sailjada.com"]) is None


def test_allowlisted_domain_admits_every_mailbox_in_it():
    assert one_hop("ops@sailjada.com", ["@sailjada.com"]) is None


def test_unknown_forwarder_is_refused_without_naming_it():
    reason = one_hop("mallory@evil.example", ["dana@sailjada.com"])
    assert (
        reason == "forwarded (hop 1 of 1 (inline)) by a mailbox that is not in forwarder_allowlist"
    )


def test_empty_allowlist_refuses_every_forward_and_says_why():
    assert one_hop("dana@sailjada.com", []) == "forwarded, and forwarder_allowlist is empty"


def test_mail_not_forwarded_needs_no_allowlist():
    assert one_hop(None, []) is None


@pytest.mark.parametrize("problem", ["none", "several", "undisclosed"])
def test_a_hop_that_names_no_single_mailbox_is_refused(problem):
    hops = (Hop(None, "inline", problem),)
    reason = check_hops(hops, ["dana@sailjada.com"], is_platform=is_platform)
    assert reason is not None
    assert reason.startswith("forwarded, and hop 1 of 1 (inline) names no single forwarder")


def test_every_hop_must_be_allowlisted():
    hops = (Hop("dana@sailjada.com", "inline"), Hop("mallory@evil.example", "inline"))
    reason = check_hops(hops, ["dana@sailjada.com"], is_platform=is_platform)
    assert (
        reason == "forwarded (hop 2 of 2 (inline)) by a mailbox that is not in forwarder_allowlist"
    )


def test_the_platform_itself_may_be_a_hop():
    hops = (Hop("dana@sailjada.com", "auto"), Hop("no-reply@boatsetter.com", "inline"))
    assert check_hops(hops, ["dana@sailjada.com"], is_platform=is_platform) is None

from worker.admission import (
    check_forwarder,
    check_location,
    check_verdicts,
    verdicts_from_headers,
)
from worker.decode import EmailRef, Verdicts
from worker.ingest import PASSING, with_ses_headers

ALL_PASS = Verdicts(spam="PASS", virus="PASS", spf="PASS", dkim="PASS", dmarc="PASS")
RAW = b"From: Boatsetter <no-reply@boatsetter.com>\r\nSubject: x\r\n\r\nbody\r\n"


def test_passing_verdicts_admit():
    assert check_verdicts(ALL_PASS, require_authenticated_sender=True) is None


def test_spam_fail_is_refused():
    verdicts = Verdicts(spam="FAIL", virus="PASS", spf="PASS", dkim="PASS")
    assert check_verdicts(verdicts, require_authenticated_sender=False) == "SES spam verdict FAIL"


def test_virus_fail_is_refused():
    verdicts = Verdicts(spam="PASS", virus="FAIL", spf="PASS", dkim="PASS")
    assert "virus" in (check_verdicts(verdicts, require_authenticated_sender=False) or "")


def test_dkim_alone_authenticates_a_forwarded_sender():
    verdicts = Verdicts(spam="PASS", virus="PASS", spf="FAIL", dkim="PASS", dmarc="PASS")
    assert check_verdicts(verdicts, require_authenticated_sender=True) is None


def test_spf_and_dkim_verdicts_alone_no_longer_decide():
    """Bare verdicts say nothing of the From domain: alignment (check_sender) decides."""
    verdicts = Verdicts(spam="PASS", virus="PASS", spf="FAIL", dkim="GRAY")
    assert check_verdicts(verdicts, require_authenticated_sender=True) is None


def test_dmarc_fail_is_refused_even_with_spf_pass():
    verdicts = Verdicts(spam="PASS", virus="PASS", spf="PASS", dkim="FAIL", dmarc="FAIL")
    assert check_verdicts(verdicts, require_authenticated_sender=True) == "sender fails DMARC"


def test_authentication_can_be_switched_off():
    verdicts = Verdicts(spam="PASS", virus="PASS", spf="FAIL", dkim="FAIL", dmarc="FAIL")
    assert check_verdicts(verdicts, require_authenticated_sender=False) is None


def test_allowlisted_forwarder_is_admitted_in_any_case():
    assert check_forwarder("Dana@SailJada.com", ["dana@sailjada.com"]) is None


def test_allowlisted_domain_admits_every_mailbox_in_it():
    assert check_forwarder("ops@sailjada.com", ["@sailjada.com"]) is None


def test_unknown_forwarder_is_refused_without_naming_it():
    reason = check_forwarder("mallory@evil.example", ["dana@sailjada.com"])
    assert reason == "forwarded by a mailbox that is not in forwarder_allowlist"


def test_empty_allowlist_refuses_every_forward_and_says_why():
    assert check_forwarder("dana@sailjada.com", []) == "forwarded, and forwarder_allowlist is empty"


def test_mail_not_forwarded_needs_no_allowlist():
    assert check_forwarder(None, []) is None


def test_object_outside_the_inbound_bucket_is_refused():
    reason = check_location(EmailRef(bucket="other", key="raw/x"), "inbound")
    assert reason == "object is in bucket 'other', not the inbound bucket"


def test_ses_setup_notification_object_is_refused():
    ref = EmailRef(bucket="inbound", key="raw/AMAZON_SES_SETUP_NOTIFICATION")
    assert check_location(ref, "inbound") == "SES setup notification"


def test_verdicts_are_read_from_ses_headers_on_a_stored_email():
    stored = with_ses_headers(RAW, {**PASSING, "spam": "FAIL", "dkim": "FAIL"})
    assert verdicts_from_headers(stored) == Verdicts(
        spam="FAIL", virus="PASS", spf="PASS", dkim="FAIL", dmarc="PASS"
    )


def test_email_without_ses_headers_has_no_verdicts():
    assert verdicts_from_headers(RAW) is None


def test_forged_verdict_below_ses_own_is_not_read():
    forged = b"X-SES-Spam-Verdict: PASS\r\n" + RAW
    stored = with_ses_headers(forged, {**PASSING, "spam": "FAIL"})
    verdicts = verdicts_from_headers(stored)
    assert verdicts is not None
    assert verdicts.spam == "FAIL"


def test_authentication_results_from_another_server_are_not_ses_verdicts():
    raw = b"Authentication-Results: mx.evil.example; spf=pass; dkim=pass\r\n" + RAW
    assert verdicts_from_headers(raw) is None

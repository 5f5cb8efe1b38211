import pytest

from parsers import Hop
from parsers.registry import is_platform
from sandbox.ingest import PASSING, with_ses_headers
from worker.admission import (
    check_hops,
    check_location,
    check_verdicts,
    verdicts_from_headers,
)
from worker.decode import EmailRef, Verdicts

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

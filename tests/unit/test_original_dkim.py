"""The platform's DKIM signature on an original forwarded as an attachment, checked offline."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings import ParseError, TransientError, default_fleet
from parsers import parse_email
from parsers.attached import attached_original, first_attached_bytes
from tests.support.dkim import KeyRing, crlf, forward_as_attachment, private_key, sign
from tests.support.emailkit import attachment_forward, confirmed
from trust.admission import check_sender
from trust.authresults import parse as parse_results
from trust.original_dkim import verify_original
from trust.provenance import platform_domains, provenance_of
from worker.parsing import ParsersReader

BOATSETTER = platform_domains("boatsetter")


@pytest.fixture
def ring() -> KeyRing:
    return KeyRing()


def original(**overrides: object) -> bytes:
    return crlf(confirmed(**overrides).as_bytes())


def test_the_attached_original_is_cut_out_byte_for_byte(ring):
    signed = sign(original(), "boatsetter.com", ring.publish("boatsetter.com"))
    assert attached_original(forward_as_attachment(signed)) == signed


def test_a_forward_built_by_a_mail_library_is_cut_out_too():
    forward = attachment_forward(confirmed()).as_bytes()
    cut = attached_original(forward)
    assert cut is not None
    assert b"From: Boatsetter <no-reply@boatsetter.com>" in cut


def test_mail_that_is_not_a_forward_as_attachment_has_no_attached_original():
    assert attached_original(original()) is None


def test_the_platforms_signature_verifies(ring):
    signed = sign(original(), "boatsetter.com", ring.publish("boatsetter.com"))
    check = verify_original(signed, BOATSETTER, ring.lookup)
    assert check.verified
    assert check.domain == "boatsetter.com"
    assert ring.asked == [b"s1._domainkey.boatsetter.com."]


def test_a_signature_by_a_platform_subdomain_verifies(ring):
    signed = sign(original(), "em.boatsetter.com", ring.publish("em.boatsetter.com"))
    assert verify_original(signed, BOATSETTER, ring.lookup).verified


def test_an_altered_original_does_not_verify(ring):
    signed = sign(original(), "boatsetter.com", ring.publish("boatsetter.com"))
    altered = signed.replace(
        b"Subject: Booking confirmed: Maya T.", b"Subject: Booking confirmed: Mal T."
    )
    check = verify_original(altered, BOATSETTER, ring.lookup)
    assert not check.verified
    assert check.reason == "the DKIM signature of boatsetter.com does not verify"


def test_a_valid_signature_of_another_domain_proves_nothing(ring):
    signed = sign(original(), "evil.example", ring.publish("evil.example"))
    check = verify_original(signed, BOATSETTER, ring.lookup)
    assert not check.verified
    assert ring.asked == []  # not even looked up


def test_the_platforms_signature_on_someone_elses_from_proves_nothing(ring):
    signed = sign(
        original(sender="Maya <maya@example.com>"),
        "boatsetter.com",
        ring.publish("boatsetter.com"),
    )
    check = verify_original(signed, BOATSETTER, ring.lookup)
    assert not check.verified
    assert check.reason == "the attached original's From is not the platform's"


def test_a_signature_over_part_of_the_body_proves_nothing(ring):
    signed = sign(original(), "boatsetter.com", ring.publish("boatsetter.com"), length=True)
    check = verify_original(signed, BOATSETTER, ring.lookup)
    assert not check.verified
    assert "l=" in check.reason


def test_an_unpublished_key_does_not_verify(ring):
    signed = sign(original(), "boatsetter.com", private_key())  # nothing in DNS
    assert not verify_original(signed, BOATSETTER, ring.lookup).verified


def test_no_signature_does_not_verify(ring):
    check = verify_original(original(), BOATSETTER, ring.lookup)
    assert (check.verified, check.reason) == (False, "the attached original has no DKIM signature")


def test_dns_that_does_not_answer_is_transient_not_a_bad_signature(ring):
    signed = sign(original(), "boatsetter.com", ring.publish("boatsetter.com"))

    def timeout(name: bytes) -> bytes | None:
        raise TransientError("DNS did not answer for a DKIM key (Timeout)")

    with pytest.raises(TransientError):
        verify_original(signed, BOATSETTER, timeout)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000), st.sampled_from([b"", b"--==fw==\r\n", b"\r\n--==fw==--\r\n"]))
def test_whatever_the_bytes_cutting_and_checking_never_raise(noise, tail):
    """A stranger's bytes, inside a forward or alone: no answer but None or a refusal."""
    ring = KeyRing()
    forged = b"DKIM-Signature: v=1; a=rsa-sha256; d=boatsetter.com; s=s1; h=from; bh=x; b=y\r\n"
    signed_noise = forged + b"From: <a@boatsetter.com>\r\n\r\n" + noise
    for raw in (noise, forward_as_attachment(noise + tail), forward_as_attachment(signed_noise)):
        cut = attached_original(raw)
        if cut is not None:
            assert not verify_original(cut, BOATSETTER, ring.lookup).verified


def test_multiparts_nested_beyond_any_mail_client_are_not_cut():
    inner = b"Content-Type: message/rfc822\r\n\r\nFrom: <a@boatsetter.com>\r\n\r\nhi\r\n"
    for level in range(30):
        inner = (
            f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n'.encode()
            + inner
            + f"\r\n--b{level}--\r\n".encode()
        )
    assert first_attached_bytes(inner) is None


# --- issue 18, point 3: a signed original proves only what it signs ---------------------------

#: what whoever edits a signed original puts on top: dkimpy verifies the bottom-most instances
PREPENDED = (
    b"Subject: Booking cancelled: Maya T. on Sun, May 30\r\n"
    b"Date: Fri, 01 Jan 2100 09:00:00 -0800\r\n"
)


def signed_then_edited(ring: KeyRing, prepended: bytes = PREPENDED) -> bytes:
    return prepended + sign(original(), "boatsetter.com", ring.publish("boatsetter.com"))


def test_a_signed_original_with_a_subject_and_date_put_on_top_is_not_verified(ring):
    check = verify_original(signed_then_edited(ring), BOATSETTER, ring.lookup)
    assert not check.verified
    assert check.reason == (
        "the attached original has 2 Date headers: its DKIM signature proves only one"
    )


@pytest.mark.parametrize(
    "header",
    [b"From", b"Date", b"Subject", b"To", b"Cc", b"Message-ID", b"Reply-To", b"Sender"],
)
def test_any_singleton_header_given_twice_makes_the_original_unverified(ring, header):
    extra = header + b": <someone@boatsetter.com>\r\n"
    if header in (b"Cc", b"Reply-To", b"Sender"):  # not in the original: give it twice
        extra *= 2
    check = verify_original(signed_then_edited(ring, extra), BOATSETTER, ring.lookup)
    assert not check.verified
    assert check.reason == (
        f"the attached original has 2 {header.decode()} headers: its DKIM signature proves only one"
    )


def test_a_header_hidden_behind_a_bare_carriage_return_counts_too(ring):
    """dkimpy splits lines on CRLF or LF; the parser also on a bare CR: either's view counts."""
    edited = b"X-Note: hi\rSubject: Booking cancelled: Maya T. on Sun, May 30\r\n"
    check = verify_original(signed_then_edited(ring, edited), BOATSETTER, ring.lookup)
    assert not check.verified
    assert "Subject" in check.reason


def test_the_parser_refuses_an_attached_original_with_a_subject_put_on_top(ring):
    """The parser reads no header dkimpy did not verify: a doubled Subject or Date is a
    ParseError naming it (a person looks), never the top one read as the booking's kind or as_of."""
    forward = forward_as_attachment(signed_then_edited(ring))
    with pytest.raises(ParseError) as caught:
        parse_email(forward, default_fleet())
    assert "Subject" in str(caught.value)
    assert "Date" in str(caught.value)


def test_the_worker_calls_such_a_forward_unverified(ring):
    forward = forward_as_attachment(signed_then_edited(ring))
    origin = ParsersReader(default_fleet()).origin(forward)
    proven = provenance_of(origin, None, "boatsetter", ring.lookup)
    assert not proven.verified
    assert "2 Date headers" in (proven.proof or "")


def test_a_directly_received_platform_email_with_a_subject_put_on_top_is_refused():
    """SES's DKIM verdict on direct mail also speaks to the bottom-most instances."""
    raw = b"Subject: Booking cancelled: Maya T. on Sun, May 30\r\n" + original()
    with pytest.raises(ParseError, match="Subject"):
        parse_email(raw, default_fleet())


def test_a_directly_received_email_with_two_froms_names_no_sender_to_align():
    """SES's DKIM and DMARC verdicts speak to one of two Froms: neither is the email's From."""
    results = parse_results(
        "amazonses.com; dkim=pass header.d=boatsetter.com; dmarc=pass header.from=boatsetter.com"
    )
    reader = ParsersReader(default_fleet())
    single = reader.origin(original()).from_address
    assert check_sender(results, single, required=True) is None
    raw = b"From: Boatsetter <no-reply@boatsetter.com>\r\n" + original(
        sender="Mallory <mallory@evil.example>"
    )
    doubled = reader.origin(raw).from_address
    assert doubled is None
    refused = check_sender(results, doubled, required=True)
    assert refused == "the email names no single From address to authenticate"


def test_an_attached_original_with_two_froms_is_not_the_platforms(ring):
    edited = b"From: Boatsetter <no-reply@boatsetter.com>\r\n"
    forward = forward_as_attachment(signed_then_edited(ring, edited))
    origin = ParsersReader(default_fleet()).origin(forward)
    assert origin.original_sender is None


# --- issue 18, point 9: the attached original is checked whatever the shape around it ---------


def test_a_signed_original_carried_along_by_an_inline_forward_still_verifies(ring):
    """The owner forwards inline the ops desk's forward as attachment: the original rides along
    byte for byte, and its signature proves it as before, with both mailboxes named as hops."""
    signed = sign(original(), "boatsetter.com", ring.publish("boatsetter.com"))
    quoting = (
        b"FYI\r\n\r\n---------- Forwarded message ---------\r\n"
        b"From: Ops Desk <ops@sailjada.com>\r\nDate: Tue, Mar 2, 2027 at 9:30 AM\r\n"
        b"Subject: FW: Booking confirmed: Maya T. on Sun, May 30\r\nTo: <dana@sailjada.com>\r\n"
        b"\r\nSee attached."
    )
    origin = ParsersReader(default_fleet()).origin(forward_as_attachment(signed, quoting))
    assert [(hop.address, hop.style) for hop in origin.hops] == [
        ("dana@sailjada.com", "inline"),
        ("ops@sailjada.com", "attachment"),
    ]
    assert origin.attached_original == signed
    proven = provenance_of(origin, None, "boatsetter", ring.lookup)
    assert (proven.verified, proven.forwarded_by) == (True, "dana@sailjada.com")

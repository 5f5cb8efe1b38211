"""The platform's DKIM signature on an original forwarded as an attachment, checked offline."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings import TransientError
from parsers.attached import attached_original, first_attached_bytes
from tests.support.dkim import KeyRing, crlf, forward_as_attachment, private_key, sign
from tests.support.emailkit import attachment_forward, confirmed
from trust.original_dkim import verify_original
from trust.provenance import platform_domains

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

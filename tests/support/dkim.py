"""A platform's DKIM signing, made in the test: a key, its DNS record, signed originals, forwards.

Nothing leaves the machine: the signature is dkimpy's own, and the key lookup answers from the
records a test published (``KeyRing.lookup``), as DNS would.
"""

import base64
from dataclasses import dataclass, field
from functools import cache

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

FORWARDER_HEADERS = (
    b"From: Dana Reyes <dana@sailjada.com>\r\n"
    b"To: bookings@in.sailjada.com\r\n"
    b"Subject: FW: Booking confirmed: Maya T. on Sun, May 30\r\n"
    b"Date: Tue, 02 Mar 2027 10:01:00 -0800\r\n"
    b"Message-ID: <fw-1@sailjada.com>\r\n"
)


@cache
def private_key(bits: int = 1024) -> rsa.RSAPrivateKey:
    """One RSA key per test session (dkimpy refuses keys under 1024 bits)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def dns_record(key: rsa.RSAPrivateKey) -> bytes:
    """The TXT record a domain publishes for ``key``."""
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


@dataclass
class KeyRing:
    """DNS as far as DKIM keys go: ``<selector>._domainkey.<domain>.`` → TXT record."""

    records: dict[bytes, bytes] = field(default_factory=dict)
    asked: list[bytes] = field(default_factory=list)

    def publish(self, domain: str, selector: str = "s1") -> rsa.RSAPrivateKey:
        key = private_key()
        self.records[f"{selector}._domainkey.{domain}.".encode()] = dns_record(key)
        return key

    def lookup(self, name: bytes) -> bytes | None:
        self.asked.append(name)
        return self.records.get(name)


def sign(
    message: bytes,
    domain: str,
    key: rsa.RSAPrivateKey,
    *,
    selector: str = "s1",
    length: bool = False,
) -> bytes:
    """``message`` with a DKIM-Signature by ``domain`` on top, as the platform's server adds."""
    signature = dkim.sign(
        message,
        selector.encode(),
        domain.encode(),
        pem(key),
        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
        length=length,
    )
    return bytes(signature) + message


def crlf(message: bytes) -> bytes:
    """Line endings as on the wire."""
    return message.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def forward_as_attachment(original: bytes, note: bytes = b"Please add this one.") -> bytes:
    """An owner's "forward as attachment": the original's bytes inside message/rfc822, untouched."""
    return (
        FORWARDER_HEADERS
        + b"MIME-Version: 1.0\r\n"
        + b'Content-Type: multipart/mixed; boundary="==fw=="\r\n\r\n'
        + b"--==fw==\r\n"
        + b'Content-Type: text/plain; charset="utf-8"\r\n\r\n'
        + note
        + b"\r\n\r\n--==fw==\r\n"
        + b"Content-Type: message/rfc822\r\n"
        + b'Content-Disposition: attachment; filename="booking.eml"\r\n\r\n'
        + original
        + b"\r\n--==fw==--\r\n"
    )

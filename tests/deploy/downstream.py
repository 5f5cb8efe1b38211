"""The sandbox calendar and SCC over HTTPS on loopback, for a worker configured by terraform.

terraform accepts only ``https://`` for ``calendar_base_url`` and ``scc_base_url`` (as it should),
so the sandboxes get a throwaway certificate for 127.0.0.1 and the worker process trusts it
through OpenSSL's own ``SSL_CERT_FILE``: the worker's settings stay exactly terraform's output.
"""

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sandbox.calendar import CalendarSandbox
from sandbox.records_api import RecordsApi, serving
from sandbox.scc import SccSandbox, hash_service_key


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that is its own CA, and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "charterhand sandbox")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=6))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "sandbox-cert.pem", directory / "sandbox-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def https_url(api: RecordsApi, context: ssl.SSLContext) -> str:
    """Switch a started sandbox's listening socket to TLS; its https base URL."""
    server = api._server
    assert server is not None
    server.socket = context.wrap_socket(server.socket, server_side=True)
    host, port = server.server_address[:2]
    return f"https://{host!s}:{port}"


@dataclass(frozen=True)
class HttpsDownstream:
    calendar: CalendarSandbox
    scc: SccSandbox
    calendar_url: str
    scc_url: str
    ca_file: Path


@contextmanager
def running_https_downstream(
    directory: Path, dashboard_token: str, scc_service_key: str
) -> Iterator[HttpsDownstream]:
    cert, key = self_signed(directory)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with ExitStack() as stack:
        calendar = stack.enter_context(serving(CalendarSandbox(dashboard_token)))
        scc = stack.enter_context(serving(SccSandbox(hash_service_key(scc_service_key, rounds=4))))
        yield HttpsDownstream(
            calendar, scc, https_url(calendar, context), https_url(scc, context), cert
        )

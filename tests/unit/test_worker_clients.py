"""Every AWS client the worker composes comes from the one factory and carries its config: the
same timeouts, retry mode and pool; SES sends make one attempt, the calendar's Lambda transport
times out and retries as its policy says."""

import threading
from collections.abc import Iterator
from dataclasses import fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from botocore.exceptions import ClientError
from botocore.validate import ParamValidationDecorator

from app.compose import Clients
from aws.clients import ATTEMPTS, CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS
from publishers.transport.api import lambda_client
from publishers.transport.http import HttpPolicy
from publishers.transport.mail import ses_client

POOL = 48


@pytest.fixture
def fake_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Region and credentials for building clients (no request goes out unless a test sends)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def clients(fake_aws: None) -> Clients:
    return Clients.from_environment(max_pool_connections=POOL, calendar_lambda=True)


def config_of(client: Any) -> dict[str, Any]:
    """What a built client does, as far as botocore says. ``meta.config`` does not keep
    ``parameter_validation`` (it always reads True): the serializer says whether it validates."""
    config = client.meta.config
    return {
        "connect_timeout": config.connect_timeout,
        "read_timeout": config.read_timeout,
        "retries": config.retries,
        "max_pool_connections": config.max_pool_connections,
        "parameter_validation": isinstance(client._serializer, ParamValidationDecorator),
    }


def factory_config(attempts: int = ATTEMPTS, **changes: Any) -> dict[str, Any]:
    return {
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "read_timeout": READ_TIMEOUT_SECONDS,
        "retries": {"mode": "standard", "total_max_attempts": attempts},
        "max_pool_connections": POOL,
        "parameter_validation": False,
        **changes,
    }


def test_the_worker_composes_every_client_it_uses(clients):
    assert {f.name: getattr(clients, f.name) is not None for f in fields(clients)} == {
        "sqs": True,
        "s3": True,
        "dynamodb": True,
        "sesv2": True,
        "secretsmanager": True,
        "cloudfront": True,
        "lambda_": True,
    }


@pytest.mark.parametrize("service", ["sqs", "s3", "dynamodb", "secretsmanager", "cloudfront"])
def test_each_client_has_the_factory_config_and_the_worker_pool(clients, service):
    assert config_of(getattr(clients, service)) == factory_config()


def test_the_ses_client_makes_one_attempt(clients):
    assert config_of(clients.sesv2) == factory_config(attempts=1)


def test_the_lambda_client_times_out_and_retries_as_its_policy(clients):
    policy = HttpPolicy()
    assert config_of(clients.lambda_) == factory_config(
        attempts=policy.retries + 1,
        connect_timeout=policy.connect_timeout,
        read_timeout=policy.timeout,
    )


def test_without_the_lambda_transport_no_lambda_client_is_built(fake_aws):
    assert Clients.from_environment().lambda_ is None


def test_the_publishers_take_the_worker_clients_and_build_none(clients):
    downstream = clients.downstream()
    for name in ("dynamodb", "sesv2", "lambda_", "secretsmanager", "s3", "cloudfront"):
        assert getattr(downstream, name) is getattr(clients, name), name


def test_the_transports_own_clients_come_from_the_factory(fake_aws):
    policy = HttpPolicy(connect_timeout=1.5, timeout=7.0, retries=0)
    assert config_of(ses_client()) == factory_config(attempts=1, max_pool_connections=10)
    assert config_of(lambda_client(policy)) == factory_config(
        attempts=1, connect_timeout=1.5, read_timeout=7.0, max_pool_connections=10
    )


class FailingAws(BaseHTTPRequestHandler):
    """Answers every request with a 500 and counts them."""

    requests: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.requests.append(self.path)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"message": "internal failure"}'
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def failing_aws(fake_aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FailingAws)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_port}")
    FailingAws.requests = []
    try:
        yield FailingAws.requests
    finally:
        server.shutdown()
        server.server_close()


def test_a_send_ses_answers_with_a_500_is_not_repeated_by_the_sdk(failing_aws):
    sesv2 = Clients.from_environment().sesv2
    assert sesv2 is not None

    with pytest.raises(ClientError):
        sesv2.send_email(Content={"Raw": {"Data": b"Subject: hi\r\n\r\nhello"}})

    assert len(failing_aws) == 1

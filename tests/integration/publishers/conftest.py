"""Sandbox calendar and SCC servers on 127.0.0.1, one per test, and a quick HTTP policy."""

from collections.abc import Iterator

import pytest

from publishers.transport.http import HttpPolicy, JsonHttp
from sandbox.calendar import CalendarSandbox
from sandbox.records_api import serving
from sandbox.scc import SccSandbox, hash_service_key

DASHBOARD_TOKEN = "dash-token-for-tests"
SCC_KEY = "scc-service-key-for-tests"


@pytest.fixture(scope="session")
def scc_key_hash() -> bytes:
    return hash_service_key(SCC_KEY, rounds=4)


@pytest.fixture
def calendar_server() -> Iterator[CalendarSandbox]:
    with serving(CalendarSandbox(DASHBOARD_TOKEN)) as server:
        yield server


@pytest.fixture
def scc_server(scc_key_hash) -> Iterator[SccSandbox]:
    with serving(SccSandbox(scc_key_hash)) as server:
        yield server


@pytest.fixture
def policy() -> HttpPolicy:
    """Short timeouts and backoff so fault tests take well under a second each."""
    return HttpPolicy(connect_timeout=0.5, timeout=0.5, retries=2, backoff_factor=0.01)


@pytest.fixture
def http(policy) -> Iterator[JsonHttp]:
    client = JsonHttp(policy)
    yield client
    client.close()

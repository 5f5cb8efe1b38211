"""Shared fixtures. Paths are resolved from this file so tests run from any directory."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.aws import MotoServer, running_moto

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """One moto server per test session, on 127.0.0.1 and a free port."""
    with running_moto() as server:
        yield server


@pytest.fixture
def aws(moto_server: MotoServer) -> Iterator[MotoServer]:
    """An empty AWS account for one test: moto's state is reset before and after."""
    moto_server.reset()
    yield moto_server
    moto_server.reset()

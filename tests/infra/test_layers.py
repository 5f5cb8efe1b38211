"""The layers contract (pyproject.toml, docs/layout.md) fails `make test` on an upward import.

Runs import-linter, as `make lint` does, on a copy of the source: once as it is (every contract
kept), once with one arrow pointing up (the worker importing the composition root), which must
break the layers contract and name the import.
"""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _layers() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        config = tomllib.load(handle)["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return list(contract["layers"])


@pytest.fixture
def source(tmp_path: Path) -> Path:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        packages = tomllib.load(handle)["tool"]["importlinter"]["root_packages"]
    for package in packages:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)},
        check=False,
    )


def test_the_layers_run_from_the_commands_down_to_the_domain():
    layers = _layers()
    assert layers[0] == "commands"
    assert layers[-1] == "bookings"
    assert "app | ops | api" in layers
    assert (
        layers.index("worker")
        < layers.index("audit | trust")
        < layers.index("publishers | parsers")
    )
    assert layers.index("publishers | parsers") < layers.index("state | templates")


def test_the_source_keeps_every_contract(source: Path):
    result = _lint(source)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_layers(source: Path):
    loop = source / "worker" / "loop.py"
    loop.write_text(loop.read_text() + "\nfrom app.compose import build_worker  # noqa\n")
    result = _lint(source)
    assert result.returncode != 0
    assert "layers: each package imports only the packages below it BROKEN" in result.stdout
    assert "worker.loop -> app.compose" in result.stdout

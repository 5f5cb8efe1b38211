"""No unused runtime dependency: each one in [project] dependencies is used by production code.

"Used" is imported by a module the image runs, or named by one as a string where a library loads
it by name. What only the benches use is the ``bench`` extra.
"""

import ast
import importlib.metadata
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from tests.infra.runtime_only import RUNTIME_PACKAGES

ROOT = Path(__file__).resolve().parents[2]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def _used_names() -> set[str]:
    """Top-level modules production code imports, and every string literal it holds."""
    used: set[str] = set()
    for package in RUNTIME_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    used |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    used.add(node.module.split(".")[0])
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                    used.add(node.value)
    return used


def _modules_of(distribution: str) -> set[str]:
    owners = importlib.metadata.packages_distributions()
    return {
        module
        for module, dists in owners.items()
        if _normal(distribution) in {_normal(d) for d in dists}
    }


RUNTIME = [Requirement(r).name for r in _pyproject()["project"]["dependencies"]]
USED = _used_names()


@pytest.mark.parametrize("distribution", RUNTIME)
def test_every_runtime_dependency_is_used_by_production_code(distribution: str):
    modules = _modules_of(distribution)
    assert modules, f"{distribution} is not installed"
    assert modules & USED, f"{distribution} ({sorted(modules)}): no production module uses it"


def test_what_only_the_benches_use_is_their_extra_and_not_a_runtime_dependency():
    extras = _pyproject()["project"]["optional-dependencies"]
    bench = {_normal(Requirement(r).name) for r in extras["bench"]}
    assert {"mail-parser", "email-forward-parser", "pyinstrument"} <= bench
    assert not bench & {_normal(name) for name in RUNTIME}
    assert "mailparser" not in USED  # the product never imports it
    assert "charterhand[bench]" in extras["dev"]  # `make` installs the benches' packages too

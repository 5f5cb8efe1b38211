"""A name means one thing across the tree (docs/layout.md): no two shipped modules define a class
of the same name. Two ``Lease`` classes (the state table's and the orchestrator's) once meant
"which lease" had two answers depending on the import."""

import ast
from collections import defaultdict
from pathlib import Path

from tests.infra.runtime_only import RUNTIME_PACKAGES

ROOT = Path(__file__).resolve().parents[2]


def classes_by_name(paths: list[Path]) -> dict[str, list[str]]:
    """Each top-level class name → the modules that define it."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                found[node.name].append(path.relative_to(ROOT).as_posix())
    return found


def test_no_two_shipped_modules_define_a_class_of_the_same_name():
    paths = [
        path for package in RUNTIME_PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
    ]
    doubled = {name: where for name, where in classes_by_name(paths).items() if len(where) > 1}
    assert doubled == {}

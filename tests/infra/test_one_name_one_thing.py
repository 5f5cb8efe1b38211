"""A name means one thing across the tree (docs/layout.md).

No two shipped modules define a class of the same name: two ``Lease`` classes (the state
table's and the orchestrator's) once meant "which lease" had two answers depending on the import.
And no log line calls a booking's key ``booking_id``: that is the platform's id inside the key
(``xhqgmdh`` in ``boatsetter:xhqgmdh``); the key is ``booking_key`` in logs as in code.
"""

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


#: what structlog's loggers log with
LOG_METHODS = frozenset({"debug", "info", "warning", "error", "exception", "critical"})


def _shipped() -> list[Path]:
    return [path for package in RUNTIME_PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]


def log_calls_naming(field: str, paths: list[Path]) -> list[str]:
    """``path:line`` of each ``log.<level>(..., field=...)`` call."""
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in LOG_METHODS
                and any(keyword.arg == field for keyword in node.keywords)
            ):
                found.append(f"{path.relative_to(ROOT).as_posix()}:{node.lineno}")
    return found


def test_no_two_shipped_modules_define_a_class_of_the_same_name():
    doubled = {name: where for name, where in classes_by_name(_shipped()).items() if len(where) > 1}
    assert doubled == {}


def test_no_log_line_calls_the_booking_key_booking_id():
    assert log_calls_naming("booking_id", _shipped()) == []

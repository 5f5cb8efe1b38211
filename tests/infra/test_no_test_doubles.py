"""Test doubles and dev-only helpers stay out of what the image ships.

An in-memory stand-in (``Memory*``) in a shipped package can be wired into production by mistake
and makes the package claim behaviour it only imitates; ``create_table`` is the dev stack's
(terraform makes the real table). They live in ``tests/support/`` and ``sandbox/``.
"""

import ast
from pathlib import Path

from tests.infra.runtime_only import RUNTIME_PACKAGES

ROOT = Path(__file__).resolve().parents[2]

#: names no shipped package may define
FORBIDDEN_EXACT = frozenset({"create_table"})
FORBIDDEN_PREFIX = "Memory"

#: still there on this branch and being moved by another change; each entry must still be
#: found, so the entry goes when its name does (then this test fails until it is removed here)
PENDING: frozenset[tuple[str, str]] = frozenset()


def _forbidden(name: str) -> bool:
    return name in FORBIDDEN_EXACT or name.startswith(FORBIDDEN_PREFIX)


def defined_names(tree: ast.AST) -> set[str]:
    """Every class, function and plainly assigned name a module defines, at any depth."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def shipped_definitions() -> set[tuple[str, str]]:
    """(path, name) of every forbidden name a shipped package defines."""
    found: set[tuple[str, str]] = set()
    for package in RUNTIME_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            relative = path.relative_to(ROOT).as_posix()
            found |= {(relative, name) for name in defined_names(tree) if _forbidden(name)}
    return found


def test_no_shipped_package_defines_a_test_double_or_create_table():
    assert shipped_definitions() - PENDING == set()


def test_every_pending_move_is_still_pending():
    assert shipped_definitions() >= PENDING, "moved: remove it from PENDING"


def test_the_scan_finds_what_it_looks_for():
    source = "class MemoryQueue: ...\ndef create_table(c, n): ...\nMemoryLog = dict\n"
    found = {name for name in defined_names(ast.parse(source)) if _forbidden(name)}
    assert found == {"MemoryQueue", "create_table", "MemoryLog"}

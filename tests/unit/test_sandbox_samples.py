"""sandbox/ has its own sample emails: the demo reads them there, never the tests' fixtures."""

import ast
from pathlib import Path

from sandbox import SAMPLE_EMAILS
from sandbox.demo import DEMO_EMAILS, SAMPLES

SANDBOX = Path(SAMPLE_EMAILS).parent


def test_the_demo_reads_its_emails_from_sandbox_emails():
    assert SAMPLES == SANDBOX / "emails"
    assert all((SAMPLES / name).is_file() for name, _shows in DEMO_EMAILS)


def test_no_sandbox_module_names_a_path_into_tests():
    named = [
        f"{path.name}: {node.value!r}"
        for path in SANDBOX.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.strip("/") in {"tests", "fixtures", "tests/fixtures"}
    ]
    assert named == []

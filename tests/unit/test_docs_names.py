"""Every dotted name of ours that the docs write in backticks resolves in the code.

The docs are how a newcomer finds the code: a module, class or function they name that no longer
exists (a move, a rename) sends the reader nowhere. Names of files (``state.tf``) are not names of
code and are passed over.
"""

import importlib
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([*ROOT.glob("docs/*.md"), ROOT / "README.md", ROOT / "infra/terraform/README.md"])
#: our top-level packages (pyproject's import-linter root_packages)
PACKAGES = {
    "aws", "bookings", "parsers", "publishers", "templates", "state", "worker", "app", "ops",
    "commands", "api", "sandbox",
}  # fmt: skip
FILE_ENDINGS = {"py", "tf", "md", "toml", "json", "html", "txt", "css", "js", "ics", "eml", "zip"}
_DOTTED = re.compile(r"`([a-z_]+(?:\.[A-Za-z_][A-Za-z0-9_]*)+)")


def dotted_names(text: str) -> set[str]:
    """The ``package.module.attr`` names of ours in a document's code spans."""
    names = set()
    for match in _DOTTED.finditer(text):
        parts = match.group(1).split(".")
        if parts[0] in PACKAGES and parts[-1] not in FILE_ENDINGS:
            names.add(match.group(1))
    return names


def resolves(name: str) -> bool:
    """True when the longest importable prefix of ``name`` has the rest as attributes."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: ModuleType | object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


def test_the_check_sees_a_stale_name():
    assert dotted_names("see `worker.store.StateStore` and `state.tf`") == {
        "worker.store.StateStore"
    }
    assert not resolves("worker.store.StateStore")
    assert resolves("state.store.StateStore")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_name_the_docs_give_exists(doc: Path):
    stale = sorted(n for n in dotted_names(doc.read_text(encoding="utf-8")) if not resolves(n))
    assert not stale, f"{doc.relative_to(ROOT)} names code that does not exist: {stale}"

"""``make demo`` installs the product and the ``demo`` extra only: everything the demo's code
imports comes from those (and what they require), and none of the lint, type-check or browser
toolchain. ``make test`` installs ``dev``, which holds the demo's extra."""

import ast
import importlib.metadata
import re
import tomllib
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
#: what `charterhand demo` runs: the product, the dev stack and the commands
DEMO_PACKAGES = (
    "aws", "bookings", "parsers", "publishers", "templates", "state", "trust", "worker", "app",
    "ops", "api", "sandbox", "commands",
)  # fmt: skip
#: installed by `dev` for `make test`, never needed to run the demo
TOOLCHAIN = {"ruff", "mypy", "import-linter", "playwright", "python-hcl2", "pytest", "checkov"}
#: what moto[server] brings for services the demo never calls (the deploy tests need them)
EVERY_SERVICE = {"cfn-lint", "sympy", "aws-xray-sdk", "graphql-core", "openapi-spec-validator"}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _extras() -> dict[str, list[str]]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        project: dict[str, Any] = tomllib.load(handle)["project"]
    return {"": project["dependencies"], **project["optional-dependencies"]}


def _closure(requirements: list[str]) -> set[str]:
    """Every distribution ``requirements`` install, following each one's own requirements."""
    seen: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        name = _normal(req.name)
        if name == "charterhand":
            for extra in req.extras:
                todo += [Requirement(r) for r in _extras()[extra]]
            continue
        if name in seen:
            continue
        seen.add(name)
        for text in importlib.metadata.requires(req.name) or []:
            nested = Requirement(text)
            if nested.marker is None or any(
                nested.marker.evaluate({"extra": extra}) for extra in req.extras or {""}
            ):
                todo.append(nested)
    return seen


def _imported_top_levels() -> set[str]:
    names: set[str] = set()
    for package in DEMO_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
                    node.body = []  # stubs only mypy reads
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names


def test_everything_the_demo_imports_comes_with_the_product_and_the_demo_extra():
    extras = _extras()
    installed = _closure(extras[""] + extras["demo"]) | {"charterhand"}
    owners = importlib.metadata.packages_distributions()
    missing = {
        module: owners[module]
        for module in _imported_top_levels()
        if module in owners and not {_normal(d) for d in owners[module]} & installed
    }
    assert not missing, f"imported by the demo's code, not installed by `make demo`: {missing}"


def test_what_moto_server_imports_comes_with_the_demo_extra():
    """sandbox/aws.py runs moto's server (``moto.moto_server``), which imports flask and
    flask-cors itself: moto's own requirements do not bring them."""
    import moto

    installed = _closure(_extras()["demo"])
    owners = importlib.metadata.packages_distributions()
    server = Path(str(moto.__file__)).parent / "moto_server"
    imported = set()
    for path in server.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
    third_party = {m for m in imported if m in owners and m != "moto"}
    assert {"flask", "flask_cors", "werkzeug"} <= third_party
    missing = {m for m in third_party if not {_normal(d) for d in owners[m]} & installed}
    assert not missing, f"moto's server imports {missing}, which `make demo` does not install"


def test_the_demo_extra_carries_no_toolchain():
    installed = _closure(_extras()["demo"])
    assert not installed & TOOLCHAIN, installed & TOOLCHAIN
    assert not installed & EVERY_SERVICE, installed & EVERY_SERVICE


def test_dev_holds_the_demo_extra_and_make_demo_installs_only_it():
    assert "charterhand[demo]" in _extras()["dev"]
    makefile = (ROOT / "Makefile").read_text()
    demo = re.search(r"^demo: (\S+)$", makefile, re.MULTILINE)
    assert demo
    recipe = re.search(rf"^{re.escape(demo.group(1))}: .*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe
    assert "$(call install,demo)" in recipe.group(1)

"""Run as a script: import every runtime module and build the CLI with dev-only packages hidden.

The worker image installs the project without its dev extra and without ``sandbox/``. Any module
that imports moto, pytest, sandbox or another dev package at import time would crash the image at
start; here it fails with the module's name instead. Exit 0 when every module imports.

With arguments, it runs ``charterhand ARGS`` the same way, as the image would
(``runtime_only.py config check --help``).
"""

import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import pkgutil
import re
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
#: what the image runs; sandbox/ is for development only (the dev commands, the demo, the tests)
RUNTIME_PACKAGES = (
    "aws",
    "bookings",
    "parsers",
    "publishers",
    "templates",
    "state",
    "trust",
    "audit",
    "worker",
    "app",
    "ops",
    "commands",
    "api",
)
#: this checkout's own packages that the image does not ship
DEV_TREES = frozenset({"sandbox"})
#: the dev commands: they import sandbox, and commands.main leaves them out when it is missing
DEV_COMMAND_MODULES = frozenset({"commands.demo", "commands.ingest", "commands.sandbox"})


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_distributions(declared: Sequence[str] | None = None) -> set[str]:
    """The runtime dependencies of pyproject.toml (or the ``declared`` requirements) and
    everything they pull in (with extras), as installed here."""
    if declared is None:
        with (ROOT / "pyproject.toml").open("rb") as handle:
            declared = tomllib.load(handle)["project"]["dependencies"]
    seen: set[str] = set()
    todo = [Requirement(r) for r in declared]
    while todo:
        requirement = todo.pop()
        for extra in {"", *requirement.extras}:
            key = f"{_normal(requirement.name)}[{extra}]"
            if key in seen:
                continue
            seen.add(key)
            try:
                requires = importlib.metadata.requires(requirement.name) or []
            except importlib.metadata.PackageNotFoundError:
                continue
            for line in requires:
                nested = Requirement(line)
                if nested.marker is None or nested.marker.evaluate({"extra": extra}):
                    todo.append(nested)
    return {key.split("[")[0] for key in seen}


class HideDevPackages(importlib.abc.MetaPathFinder):
    """Refuses top-level modules that only non-runtime distributions provide."""

    def __init__(self, allowed: set[str]) -> None:
        owners = importlib.metadata.packages_distributions()
        self.hidden = (
            {
                module
                for module, dists in owners.items()
                if not {_normal(d) for d in dists} & allowed
            }
            - set(RUNTIME_PACKAGES)
        ) | DEV_TREES

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.split(".")[0] in self.hidden:
            raise ModuleNotFoundError(f"{fullname} is a dev-only package", name=fullname)
        return None


def main(argv: Sequence[str] = ()) -> int:
    sys.meta_path.insert(0, HideDevPackages(runtime_distributions()))
    if argv:
        from commands.main import main as charterhand

        return charterhand(argv)
    for package in RUNTIME_PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            if info.name not in DEV_COMMAND_MODULES:
                importlib.import_module(info.name)
    from commands.main import build_parser

    build_parser()
    print("runtime modules import without dev packages")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


def import_closure(entry_point: str) -> set[str]:
    """Every module ``entry_point`` imports at run time, directly or not (ours, the libraries',
    the standard library's; imports under ``TYPE_CHECKING`` left out): what a Lambda zip built
    for it must carry."""
    import grimp  # a dev package: this module also runs where dev packages are hidden

    graph = grimp.build_graph(
        *RUNTIME_PACKAGES,
        include_external_packages=True,
        exclude_type_checking_imports=True,
        cache_dir=None,
    )
    seen: set[str] = set()
    todo = [entry_point]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph.find_modules_directly_imported_by(module))
    return seen

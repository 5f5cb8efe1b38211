"""The worker image: small, non-root, runtime dependencies only, running `charterhand worker`.

No Docker daemon or registry is reachable here, so the Dockerfile is read as text (checkov also
scans it in `make lint`), and what the image would run is imported with dev packages hidden.
"""

import importlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.infra.module import Module
from tests.infra.runtime_only import (
    DEV_TREES,
    RUNTIME_PACKAGES,
    HideDevPackages,
    runtime_distributions,
)

ROOT = Path(__file__).resolve().parents[2]


def _instructions(stage: str) -> list[tuple[str, str]]:
    lines = stage.replace("\\\n", " ").splitlines()
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in (raw.strip() for raw in lines)
        if line and not line.startswith("#")
    ]


def _stages() -> list[list[tuple[str, str]]]:
    text = (ROOT / "Dockerfile").read_text()
    stages: list[list[tuple[str, str]]] = []
    for instruction in _instructions(text):
        if instruction[0] == "FROM":
            stages.append([])
        stages[-1].append(instruction)
    return stages


def _pyproject() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def test_the_image_runs_as_a_non_root_user():
    final = _stages()[-1]
    users = [value for op, value in final if op == "USER"]
    assert users, "the final stage sets no USER"
    uid = users[-1].split(":")[0]
    assert uid not in ("0", "root")


def test_the_image_runs_the_worker_command_of_the_console_script(tf: Module):
    final = dict(_stages()[-1])
    (script,) = json.loads(final["ENTRYPOINT"])
    assert script in _pyproject()["project"]["scripts"]
    assert json.loads(final["CMD"]) == ["worker"]
    container = tf.resource("aws_ecs_task_definition", "worker")["container_definitions"]
    assert 'command = ["worker"]' in container


def test_the_command_the_image_and_the_task_run_is_a_charterhand_subcommand():
    (command,) = json.loads(dict(_stages()[-1])["CMD"])
    result = subprocess.run(
        [sys.executable, "-m", "commands.main", command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert f"charterhand {command}" in result.stdout


def test_the_image_installs_the_project_without_its_dev_extra():
    build = _stages()[0]
    installs = [value for op, value in build if op == "RUN" and "pip install" in value]
    assert installs
    assert all("[dev" not in value and "pytest" not in value for value in installs)


def test_the_image_copies_every_package_the_project_declares():
    declared = {
        p.rstrip("*") for p in _pyproject()["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    copied = {value.split()[0] for op, value in _stages()[0] if op == "COPY"}
    assert declared <= copied
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignore[1 if ignore[0].startswith("#") else 0] == "*"  # an allowlist
    assert {f"!{package}/" for package in declared} <= set(ignore)


def test_both_stages_use_the_projects_python():
    requires = _pyproject()["project"]["requires-python"]
    assert ">=3.11" in requires
    bases = [value.split()[0] for stage in _stages() for op, value in stage if op == "FROM"]
    assert bases
    assert all(base.startswith("python:3.11-slim") for base in bases)


def test_every_package_the_image_runs_is_imported_with_dev_packages_hidden():
    declared = {
        p.rstrip("*") for p in _pyproject()["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    # sandbox/ is the dev stack: neither packaged nor copied into the image
    assert set(RUNTIME_PACKAGES) == declared - {"sandbox"}


def test_the_runtime_modules_import_with_dev_packages_hidden():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "infra" / "runtime_only.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_dev_package_guard_hides_dev_packages_and_keeps_runtime_ones():
    guard = HideDevPackages(runtime_distributions())
    with pytest.raises(ModuleNotFoundError, match="dev-only"):
        guard.find_spec("moto", None)
    assert guard.find_spec("pydantic", None) is None
    assert guard.find_spec("email_validator", None) is None  # pydantic[email]'s extra


def _declared_packages() -> list[str]:
    return list(_pyproject()["tool"]["setuptools"]["packages"]["find"]["include"])


def test_the_image_package_set_has_no_sandbox():
    setuptools = importlib.import_module("setuptools")  # what `pip install .` finds, untyped here
    installed = setuptools.find_packages(where=str(ROOT), include=_declared_packages())
    assert "commands" in installed
    assert "worker" in installed
    assert not [p for p in installed if p.split(".")[0] in DEV_TREES]
    copied = {value.split()[0] for stage in _stages() for op, value in stage if op == "COPY"}
    assert not DEV_TREES & copied
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert not {f"!{tree}/" for tree in DEV_TREES} & set(ignore)


def _as_the_image(*args: str) -> subprocess.CompletedProcess[str]:
    """``charterhand ARGS`` with sandbox/, moto and every other dev package hidden."""
    return subprocess.run(
        [sys.executable, str(ROOT / "tests" / "infra" / "runtime_only.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )


def test_the_image_lists_the_production_commands_and_no_dev_command():
    result = _as_the_image("--help")
    assert result.returncode == 0, result.stderr[-2000:]
    commands = result.stdout.split("positional arguments:")[1].split("options:")[0]
    listed = {line.split()[0] for line in commands.splitlines()[2:] if line.strip()}
    assert listed == {"worker", "dlq", "status", "intake", "config", "parse", "audit"}


@pytest.mark.parametrize(
    "command",
    [
        ["worker"],
        ["dlq"],
        ["dlq", "ls"],
        ["status"],
        ["intake"],
        ["config", "check"],
        ["parse"],
        ["audit"],
    ],
    ids=" ".join,
)
def test_each_production_command_runs_in_the_image(command: list[str]):
    result = _as_the_image(*command, "--help")
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"usage: charterhand {' '.join(command)}" in result.stdout


def test_config_reference_runs_in_the_image():
    result = _as_the_image("config", "reference")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "`CHARTERHAND_QUEUE_URL`" in result.stdout


def test_a_dev_command_is_not_a_command_of_the_image():
    result = _as_the_image("demo")
    assert result.returncode == 2
    assert "invalid choice: 'demo'" in result.stderr


def test_the_dev_package_guard_hides_this_checkouts_sandbox():
    guard = HideDevPackages(runtime_distributions())
    with pytest.raises(ModuleNotFoundError, match="dev-only"):
        guard.find_spec("sandbox.demo", None)


def test_the_image_carries_bytecode_for_everything_it_installs():
    """The image writes no bytecode at run time (``PYTHONDONTWRITEBYTECODE``, a non-root user over
    a root-owned venv): without it compiled at build, every start compiles every module from
    source (issue 21: nearly 1 s more from launch to the first message)."""
    build = _stages()[0]
    runs = " && ".join(value for op, value in build if op == "RUN")
    steps = [step.strip() for step in runs.split("&&")]
    compiles = [
        i for i, step in enumerate(steps) if "compileall" in step and "/opt/charterhand/lib" in step
    ]
    installs = [i for i, step in enumerate(steps) if "pip install" in step]
    assert compiles, "the build stage compiles no bytecode for the venv"
    assert installs
    assert max(installs) < compiles[-1], "bytecode compiled before the last install"
    assert "unchecked-hash" in steps[compiles[-1]]  # valid whatever the copied files' mtimes
    templates = [i for i, step in enumerate(steps) if "templates.warm_up()" in step]
    assert templates, "the build stage compiles no templates (templates.CompiledTemplates)"
    assert max(installs) < templates[-1]

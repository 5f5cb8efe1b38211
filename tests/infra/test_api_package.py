"""The links API's Lambda zip: our runtime packages at the root, deterministic, importable."""

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from infra.build_api_package import PACKAGES, ROOT, runtime_requirements, write_zip
from tests.infra.module import Module


@pytest.fixture
def dependencies(tmp_path: Path) -> Path:
    """A stand-in for pip's --target directory: one library, with bytecode to leave out."""
    target = tmp_path / "deps"
    (target / "somelib" / "__pycache__").mkdir(parents=True)
    (target / "somelib" / "__init__.py").write_text("VALUE = 1\n")
    (target / "somelib" / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\0")
    (target / "bin").mkdir()
    (target / "bin" / "some-script").write_text("#!/build/machine/python\n")
    return target


def test_the_zip_holds_our_runtime_packages_and_the_dependencies(tmp_path, dependencies):
    entries = write_zip(tmp_path / "api.zip", dependencies)
    assert "somelib/__init__.py" in entries
    for package in PACKAGES:
        for source in (ROOT / package).rglob("*.py"):
            if "__pycache__" not in source.parts:
                assert source.relative_to(ROOT).as_posix() in entries
    assert not [e for e in entries if e.startswith(("sandbox/", "tests/", "bin/"))]
    assert not [e for e in entries if "__pycache__" in e or e.endswith(".pyc")]


def test_the_same_inputs_give_the_same_bytes(tmp_path, dependencies):
    first, second = tmp_path / "one.zip", tmp_path / "two.zip"
    write_zip(first, dependencies)
    write_zip(second, dependencies)
    assert first.read_bytes() == second.read_bytes()


def test_lambda_can_import_our_code_from_the_zips_root(tmp_path, dependencies):
    package = tmp_path / "api.zip"
    write_zip(package, dependencies)
    probe = (
        f"import sys; sys.path.insert(0, {str(package)!r}); "
        "import somelib, bookings, api; "
        f"assert api.__file__.startswith({str(package)!r}), api.__file__; print(somelib.VALUE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=60
    )
    assert (result.returncode, result.stdout.strip()) == (0, "1"), result.stderr


def test_only_runtime_requirements_are_packaged():
    requirements = runtime_requirements()
    assert any(r.startswith("pydantic") for r in requirements)
    assert not [r for r in requirements if re.match(r"(pytest|moto|hypothesis|mypy|ruff)", r)]


def test_the_package_is_built_for_the_architecture_terraform_deploys(tf: Module):
    makefile = (ROOT / "Makefile").read_text()
    arch = re.search(r"^ARCH \?= (\S+)$", makefile, re.MULTILINE)
    assert arch
    assert tf.variables["lambda_architecture"]["default"] == arch.group(1)
    function = tf.resource("aws_lambda_function", "api")
    assert function["runtime"] == "python3.11"
    assert function["source_code_hash"] == "${filebase64sha256(local.api_package)}"
    assert tf.locals["api_package"].endswith('"${path.module}/../../build/api-lambda.zip")}')


def test_the_zip_is_deflated(tmp_path, dependencies):
    package = tmp_path / "api.zip"
    write_zip(package, dependencies)
    with zipfile.ZipFile(package) as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}

"""The links API's Lambda zip: what the API imports and nothing more, deterministic, importable."""

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from infra.build_api_package import (
    DATA_DISTRIBUTIONS,
    DISTRIBUTIONS,
    PACKAGES,
    ROOT,
    SERVICES,
    api_requirements,
    distribution_name,
    keep_only_service_models,
    misfits,
    runtime_requirements,
    tag_fits,
    write_zip,
)
from tests.infra.module import Module
from tests.infra.runtime_only import RUNTIME_PACKAGES, import_closure, runtime_distributions

ENTRY_POINT = "api.lambda_function"


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
    modules = {e for e in entries if e.endswith(".py")}
    bytecode = {e for e in entries if e.endswith(".pyc")}
    tag = sys.implementation.cache_tag
    assert bytecode == {
        "/".join([*m.split("/")[:-1], "__pycache__", f"{m.split('/')[-1][:-3]}.{tag}.pyc"])
        for m in modules
    }


def test_every_module_carries_bytecode_compiled_for_it_not_the_one_it_came_with(
    tmp_path, dependencies
):
    """Lambda's /var/task is read-only: without bytecode in the zip every cold start compiles
    every module from source. Unchecked-hash bytecode: no timestamp, the source not read back."""
    package = tmp_path / "api.zip"
    write_zip(package, dependencies)
    with zipfile.ZipFile(package) as archive:
        carried = archive.read(f"somelib/__pycache__/__init__.{sys.implementation.cache_tag}.pyc")
    assert carried != b"\0", "the stale bytecode the dependency was installed with"
    assert carried[:4] == importlib.util.MAGIC_NUMBER
    assert int.from_bytes(carried[4:8], "little") == 0b01, "hash-based, source never checked"


def test_lambda_imports_the_zips_bytecode_without_reading_the_source(tmp_path, dependencies):
    package = tmp_path / "api.zip"
    write_zip(package, dependencies)
    task = tmp_path / "task"
    with zipfile.ZipFile(package) as archive:
        archive.extractall(task)
    # were the source compiled instead, importing it would say so
    (task / "somelib" / "__init__.py").write_text("VALUE = 'compiled from source'\n")
    probe = f"import sys; sys.path.insert(0, {str(task)!r}); import somelib; print(somelib.VALUE)"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.stdout.strip() == "1"


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


# --- what the API imports: the zip's contents are computed from it -----------------------------


def api_import_closure() -> set[str]:
    """Every module ``api.lambda_function`` imports at run time, directly or not (ours, the
    libraries', the standard library's; imports under ``TYPE_CHECKING`` left out)."""
    return import_closure(ENTRY_POINT)


@pytest.fixture(scope="module")
def closure() -> set[str]:
    return api_import_closure()


def test_the_zip_carries_exactly_our_packages_the_api_imports(closure):
    ours = {module.split(".")[0] for module in closure} & set(RUNTIME_PACKAGES)
    assert ours == set(PACKAGES)


def test_the_declared_distributions_are_the_ones_the_api_imports(closure):
    owners = importlib.metadata.packages_distributions()
    imported = {
        distribution_name(owners[top][0])
        for top in {module.split(".")[0] for module in closure}
        if top not in sys.stdlib_module_names and top not in RUNTIME_PACKAGES
    }
    installed_with_them = runtime_distributions(api_requirements())
    assert imported <= installed_with_them, "the zip would lack these"
    assert set(DISTRIBUTIONS) <= imported, "the API imports none of these"


def test_the_api_requirements_keep_the_projects_versions_and_extras():
    requirements = api_requirements()
    assert [r for r in requirements if r not in runtime_requirements()] == list(DATA_DISTRIBUTIONS)
    assert [distribution_name(r) for r in requirements] == [*DISTRIBUTIONS, *DATA_DISTRIBUTIONS]
    assert any(r.startswith("pydantic[email]") for r in requirements)  # EmailStr in bookings


def test_a_distribution_the_project_does_not_require_is_refused(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\ndependencies = ["boto3>=1.35"]\n')
    with pytest.raises(ValueError, match="bcrypt"):
        api_requirements(pyproject)


def test_the_api_calls_only_the_services_whose_models_the_zip_keeps():
    called = {
        service
        for package in PACKAGES
        for source in (ROOT / package).rglob("*.py")
        for service in re.findall(r"clients\.client\(\s*\"([a-z0-9-]+)\"", source.read_text())
    }
    assert called == set(SERVICES)


def test_only_the_kept_services_models_stay(tmp_path):
    data = tmp_path / "botocore" / "data"
    for model in ("dynamodb/2012-08-10", "s3/2006-03-01", "ec2/2016-11-15"):
        (data / model).mkdir(parents=True)
        (data / model / "service-2.json.gz").write_bytes(b"")
    (data / "endpoints.json").write_text("{}")
    keep_only_service_models(tmp_path)
    assert sorted(p.name for p in data.iterdir()) == ["dynamodb", "endpoints.json", "s3"]


# --- the zip on its own: the handler answers with nothing else importable -------------------------


def _copy_installed(name: str, target: Path) -> None:
    """A distribution's files as pip's --target lays them out (scripts and bytecode aside)."""
    try:
        distribution = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return  # required only on another platform (a marker this machine does not meet)
    for file in distribution.files or []:
        if file.parts[0] == ".." or "__pycache__" in file.parts:
            continue
        destination = target / file
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(str(distribution.locate_file(file))), destination)


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory) -> Path:
    """The zip as Lambda unpacks it into /var/task, built from this machine's installs of the
    declared distributions (pip's wheels for Lambda's platform are the build's business)."""
    work = tmp_path_factory.mktemp("lambda")
    dependencies = work / "dependencies"
    for name in sorted(runtime_distributions(api_requirements())):
        _copy_installed(name, dependencies)
    keep_only_service_models(dependencies)
    package = work / "api-lambda.zip"
    write_zip(package, dependencies, compresslevel=1)
    task: Path = work / "task"
    with zipfile.ZipFile(package) as archive:
        archive.extractall(task)
    return task


PROBE = """
import importlib.util, json, sys, sysconfig
task = sys.argv[1]
sys.path.insert(0, task)
from api.lambda_function import handler
crew = handler(
    {"rawPath": "/crew/not-a-token/confirm", "requestContext": {"http": {"method": "GET"}}}, None
)
photos = handler(
    {
        "rawPath": "/g/abcdefg/photos",
        "requestContext": {"http": {"method": "POST"}},
        "body": json.dumps({"content_type": "image/jpeg", "size": 1000}),
    },
    None,
)
stdlib = (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"])
print(json.dumps({
    "crew": [crew["statusCode"], "This link is not valid" in crew["body"]],
    "photos": [photos["statusCode"], json.loads(photos["body"])["message"]],
    "from_the_zip": sorted({name.split(".")[0] for name, module in list(sys.modules.items())
                            if (getattr(module, "__file__", None) or "").startswith(task)}),
    "from_elsewhere": sorted(name for name, module in list(sys.modules.items())
                             if getattr(module, "__file__", None)
                             and not module.__file__.startswith((task, *stdlib))),
    "importable": [name for name in ("worker", "publishers", "parsers", "moto", "pytest", "lxml")
                   if importlib.util.find_spec(name) is not None],
}))
"""


def test_the_handler_answers_with_only_the_zips_contents_importable(unpacked):
    """Isolated (-I -S: no PYTHONPATH, no site-packages): the zip and the standard library.

    A malformed crew link is refused by the API alone; a photo request reaches DynamoDB, here
    an endpoint that refuses connections, so it goes through boto3, botocore's kept model and
    our error classifier to a 503, all loaded from the zip."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "CHARTERHAND_TABLE_NAME": "state",
        "CHARTERHAND_PHOTOS_BUCKET": "photos",
        "CHARTERHAND_SITE_BASE_URL": "https://site.example",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_MAX_ATTEMPTS": "1",
    }
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", PROBE, str(unpacked)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
        cwd=unpacked.parent,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.splitlines()[-1])  # after the API's own log lines
    assert answer["crew"] == [404, True]
    assert answer["photos"] == [503, "Uploads are busy right now. Please try again in a minute."]
    assert answer["from_elsewhere"] == []
    assert answer["importable"] == []
    assert set(PACKAGES) | {"boto3", "botocore", "bcrypt", "jinja2", "pydantic"} <= set(
        answer["from_the_zip"]
    )


# --- the wheels' tags: built for the architecture terraform deploys ----------------------------


@pytest.mark.parametrize(
    ("tag", "arch", "fits"),
    [
        ("py3-none-any", "arm64", True),
        ("py2.py3-none-any", "x86_64", True),
        ("cp311-cp311-manylinux2014_aarch64", "arm64", True),
        ("cp311-cp311-manylinux2014_aarch64", "x86_64", False),
        ("cp39-abi3-manylinux_2_17_x86_64", "x86_64", True),
        ("cp312-abi3-manylinux_2_17_x86_64", "x86_64", False),  # a newer stable ABI
        ("cp312-cp312-manylinux2014_x86_64", "x86_64", False),  # another Python
        ("cp311-cp311-manylinux_2_28_aarch64", "arm64", False),  # newer than Amazon Linux 2's glibc
        ("cp311-cp311-macosx_11_0_arm64", "arm64", False),  # the build machine's own wheel
        ("cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64", "arm64", True),
    ],
)
def test_a_wheel_tag_fits_lambdas_python_and_architecture(tag, arch, fits):
    assert tag_fits(tag, arch) is fits


def _zip_with_wheels(path: Path, wheels: dict[str, list[str]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for dist, tags in wheels.items():
            lines = ["Wheel-Version: 1.0", *(f"Tag: {tag}" for tag in tags)]
            archive.writestr(f"{dist}.dist-info/WHEEL", "\n".join(lines) + "\n")
    return path


def test_a_zip_with_a_wheel_for_the_other_architecture_is_named(tmp_path):
    package = _zip_with_wheels(
        tmp_path / "api.zip",
        {
            "boto3-1.0": ["py3-none-any"],
            "pydantic_core-2.0": [
                "cp311-cp311-manylinux_2_17_x86_64",
                "cp311-cp311-manylinux2014_x86_64",
            ],
        },
    )
    assert misfits(package, "x86_64") == []
    assert misfits(package, "arm64") == [
        "pydantic_core-2.0.dist-info: cp311-cp311-manylinux_2_17_x86_64, "
        "cp311-cp311-manylinux2014_x86_64"
    ]

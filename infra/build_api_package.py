"""Build the links API's Lambda package: ``make api-package [ARCH=arm64|x86_64]``.

The zip holds what the links API imports, and nothing else: our packages ``PACKAGES`` and the
third-party ``DISTRIBUTIONS`` (with what they depend on), as wheels for the Lambda's platform
(Python 3.11, manylinux, the architecture terraform deploys). Both lists are checked against the
import closure of ``api.lambda_function`` (tests/infra/test_api_package.py), so the zip neither
lacks what the API imports nor carries the worker, the parsers or the publishers. Entries are
sorted and timestamped alike, so the same inputs give the same bytes and terraform's
``source_code_hash`` changes only when the code or a dependency does.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: our packages the links API imports (the layers contract: api imports only these)
PACKAGES = ("api", "aws", "bookings", "state", "templates")
#: the third-party distributions those packages import, named as in pyproject.toml's
#: [project].dependencies, whose versions and extras (pydantic's ``email``) are used; pip adds
#: what these depend on (botocore, MarkupSafe, pydantic-core, email-validator, ...)
DISTRIBUTIONS = ("bcrypt", "boto3", "jinja2", "pydantic", "pydantic-settings", "structlog")
#: read by the standard library without an import naming it: zoneinfo's time-zone database (the
#: fleet's boat zones), for a Lambda runtime whose OS has none
DATA_DISTRIBUTIONS = ("tzdata",)
#: the AWS services the links API calls (``aws.clients.client(...)`` in PACKAGES): botocore's
#: models of every other service (over 400) are most of its bytes, and never read here
SERVICES = ("dynamodb", "s3", "sqs")
PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}
PYTHON_VERSION = "3.11"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_SKIPPED = ("__pycache__",)
#: console scripts pip writes for the build machine: useless, and wrong, on Lambda
_SKIPPED_TOP = ("bin",)


def runtime_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The project's runtime dependencies, as pyproject.toml declares them."""
    with pyproject.open("rb") as handle:
        requirements: list[str] = tomllib.load(handle)["project"]["dependencies"]
    return requirements


def distribution_name(requirement: str) -> str:
    """``pydantic[email]>=2.8`` → ``pydantic`` (normalised as PEP 503 does)."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement.strip())
    if name is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return re.sub(r"[-_.]+", "-", name.group()).lower()


def api_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """What pip installs into the zip: ``DISTRIBUTIONS`` as the project requires them, and the
    data distributions. Raises ``ValueError`` for a distribution the project does not require."""
    declared = {distribution_name(r): r for r in runtime_requirements(pyproject)}
    missing = [name for name in DISTRIBUTIONS if name not in declared]
    if missing:
        raise ValueError(f"not in [project].dependencies: {', '.join(missing)}")
    return [declared[name] for name in DISTRIBUTIONS] + list(DATA_DISTRIBUTIONS)


def install_dependencies(target: Path, arch: str, requirements: list[str]) -> None:
    """Wheels only, for the Lambda's platform, whatever machine builds the package."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--target",
        str(target),
        "--platform",
        PLATFORMS[arch],
        "--implementation",
        "cp",
        "--python-version",
        PYTHON_VERSION,
        "--only-binary=:all:",
        *requirements,
    ]
    subprocess.run(command, check=True)  # noqa: S603 - our own interpreter, fixed arguments


def keep_only_service_models(dependencies: Path, services: Sequence[str] = SERVICES) -> None:
    """Drop botocore's models of the services the API never calls; its shared data (endpoints,
    partitions, retry and default configuration) stays."""
    for model in sorted((dependencies / "botocore" / "data").iterdir()):
        if model.is_dir() and model.name not in services:
            shutil.rmtree(model)


def _files(root: Path) -> Iterator[tuple[Path, str]]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if (
            path.is_file()
            and path.suffix != ".pyc"
            and not any(part in _SKIPPED for part in relative.parts)
            and relative.parts[0] not in _SKIPPED_TOP
        ):
            yield path, relative.as_posix()


def write_zip(
    out: Path, dependencies: Path, source_root: Path = ROOT, *, compresslevel: int = 9
) -> list[str]:
    """Our packages over the installed dependencies, deterministically; returns the entries."""
    entries: dict[str, Path] = {name: path for path, name in _files(dependencies)}
    for package in PACKAGES:
        for path, name in _files(source_root / package):
            entries[f"{package}/{name}"] = path
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[name].read_bytes(), compresslevel=compresslevel)
    return sorted(entries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=sorted(PLATFORMS), default="arm64")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "api-lambda.zip")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        dependencies = Path(scratch)
        install_dependencies(dependencies, args.arch, api_requirements())
        keep_only_service_models(dependencies)
        entries = write_zip(args.out, dependencies)
    size_mb = args.out.stat().st_size / 1e6
    print(f"{args.out}: {len(entries)} files, {size_mb:.1f} MB, {args.arch}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

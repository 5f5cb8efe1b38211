"""Build the links API's Lambda package: ``make api-package [ARCH=arm64|x86_64]``.

The zip holds what the links API imports, and nothing else: our packages ``PACKAGES`` and the
third-party ``DISTRIBUTIONS`` (with what they depend on), as wheels for the Lambda's platform
(Python 3.11, manylinux, the architecture terraform deploys). Both lists are checked against the
import closure of ``api.lambda_function`` (tests/infra/test_api_package.py), so the zip neither
lacks what the API imports nor carries the worker, the parsers or the publishers. Entries are
sorted and timestamped alike, so the same inputs give the same bytes and terraform's
``source_code_hash`` changes only when the code or a dependency does.

Every module carries its bytecode (``__pycache__/<name>.cpython-311.pyc``, unchecked-hash:
no timestamp in it, and the source is not read back to check it), compiled when the zip is
built. Lambda's ``/var/task`` is read-only, so Python cannot write bytecode there: without it,
every cold start compiled every module it imports from source (about 1 s for the worker).
"""

import argparse
import json
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
#: a wheel's platform tag names the CPU as the kernel does
MACHINES = {"arm64": "aarch64", "x86_64": "x86_64"}
#: glibc of Lambda's python3.11 runtime (Amazon Linux 2): a wheel for a newer one fails to load
LAMBDA_GLIBC = (2, 26)
#: the glibc each legacy manylinux name stands for (PEP 600)
_LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
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
    out: Path,
    dependencies: Path,
    source_root: Path = ROOT,
    *,
    compresslevel: int = 9,
    packages: Sequence[str] = PACKAGES,
) -> list[str]:
    """Our ``packages`` over the installed dependencies, deterministically; returns the entries
    (``packages``: the worker Lambda's zip, infra/build_worker_package.py, carries more)."""
    entries: dict[str, Path] = {name: path for path, name in _files(dependencies)}
    for package in packages:
        for path, name in _files(source_root / package):
            entries[f"{package}/{name}"] = path
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        entries |= compiled(entries, Path(scratch))
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zip_:
            for name in sorted(entries):
                info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zip_.writestr(info, entries[name].read_bytes(), compresslevel=compresslevel)
    return sorted(entries)


#: compiles the modules named on stdin (JSON: [source, bytecode file, name in the zip]); run in a
#: fresh interpreter so the same inputs give the same bytes (marshal's output depends on what
#: else the process holds)
_COMPILE = """
import json, py_compile, sys
for source, cfile, name in json.load(sys.stdin):
    py_compile.compile(
        source, cfile=cfile, dfile=name, doraise=True,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
"""


def compiled(entries: dict[str, Path], scratch: Path) -> dict[str, Path]:
    """Bytecode for every module among ``entries`` (zip name → file), as Lambda's Python 3.11
    looks for it; none when this interpreter is another version (its bytecode would be ignored
    there, and `make` builds with the project's 3.11)."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" != PYTHON_VERSION:
        return {}
    modules = [name for name in sorted(entries) if name.endswith(".py")]
    jobs, found = [], {}
    for number, name in enumerate(modules):
        folder, _, file = name.rpartition("/")
        cached = f"{folder}/__pycache__/{file[:-3]}.{sys.implementation.cache_tag}.pyc"
        target = scratch / f"{number}.pyc"
        jobs.append([str(entries[name]), str(target), name.lstrip("/")])
        found[cached.lstrip("/")] = target
    subprocess.run(  # noqa: S603 - our own interpreter, our own script
        [sys.executable, "-I", "-c", _COMPILE], input=json.dumps(jobs), text=True, check=True
    )
    return found


# --- what the zip's wheels were built for ---------------------------------------------------------


def wheel_tags(package: Path) -> dict[str, list[str]]:
    """Each distribution in the zip (its ``.dist-info`` directory) → the tags of its WHEEL file."""
    found: dict[str, list[str]] = {}
    with zipfile.ZipFile(package) as archive:
        for name in archive.namelist():
            parts = name.split("/")
            if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "WHEEL":
                lines = archive.read(name).decode().splitlines()
                found[parts[0]] = [
                    line.split(":", 1)[1].strip() for line in lines if line.startswith("Tag:")
                ]
    return found


def _python_fits(python: str, abi: str) -> bool:
    """Python 3.11 (CPython) loads a wheel tagged for it, for any Python 3, or for the stable ABI
    of an older 3.x."""
    for tag in python.split("."):
        if tag in ("py3", "py311") and abi == "none":
            return True
        if tag == "cp311" and abi in ("cp311", "abi3", "none"):
            return True
        match = re.fullmatch(r"cp3(\d+)", tag)
        if match and abi == "abi3" and int(match.group(1)) <= 11:
            return True
    return False


def _platform_fits(platform: str, arch: str) -> bool:
    for tag in platform.split("."):
        if tag == "any":
            return True
        match = re.fullmatch(
            r"(manylinux1|manylinux2010|manylinux2014|manylinux_(\d+)_(\d+))_(\w+)", tag
        )
        if match is None or match.group(4) != MACHINES[arch]:
            continue
        glibc = _LEGACY_MANYLINUX.get(match.group(1)) or (int(match.group(2)), int(match.group(3)))
        if glibc <= LAMBDA_GLIBC:
            return True
    return False


def tag_fits(tag: str, arch: str) -> bool:
    """Does a wheel tag (``cp311-cp311-manylinux2014_aarch64``) run on Lambda's python3.11 for
    ``arch``?"""
    python, abi, platform = tag.split("-")
    return _python_fits(python, abi) and _platform_fits(platform, arch)


def misfits(package: Path, arch: str) -> list[str]:
    """The distributions in the zip none of whose tags runs on Lambda's python3.11 for ``arch``
    (a zip built for the other architecture, or on a machine that put its own wheels in)."""
    return [
        f"{dist}: {', '.join(tags) or 'no tag'}"
        for dist, tags in sorted(wheel_tags(package).items())
        if not any(tag_fits(tag, arch) for tag in tags)
    ]


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
    return report(args.out, args.arch, entries)


def report(out: Path, arch: str, entries: list[str]) -> int:
    """Print what was built, or what in it does not run on Lambda; the exit code."""
    wrong = misfits(out, arch)
    if wrong:
        print(f"{out}: these do not run on Lambda's python{PYTHON_VERSION} for {arch}:")
        print("\n".join(f"  {line}" for line in wrong))
        return 1
    size_mb = out.stat().st_size / 1e6
    print(f"{out}: {len(entries)} files, {size_mb:.1f} MB, {arch}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Build the links API's Lambda package: ``make api-package [ARCH=arm64|x86_64]``.

The zip holds our runtime packages and their dependencies as wheels for the Lambda's platform
(Python 3.11, manylinux, the architecture terraform deploys), never the dev extra. Entries are
sorted and timestamped alike, so the same inputs give the same bytes and terraform's
``source_code_hash`` changes only when the code or a dependency does.
"""

import argparse
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: our packages the Lambda may import (the same set the worker image installs, minus sandbox/)
PACKAGES = ("api", "bookings", "parsers", "publishers", "templates", "worker")
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


def write_zip(out: Path, dependencies: Path, source_root: Path = ROOT) -> list[str]:
    """Our packages over the installed dependencies, deterministically; returns the entries."""
    entries: dict[str, Path] = {name: path for path, name in _files(dependencies)}
    for package in PACKAGES:
        for path, name in _files(source_root / package):
            entries[f"{package}/{name}"] = path
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[name].read_bytes())
    return sorted(entries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=sorted(PLATFORMS), default="arm64")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "api-lambda.zip")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        dependencies = Path(scratch)
        install_dependencies(dependencies, args.arch, runtime_requirements())
        entries = write_zip(args.out, dependencies)
    size_mb = args.out.stat().st_size / 1e6
    print(f"{args.out}: {len(entries)} files, {size_mb:.1f} MB, {args.arch}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

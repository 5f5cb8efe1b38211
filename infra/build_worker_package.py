"""Build the worker's Lambda package (``worker_mode = "lambda"``): ``make worker-package
[ARCH=arm64|x86_64]``.

Built as the links API's is (:mod:`infra.build_api_package`: wheels for Lambda's Python 3.11 on
the architecture terraform deploys, deterministic entries, botocore's models cut to the services
called), with what ``app.worker_lambda`` imports: our ``PACKAGES`` and the third-party
``DISTRIBUTIONS``, both checked against its import closure (tests/infra/test_worker_package.py).
No ``sandbox``, ``ops``, ``api`` or ``commands``: the function runs the worker and nothing else.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from infra.build_api_package import (
    DATA_DISTRIBUTIONS,
    PLATFORMS,
    ROOT,
    distribution_name,
    install_dependencies,
    keep_only_service_models,
    report,
    runtime_requirements,
    write_zip,
)

#: our packages the worker's Lambda entry point imports (its import closure)
PACKAGES = (
    "app",
    "audit",
    "aws",
    "bookings",
    "parsers",
    "publishers",
    "state",
    "templates",
    "trust",
    "worker",
)
#: the third-party distributions those import, named as in [project].dependencies
DISTRIBUTIONS = (
    "bcrypt",
    "boto3",
    "dateparser",
    "dkimpy",
    "dnspython",
    "icalendar",
    "jinja2",
    "lxml",
    "pydantic",
    "pydantic-settings",
    "structlog",
    "urllib3",
)
#: distributions published only as a source archive (pure Python): built into a wheel here first,
#: which pip then installs for any platform (``--only-binary`` refuses a source archive)
SOURCE_ONLY = ("dkimpy",)
#: the AWS services the worker calls (``aws.clients.client(...)`` and the SES and Lambda
#: transports' own clients)
SERVICES = ("cloudfront", "dynamodb", "lambda", "s3", "secretsmanager", "sesv2", "sqs")


def worker_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """``DISTRIBUTIONS`` as the project requires them, and the data distributions."""
    declared = {distribution_name(r): r for r in runtime_requirements(pyproject)}
    missing = [name for name in DISTRIBUTIONS if name not in declared]
    if missing:
        raise ValueError(f"not in [project].dependencies: {', '.join(missing)}")
    return [declared[name] for name in DISTRIBUTIONS] + list(DATA_DISTRIBUTIONS)


def build_pure_wheels(requirements: list[str], wheels: Path) -> list[str]:
    """``requirements`` with each of ``SOURCE_ONLY`` replaced by the path of a wheel built here
    (no dependencies: pip resolves those, as wheels, with the rest)."""
    out = []
    for requirement in requirements:
        if distribution_name(requirement) not in SOURCE_ONLY:
            out.append(requirement)
            continue
        command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels)]
        subprocess.run([*command, requirement], check=True)  # noqa: S603 - fixed arguments
        name = distribution_name(requirement).replace("-", "_")
        (built,) = wheels.glob(f"{name}-*.whl")
        out.append(str(built))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=sorted(PLATFORMS), default="arm64")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "worker-lambda.zip")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch, tempfile.TemporaryDirectory() as wheels:
        dependencies = Path(scratch)
        requirements = build_pure_wheels(worker_requirements(), Path(wheels))
        install_dependencies(dependencies, args.arch, requirements)
        keep_only_service_models(dependencies, SERVICES)
        entries = write_zip(args.out, dependencies, packages=PACKAGES)
    return report(args.out, args.arch, entries)


if __name__ == "__main__":
    sys.exit(main())

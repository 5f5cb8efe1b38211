"""``terraform output -json worker_environment | python infra/worker_environment.py``: the
worker's ``CHARTERHAND_*`` variables as ``export`` lines for a POSIX shell (``eval "$(...)"``), so
the operator CLI on a laptop runs with exactly the deployed worker's settings.

Each value is quoted for the shell (the fleet is JSON with spaces and quotes); no secret value is
among them (the worker reads those from Secrets Manager by ARN).
"""

import json
import re
import shlex
import sys

_NAME = re.compile(r"CHARTERHAND_[A-Z0-9_]+")


def exports(environment: dict[str, str]) -> str:
    """One ``export NAME='value'`` line per variable, sorted; refuses a name that is not ours."""
    lines = []
    for name, value in sorted(environment.items()):
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a charterhand variable: {name!r}")
        lines.append(f"export {name}={shlex.quote(str(value))}")
    return "\n".join(lines)


def main() -> int:
    try:
        environment = json.load(sys.stdin)
        print(exports(environment))
    except ValueError as exc:
        print(f"worker_environment: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

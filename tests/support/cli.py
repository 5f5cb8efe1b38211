"""Run ``charterhand`` the way a person does: its own process, its own environment."""

import subprocess
import sys
from collections.abc import Mapping

from tests.support.paths import ROOT


def charterhand(
    *args: str,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``charterhand ARGS`` in a subprocess; ``env`` replaces the environment when given."""
    return subprocess.run(
        [sys.executable, "-m", "commands.main", *args],
        env=dict(env) if env is not None else None,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=ROOT,
    )

"""Issue 21: ``charterhand worker`` imports only what the worker needs: not the dev commands,
moto, werkzeug or pdb (they cost about a second of start-up, and the image does not ship them)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEV = ("moto", "werkzeug", "pdb", "sandbox", "flask")


def imported_by(*argv: str) -> set[str]:
    """Top-level modules imported by ``python -X importtime -m commands.main <argv>``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "commands.main", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def test_the_worker_command_imports_no_dev_package():
    imported = imported_by("worker", "--help")
    assert "app" in imported  # the measurement sees the worker's own imports
    assert not imported & set(DEV), sorted(imported & set(DEV))


def test_the_full_help_still_lists_the_dev_commands():
    done = subprocess.run(
        [sys.executable, "-m", "commands.main", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "demo" in done.stdout
    assert "worker" in done.stdout

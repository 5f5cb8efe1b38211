"""Where the shared AWS event samples are: ``../shared/aws-events`` beside the repository.

``CHARTERHAND_SHARED`` overrides the location (a git worktree does not sit beside ``shared/``).
Absent samples skip the test with the reason, except under CI, where they must be there.
"""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def aws_events_dir() -> Path:
    return shared_dir("aws-events", "AWS event samples")


def shared_dir(name: str, what: str) -> Path:
    """``../shared/<name>``; skips (fails under CI) when it is not there."""
    shared = Path(os.environ.get("CHARTERHAND_SHARED", ROOT.parent / "shared"))
    path = shared / name
    if not path.is_dir():
        message = f"{what} not found at {path} (set CHARTERHAND_SHARED)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path

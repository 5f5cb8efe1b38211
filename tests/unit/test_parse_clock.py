"""No parse result depends on the clock: the same emails read the same at two frozen moments.

Each moment is read in its own process with the system clock frozen there (``time-machine``), so
no cache inside one process can carry the first moment's "now" into the second.
"""

import json
import subprocess
import sys

from tests.support.paths import ROOT

MOMENTS = ("2026-01-01T00:00:00+00:00", "2031-07-04T12:34:56+00:00")


def read_at(moment: str) -> list[object]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.clock_corpus", moment],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    said: list[object] = json.loads(done.stdout)
    return said


def test_no_parse_result_depends_on_the_clock():
    first, second = (read_at(moment) for moment in MOMENTS)
    assert len(first) > 250
    differ = [(a, b) for a, b in zip(first, second, strict=True) if a != b]
    assert differ == []

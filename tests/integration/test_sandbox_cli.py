"""``charterhand sandbox`` as a person runs it: start, read the URLs, look, stop."""

import json
import signal
import subprocess
import sys
import urllib.request

from tests.conftest import ROOT


def test_sandbox_command_serves_both_systems_until_terminated():
    process = subprocess.Popen(
        [sys.executable, "-m", "commands.main", "sandbox", "--scc-key", "k", "--for", "60"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        calendar = process.stdout.readline().split()[1].removesuffix("/calendar")
        scc = process.stdout.readline().split()[1].removesuffix("/events")
        states = []
        for base in (calendar, scc):
            with urllib.request.urlopen(f"{base}/_sandbox/state", timeout=5) as answer:
                states.append(json.load(answer))
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.wait()
    assert states == [{"records": [], "requests": []}] * 2
    assert calendar.startswith("http://127.0.0.1:")

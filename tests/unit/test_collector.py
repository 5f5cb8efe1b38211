"""Issue 21 (launch to the first settled message): start-up runs without the cyclic garbage
collector, whose passes over start-up's long-lived objects cost 0.1–0.15 s of a 1 s launch;
what start-up built is then frozen and the collector is back on for the run."""

import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.collector import paused

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """This test process's objects put back where the collector scans them, after the test."""
    on = gc.isenabled()
    yield
    gc.unfreeze()
    if on:
        gc.enable()


@pytest.mark.usefixtures("unfrozen")
def test_the_collector_is_off_within_and_back_on_after_with_the_objects_frozen():
    gc.enable()
    gc.unfreeze()
    with paused():
        assert not gc.isenabled()
        built = [{"start-up": n} for n in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(built)


@pytest.mark.usefixtures("unfrozen")
def test_a_collector_already_off_is_left_off_and_nothing_frozen():
    gc.unfreeze()
    gc.disable()
    with paused():
        pass
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0
    gc.enable()
    with paused(), paused():  # nested: the inner one leaves it to the outer
        assert not gc.isenabled()
    assert gc.isenabled()


ENTRY = """
import contextlib, gc, io, sys
starts = []
def seen(phase, info):
    if phase == "start":
        starts.append(info["generation"])
gc.callbacks.append(seen)
sys.argv = ["charterhand", "worker", "--help"]
from commands.main import main
try:
    with contextlib.redirect_stdout(io.StringIO()):
        main()
except SystemExit:
    pass
print(len(starts), starts.count(2), gc.isenabled(), gc.get_freeze_count())
"""


def test_the_worker_command_imports_without_collections_and_runs_with_the_collector_on():
    done = subprocess.run(
        [sys.executable, "-c", ENTRY],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    collections, full, on, frozen = done.stdout.split()
    # today's code: about 200 collections, one of them full, on the imports alone
    assert int(collections) <= 20, collections  # the entry module's own few imports
    assert full == "0"
    assert on == "True"
    assert int(frozen) > 50_000  # the command's modules, frozen

"""bench/latency.py's critical path: the chain of dependent steps that ends last."""

from app.downstream import PUBLISHER_CLASSES
from bench.latency import critical_path, percentile

#: the publishers' graph (publishers/*.py depends_on)
GRAPH = {p.step: p.depends_on for p in PUBLISHER_CLASSES}


def test_the_slowest_step_before_the_summary_decides_its_chain():
    durations = {"calendar": 300, "scc": 520, "guest_page": 40, "crew_page": 50, "crew_email": 60,
                 "summary": 45}  # fmt: skip
    assert critical_path(durations, GRAPH) == (565, ["scc", "summary"])


def test_a_slow_crew_email_makes_the_crew_chain_the_critical_one():
    durations = {"calendar": 300, "scc": 320, "guest_page": 40, "crew_page": 50, "crew_email": 400,
                 "summary": 45}  # fmt: skip
    assert critical_path(durations, GRAPH) == (450, ["crew_page", "crew_email"])


def test_steps_that_did_not_run_take_no_time():
    assert critical_path({"scc": 200}, GRAPH) == (200, ["scc", "summary"])
    assert critical_path({}, {}) == (0.0, [])


def test_nearest_rank_percentiles():
    values = list(range(1, 61))  # 1..60
    assert percentile(values, 0.95) == 57
    assert percentile(values, 0.5) == 30
    assert percentile([7.0], 0.95) == 7.0

"""Orchestration against moto: steps in dependency order, once per input, under leases."""

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bookings import Booking, Kind
from tests.support.mail import event
from tests.support.recording import Fault, Recorder, recording_publishers
from worker.orchestrate import Orchestrator, dependency_order, input_hash

STEPS = {"calendar", "scc", "guest_page", "crew_page", "crew_email", "summary"}


def completed_steps(recorder: Recorder) -> list[str]:
    return [e["step"] for e in recorder.completed()]


def test_new_booking_runs_every_step_once(orchestrator, recorder):
    applied = orchestrator.apply(event(), run_id="r1")
    assert sorted(completed_steps(recorder)) == sorted(STEPS)
    assert applied.complete


def test_dependents_run_after_what_they_depend_on(orchestrator, recorder):
    orchestrator.apply(event(), run_id="r1")
    order = completed_steps(recorder)
    assert order.index("crew_email") > order.index("crew_page")
    assert order.index("summary") > max(order.index(s) for s in ("calendar", "scc", "guest_page"))


def test_same_event_again_runs_nothing(orchestrator, recorder):
    orchestrator.apply(event(), run_id="r1")
    applied = orchestrator.apply(event(), run_id="r2")
    assert len(recorder.completed()) == len(STEPS)
    assert set(applied.current) == STEPS


def test_only_steps_whose_input_changed_run_again(orchestrator, recorder):
    orchestrator.apply(event(), run_id="r1")
    orchestrator.apply(event(Kind.MODIFIED, gross="900.00", as_of_minutes=5), run_id="r2")
    again = completed_steps(recorder)[len(STEPS) :]
    assert sorted(again) == ["calendar", "crew_email", "crew_page", "guest_page", "scc", "summary"]
    orchestrator.apply(event(Kind.MODIFIED, gross="950.00", as_of_minutes=9), run_id="r3")
    assert completed_steps(recorder)[2 * len(STEPS) :] == ["summary"]


def test_update_gets_the_ids_and_booking_it_published_before(orchestrator, recorder):
    orchestrator.apply(event(), run_id="r1")
    orchestrator.apply(event(Kind.MODIFIED, hours=4, as_of_minutes=5), run_id="r2")
    second = recorder.completed("calendar")[1]
    assert second["had_ids"] == {"id": "calendar-xhqgmdh"}


def test_idempotency_key_names_booking_step_and_input(orchestrator, recorder):
    applied = orchestrator.apply(event(), run_id="r1")
    calendar = next(p for p in orchestrator.publishers if p.step == "calendar")
    digest = input_hash(calendar.input_of(applied.booking))
    expected = f"boatsetter:xhqgmdh:calendar:{digest}"
    assert recorder.completed("calendar")[0]["idempotency_key"] == expected


def test_dependent_step_gets_its_upstream_ids(orchestrator, recorder):
    orchestrator.apply(event(), run_id="r1")
    assert recorder.completed("crew_email")[0]["upstream"] == {
        "crew_page": {"id": "crew_page-xhqgmdh"}
    }


def test_older_email_changes_nothing(orchestrator, recorder):
    orchestrator.apply(event(Kind.CANCELLED, as_of_minutes=10), run_id="r1")
    applied = orchestrator.apply(event(Kind.CONFIRMED), run_id="r2")
    assert applied.booking.status is Kind.CANCELLED
    assert not applied.state_changed
    assert len(recorder.completed()) == len(STEPS)


def test_permanent_failure_blocks_dependents(orchestrator, recorder, store):
    recorder.faults = {"calendar": Fault("permanent")}
    applied = orchestrator.apply(event(), run_id="r1")
    assert set(applied.failed) == {"calendar"}
    assert applied.blocked == ("summary",)
    record = store.load("boatsetter:xhqgmdh")
    assert record.step("calendar").status == "failed"
    assert record.lease_owner is None


def test_failed_step_runs_again_on_the_next_apply(orchestrator, recorder):
    recorder.faults = {"scc": Fault("transient")}
    orchestrator.apply(event(), run_id="r1")
    applied = orchestrator.apply(event(), run_id="r2")
    assert sorted(applied.ran) == ["scc", "summary"]
    assert len(recorder.completed("scc")) == 1


def test_booking_leased_by_another_worker_is_reported_held(orchestrator, store, recorder):
    store.acquire(
        "boatsetter:xhqgmdh",
        state=Booking.from_event(event()),
        expected_version=0,
        owner="other",
        lease_seconds=60,
    )
    applied = orchestrator.apply(event(), run_id="r1")
    assert set(applied.held) == STEPS
    assert not recorder.completed()


def test_email_applied_before_is_a_duplicate_and_runs_nothing(orchestrator, recorder):
    orchestrator.apply(event(), run_id="r1", email_id="ses-1")
    again = orchestrator.apply(event(), run_id="r2", email_id="ses-1")
    assert again.duplicate
    assert len(recorder.completed()) == len(STEPS)


def test_concurrent_duplicates_run_each_step_once(store, recorder, executor):
    orchestrators = [
        Orchestrator(
            store, recording_publishers(recorder), executor, owner=f"w{i}", lease_seconds=30
        )
        for i in range(4)
    ]
    barrier = threading.Barrier(len(orchestrators))

    def go(orch, i):
        barrier.wait()
        return orch.apply(event(), run_id=str(i))

    threads = [threading.Thread(target=go, args=(o, i)) for i, o in enumerate(orchestrators)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(completed_steps(recorder)) == sorted(STEPS)


@pytest.mark.parametrize(
    "order", list(itertools.permutations([Kind.CONFIRMED, Kind.MODIFIED, Kind.CANCELLED]))
)
def test_every_delivery_order_converges(order, stack, store, recorder, executor):
    minutes = {Kind.CONFIRMED: 0, Kind.MODIFIED: 5, Kind.CANCELLED: 10}
    orch = Orchestrator(
        store, recording_publishers(recorder), executor, owner="o", lease_seconds=30
    )
    for i, kind in enumerate(order):
        orch.apply(
            event(kind, hours=3 + (kind is Kind.MODIFIED), as_of_minutes=minutes[kind]),
            run_id=str(i),
        )
    record = store.load("boatsetter:xhqgmdh")
    final = event(Kind.CANCELLED, as_of_minutes=10)
    assert record.booking.status is Kind.CANCELLED
    assert record.booking.as_of == final.as_of
    last = {e["step"]: e["input"] for e in recorder.completed()}
    assert {step: inp["status"] for step, inp in last.items()} == dict.fromkeys(STEPS, "cancelled")


def test_unknown_dependency_fails_at_start_up(recorder):
    publishers = recording_publishers(recorder)
    with pytest.raises(ValueError, match="depends on unknown step 'crew_page'"):
        dependency_order([p for p in publishers if p.step != "crew_page"])


def test_two_publishers_for_one_step_fail_at_start_up(recorder):
    publishers = recording_publishers(recorder)
    with pytest.raises(ValueError, match="two publishers for step 'calendar'"):
        dependency_order([*publishers, publishers[0]])


class CountingExecutor(ThreadPoolExecutor):
    """A thread pool that counts the steps handed to it."""

    def __init__(self) -> None:
        super().__init__(max_workers=8)
        self.submitted = 0

    def submit(self, fn, /, *args, **kwargs):
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


def test_the_first_steps_start_before_the_state_hook_runs(store, recorder):
    """The state hook (metrics) is not between the lease and the first steps."""
    pool = CountingExecutor()
    started_before_hook: list[int] = []
    orchestrator = Orchestrator(
        store,
        recording_publishers(recorder),
        pool,
        owner="test",
        lease_seconds=30,
        on_state=lambda _booking: started_before_hook.append(pool.submitted),
    )
    try:
        assert orchestrator.apply(event(), run_id="r1").complete
    finally:
        pool.shutdown(wait=True)
    # calendar, scc, guest_page and crew_page depend on nothing: all four handed over first
    assert started_before_hook == [4]

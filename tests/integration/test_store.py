"""The state table against moto: conditional state writes, leases, takeover, dedup records."""

import pytest

from bookings import Booking, Kind
from tests.support.mail import event
from worker.store import BookingBusy, LeaseLost, SeenEmail, StateConflict, StateStore

STATE = Booking.from_event(event())
NEWER = Booking.from_event(event(Kind.MODIFIED, as_of_minutes=5))


def test_unknown_booking_loads_empty(store):
    record = store.load("boatsetter:xhqgmdh")
    assert (record.booking, record.version, dict(record.steps)) == (None, 0, {})


def acquire(
    store: StateStore,
    state: Booking | None = STATE,
    version: int = 0,
    owner: str = "a",
    seconds: float = 30,
) -> None:
    store.acquire(
        STATE.key, state=state, expected_version=version, owner=owner, lease_seconds=seconds
    )


def test_state_written_with_its_lease_is_read_back(store):
    acquire(store)
    record = store.load(STATE.key)
    assert (record.booking, record.version, record.lease_owner) == (STATE, 1, "a")


def test_state_written_over_a_stale_version_is_refused(store):
    acquire(store)
    store.release(STATE.key, owner="a")
    with pytest.raises(StateConflict):
        acquire(store, state=NEWER, version=0, owner="b")
    with pytest.raises(StateConflict):
        acquire(store, state=NEWER, version=7, owner="b")
    assert store.load(STATE.key).booking == STATE


def test_held_booking_is_not_leased_twice(store):
    acquire(store)
    with pytest.raises(BookingBusy):
        acquire(store, state=None, version=1, owner="b")


def test_released_booking_is_leased_again(store):
    acquire(store)
    store.release(STATE.key, owner="a")
    acquire(store, state=NEWER, version=1, owner="b")
    record = store.load(STATE.key)
    assert (record.booking, record.version, record.lease_owner) == (NEWER, 2, "b")


def test_expired_lease_is_taken_over(stack, store):
    clock = [1000.0]
    early = StateStore(stack.table_name, store.client, clock=lambda: clock[0])
    acquire(early, owner="dead")
    clock[0] += 31
    acquire(early, state=None, version=1, owner="alive")
    assert early.load(STATE.key).lease_owner == "alive"


def test_published_result_is_stored_with_the_booking_it_showed(store):
    acquire(store)
    store.record_published(
        STATE.key,
        "scc",
        owner="a",
        input_hash="h1",
        booking=STATE,
        external_ids={"event_id": "e-1"},
    )
    step = store.load(STATE.key).step("scc")
    assert (step.published_hash, step.published, step.status, dict(step.external_ids)) == (
        "h1",
        STATE,
        "published",
        {"event_id": "e-1"},
    )


def test_only_the_lease_holder_records_a_result(store):
    acquire(store)
    with pytest.raises(LeaseLost):
        store.record_published(
            STATE.key, "scc", owner="b", input_hash="h1", booking=STATE, external_ids={}
        )
    assert "scc" not in store.load(STATE.key).steps


def test_failure_is_recorded_and_what_was_published_stays(store):
    acquire(store)
    store.record_published(
        STATE.key,
        "scc",
        owner="a",
        input_hash="h1",
        booking=STATE,
        external_ids={"event_id": "e-1"},
    )
    store.record_failed(STATE.key, "scc", owner="a", input_hash="h2", reason="SCC said 503")
    step = store.load(STATE.key).step("scc")
    assert (step.status, step.last_error, step.published_hash) == ("failed", "SCC said 503", "h1")


def test_release_remembers_the_email_in_the_same_write(store):
    acquire(store)
    store.release(STATE.key, owner="a", seen=SeenEmail("ses-9", STATE.key, "done"), keep_days=3)
    assert store.load(STATE.key).lease_owner is None
    assert store.seen("ses-9").outcome == "done"


def test_release_by_a_stranger_is_refused(store):
    acquire(store)
    with pytest.raises(LeaseLost):
        store.release(STATE.key, owner="b")


def test_seen_email_is_remembered_with_its_outcome(store):
    store.mark_seen("ses-1", booking_key=STATE.key, outcome="done", keep_days=30)
    seen = store.seen("ses-1")
    assert (seen.booking_key, seen.outcome) == (STATE.key, "done")
    assert store.seen("ses-2") is None

"""The state table against moto: conditional state writes, leases, takeover, dedup records."""

from typing import Any

import pytest

from bookings import Booking, Kind
from state.store import BookingBusy, LeaseLost, StateConflict, StateStore, StepRecord
from tests.support.mail import event

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
    fence: int = 0,
) -> int:
    return store.acquire(
        STATE.key,
        state=state,
        expected_version=version,
        expected_fence=fence,
        owner=owner,
        lease_seconds=seconds,
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
        acquire(store, state=None, version=1, owner="b", fence=1)


def test_released_booking_is_leased_again(store):
    acquire(store)
    store.release(STATE.key, owner="a")
    store.acquire(
        STATE.key, state=NEWER, expected_version=1, expected_fence=1, owner="b", lease_seconds=30
    )
    record = store.load(STATE.key)
    assert (record.booking, record.version, record.lease_owner) == (NEWER, 2, "b")


def taken_over(stack: Any, store: StateStore, first: str, successor: str) -> StateStore:
    """``first``'s 30 s lease, then ``successor``'s once it expired (fake clock)."""
    clock = [1000.0]
    early = StateStore(stack.table_name, store.client, clock=lambda: clock[0])
    acquire(early, owner=first)
    clock[0] += 31
    acquire(early, state=None, version=1, owner=successor, fence=1)
    return early


def test_expired_lease_is_taken_over(stack, store):
    taken_over(stack, store, "dead", "alive")
    assert store.load(STATE.key).lease_owner == "alive"


def published(step: str, digest: str, booking: Booking = STATE, **ids: str) -> StepRecord:
    return StepRecord(step=step).published_as(digest, booking, ids)


def test_published_result_is_stored_with_the_booking_it_showed(store):
    acquire(store)
    store.record(STATE.key, {"scc": published("scc", "h1", event_id="e-1")}, fence=1)
    step = store.load(STATE.key).step("scc")
    assert (step.published_hash, step.published, step.status, dict(step.external_ids)) == (
        "h1",
        STATE,
        "published",
        {"event_id": "e-1"},
    )


def test_results_that_come_back_together_are_stored_in_one_write(store):
    acquire(store)
    store.record(
        STATE.key,
        {"calendar": published("calendar", "h1", id="c-1"), "scc": published("scc", "h2")},
        fence=1,
    )
    steps = store.load(STATE.key).steps
    assert {name: step.published_hash for name, step in steps.items()} == {
        "calendar": "h1",
        "scc": "h2",
    }


def test_each_lease_taken_raises_the_fence(store):
    assert acquire(store) == 1
    store.release(STATE.key, owner="a")
    assert (
        store.acquire(
            STATE.key, state=None, expected_version=1, expected_fence=1, owner="b", lease_seconds=30
        )
        == 2
    )


def test_result_under_an_older_lease_is_refused_once_a_later_one_was_taken(stack, store):
    early = taken_over(stack, store, "slow", "successor")
    early.record(STATE.key, {"scc": published("scc", "new", NEWER)}, fence=2)
    with pytest.raises(LeaseLost):
        early.record(STATE.key, {"scc": published("scc", "old")}, fence=1)
    assert store.load(STATE.key).step("scc").published_hash == "new"


def test_failure_is_recorded_and_what_was_published_stays(store):
    acquire(store)
    before = published("scc", "h1", event_id="e-1")
    store.record(STATE.key, {"scc": before}, fence=1)
    store.record(STATE.key, {"scc": before.failed_on("h2", "SCC said 503")}, fence=1)
    step = store.load(STATE.key).step("scc")
    assert (step.status, step.last_error, step.published_hash, step.input_hash) == (
        "failed",
        "SCC said 503",
        "h1",
        "h2",
    )


def test_last_results_give_the_lease_back_and_remember_the_email(store):
    acquire(store)
    store.record(
        STATE.key, {"summary": published("summary", "h1")}, fence=1, release=True, email_id="ses-9"
    )
    record = store.load(STATE.key)
    assert (record.lease_owner, record.emails, record.step("summary").status) == (
        None,
        {"ses-9"},
        "published",
    )


def test_refused_first_write_brings_the_stored_booking_back(store):
    acquire(store)
    store.record(STATE.key, {"scc": published("scc", "h1")}, fence=1)
    with pytest.raises(StateConflict) as refused:
        acquire(store, state=NEWER, version=0, owner="b")
    current = refused.value.current
    assert current is not None
    assert (current.booking, current.lease_owner, current.step("scc").published_hash) == (
        STATE,
        "a",
        "h1",
    )


def test_release_remembers_the_email_applied(store):
    acquire(store)
    store.release(STATE.key, owner="a", email_id="ses-9")
    record = store.load(STATE.key)
    assert (record.lease_owner, record.emails) == (None, {"ses-9"})


def test_release_by_a_stranger_is_refused(store):
    acquire(store)
    with pytest.raises(LeaseLost):
        store.release(STATE.key, owner="b")


def test_lease_taken_and_given_back_since_our_read_is_a_conflict(store):
    acquire(store)
    store.release(STATE.key, owner="a")
    read = store.load(STATE.key)
    acquire(store, state=None, version=1, owner="b", fence=read.fence)
    store.release(STATE.key, owner="b")
    with pytest.raises(StateConflict):
        acquire(store, state=None, version=1, owner="c", fence=read.fence)

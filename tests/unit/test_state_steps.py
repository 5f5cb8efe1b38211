"""Step states are an enum whose values are the strings the table always held; the lease update."""

import pytest

from state.steps import StepState
from state.store import Lease, StepRecord, lease_update, step_item, step_record
from tests.support.bookings_factory import booking


@pytest.mark.parametrize(
    ("record", "stored"),
    [
        (StepRecord("calendar").published_as("h1", booking(), {"id": "e1"}), "published"),
        (StepRecord("calendar").failed_on("h2", "refused"), "failed"),
    ],
)
def test_a_step_state_is_stored_as_the_same_string_and_read_back_as_the_enum(record, stored):
    item = step_item(record)
    assert item["M"]["status"] == {"S": stored}
    assert step_record("calendar", item["M"]).status is StepState(stored)


def test_a_step_that_never_ran_has_no_state():
    assert step_record("calendar", {}).status is None


def test_a_stored_state_compares_equal_to_its_string():
    stored: str = "failed"
    assert stored == StepState.FAILED
    assert f"{StepState.PUBLISHED}" == "published"


LEASE = Lease(owner="w1", now=100.0, expires=130.0)


def test_a_lease_over_a_booking_never_leased_requires_no_fence():
    update = lease_update(LEASE, None, expected_version=3, expected_fence=0)
    assert "attribute_not_exists(fence)" in update["ConditionExpression"]
    assert ":f" not in update["ExpressionAttributeValues"]
    assert "booking = :b" not in update["UpdateExpression"]


def test_a_lease_over_a_leased_booking_requires_its_fence_and_may_carry_the_new_state():
    new_state = {"booking": {"S": "{}"}, "as_of": {"S": "t"}, "version": {"N": "4"}}
    update = lease_update(LEASE, new_state, expected_version=3, expected_fence=7)
    values = update["ExpressionAttributeValues"]
    assert "fence = :f" in update["ConditionExpression"]
    assert (values[":f"], values[":v"], values[":next"]) == ({"N": "7"}, {"N": "3"}, {"N": "4"})
    assert (values[":owner"], values[":exp"]) == ({"S": "w1"}, {"N": "130.000"})
    assert "version = :next" in update["UpdateExpression"]

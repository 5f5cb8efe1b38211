"""A boat or crew member the fleet does not know is a permanent domain error naming only its id."""

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar, cast

import pytest

from bookings import (
    Boat,
    Booking,
    Fleet,
    Kind,
    MarginPolicy,
    NotInFleet,
    PermanentError,
    UnknownBoat,
    UnknownCrew,
    default_fleet,
)
from publishers.base import StepContext
from state.store import StateStore
from tests.support.mail import event
from worker.orchestrate import Orchestrator


def booking_on(boat: str) -> Booking:
    return Booking.from_event(event(Kind.CONFIRMED)).model_copy(update={"boat": boat})


def test_an_unknown_boat_is_permanent_and_names_only_the_boat():
    booking = booking_on("Nautilus")

    with pytest.raises(UnknownBoat) as caught:
        default_fleet().assign(booking)

    error = caught.value
    assert isinstance(error, NotInFleet)
    assert isinstance(error, PermanentError)
    assert not isinstance(error, KeyError)
    assert error.reason == "boat 'Nautilus' is not in the fleet"
    assert error.boat == "Nautilus"
    assert booking.renter_name not in str(error)


def test_an_unknown_crew_member_is_permanent_and_names_only_the_id():
    with pytest.raises(UnknownCrew) as caught:
        default_fleet().person("jo")

    assert isinstance(caught.value, NotInFleet)
    assert caught.value.reason == "crew member 'jo' is not in the fleet"
    assert caught.value.crew_id == "jo"


def test_known_boats_and_people_are_found():
    fleet = default_fleet()
    assert fleet.boat("JADA").name == "JADA"
    assert fleet.person("sam").role == "captain"


def test_the_margin_of_a_boat_the_fleet_lacks_uses_the_policy_rates():
    booking = booking_on("WANDA")
    policy = MarginPolicy()

    margin = Fleet(boats=[Boat(name="JADA")]).margin(booking, policy)

    assert booking.gross is not None
    assert margin == policy.compute(booking.gross, booking.hours)


class BoatPage:
    """A step whose input needs the booking's boat, as the page steps do."""

    step: ClassVar[str] = "guest_page"
    depends_on: ClassVar[tuple[str, ...]] = ()

    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet

    def input_of(self, booking: Booking) -> Mapping[str, Any]:
        return {"zone": self.fleet.boat(booking.boat).timezone}

    def publish(self, ctx: StepContext) -> Mapping[str, str]:
        raise AssertionError("never published: its input cannot be read")


def test_a_step_whose_input_needs_a_missing_boat_is_named_on_the_error():
    fleet = Fleet(boats=[Boat(name="WANDA")])
    # the input is read before the state table is touched: no store is needed to get there
    with ThreadPoolExecutor(1) as executor:
        orchestrator = Orchestrator(
            cast(StateStore, None), [BoatPage(fleet)], executor, owner="t", lease_seconds=30
        )
        with pytest.raises(UnknownBoat) as caught:
            orchestrator.apply(event(Kind.CONFIRMED), run_id="r1")

    assert caught.value.step == "guest_page"
    assert caught.value.reason == "boat 'JADA' is not in the fleet"

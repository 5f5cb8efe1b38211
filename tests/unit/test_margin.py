from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bookings import Booking, BookingEvent, Kind, MarginPolicy, default_fleet
from bookings.money import format_usd, to_cents
from tests.support.mail import event

LA = ZoneInfo("America/Los_Angeles")


def test_worked_example_from_design():
    margin = MarginPolicy().compute(Decimal("840.75"), Decimal(3))
    assert margin.crew_cost == Decimal("250.00")
    assert margin.captain_cost == Decimal("150.00")
    assert margin.platform_fee == Decimal("151.34")
    assert margin.net == Decimal("289.41")
    assert margin.net_percent == Decimal("34.4")


def test_rates_and_fee_are_configuration():
    policy = MarginPolicy(
        crew_hourly=Decimal(40),
        captain_hourly=Decimal(60),
        crew_extra_hours=Decimal(1),
        platform_fee_rate=Decimal("0.10"),
    )
    margin = policy.compute(Decimal("1000"), Decimal(2))
    assert (margin.crew_cost, margin.captain_cost, margin.platform_fee, margin.net) == (
        Decimal("120.00"),
        Decimal("120.00"),
        Decimal("100.00"),
        Decimal("660.00"),
    )


def test_each_crew_member_is_paid_at_their_own_rate():
    margin = MarginPolicy().compute(
        Decimal("840.75"), Decimal(3), crew_rates=[Decimal(50), Decimal(30)]
    )
    assert margin.crew_cost == Decimal("400.00")


def test_rounding_is_half_up_to_the_cent():
    assert to_cents(Decimal("0.005")) == Decimal("0.01")
    assert to_cents(Decimal("151.335")) == Decimal("151.34")
    assert format_usd(Decimal("-1234.5")) == "-$1,234.50"


def test_fleet_margin_uses_the_boats_roster():
    booking = Booking.from_event(event(Kind.CONFIRMED))
    margin = default_fleet().margin(booking, MarginPolicy())
    assert margin is not None
    assert margin.net == Decimal("289.41")


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        BookingEvent(**{**event(Kind.CONFIRMED).model_dump(), "start": datetime(2027, 5, 30, 10)})


def test_malformed_booking_id_is_refused():
    with pytest.raises(ValueError, match="malformed"):
        BookingEvent(**{**event(Kind.CONFIRMED).model_dump(), "booking_id": "XHQ"})

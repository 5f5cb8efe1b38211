"""The MissingValues metric: 0 or 1 per expected field for each state written, the labels seen
as a member (never a dimension), nothing for a field a cancelled booking lacks."""

import json
from decimal import Decimal

from app.metrics import METRICS, Metrics
from bookings import Kind
from tests.support.publishing import booking


def lines_for(status: Kind = Kind.CONFIRMED, **changes: object) -> list[dict[str, object]]:
    lines: list[str] = []
    Metrics("Charterhand/test", write=lines.append, clock=lambda: 1.0).booking_state(
        booking(status, **changes)
    )
    return [json.loads(line) for line in lines]


def test_a_state_without_the_gross_counts_one_for_gross_and_names_the_labels():
    lines = lines_for(gross=None, unread_labels=("charter purse", "seats"))
    values = {line["Field"]: line["MissingValues"] for line in lines}
    assert values == {"gross": 1, "party_size": 0}
    [gross] = [line for line in lines if line["Field"] == "gross"]
    assert gross["Labels"] == "charter purse, seats"
    assert all("Labels" not in line for line in lines if line["Field"] != "gross")


def test_a_complete_state_counts_zero_for_each_field():
    lines = lines_for(gross=Decimal("840.75"), unread_labels=("charter purse",))
    assert {line["Field"]: line["MissingValues"] for line in lines} == {"gross": 0, "party_size": 0}
    assert all("Labels" not in line for line in lines)


def test_a_cancelled_booking_misses_nothing():
    lines = lines_for(status=Kind.CANCELLED, gross=None)
    assert {line["MissingValues"] for line in lines} == {0}


def test_the_metric_is_declared_with_the_dimension_it_is_emitted_under():
    declared = {(m.name, s) for m in METRICS for s in m.dimension_sets}
    for line in lines_for(gross=None):
        for directive in line["_aws"]["CloudWatchMetrics"]:  # type: ignore[index]
            for dims in directive["Dimensions"]:
                for metric in directive["Metrics"]:
                    assert (metric["Name"], tuple(dims)) in declared

"""EMF lines as the spec describes them, and refused where CloudWatch would drop the metric."""

import json

import pytest

from app.emf import Directive, emf_line

LATENCY = Directive(dimensions=(("Step",),), metrics={"StepLatency": "Milliseconds"})


def test_a_line_is_one_json_object_with_the_metadata_and_the_values_at_its_root():
    text = emf_line(
        "Charterhand/prod", 1_700_000_000_123, [LATENCY], {"Step": "scc", "StepLatency": 212.5}
    )
    assert "\n" not in text
    assert json.loads(text) == {
        "_aws": {
            "Timestamp": 1_700_000_000_123,
            "CloudWatchMetrics": [
                {
                    "Namespace": "Charterhand/prod",
                    "Dimensions": [["Step"]],
                    "Metrics": [{"Name": "StepLatency", "Unit": "Milliseconds"}],
                }
            ],
        },
        "Step": "scc",
        "StepLatency": 212.5,
    }


def test_several_directives_and_dimension_sets_share_one_line():
    emails = Directive(
        dimensions=(("Outcome",), ("Outcome", "ReasonClass")), metrics={"Emails": "Count"}
    )
    waited = Directive(dimensions=(("Outcome",),), metrics={"EnqueueToSettled": "Milliseconds"})
    members: dict[str, str | float] = {
        "Outcome": "done",
        "ReasonClass": "published",
        "Emails": 1,
        "EnqueueToSettled": 80.0,
    }
    line = json.loads(emf_line("N", 1, [emails, waited], members))
    directives = line["_aws"]["CloudWatchMetrics"]
    assert [d["Dimensions"] for d in directives] == [
        [["Outcome"], ["Outcome", "ReasonClass"]],
        [["Outcome"]],
    ]


@pytest.mark.parametrize(
    ("members", "complaint"),
    [
        ({"StepLatency": 1.0}, "dimension 'Step'"),  # a dimension without its value
        ({"Step": 3, "StepLatency": 1.0}, "dimension 'Step'"),  # dimension values are strings
        ({"Step": "scc"}, "metric 'StepLatency'"),  # a metric without its value
        ({"Step": "scc", "StepLatency": "fast"}, "metric 'StepLatency'"),
        ({"Step": "scc", "StepLatency": True}, "metric 'StepLatency'"),
    ],
)
def test_a_line_cloudwatch_would_not_extract_is_refused(members, complaint):
    with pytest.raises(ValueError, match=complaint):
        emf_line("N", 1, [LATENCY], members)


def test_unknown_units_and_oversized_dimension_sets_are_refused():
    with pytest.raises(ValueError, match="unit"):
        emf_line("N", 1, [Directive(((),), {"X": "Furlongs"})], {"X": 1})
    names = tuple(f"D{i}" for i in range(31))
    with pytest.raises(ValueError, match="30"):
        emf_line(
            "N", 1, [Directive((names,), {"X": "Count"})], {**dict.fromkeys(names, "v"), "X": 1}
        )

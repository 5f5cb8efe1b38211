"""CloudWatch Embedded Metric Format (EMF): a metric is a JSON log line, no PutMetricData call.

CloudWatch Logs extracts the metrics from any log event that is a JSON object with an ``_aws``
member (the awslogs driver needs no header for it). Written here rather than with
``aws-embedded-metrics``: that library flushes through asyncio (``run_until_complete`` on the
current event loop, which a worker thread does not have) and, outside Lambda, sends to a
CloudWatch agent over TCP that our Fargate task does not run. What we need is one pure function.

Spec: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: the spec's limits
MAX_DIMENSIONS_PER_SET = 30
MAX_METRICS_PER_DIRECTIVE = 100

#: units CloudWatch accepts (the subset we use; the spec lists them all)
UNITS = frozenset({"Count", "Milliseconds", "Seconds", "None"})


@dataclass(frozen=True)
class Directive:
    """One ``MetricDirective``: these metrics, under each of these dimension sets."""

    #: dimension sets: each a tuple of dimension names that are members of the line
    dimensions: tuple[tuple[str, ...], ...]
    #: metric name → unit
    metrics: Mapping[str, str]


def emf_line(
    namespace: str,
    timestamp_ms: int,
    directives: Sequence[Directive],
    members: Mapping[str, str | float | int],
) -> str:
    """One EMF log line: ``members`` hold every dimension value (strings) and metric value.

    Raises ``ValueError`` for a line CloudWatch would reject or silently skip: a dimension or
    metric without its member, a non-string dimension value, an unknown unit, a limit exceeded.
    """
    for directive in directives:
        if not directive.metrics or len(directive.metrics) > MAX_METRICS_PER_DIRECTIVE:
            raise ValueError(f"a directive holds 1 to {MAX_METRICS_PER_DIRECTIVE} metrics")
        for dimension_set in directive.dimensions:
            if len(dimension_set) > MAX_DIMENSIONS_PER_SET:
                raise ValueError(f"more than {MAX_DIMENSIONS_PER_SET} dimensions in a set")
            for name in dimension_set:
                if not isinstance(members.get(name), str):
                    raise ValueError(f"dimension {name!r} needs a string value on the line")
        for name, unit in directive.metrics.items():
            if unit not in UNITS:
                raise ValueError(f"unknown unit {unit!r} for {name}")
            value = members.get(name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"metric {name!r} needs a number on the line")
    record = {
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [list(s) for s in d.dimensions],
                    "Metrics": [{"Name": n, "Unit": u} for n, u in d.metrics.items()],
                }
                for d in directives
            ],
        },
        **members,
    }
    return json.dumps(record, separators=(",", ":"))

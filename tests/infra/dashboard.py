"""The dashboard's worker charts as data (from monitoring.tf), and the metrics EMF lines create.

``emitted`` reads EMF lines the way CloudWatch Logs extracts them: each directive's namespace,
each dimension set, each metric, the dimension values taken from the line. A chart line names a
metric the worker emits when the same (namespace, name, dimensions) comes out of ``emitted``.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.infra.module import Module

#: a CloudWatch metric: namespace, name, and its dimensions as sorted (name, value) pairs
MetricId = tuple[str, str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class Chart:
    title: str
    metric: str
    dimensions: tuple[str, ...]
    #: dimension values, one tuple per line; empty: a SEARCH over every value
    series: tuple[tuple[str, ...], ...]
    stats: tuple[str, ...]
    #: an alarmed chart's SEARCH beside its series: every series of this dimension set
    by: tuple[str, ...] = ()

    def metric_ids(self, namespace: str) -> set[MetricId]:
        return {
            (namespace, self.metric, tuple(sorted(zip(self.dimensions, values, strict=True))))
            for values in self.series
        }


def _resolve(tf: Module, value: Any) -> Any:
    """``"${local.x}"`` → the local's parsed value; anything else as is."""
    if isinstance(value, str):
        match = re.fullmatch(r"\$\{local\.(\w+)\}", value)
        if match:
            return _resolve(tf, tf.locals[match.group(1)])
    return value


def worker_charts(tf: Module, local: str = "worker_charts") -> list[Chart]:
    """The charts a ``local`` of monitoring.tf lists (``worker_charts``, ``alarmed_charts``)."""
    return [
        Chart(
            title=chart["title"],
            metric=chart["metric"],
            dimensions=tuple(chart["dimensions"]),
            series=tuple(tuple(s) for s in _resolve(tf, chart["series"])),
            stats=tuple(chart["stats"]),
            by=tuple(chart.get("by", ())),
        )
        for chart in tf.locals[local]
    ]


def emitted(lines: Iterable[Mapping[str, Any]]) -> set[MetricId]:
    """Every metric the EMF lines among ``lines`` create in CloudWatch."""
    found: set[MetricId] = set()
    for line in lines:
        for directive in line.get("_aws", {}).get("CloudWatchMetrics", []):
            for dimension_set in directive["Dimensions"]:
                dims = tuple(sorted((name, line[name]) for name in dimension_set))
                for metric in directive["Metrics"]:
                    found.add((directive["Namespace"], metric["Name"], dims))
    return found

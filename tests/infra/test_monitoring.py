"""monitoring.tf: the dashboard charts only metrics app/metrics.py declares, with the
dimensions it emits them under, beside the queue's; the step alarm reads the same metric.

(That the worker really emits each chart's series is tests/integration/test_worker_metrics.py.)
"""

import json
import re

from app.downstream import PUBLISHER_CLASSES
from app.metrics import ALARMED, METRICS
from audit.findings import FindingKind
from bookings.carried import EXPECTED_FIELDS
from tests.infra.dashboard import worker_charts
from tests.infra.module import Module, ref
from tests.infra.terraform_cli import Terraform
from worker.outcomes import Ending, ReasonClass

#: the steps app.compose.default_publishers builds
STEPS = {p.step for p in PUBLISHER_CLASSES}
DIMENSION_VALUES = {
    "Outcome": {k.value for k in Ending},
    "ReasonClass": {r.value for r in ReasonClass},
    "Step": STEPS,
    "Field": set(EXPECTED_FIELDS),
    "Kind": {k.value for k in FindingKind},
}
DECLARED = {m.name: m for m in METRICS}


def test_the_worker_is_told_the_namespace_the_dashboard_reads(tf: Module):
    assert tf.locals["worker_settings"]["metrics_namespace"] == "${local.metrics_namespace}"
    assert tf.outputs["metrics_namespace"]["value"] == "${local.metrics_namespace}"
    assert "var.environment" in tf.locals["metrics_namespace"]


def test_the_step_charts_show_every_step_the_worker_runs(tf: Module):
    assert {values[0] for values in tf.locals["step_series"]} == STEPS


def test_every_chart_names_a_declared_metric_under_a_dimension_set_it_is_emitted_with(
    tf: Module,
):
    charts = worker_charts(tf)
    assert {c.metric for c in charts} == set(DECLARED)  # every metric is on the dashboard
    for chart in charts:
        assert chart.metric in DECLARED, f"{chart.title}: {chart.metric} is not emitted"
        assert chart.dimensions in DECLARED[chart.metric].dimension_sets, chart.title
        for values in chart.series:
            assert len(values) == len(chart.dimensions), chart.title
            for name, value in zip(chart.dimensions, values, strict=True):
                assert value in DIMENSION_VALUES[name], f"{chart.title}: {name}={value}"


def test_the_dashboard_shows_queue_depth_oldest_message_and_dlq_depth(tf: Module):
    body = tf.resource("aws_cloudwatch_dashboard", "worker")["dashboard_body"]
    assert "local.worker_widgets" in body
    assert "local.queue_widgets" in body
    shown = [
        (line[1], ref(line[3]))
        for widget in tf.locals["queue_widgets"]
        for line in widget["properties"]["metrics"]
    ]
    assert shown == [
        ("ApproximateNumberOfMessagesVisible", "aws_sqs_queue.bookings.name"),
        ("ApproximateNumberOfMessagesNotVisible", "aws_sqs_queue.bookings.name"),
        ("ApproximateAgeOfOldestMessage", "aws_sqs_queue.bookings.name"),
        ("ApproximateNumberOfMessagesVisible", "aws_sqs_queue.bookings_dlq.name"),
    ]


def test_each_step_alarms_on_its_failure_rate_to_the_alarm_topic(tf: Module):
    alarm = tf.resource("aws_cloudwatch_metric_alarm", "step_failing")
    assert alarm["for_each"] == "${toset(flatten(local.step_series))}"
    assert (alarm["namespace"], alarm["metric_name"]) == (
        "${local.metrics_namespace}",
        "StepFailures",
    )
    assert alarm["dimensions"] == {"Step": "${each.key}"}
    assert DECLARED["StepFailures"].dimension_sets == (("Step",),)
    # StepFailures is 0 or 1 per run: its Average is the share of runs that failed
    assert alarm["statistic"] == "Average"
    assert alarm["comparison_operator"] == "GreaterThanThreshold"
    assert alarm["treat_missing_data"] == "notBreaching"
    assert alarm["alarm_actions"] == ["${aws_sns_topic.alarms.arn}"]
    assert alarm["alarm_name"].startswith("${local.name}-")  # the topic's policy allows these


def test_rendered_worker_widgets_name_only_the_charts_metrics(terraform: Terraform, tf: Module):
    """terraform itself renders the widgets: every line is a chart's series, nothing else."""
    result = terraform.console("jsonencode(local.worker_widgets)")
    assert result.returncode == 0, result.stderr
    widgets = json.loads(json.loads(result.stdout))
    namespace = "Charterhand/prod"  # environment = "prod" in the example tfvars
    charts = {c.title: c for c in worker_charts(tf)}
    assert [w["properties"]["title"] for w in widgets] == list(charts)
    for widget in widgets:
        chart = charts[widget["properties"]["title"]]
        lines = widget["properties"]["metrics"]
        if not chart.series:
            [[search]] = lines
            dims = ",".join(chart.dimensions)
            assert re.fullmatch(
                rf"SEARCH\('\{{{namespace},{dims}\}} MetricName=\"{chart.metric}\"', '\w+', \d+\)",
                search["expression"],
            ), search["expression"]
            continue
        named = set()
        for line in lines:
            *ids, options = line
            assert options["stat"] in chart.stats
            named.add((ids[0], ids[1], tuple(sorted(zip(ids[2::2], ids[3::2], strict=True)))))
        assert named == chart.metric_ids(namespace)
        assert len(lines) == len(chart.series) * len(chart.stats)


# --- the alarmed metrics' charts ----------------------------------------------------------------

ALARMED_BY_NAME = {m.name: m for m in ALARMED}


def test_every_alarmed_metric_is_charted_under_a_dimension_set_it_is_emitted_with(tf: Module):
    charts = worker_charts(tf, "alarmed_charts")
    assert {c.metric for c in charts} == set(ALARMED_BY_NAME)
    for chart in charts:
        assert chart.dimensions in ALARMED_BY_NAME[chart.metric].dimension_sets, chart.title
        assert chart.series, f"{chart.title}: names its series (checked as emitted)"
        if chart.by:
            assert chart.by in ALARMED_BY_NAME[chart.metric].dimension_sets, chart.title
        for values in chart.series:
            assert len(values) == len(chart.dimensions), chart.title
    body = tf.resource("aws_cloudwatch_dashboard", "worker")["dashboard_body"]
    assert "local.alarmed_widgets" in body


def test_rendered_alarmed_widgets_show_the_alarm_s_metric_and_threshold(
    terraform: Terraform, tf: Module
):
    result = terraform.console(
        "jsonencode([local.alarmed_widgets, local.worker_widgets, local.queue_widgets_y, "
        "local.name])"
    )
    assert result.returncode == 0, result.stderr
    alarmed, charted, queue_y, name = json.loads(json.loads(result.stdout))
    namespace = "Charterhand/prod"  # environment = "prod" in the example tfvars
    charts = worker_charts(tf, "alarmed_charts")
    assert [w["properties"]["title"] for w in alarmed] == [c.title for c in charts]
    alarm = tf.resource("aws_cloudwatch_metric_alarm", "worker_intake_stopped")
    [intake] = [
        (w, c) for w, c in zip(alarmed, charts, strict=True) if c.metric == alarm["metric_name"]
    ]
    widget, chart = intake
    named = set()
    searches = []
    for line in widget["properties"]["metrics"]:
        if isinstance(line[0], dict):  # the SEARCH by reason class
            searches.append(line[0]["expression"])
            continue
        *ids, options = line
        assert options["stat"] == alarm["statistic"]
        named.add((ids[0], ids[1], tuple(sorted(zip(ids[2::2], ids[3::2], strict=True)))))
    assert named == chart.metric_ids(namespace) == {(namespace, "IntakeStopped", ())}
    assert chart.by == ("ReasonClass",)
    assert searches == [
        f"SEARCH('{{{namespace},ReasonClass}} MetricName=\"IntakeStopped\"', "
        f"'{alarm['statistic']}', {alarm['period']})"
    ]
    assert widget["properties"]["period"] == alarm["period"]
    [line] = widget["properties"]["annotations"]["horizontal"]
    assert line["value"] == alarm["threshold"]
    assert line["label"] == "alarm " + alarm["alarm_name"].replace("${local.name}", name)
    # one grid: no chart overlaps another, and the queue's row (queue_widgets_y) is below them
    cells = [
        (x, y)
        for w in (*charted, *alarmed)
        for x in range(w["x"], w["x"] + w["width"])
        for y in range(w["y"], w["y"] + w["height"])
    ]
    assert len(cells) == len(set(cells))
    assert max(y for _, y in cells) < queue_y

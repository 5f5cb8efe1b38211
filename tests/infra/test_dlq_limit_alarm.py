"""monitoring.tf: an alarm watches the metric each worker writes while the shared DLQ limit holds
its intake stopped, with the dimensions it is written under, long enough that the once-a-minute
repeat keeps it on until ``charterhand intake resume``.

(That the real worker writes it is tests/integration/test_dlq_limit.py.)
"""

from app.metrics import ALARMED, INTAKE_STOPPED
from tests.infra.module import Module
from worker.loop import INTAKE_STOPPED_REPORT_SECONDS


def alarms_by_metric(tf: Module) -> dict[str, dict[str, object]]:
    alarms = tf.of_kind("aws_cloudwatch_metric_alarm").values()
    return {a["metric_name"]: a for a in alarms if "metric_name" in a}  # not metric math ones


def test_every_alarmed_metric_has_an_alarm_in_the_worker_namespace(tf: Module):
    alarms = alarms_by_metric(tf)
    for metric in ALARMED:
        assert metric.name in alarms, f"no alarm watches {metric.name}"
        assert alarms[metric.name]["namespace"] == "${local.metrics_namespace}"


def test_the_intake_stopped_alarm_fires_on_one_report_to_the_alarm_topic(tf: Module):
    alarm = tf.resource("aws_cloudwatch_metric_alarm", "worker_intake_stopped")
    assert alarm["metric_name"] == INTAKE_STOPPED.name
    # written without dimensions (and by ReasonClass, for the dashboard): the alarm names none
    assert () in INTAKE_STOPPED.dimension_sets
    assert "dimensions" not in alarm
    assert (alarm["statistic"], alarm["comparison_operator"], alarm["threshold"]) == (
        "Maximum",
        "GreaterThanOrEqualToThreshold",
        1,
    )
    assert alarm["datapoints_to_alarm"] == 1
    assert alarm["treat_missing_data"] == "notBreaching"  # a restarted worker clears it
    assert alarm["alarm_actions"] == ["${aws_sns_topic.alarms.arn}"]
    assert alarm["ok_actions"] == ["${aws_sns_topic.alarms.arn}"]
    assert alarm["alarm_name"].startswith("${local.name}-")  # the topic's policy allows these


def test_the_repeated_report_keeps_the_alarm_on_while_the_worker_stays_stopped(tf: Module):
    alarm = tf.resource("aws_cloudwatch_metric_alarm", "worker_intake_stopped")
    watched = alarm["period"] * alarm["evaluation_periods"]
    assert watched >= 2 * INTAKE_STOPPED_REPORT_SECONDS  # a late report leaves no gap


def test_the_alarm_tells_the_operator_the_limit_and_how_to_recover(tf: Module):
    text = tf.resource("aws_cloudwatch_metric_alarm", "worker_intake_stopped")["alarm_description"]
    assert "${var.dlq_limit_count}" in text
    assert "${var.dlq_limit_window_seconds}" in text
    assert "charterhand intake resume" in text
    assert "no restart" in text
    assert "dlq replay" in text

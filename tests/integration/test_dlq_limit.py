"""The DLQ limit on the real worker (build_worker, moto's SQS): a run of dead letters of one
reason class stops intake, leaves the rest of the queue alone, logs one error line, and writes
the metric the intake-stopped alarm watches, as that alarm names it."""

from tests.infra.dashboard import emitted, worker_charts
from tests.infra.module import load_module
from tests.integration.test_worker_outcomes import dead_letters, drain, outcomes
from tests.support.pipeline import queue_size

NAMESPACE = "Charterhand/test"


def test_a_run_of_unreadable_messages_stops_intake_and_writes_the_alarmed_metric(
    stack, make_worker, sqs, log_lines
):
    for _ in range(5):
        sqs.send_message(QueueUrl=stack.queue_url, MessageBody="Test message.")
    worker = make_worker(dlq_limit_count=2, worker_threads=1, metrics_namespace=NAMESPACE)
    drain(worker)

    assert [line["outcome"] for line in outcomes(log_lines)] == ["dead-letter"] * 2
    assert len(dead_letters(sqs, stack)) == 2
    assert queue_size(sqs, stack.queue_url) == 3  # the rest wait for a worker that can read them
    [stopped] = [line for line in log_lines() if line["event"].startswith("dead-letter limit")]
    assert (stopped["level"], stopped["reason_class"], stopped["dead_letters"]) == (
        "error",
        "unreadable",
        2,
    )
    alarm = load_module().resource("aws_cloudwatch_metric_alarm", "worker_intake_stopped")
    watched = (NAMESPACE, alarm["metric_name"], ())  # no dimensions, as the alarm names none
    assert watched in emitted(line for line in log_lines() if "_aws" in line)


def test_without_a_limit_every_message_is_dead_lettered(stack, make_worker, sqs, log_lines):
    for _ in range(3):
        sqs.send_message(QueueUrl=stack.queue_url, MessageBody="Test message.")
    drain(make_worker(dlq_limit_count=0, worker_threads=1, metrics_namespace=NAMESPACE))
    assert [line["outcome"] for line in outcomes(log_lines)] == ["dead-letter"] * 3
    assert not [line for line in log_lines() if "IntakeStopped" in line]


def test_every_series_the_dashboard_charts_for_an_alarm_is_a_metric_a_stopped_worker_emits(
    stack, make_worker, sqs, log_lines
):
    for _ in range(2):
        sqs.send_message(QueueUrl=stack.queue_url, MessageBody="Test message.")
    drain(make_worker(dlq_limit_count=2, worker_threads=1, metrics_namespace=NAMESPACE))
    created = emitted(line for line in log_lines() if "_aws" in line)
    charts = worker_charts(load_module(), "alarmed_charts")
    assert charts
    for chart in charts:
        missing = chart.metric_ids(NAMESPACE) - created
        assert not missing, f"{chart.title}: the worker emitted no {sorted(missing)}"

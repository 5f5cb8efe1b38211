"""The DLQ limit on the real worker (build_worker, moto's SQS and DynamoDB): a run of admitted
emails dead-lettered for one reason class stops intake, leaves the rest of the queue alone, logs
one error line, and writes the metric the intake-stopped alarm watches, as that alarm names it,
and by reason class, as the dashboard charts it."""

from tests.infra.dashboard import emitted, worker_charts
from tests.infra.module import load_module
from tests.integration.test_worker_outcomes import dead_letters, drain, outcomes
from tests.support.mail import email_for
from tests.support.pipeline import queue_size, send_raw
from worker.loop import STOPPED_HERE

NAMESPACE = "Charterhand/test"


def send_unreadable_bookings(stack, count: int) -> None:
    """Admitted emails (the platform's, proven by SES) that the parser cannot read."""
    for _ in range(count):
        send_raw(stack, email_for(None, unreadable=True))


def test_a_run_of_unreadable_bookings_stops_intake_and_writes_the_alarmed_metric(
    stack, make_worker, sqs, log_lines
):
    send_unreadable_bookings(stack, 5)
    worker = make_worker(dlq_limit_count=2, worker_threads=1, metrics_namespace=NAMESPACE)
    drain(worker)

    assert [line["outcome"] for line in outcomes(log_lines)] == ["dead-letter"] * 2
    assert len(dead_letters(sqs, stack)) == 2
    assert queue_size(sqs, stack.queue_url) == 3  # the rest wait for a worker that can read them
    [stopped] = [line for line in log_lines() if line["event"] == STOPPED_HERE]
    assert (stopped["level"], stopped["reason_class"], stopped["dead_letters"]) == (
        "error",
        "parse",
        2,
    )
    assert stopped["stopped_at"].endswith("+00:00")
    alarm = load_module().resource("aws_cloudwatch_metric_alarm", "worker_intake_stopped")
    watched = (NAMESPACE, alarm["metric_name"], ())  # no dimensions, as the alarm names none
    created = emitted(line for line in log_lines() if "_aws" in line)
    assert watched in created
    assert (NAMESPACE, "IntakeStopped", (("ReasonClass", "parse"),)) in created


def test_without_a_limit_every_message_is_dead_lettered(stack, make_worker, sqs, log_lines):
    send_unreadable_bookings(stack, 3)
    drain(make_worker(dlq_limit_count=0, worker_threads=1, metrics_namespace=NAMESPACE))
    assert [line["outcome"] for line in outcomes(log_lines)] == ["dead-letter"] * 3
    assert not [line for line in log_lines() if "IntakeStopped" in line]


def test_every_series_the_dashboard_charts_for_an_alarm_is_a_metric_a_stopped_worker_emits(
    stack, make_worker, sqs, log_lines
):
    send_unreadable_bookings(stack, 2)
    drain(make_worker(dlq_limit_count=2, worker_threads=1, metrics_namespace=NAMESPACE))
    created = emitted(line for line in log_lines() if "_aws" in line)
    charts = worker_charts(load_module(), "alarmed_charts")
    assert charts
    for chart in charts:
        missing = chart.metric_ids(NAMESPACE) - created
        assert not missing, f"{chart.title}: the worker emitted no {sorted(missing)}"
        if chart.by:  # a SEARCH over the dimension set: some metric must carry exactly those keys
            keys = tuple(sorted(chart.by))
            assert any(
                (ns, name, tuple(k for k, _ in dims)) == (NAMESPACE, chart.metric, keys)
                for ns, name, dims in created
            ), chart.title

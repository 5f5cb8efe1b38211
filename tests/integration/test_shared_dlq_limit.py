"""The DLQ limit shared by every worker through the state table, on the real worker (build_worker,
moto's SQS and DynamoDB): only admitted mail counts, one worker's stop stops them all,
``charterhand intake resume`` starts them again without a restart, and ``status`` shows it."""

from bookings import default_fleet
from tests.integration.test_worker_outcomes import dead_letters, drain, outcomes
from tests.support.emailkit import nested_multipart
from tests.support.mail import email_for, event
from tests.support.pipeline import ingest_sample, queue_size, send_raw
from worker.parsing import ParsersReader


def test_one_worker_s_stop_stops_every_worker(stack, make_worker, sqs):
    first = make_worker(dlq_limit_count=2, worker_threads=1)
    second = make_worker(dlq_limit_count=2, worker_threads=1)
    for _ in range(2):
        send_raw(stack, email_for(None, unreadable=True))  # admitted, and a ParseError
    drain(first)
    assert first.intake_stopped is not None
    send_raw(stack, email_for(event()))
    drain(second)  # another task, on the same queue and table
    assert second.intake_stopped is not None
    assert queue_size(sqs, stack.queue_url) == 1  # the good booking waits for the resume


def test_outsider_mail_that_dies_before_admission_stops_nothing(
    stack, make_worker, recorder, sqs, log_lines
):
    for _ in range(3):  # a forged platform From, no DKIM/DMARC, nested beyond the parser
        send_raw(stack, nested_multipart(1000))
    for _ in range(3):  # unreadable SQS bodies: anyone with sqs:SendMessage
        sqs.send_message(QueueUrl=stack.queue_url, MessageBody="Test message.")
    ingest_sample(stack, "boatsetter-confirmed.eml")
    worker = make_worker(reader=ParsersReader(default_fleet()), dlq_limit_count=2, worker_threads=1)
    drain(worker)
    assert worker.intake_stopped is None
    assert queue_size(sqs, stack.queue_url) == 0
    assert len(dead_letters(sqs, stack)) == 6
    assert [line["outcome"] for line in outcomes(log_lines)].count("done") == 1
    assert len(recorder.completed()) == 6  # the booking behind them, published by every step

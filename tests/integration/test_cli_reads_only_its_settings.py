"""Each operator command asks only for the settings it uses: ``dlq`` the two queue URLs,
``status`` those and the table, ``ingest`` those and the inbound bucket, ``intake`` the table."""

import os

from sandbox import SAMPLE_EMAILS
from tests.support.cli import charterhand


def _env(aws, **charterhand_vars: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CHARTERHAND_")}
    return {**base, **aws.env(), **charterhand_vars}


def test_dlq_needs_only_the_queue_urls(aws, stack):
    only = {k: v for k, v in stack.env().items() if k.endswith(("_QUEUE_URL", "_DLQ_URL"))}
    assert set(only) == {"CHARTERHAND_QUEUE_URL", "CHARTERHAND_DLQ_URL"}
    result = charterhand("dlq", "ls", env=_env(aws, **only))
    assert result.returncode == 0, result.stderr
    assert "the dead-letter queue is empty" in result.stdout


def test_dlq_flags_stand_in_for_the_variables(aws, stack):
    flags = ["--dlq-url", stack.dlq_url, "--queue-url", stack.queue_url]
    result = charterhand("dlq", *flags, "ls", env=_env(aws))
    assert result.returncode == 0, result.stderr


def test_dlq_without_queue_urls_is_a_usage_error_naming_variables_and_flags(aws):
    result = charterhand("dlq", "ls", env=_env(aws))
    assert result.returncode == 2
    assert "CHARTERHAND_DLQ_URL (dlq_url): Field required" in result.stderr
    assert "--dlq-url / --queue-url" in result.stderr
    assert "Traceback" not in result.stderr


def test_status_needs_only_the_queues_and_the_table(aws, stack):
    names = {"CHARTERHAND_QUEUE_URL", "CHARTERHAND_DLQ_URL", "CHARTERHAND_TABLE_NAME"}
    only = {k: v for k, v in stack.env().items() if k in names}
    result = charterhand("status", "--json", env=_env(aws, **only))
    assert result.returncode == 0, result.stderr
    assert '"bookings": []' in result.stdout


def test_intake_needs_only_the_table(aws, stack):
    only = {k: v for k, v in stack.env().items() if k == "CHARTERHAND_TABLE_NAME"}
    assert only
    result = charterhand("intake", "status", env=_env(aws, **only))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "intake: running"


def test_intake_without_the_table_is_a_usage_error_naming_the_variable(aws):
    result = charterhand("intake", "resume", env=_env(aws))
    assert result.returncode == 2
    assert "CHARTERHAND_TABLE_NAME" in result.stderr
    assert "Traceback" not in result.stderr


def test_ingest_sends_the_sandbox_samples_with_only_the_bucket_and_queues(aws, stack):
    names = {"CHARTERHAND_QUEUE_URL", "CHARTERHAND_DLQ_URL", "CHARTERHAND_INBOUND_BUCKET"}
    only = {k: v for k, v in stack.env().items() if k in names}
    result = charterhand("ingest", "--samples", env=_env(aws, **only))
    assert result.returncode == 0, result.stderr
    sent = [line.split("\t")[0] for line in result.stdout.splitlines()]
    assert sent == [str(path) for path in sorted(SAMPLE_EMAILS.glob("*.eml"))]
    assert len(sent) >= 8


def test_ingest_of_nothing_is_a_usage_error(aws, stack):
    result = charterhand("ingest", env=_env(aws, **stack.env()))
    assert result.returncode == 2
    assert "name FILE.eml... or pass --samples" in result.stderr

"""``charterhand dlq``: a replay of an id that is not there fails, a dry run lists what it would
send and claims nothing, and an export to a path it cannot write is one line, not a traceback.
Against moto's server, as a subprocess."""

import json
from pathlib import Path

import boto3
import pytest

from tests.integration.test_dlq_cli import _cli, _dead_letter, _depth

UNKNOWN = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def three_dead_letters(aws):
    sqs = boto3.client("sqs")
    dlq_url = sqs.create_queue(QueueName="bookings-dlq")["QueueUrl"]
    queue_url = sqs.create_queue(QueueName="bookings")["QueueUrl"]
    ids = {
        "unreadable": _dead_letter(
            sqs, dlq_url, "not json at all", "unreadable body: not JSON", "DecodeError", "decode"
        ),
        "missing": _dead_letter(
            sqs, dlq_url, "{}", "raw email missing: s3://inbound/raw/abc", "MissingObject", "fetch"
        ),
        "credentials": _dead_letter(
            sqs, dlq_url, "{}", "credentials rejected by calendar", "PermanentError", "calendar"
        ),
    }
    return sqs, queue_url, dlq_url, ids


def _visible_now(sqs, url: str) -> list[str]:
    """Every message id a receiver gets right now, handed straight back (visibility 0)."""
    ids: set[str] = set()
    for _ in range(4):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        ids.update(m["MessageId"] for m in got.get("Messages", []))
    return sorted(ids)


def test_replay_of_an_unknown_id_exits_1_naming_it(aws, three_dead_letters):
    sqs, queue_url, dlq_url, _ids = three_dead_letters
    result = _cli(aws, queue_url, dlq_url, "replay", "--id", UNKNOWN)
    assert result.returncode == 1, result.stdout
    assert f"no dead letter with id {UNKNOWN}" in result.stderr
    assert _depth(sqs, queue_url) == 0


def test_replay_of_a_known_and_an_unknown_id_replays_the_known_and_exits_1(aws, three_dead_letters):
    sqs, queue_url, dlq_url, ids = three_dead_letters
    result = _cli(aws, queue_url, dlq_url, "replay", "--id", ids["missing"], "--id", UNKNOWN)
    assert result.returncode == 1
    assert "replayed 1, left 2 in the DLQ" in result.stdout
    assert f"no dead letter with id {UNKNOWN}" in result.stderr
    assert _depth(sqs, queue_url) == 1


def test_dry_run_lists_each_letter_it_would_replay(aws, three_dead_letters):
    _sqs, queue_url, dlq_url, ids = three_dead_letters
    result = _cli(aws, queue_url, dlq_url, "replay", "--reason", "credentials", "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(ids["credentials"] in line and "credentials rejected" in line for line in lines)
    assert ids["missing"] not in result.stdout
    assert ids["unreadable"] not in result.stdout
    assert "would replay 1, left 2 in the DLQ" in result.stdout


def test_dry_run_claims_nothing(aws, three_dead_letters):
    """Right after a dry run every dead letter is there to be received: none is held back."""
    sqs, queue_url, dlq_url, ids = three_dead_letters
    result = _cli(aws, queue_url, dlq_url, "replay", "--all", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert _visible_now(sqs, dlq_url) == sorted(ids.values())
    assert _depth(sqs, queue_url) == 0


def test_dry_run_of_an_unknown_id_exits_1(aws, three_dead_letters):
    _sqs, queue_url, dlq_url, _ids = three_dead_letters
    result = _cli(aws, queue_url, dlq_url, "replay", "--id", UNKNOWN, "--dry-run")
    assert result.returncode == 1
    assert f"no dead letter with id {UNKNOWN}" in result.stderr


def test_export_to_a_path_it_cannot_write_is_one_line(aws, three_dead_letters, tmp_path: Path):
    sqs, queue_url, dlq_url, _ids = three_dead_letters
    target = tmp_path / "no-such-dir" / "dead.jsonl"
    result = _cli(aws, queue_url, dlq_url, "export", str(target))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"charterhand dlq: cannot write {target}:")
    assert len(result.stderr.splitlines()) == 1
    assert _visible_now(sqs, dlq_url), "the dead letters are still there"


def test_export_to_a_directory_is_one_line(aws, three_dead_letters, tmp_path: Path):
    _sqs, queue_url, dlq_url, _ids = three_dead_letters
    result = _cli(aws, queue_url, dlq_url, "export", str(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "Is a directory" in result.stderr


def test_export_to_standard_output(aws, three_dead_letters):
    _sqs, queue_url, dlq_url, ids = three_dead_letters
    result = _cli(aws, queue_url, dlq_url, "export", "-")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {row["message_id"] for row in rows} == set(ids.values())
    assert "exported 3 dead letter(s)" in result.stderr

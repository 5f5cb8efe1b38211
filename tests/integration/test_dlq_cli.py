"""``charterhand dlq`` driven as an operator drives it: a subprocess against moto's server."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from ops.dlq import DeadLetterQueue
from tests.support.cli import charterhand
from tests.support.pipeline import ingest_sample, work_queue
from tests.support.recording import Fault, Recorder

#: the inbound bucket ``dlq show`` is configured with (``CHARTERHAND_INBOUND_BUCKET``)
INBOUND = "inbound-mail"


@pytest.fixture
def queues(aws):
    sqs = boto3.client("sqs")
    dlq_url = sqs.create_queue(QueueName="bookings-dlq")["QueueUrl"]
    queue_url = sqs.create_queue(QueueName="bookings")["QueueUrl"]
    return sqs, queue_url, dlq_url


def _dead_letter(
    sqs,
    dlq_url: str,
    body: str,
    reason: str,
    error_class: str,
    step: str,
    first_failure: str = "2027-03-02T17:14:00+00:00",
    key_attribute: str = "booking_key",
) -> str:
    """A dead letter as the worker writes it (``key_attribute="booking_id"``: as it wrote them
    before the key's attribute was renamed; the DLQ keeps such letters for up to 14 days)."""
    attributes = {
        "charterhand.reason": reason,
        "charterhand.error_class": error_class,
        "charterhand.step": step,
        f"charterhand.{key_attribute}": "boatsetter:xhqgmdh" if step != "decode" else "",
        "charterhand.first_failure": first_failure,
        "charterhand.receive_count": "1",
    }
    sent = sqs.send_message(
        QueueUrl=dlq_url,
        MessageBody=body,
        MessageAttributes={
            k: {"DataType": "String", "StringValue": v} for k, v in attributes.items() if v
        },
    )
    return str(sent["MessageId"])


def _cli(
    aws,
    queue_url: str,
    dlq_url: str,
    *args: str,
    stdin: str | None = None,
    extra_env: dict[str, str] | None = None,
):
    env = {
        **os.environ,
        **aws.env(),
        "CHARTERHAND_QUEUE_URL": queue_url,
        "CHARTERHAND_DLQ_URL": dlq_url,
        "CHARTERHAND_INBOUND_BUCKET": INBOUND,
        **(extra_env or {}),
    }
    return charterhand("dlq", *args, env=env, stdin=stdin)


def _depth(sqs, url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )


def _bodies(sqs, url: str) -> list[str]:
    queue = DeadLetterQueue(sqs, dlq_url=url, queue_url=url)
    return [letter.body for letter in queue.browse()]


@pytest.fixture
def three_dead_letters(queues):
    sqs, queue_url, dlq_url = queues
    ids = {
        "unreadable": _dead_letter(
            sqs, dlq_url, "not json at all", "unreadable body: not JSON", "DecodeError", "decode"
        ),
        "missing": _dead_letter(
            sqs,
            dlq_url,
            json.dumps({"Records": []}),
            "raw email missing: s3://inbound/raw/abc",
            "MissingObject",
            "fetch",
        ),
        "credentials": _dead_letter(
            sqs,
            dlq_url,
            json.dumps({"hello": "calendar"}),
            "credentials rejected by calendar",
            "PermanentError",
            "calendar",
        ),
    }
    return sqs, queue_url, dlq_url, ids


def test_ls_shows_every_dead_letter_with_its_reason(aws, three_dead_letters):
    _sqs, queue_url, dlq_url, ids = three_dead_letters
    result = _cli(aws, queue_url, dlq_url, "ls")
    assert result.returncode == 0, result.stderr
    for message_id in ids.values():
        assert message_id in result.stdout
    assert "credentials rejected by calendar" in result.stdout
    assert "raw email missing" in result.stdout
    assert "3 dead letter(s)" in result.stdout


def test_ls_json_has_one_object_per_dead_letter(aws, three_dead_letters):
    _sqs, queue_url, dlq_url, ids = three_dead_letters
    result = _cli(aws, queue_url, dlq_url, "ls", "--json")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {row["id"] for row in rows} == set(ids.values())
    by_id = {row["id"]: row for row in rows}
    assert by_id[ids["credentials"]]["step"] == "calendar"
    assert by_id[ids["credentials"]]["receive_count"] == 1


def test_ls_names_the_booking_key_of_new_and_old_dead_letters(aws, queues):
    sqs, queue_url, dlq_url = queues
    new = _dead_letter(sqs, dlq_url, "{}", "r1", "PermanentError", "calendar")
    old = _dead_letter(
        sqs, dlq_url, "{}", "r2", "PermanentError", "calendar", key_attribute="booking_id"
    )
    listed = _cli(aws, queue_url, dlq_url, "ls", "--json")
    rows = {row["id"]: row for row in map(json.loads, listed.stdout.splitlines())}
    assert (rows[new]["booking_key"], rows[old]["booking_key"]) == ("boatsetter:xhqgmdh",) * 2
    assert not any("booking_id" in row for row in rows.values())
    table = _cli(aws, queue_url, dlq_url, "ls").stdout
    assert table.count("boatsetter:xhqgmdh") == 2


def test_ls_leaves_the_messages_in_the_queue(aws, three_dead_letters):
    sqs, queue_url, dlq_url, _ids = three_dead_letters
    _cli(aws, queue_url, dlq_url, "ls")
    assert len(_bodies(sqs, dlq_url)) == 3


def test_replay_by_reason_moves_only_the_matching_message(aws, three_dead_letters):
    sqs, queue_url, dlq_url, _ids = three_dead_letters
    result = _cli(aws, queue_url, dlq_url, "replay", "--reason", "CREDENTIALS rejected")
    assert result.returncode == 0, result.stderr
    assert "replayed 1, left 2 in the DLQ" in result.stdout
    moved = sqs.receive_message(
        QueueUrl=queue_url, MessageAttributeNames=["All"], MaxNumberOfMessages=10
    )["Messages"]
    assert [m["Body"] for m in moved] == [json.dumps({"hello": "calendar"})]
    assert moved[0]["MessageAttributes"]["charterhand.replay_count"]["StringValue"] == "1"
    assert sorted(_bodies(sqs, dlq_url)) == sorted(["not json at all", json.dumps({"Records": []})])


def test_replay_dry_run_moves_nothing(aws, three_dead_letters):
    sqs, queue_url, dlq_url, _ids = three_dead_letters
    result = _cli(aws, queue_url, dlq_url, "replay", "--all", "--dry-run")
    assert "would replay 3" in result.stdout
    assert _depth(sqs, queue_url) == 0
    assert len(_bodies(sqs, dlq_url)) == 3


def test_purge_by_id_removes_exactly_that_message(aws, three_dead_letters):
    sqs, queue_url, dlq_url, ids = three_dead_letters
    result = _cli(aws, queue_url, dlq_url, "purge", "--id", ids["unreadable"], "--yes")
    assert result.returncode == 0, result.stderr
    assert "deleted 1" in result.stdout
    assert "not json at all" not in _bodies(sqs, dlq_url)
    assert len(_bodies(sqs, dlq_url)) == 2


def test_purge_without_yes_off_a_terminal_refuses(aws, three_dead_letters):
    sqs, queue_url, dlq_url, _ids = three_dead_letters
    result = _cli(aws, queue_url, dlq_url, "purge", stdin="y\n")
    assert result.returncode == 1
    assert "--yes" in result.stderr
    assert len(_bodies(sqs, dlq_url)) == 3


def test_export_writes_json_lines_and_keeps_the_messages(aws, three_dead_letters, tmp_path: Path):
    sqs, queue_url, dlq_url, ids = three_dead_letters
    out = tmp_path / "dead.jsonl"
    result = _cli(aws, queue_url, dlq_url, "export", str(out))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert {line["message_id"] for line in lines} == set(ids.values())
    assert {line["attributes"]["reason"] for line in lines} >= {"credentials rejected by calendar"}
    assert len(_bodies(sqs, dlq_url)) == 3


def test_a_missing_queue_is_one_clear_line(aws, queues):
    _sqs, queue_url, _dlq_url = queues
    missing = queue_url.rsplit("/", 1)[0] + "/no-such-queue"
    result = _cli(aws, queue_url, missing, "ls")
    assert result.returncode == 1
    assert "queue does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_credentials_are_one_clear_line(aws, queues, tmp_path: Path):
    _sqs, queue_url, dlq_url = queues
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") or k in {"AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION"}
    }
    env.update(
        CHARTERHAND_QUEUE_URL=queue_url,
        CHARTERHAND_DLQ_URL=dlq_url,
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    result = charterhand("dlq", "ls", env=env)
    assert result.returncode == 1
    assert "no AWS credentials" in result.stderr


def test_killing_replay_half_way_loses_no_message(aws, queues):
    sqs, queue_url, dlq_url = queues
    bodies = {f"dead letter {i}" for i in range(300)}
    for chunk in [sorted(bodies)[i : i + 10] for i in range(0, 300, 10)]:
        sqs.send_message_batch(
            QueueUrl=dlq_url,
            Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(chunk)],
        )
    env = {
        **os.environ,
        **aws.env(),
        "CHARTERHAND_QUEUE_URL": queue_url,
        "CHARTERHAND_DLQ_URL": dlq_url,
    }
    replay = subprocess.Popen(
        [sys.executable, "-m", "commands.main", "dlq", "replay", "--all", "--hold-seconds", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while _depth(sqs, queue_url) < 50 and time.monotonic() < deadline:
        time.sleep(0.02)
    replay.send_signal(signal.SIGKILL)
    replay.wait()
    moved = _depth(sqs, queue_url)
    assert 0 < moved < 300, "the replay was not interrupted half-way"

    time.sleep(2.5)  # what the killed replay held reappears in the DLQ after --hold-seconds
    on_main = _bodies(sqs, queue_url)
    in_dlq = _bodies(sqs, dlq_url)
    assert set(on_main) | set(in_dlq) == bodies
    assert len(on_main) == len(set(on_main)), "a replayed message was sent twice"


def test_show_says_what_the_email_says(aws, queues):
    from sandbox.ingest import PASSING, ses_notification, sns_envelope
    from tests.conftest import FIXTURES

    sqs, queue_url, dlq_url = queues
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="inbound-mail")
    raw = (FIXTURES / "emails" / "boatsetter-confirmed-unreadable-layout.eml").read_bytes()
    s3.put_object(Bucket="inbound-mail", Key="raw/abc", Body=raw)
    body = sns_envelope(
        ses_notification(
            raw, message_id="abc", bucket="inbound-mail", key="raw/abc", verdicts=PASSING
        )
    )
    message_id = _dead_letter(sqs, dlq_url, body, "unreadable", "ParseError", "parse")
    result = _cli(aws, queue_url, dlq_url, "show", message_id)
    assert result.returncode == 0, result.stderr
    assert "s3://inbound-mail/raw/abc: boatsetter confirmed email, unreadable" in result.stdout
    assert "missing booking_id, start, end" in result.stdout


def _letter_pointing_at(sqs, dlq_url: str, bucket: str, key: str) -> str:
    """A dead letter whose SES notification names ``s3://bucket/key``, where a readable booking
    email is stored (so a fetch would show up as its parse)."""
    from sandbox.ingest import PASSING, ses_notification, sns_envelope
    from tests.conftest import FIXTURES

    s3 = boto3.client("s3")
    if bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=bucket)
    raw = (FIXTURES / "emails" / "boatsetter-confirmed-unreadable-layout.eml").read_bytes()
    s3.put_object(Bucket=bucket, Key=key, Body=raw)
    body = sns_envelope(
        ses_notification(raw, message_id="abc", bucket=bucket, key=key, verdicts=PASSING)
    )
    return _dead_letter(sqs, dlq_url, body, "unreadable", "ParseError", "parse")


def test_show_refuses_to_fetch_from_a_bucket_other_than_the_inbound_one(aws, queues):
    sqs, queue_url, dlq_url = queues
    message_id = _letter_pointing_at(sqs, dlq_url, "someone-elses-bucket", "raw/abc")
    result = _cli(aws, queue_url, dlq_url, "show", message_id)
    assert result.returncode == 1, result.stdout
    assert "s3://someone-elses-bucket/raw/abc" in result.stderr
    assert f"not in the inbound bucket {INBOUND}: not fetched" in result.stderr
    assert "boatsetter confirmed email" not in result.stdout  # it was not read
    assert message_id in result.stdout  # the letter itself is still shown


def test_show_refuses_to_fetch_a_key_outside_the_inbound_prefix(aws, queues):
    sqs, queue_url, dlq_url = queues
    outside = _letter_pointing_at(sqs, dlq_url, INBOUND, "exports/abc")
    result = _cli(aws, queue_url, dlq_url, "show", outside)
    assert result.returncode == 1, result.stdout
    assert f"outside the inbound prefix s3://{INBOUND}/raw/: not fetched" in result.stderr
    assert "boatsetter confirmed email" not in result.stdout
    # the prefix is the configured one: under another, raw/ is outside too
    inside_raw = _letter_pointing_at(sqs, dlq_url, INBOUND, "raw/abc")
    moved = {"CHARTERHAND_INBOUND_PREFIX": "mail/"}
    result = _cli(aws, queue_url, dlq_url, "show", inside_raw, extra_env=moved)
    assert result.returncode == 1, result.stdout
    assert f"outside the inbound prefix s3://{INBOUND}/mail/: not fetched" in result.stderr


def test_show_of_an_unknown_id_says_so(aws, three_dead_letters):
    _sqs, queue_url, dlq_url, _ids = three_dead_letters
    result = _cli(aws, queue_url, dlq_url, "show", "no-such-id")
    assert result.returncode == 1
    assert "no dead letter with id no-such-id" in result.stderr


def test_the_worker_dead_letters_three_reasons_and_a_replay_of_one_completes(aws, stack, tmp_path):
    """The operator's loop: the worker dead-letters three messages for three reasons; `ls` shows
    them; once the cause of one is fixed, `replay --reason` sends only that one back, and it
    completes; the other two wait on."""
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=stack.queue_url, MessageBody="Test message.")
    missing = ingest_sample(stack, "boatsetter-request.eml")
    boto3.client("s3").delete_object(Bucket=stack.inbound_bucket, Key=f"raw/{missing}")
    # the SCC sandbox rejects the first call (say, a rotated key), accepts once it is fixed
    recorder = Recorder(path=tmp_path / "calls.jsonl", faults={"scc": Fault("permanent", times=1)})
    work_queue(stack, recorder, "boatsetter-confirmed.eml")

    listed = _cli(aws, stack.queue_url, stack.dlq_url, "ls", "--json")
    reasons = sorted(json.loads(line)["reason"] for line in listed.stdout.splitlines())
    assert len(reasons) == 3, listed.stdout + listed.stderr
    assert reasons[0].startswith("reading s3://")
    assert "sandbox said no" in reasons[1]
    assert reasons[2] == "unreadable body: body is not JSON"
    assert not recorder.completed("scc")

    replay = _cli(aws, stack.queue_url, stack.dlq_url, "replay", "--reason", "sandbox said no")
    assert "replayed 1, left 2 in the DLQ" in replay.stdout, replay.stderr
    work_queue(stack, recorder)

    assert [e["booking"] for e in recorder.completed("scc")] == ["boatsetter:xhqgmdh"]
    assert len(recorder.completed("summary")) == 1
    left = _cli(aws, stack.queue_url, stack.dlq_url, "ls", "--json").stdout.splitlines()
    assert sorted(json.loads(line)["reason"][:7] for line in left) == ["reading", "unreada"]


def test_replay_limit_moves_at_most_that_many(aws, three_dead_letters):
    sqs, queue_url, dlq_url, _ids = three_dead_letters
    result = _cli(aws, queue_url, dlq_url, "replay", "--all", "--limit", "2")
    assert result.returncode == 0, result.stderr
    assert "replayed 2, left 1 in the DLQ" in result.stdout
    assert _depth(sqs, queue_url) == 2
    assert len(_bodies(sqs, dlq_url)) == 1


def test_a_replay_that_fails_again_keeps_the_first_failure_time(aws, stack, tmp_path):
    """A letter that first failed a month ago, replayed and dead-lettered again today, still says
    a month ago: ``ls --since`` selects by when the trouble started, not by the last replay."""
    sqs = boto3.client("sqs")
    month_ago = (datetime.now(UTC) - timedelta(days=30)).replace(microsecond=0).isoformat()
    since = ("--since", (datetime.now(UTC) - timedelta(days=29)).isoformat())
    _dead_letter(
        sqs, stack.dlq_url, "Test message.", "unreadable", "DecodeError", "decode", month_ago
    )
    assert _cli(aws, stack.queue_url, stack.dlq_url, "ls", "--json", *since).stdout == ""

    replay = _cli(aws, stack.queue_url, stack.dlq_url, "replay", "--all")
    assert "replayed 1, left 0 in the DLQ" in replay.stdout, replay.stderr
    work_queue(stack, Recorder(path=tmp_path / "calls.jsonl"))

    [letter] = DeadLetterQueue(sqs, dlq_url=stack.dlq_url, queue_url=stack.queue_url).browse()
    assert letter.replay_count == 1
    assert letter.attributes["first_failure"] == month_ago
    assert _cli(aws, stack.queue_url, stack.dlq_url, "ls", "--json", *since).stdout == ""

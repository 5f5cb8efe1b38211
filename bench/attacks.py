"""bench/attacks.py: issue 18's attack figures, with real worker processes.

Run by hand: ``.venv/bin/python bench/attacks.py [--old /path/to/older/checkout] [--only 1,2,3]``.
moto's server runs in this process, each scenario on a stack of its own; every worker is a
separate ``python -m`` process (``charterhand worker`` with settings from the environment), run
from the tree under test (``--old``: the worker processes only; the emails, the stand-ins and the
counting stay this tree's). Prints:

1. **outsider mail and the DLQ limit**: 22 outsider emails (a forged Boatsetter From, no SPF,
   DKIM or DMARC verdict (GRAY) in SES's ``Authentication-Results``, MIME nested 3,000 levels
   deep) queued ahead of 5 good bookings, on 2 worker processes (2 threads each), then on 1, with
   the default DLQ limit (20 within 300 s) and recording publishers
   (``tests.support.recording_worker``). Counts dead letters by whose email they are (read from
   the DLQ), whether intake stopped (the workers' log lines; this tree also the shared record and
   ``charterhand status``), and the good bookings with all six steps published;
2. **forged notifications published as verified**: the 7 shapes of defect 2, each for a booking
   of its own, sent straight to the queue as ``sqs:SendMessage`` allows, 2 worker processes,
   recording publishers; besides them, one genuine email sent the same way (the control: it
   must publish verified) and two extras, the foreign-topic and other-key shapes laundering an
   email SES stored and *failed*. Counts shapes whose booking is in the state table marked
   verified (and any published at all), with each message's outcome and reason;
3. **doubled crew emails under lost SES answers**: N bookings through 2 worker processes with
   the real crew email and summary publishers (``tests.support.mail_worker``), SES being
   moto behind ``sandbox.ses.SesStandIn`` (10 % of sends accepted, then the answer lost: a 500
   or a dropped connection). As soon as SES accepted a booking's first email, its change
   (``boatsetter-modified``: new times) is queued, so it arrives while sends are pending. Run
   without the SES events queue (nothing settles a lost send: it waits 900 s, longer than the
   run, which ends once nothing moves) and with it. Doubled = emails SES accepted beyond one
   per (booking, recipient, kind); lost = a recipient of a booking who got no email at all;
   waiting = bookings whose email steps are not published when the run ends. Without the
   queue, this tree then lets 900 s pass for the pending sends (their once-records made 901 s
   older in the state table) and runs on: ``after_900_s`` is what the lost answers become.
"""

import argparse
import base64
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402

from sandbox.aws import running_moto  # noqa: E402
from sandbox.ingest import (  # noqa: E402
    PASSING,
    TOPIC_ARN,
    new_message_id,
    ses_notification,
    sns_envelope,
    with_ses_headers,
)
from sandbox.ses import SesStandIn, serving  # noqa: E402
from sandbox.stack import LocalStack, provision  # noqa: E402
from state.keys import PK, SK  # noqa: E402
from state.store import StateStore  # noqa: E402
from tests.support.emailkit import nested_multipart  # noqa: E402
from tests.support.pipeline import send_raw  # noqa: E402
from tests.support.queues import messages_in  # noqa: E402
from tests.support.recording import Recorder  # noqa: E402

EMAILS = ROOT / "tests" / "fixtures" / "emails"
SAMPLE_ID = "xhqgmdh"
STEPS = {"calendar", "scc", "guest_page", "crew_page", "crew_email", "summary"}
EMAIL_STEPS = {"crew_email", "summary"}
#: who hears of a JADA booking (the default fleet's crew, and the manager)
RECIPIENTS = (
    "Sam Rivera <sam@example.com>",
    "Alex Chen <alex@example.com>",
    "manager@example.com",
)
#: SES's verdicts on an email that fails for the From domain
FAILING = {"spf": "FAIL", "dkim": "FAIL", "dmarc": "FAIL"}
#: SES's verdicts on the outsiders of scenario 1: no SPF, DKIM or DMARC verdict at all (GRAY, as
#: for a From domain that publishes no DMARC policy): nothing passes, and nothing says FAIL
NO_VERDICT = {"spf": "GRAY", "dkim": "GRAY", "dmarc": "GRAY"}
#: SES's verdicts as stored on such an email (its spam and virus checks pass)
SES_FAILED = {**PASSING, **FAILING}
#: what a forger writes on top of the email itself: SES's own words, by someone else
FORGED_RESULTS = (
    b"Authentication-Results: amazonses.com; spf=pass; dkim=pass header.i=@boatsetter.com;"
    b" dmarc=pass header.from=boatsetter.com\r\n"
)
#: the settings every worker here runs with (the DLQ limit is left at its default)
WORKER_SETTINGS: dict[str, Any] = {
    "forwarder_allowlist": ["dana@sailjada.com"],
    "poll_wait_seconds": 1,
    "retry_base_seconds": 1,
    "retry_max_seconds": 2,
    "shutdown_deadline_seconds": 10,
    "worker_threads": 2,
}


def booking_id(prefix: str, n: int) -> str:
    """A Boatsetter-shaped booking id (seven lowercase letters)."""
    tail = ""
    for _ in range(6):
        n, digit = divmod(n, 26)
        tail = chr(ord("a") + digit) + tail
    return prefix + tail


def renamed(sample: str, new_id: str) -> bytes:
    """A sample email (``tests/fixtures/emails``) for booking ``new_id`` instead of xhqgmdh."""
    msg = message_from_bytes((EMAILS / sample).read_bytes(), policy=default)
    assert isinstance(msg, EmailMessage)
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            text = part.get_content().replace(SAMPLE_ID, new_id)
            part.set_content(text, subtype=part.get_content_subtype())
    message_id = str(msg["Message-ID"]).replace(SAMPLE_ID, new_id)
    del msg["Message-ID"]
    msg["Message-ID"] = message_id
    return msg.as_bytes()


# --- worker processes --------------------------------------------------------------------------


@dataclass
class Workers:
    """Worker processes of one tree (its root is their PYTHONPATH and working directory) on a
    stack; every one is stopped when the block ends."""

    stack: LocalStack
    tree: Path
    logs: Path
    recorder: Recorder
    procs: list["subprocess.Popen[bytes]"] = field(default_factory=list)

    def start(
        self,
        module: str = "tests.support.recording_worker",
        env: dict[str, str] | None = None,
        **settings: Any,
    ) -> "subprocess.Popen[bytes]":
        full = {key: value for key, value in os.environ.items() if key != "AWS_ENDPOINT_URL_SESV2"}
        full.update(self.stack.env(**{**WORKER_SETTINGS, **settings}))
        full.update(
            {
                "CHARTERHAND_TEST_RECORD": str(self.recorder.path),
                "PYTHONPATH": str(self.tree),
                **(env or {}),
            }
        )
        log = open(self.logs / f"worker-{len(self.procs)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=self.tree,
            env=full,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def lines(self, index: int | None = None) -> list[dict[str, Any]]:
        """Every JSON log line of one worker (``index``) or of all."""
        found: list[dict[str, Any]] = []
        for n in range(len(self.procs)) if index is None else [index]:
            path = self.logs / f"worker-{n}.log"
            for text in path.read_text(errors="replace").splitlines() if path.exists() else []:
                if text.startswith("{"):
                    with contextlib.suppress(ValueError):
                        found.append(json.loads(text))
        return found

    def settled(self) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line.get("event") == "message settled"]

    def stopped_intake(self) -> int:
        """Workers that logged a stop of their intake (the DLQ limit)."""
        return sum(
            any("dead-letter limit" in str(line.get("event", "")) for line in self.lines(n))
            for n in range(len(self.procs))
        )

    def crashed(self) -> int:
        return sum(proc.poll() not in (None, 0) for proc in self.procs)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


@contextlib.contextmanager
def workers_on(stack: LocalStack, tree: Path, logs: Path) -> Iterator[Workers]:
    shutil.rmtree(logs, ignore_errors=True)  # an earlier run's logs and record
    logs.mkdir(parents=True)
    started = Workers(stack, tree, logs, Recorder(path=logs / "calls.jsonl"))
    try:
        yield started
    finally:
        started.stop_all()


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return condition()


def queue_empty(stack: LocalStack) -> bool:
    """Nothing visible, in flight or delayed."""
    return messages_in(boto3.client("sqs"), stack.queue_url) == 0


def published(recorder: Recorder) -> dict[str, set[str]]:
    """Booking key → the steps the recording publishers completed for it."""
    steps: dict[str, set[str]] = {}
    for entry in recorder.completed():
        steps.setdefault(entry["booking"], set()).add(entry["step"])
    return steps


def dead_letters(stack: LocalStack) -> list[str]:
    """The SES messageId of every dead letter on the DLQ ("?" when its body names none)."""
    sqs = boto3.client("sqs")
    ids: list[str] = []
    while True:
        got = sqs.receive_message(
            QueueUrl=stack.dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=300
        ).get("Messages", [])
        if not got:
            return ids
        ids.extend(_ses_message_id(m["Body"]) for m in got)


def _ses_message_id(body: str) -> str:
    try:
        doc = json.loads(body)
        if doc.get("Type") == "Notification":
            doc = json.loads(doc["Message"])
        return str(doc["mail"]["messageId"])
    except (ValueError, KeyError, TypeError):
        return "?"


def intake_record(stack: LocalStack) -> dict[str, Any] | None:
    """The shared DLQ limit's record (None where this tree has no such record)."""
    try:
        from state.intake import IntakeRecords
    except ImportError:
        return None
    record = IntakeRecords(stack.table_name, boto3.client("dynamodb")).load()
    return {"stopped": record.stopped, "class": record.stopped_class, "streak": record.streak_class}


def status_intake(stack: LocalStack, tree: Path) -> str:
    """The intake line of ``tree``'s ``charterhand status``."""
    env = {**os.environ, **stack.env(), "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-m", "commands.main", "status"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("intake")]
    return lines[0] if lines else f"(no intake line; exit {done.returncode})"


# --- 1. outsider mail ahead of good bookings ---------------------------------------------------


def outsiders(
    tree: Path,
    logs: Path,
    *,
    count: int = 22,
    good: int = 5,
    depth: int = 3000,
    verdicts: dict[str, str] = NO_VERDICT,
    processes: int = 2,
    seconds: float = 120,
) -> dict[str, Any]:
    stack = provision()
    poison = nested_multipart(depth)
    outsider_ids = {send_raw(stack, poison, verdicts=verdicts) for _ in range(count)}
    keys = {f"boatsetter:{booking_id('g', n)}" for n in range(good)}
    for key in sorted(keys):
        send_raw(stack, renamed("boatsetter-confirmed.eml", key.partition(":")[2]))
    started = time.monotonic()
    with workers_on(stack, tree, logs) as workers:
        for _ in range(processes):
            workers.start()

        def over() -> bool:
            done = published(workers.recorder)
            if queue_empty(stack) and all(done.get(k) == STEPS for k in keys):
                return True
            # every worker stopped (or died): nothing more will happen
            return workers.stopped_intake() + workers.crashed() >= processes

        wait_until(over, seconds)
        time.sleep(2)  # a message still being settled
        elapsed = time.monotonic() - started
        outcomes = Counter(line["outcome"] for line in workers.settled())
        stopped = workers.stopped_intake()
        done = published(workers.recorder)
    letters = dead_letters(stack)
    result = {
        "dead_letters_of_outsiders": sum(1 for m in letters if m in outsider_ids),
        "dead_letters_other": sum(1 for m in letters if m not in outsider_ids),
        "workers_that_stopped_intake": f"{stopped} of {processes}",
        "good_bookings_published": f"{sum(done.get(k) == STEPS for k in keys)} of {good}",
        "outcomes": dict(outcomes),
        "left_in_queue": messages_in(boto3.client("sqs"), stack.queue_url),
        "seconds": round(elapsed, 1),
    }
    record = intake_record(stack) if tree == ROOT else None
    if record is not None:
        result["shared_record"] = record
        result["status_intake"] = status_intake(stack, tree)
    return result


# --- 2. forged notifications -------------------------------------------------------------------


def _put(stack: LocalStack, key: str, body: bytes, bucket: str | None = None) -> None:
    boto3.client("s3").put_object(Bucket=bucket or stack.inbound_bucket, Key=key, Body=body)


def _enqueue(stack: LocalStack, body: str) -> str:
    """Send ``body`` as ``sqs:SendMessage`` allows; its SQS MessageId."""
    sent = boto3.client("sqs").send_message(QueueUrl=stack.queue_url, MessageBody=body)
    return sent["MessageId"]


def _notification(stack: LocalStack, raw: bytes, message_id: str, key: str, bucket: str = ""):
    """SES's "Received" notification for an S3 action, every verdict PASS (the forger's say)."""
    return ses_notification(
        raw,
        message_id=message_id,
        bucket=bucket or stack.inbound_bucket,
        key=key,
        verdicts=PASSING,
    )


def foreign_topic(stack: LocalStack, raw: bytes, verdicts: dict[str, str] = PASSING) -> str:
    """An email SES stored (with ``verdicts``), announced by an envelope from someone else's
    topic with a forged signature, its notification saying PASS."""
    message_id = new_message_id()
    _put(stack, f"raw/{message_id}", with_ses_headers(raw, verdicts))
    doc = json.loads(sns_envelope(_notification(stack, raw, message_id, f"raw/{message_id}")))
    doc["TopicArn"] = "arn:aws:sns:us-east-1:666666666666:not-ours"
    doc["Signature"] = base64.b64encode(b"forged").decode()
    return _enqueue(stack, json.dumps(doc))


def bare_body(stack: LocalStack, raw: bytes) -> str:
    """No SNS envelope; the notification says PASS; the object was not stored by SES (no SES
    Authentication-Results)."""
    message_id = new_message_id()
    _put(stack, f"raw/{message_id}", b"X-SES-Spam-Verdict: PASS\r\n" + raw)
    return _enqueue(stack, json.dumps(_notification(stack, raw, message_id, f"raw/{message_id}")))


def inline_content(stack: LocalStack, raw: bytes) -> str:
    """An SNS action's notification: the email inline, topped by a sender-written header."""
    doc = _notification(stack, raw, new_message_id(), "unused")
    doc["receipt"]["action"] = {"type": "SNS", "topicArn": TOPIC_ARN, "encoding": "BASE64"}
    doc["content"] = base64.b64encode(FORGED_RESULTS + raw).decode()
    return _enqueue(stack, sns_envelope(doc))


def topped_by_another_server(stack: LocalStack, raw: bytes) -> str:
    """A stored object whose topmost Authentication-Results is not SES's."""
    message_id = new_message_id()
    stored = b"Authentication-Results: mx.evil.example; dmarc=pass\r\n" + raw
    _put(stack, f"raw/{message_id}", stored)
    return _enqueue(stack, sns_envelope(_notification(stack, raw, message_id, f"raw/{message_id}")))


def key_of_another_email(stack: LocalStack, raw: bytes, verdicts: dict[str, str] = PASSING) -> str:
    """A notification (PASS) for one email whose object key points at another, which SES
    stored (with ``verdicts``)."""
    other = new_message_id()
    _put(stack, f"raw/{other}", with_ses_headers(raw, verdicts))
    notification = _notification(stack, raw, new_message_id(), f"raw/{other}")
    return _enqueue(stack, sns_envelope(notification))


def outside_the_prefix(stack: LocalStack, raw: bytes) -> str:
    """An S3 event for an object outside the inbound prefix, topped by SES-looking headers."""
    message_id = new_message_id()
    _put(stack, f"elsewhere/{message_id}", with_ses_headers(raw, PASSING))
    record = {
        "eventSource": "aws:s3",
        "eventName": "ObjectCreated:Put",
        "s3": {
            "bucket": {"name": stack.inbound_bucket},
            "object": {"key": f"elsewhere/{message_id}"},
        },
    }
    return _enqueue(stack, json.dumps({"Records": [record]}))


def another_bucket(stack: LocalStack, raw: bytes) -> str:
    """An object, topped by SES-looking headers, in a bucket that is not the inbound bucket."""
    bucket = f"elsewhere-{uuid.uuid4().hex[:8]}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    message_id = new_message_id()
    _put(stack, f"raw/{message_id}", with_ses_headers(raw, PASSING), bucket=bucket)
    return _enqueue(
        stack, sns_envelope(_notification(stack, raw, message_id, f"raw/{message_id}", bucket))
    )


def genuine(stack: LocalStack, raw: bytes) -> str:
    """The control: what SES really stores and announces (every verdict PASS)."""
    message_id = new_message_id()
    _put(stack, f"raw/{message_id}", with_ses_headers(raw, PASSING))
    return _enqueue(stack, sns_envelope(_notification(stack, raw, message_id, f"raw/{message_id}")))


SHAPES: dict[str, Callable[[LocalStack, bytes], str]] = {
    "foreign topic, forged signature": foreign_topic,
    "bare body, no envelope, not stored by SES": bare_body,
    "inline content, sender-written Authentication-Results": inline_content,
    "topped by another server's Authentication-Results": topped_by_another_server,
    "key of another email": key_of_another_email,
    "key outside the inbound prefix": outside_the_prefix,
    "object in another bucket": another_bucket,
}
#: not among the 7: the same two shapes laundering an email SES stored and failed (nothing passes
#: for its From domain), so only the forged notification says PASS
EXTRA: dict[str, Callable[[LocalStack, bytes], str]] = {
    "(extra) foreign topic, an email SES failed": partial(foreign_topic, verdicts=SES_FAILED),
    "(extra) key of another email, one SES failed": partial(
        key_of_another_email, verdicts=SES_FAILED
    ),
}
CONTROL = "control: genuine SES mail"


def forged(
    tree: Path, logs: Path, *, extra: bool = True, processes: int = 2, seconds: float = 90
) -> dict[str, Any]:
    stack = provision()
    every = {**SHAPES, **(EXTRA if extra else {}), CONTROL: genuine}
    keys: dict[str, str] = {}
    sent: dict[str, str] = {}  # shape → the SQS MessageId its message went out with
    for n, (name, send) in enumerate(every.items()):
        ident = booking_id("f", n)
        keys[name] = f"boatsetter:{ident}"
        sent[name] = send(stack, renamed("boatsetter-confirmed.eml", ident))
    started = time.monotonic()
    with workers_on(stack, tree, logs) as workers:
        for _ in range(processes):
            workers.start()
        wait_until(lambda: queue_empty(stack) and len(workers.settled()) >= len(keys), seconds)
        time.sleep(1)
        elapsed = time.monotonic() - started
        lines = workers.settled()
        done = published(workers.recorder)
    store = StateStore(stack.table_name, boto3.client("dynamodb"))
    shapes: dict[str, str] = {}
    verified: set[str] = set()
    reached: set[str] = set()
    for name, key in keys.items():
        stored = store.load(key).booking
        steps = len(done.get(key, set()))
        if stored and stored.provenance and stored.provenance.verified:
            verified.add(name)
        if stored or steps:
            reached.add(name)
        ended = [
            f"{line['outcome']}: {line.get('reason', '')}"
            for line in lines
            if line.get("message_id") == sent[name]
        ] or ["(not settled)"]
        state = "verified" if name in verified else ("unverified" if stored else "not stored")
        shapes[name] = f"{state}, {steps} steps published; {ended[-1][:110]}"
    return {
        "published_as_verified": f"{len(verified & SHAPES.keys())} of {len(SHAPES)}",
        "published_at_all": f"{len(reached & SHAPES.keys())} of {len(SHAPES)}",
        "extra_published_as_verified": f"{len(verified & EXTRA.keys())} of {len(EXTRA)}"
        if extra
        else None,
        "control_verified": CONTROL in verified,
        "dead_letters": len(dead_letters(stack)),
        "outcomes": dict(Counter(line["outcome"] for line in lines)),
        "shapes": shapes,
        "seconds": round(elapsed, 1),
    }


# --- 3. crew emails under lost SES answers -----------------------------------------------------


def doubled(
    tree: Path,
    logs: Path,
    moto_url: str,
    *,
    bookings: int = 20,
    lose: float = 0.10,
    events: bool,
    processes: int = 2,
    seed: int = 11,
    seconds: float = 150,
    quiet_seconds: float = 12,
    let_time_pass: bool = True,
) -> dict[str, Any]:
    """``let_time_pass`` (this tree, without the events queue): once the run is quiet, every send
    still pending is made 901 s old in the state table, as if ``report_wait_seconds`` (900 s) had
    passed, and the run goes on until it is quiet again: what the lost answers become then."""
    stack = provision()
    sqs = boto3.client("sqs")
    events_url = None
    if events:
        events_url = sqs.create_queue(QueueName=f"{stack.table_name}-ses-events")["QueueUrl"]
    ses = SesStandIn(moto_url, sqs=sqs, events_queue_url=events_url, lose_ratio=lose, seed=seed)
    ids = [booking_id("m", n) for n in range(bookings)]
    keys = {f"boatsetter:{i}" for i in ids}
    settings: dict[str, Any] = {"ses_events_queue_url": events_url} if events_url else {}
    changed: set[str] = set()

    def work(until: float) -> None:
        """Queue each booking's change as soon as SES took its first email; return when the
        queue is empty, or nothing moved for ``quiet_seconds`` (a lost send without SES's
        events waits 900 s), or at ``until``."""
        moved = (-1, time.monotonic())
        while time.monotonic() < until:
            for key in {a.booking for a in list(ses.accepted)} & keys - changed:
                changed.add(key)
                send_raw(stack, renamed("boatsetter-modified.eml", key.partition(":")[2]))
            progress = len(ses.accepted) + len(changed)
            if progress != moved[0]:
                moved = (progress, time.monotonic())
            if len(changed) == len(keys) and queue_empty(stack):
                return
            if len(changed) == len(keys) and time.monotonic() - moved[1] > quiet_seconds:
                return
            time.sleep(0.25)

    started = time.monotonic()
    aged = None
    with serving(ses), workers_on(stack, tree, logs) as workers:
        env = {"AWS_ENDPOINT_URL_SESV2": ses.base_url}
        for ident in ids:
            send_raw(stack, renamed("boatsetter-confirmed.eml", ident))
        for _ in range(processes):
            workers.start(module="tests.support.mail_worker", env=env, **settings)
        work(started + seconds)
        within = list(ses.accepted)
        waiting = waiting_bookings(stack, keys)
        elapsed = time.monotonic() - started
        if let_time_pass and not events and tree == ROOT:
            aged = age_pending_sends(stack, by=901)
            work(time.monotonic() + seconds)
        workers.stop_all()
        after = list(ses.accepted)
    result = {
        "emails_accepted": len(within),
        "doubled": count_doubled(within),
        "lost": sum(
            (key, to) not in {(a.booking, a.to) for a in within}
            for key in keys
            for to in RECIPIENTS
        ),
        "answers_lost": sum(1 for a in within if a.answer != "ok"),
        "kinds": dict(Counter(a.kind for a in within)),
        "bookings_waiting_at_the_end": f"{waiting} of {bookings}",
        "changes_sent": len(changed),
        "seconds": round(elapsed, 1),
    }
    if aged is not None:
        result["after_900_s"] = {
            "pending_sends_aged": aged,
            "doubled": count_doubled(after),
            "emails_accepted": len(after),
            "bookings_waiting": f"{waiting_bookings(stack, keys)} of {bookings}",
        }
    return result


def count_doubled(accepted: list[Any]) -> int:
    """Emails SES accepted beyond one per (booking, recipient, kind)."""
    per_email = Counter((a.booking, a.to, a.kind) for a in accepted)
    return sum(count - 1 for count in per_email.values() if count > 1)


def waiting_bookings(stack: LocalStack, keys: set[str]) -> int:
    """Bookings whose email steps are not all published."""
    store = StateStore(stack.table_name, boto3.client("dynamodb"))
    waiting = 0
    for key in keys:
        steps = store.load(key).steps
        waiting += any(s not in steps or steps[s].status != "published" for s in EMAIL_STEPS)
    return waiting


def age_pending_sends(stack: LocalStack, *, by: float) -> int:
    """Make every once-record still in progress ``by`` seconds older: time passing, as the
    workers read it (its start and the end of its hold); how many there were."""
    dynamodb = boto3.client("dynamodb")
    pages = dynamodb.get_paginator("scan").paginate(
        TableName=stack.table_name,
        FilterExpression="#status = :in_progress AND attribute_exists(in_progress_until)",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":in_progress": {"S": "in_progress"}},
    )
    aged = 0
    for page in pages:
        for item in page["Items"]:
            dynamodb.update_item(
                TableName=stack.table_name,
                Key={PK: item[PK], SK: item[SK]},
                UpdateExpression="SET started_at = :started, in_progress_until = :until",
                ExpressionAttributeValues={
                    ":started": {"N": f"{float(item['started_at']['N']) - by:.3f}"},
                    ":until": {"N": f"{float(item['in_progress_until']['N']) - by:.3f}"},
                },
            )
            aged += 1
    return aged


# --- the run -----------------------------------------------------------------------------------


def run_tree(tree: Path, label: str, only: set[str], out: Path, args: argparse.Namespace) -> None:
    with running_moto() as moto:
        if "1" in only:
            for processes in (2, 1):
                result = outsiders(
                    tree,
                    out / label / f"outsiders-{processes}",
                    count=args.outsiders,
                    depth=args.depth,
                    processes=processes,
                )
                print(
                    f"[{label}] 1. {args.outsiders} outsider emails ahead of 5 good bookings, "
                    f"{processes} worker process(es): {result}",
                    flush=True,
                )
        if "2" in only:
            result = forged(tree, out / label / "forged")
            shapes = result.pop("shapes")
            print(f"[{label}] 2. forged notifications: {result}", flush=True)
            for name, what in shapes.items():
                print(f"      {name}: {what}", flush=True)
        if "3" in only:
            for events in (False, True):
                moto.reset()
                name = "with" if events else "without"
                result = doubled(
                    tree,
                    out / label / f"doubled-{name}",
                    moto.endpoint_url,
                    bookings=args.bookings,
                    lose=args.lose,
                    events=events,
                )
                print(
                    f"[{label}] 3. crew emails, {args.lose:.0%} lost SES answers, a change "
                    f"while sends are pending, {name} the SES events queue: {result}",
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--old", type=Path, help="an older checkout: its workers, run as well")
    parser.add_argument("--old-only", action="store_true", help="run only --old's workers")
    parser.add_argument("--only", default="1,2,3", help="scenarios to run (default 1,2,3)")
    parser.add_argument("--outsiders", type=int, default=22)
    parser.add_argument("--depth", type=int, default=3000)
    parser.add_argument("--bookings", type=int, default=20)
    parser.add_argument("--lose", type=float, default=0.10)
    parser.add_argument("--out", type=Path, default=ROOT / "artifacts" / "bench-attacks")
    args = parser.parse_args()
    only = set(args.only.split(","))
    started = time.monotonic()
    if not args.old_only:
        run_tree(ROOT, "new", only, args.out, args)
    if args.old:
        run_tree(args.old.resolve(), "old", only, args.out, args)
    print(f"({time.monotonic() - started:.0f} s; worker logs under {args.out})")


if __name__ == "__main__":
    main()
